// AddRaftVoter (key 80): v0
// Behaviour: passed on as it is to the active controller, whose raft client adds the voter (KIP-853: the new
// voter must be caught up; one voter change at a time), and its answer returned unchanged, as Kafka's brokers
// forward it; REQUEST_TIMED_OUT when no active controller answers within the larger of request.timeout.ms and the
// request's own timeoutMs.
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import type { AddRaftVoterRequest } from '../../protocol/generated/messages/add-raft-voter-request.ts';
import type { AddRaftVoterResponse } from '../../protocol/generated/messages/add-raft-voter-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { forwardToActiveController } from './forward-to-active-controller.ts';

export const addRaftVoterHandler = defineHandler<AddRaftVoterRequest, Input<AddRaftVoterResponse>>({
  apiKey: ApiKeys.AddRaftVoter,
  minVersion: 0,
  maxVersion: 0,
  handle(services, request, { apiVersion }) {
    const timeoutMs = Math.max(services.config.getInt('request.timeout.ms'), request.timeoutMs);
    return forwardToActiveController<AddRaftVoterResponse>(services, ApiKeys.AddRaftVoter, apiVersion, request, timeoutMs);
  },
  errorResponse(_request, error) {
    return { throttleTimeMs: 0, errorCode: error.code, errorMessage: error.message };
  },
});
