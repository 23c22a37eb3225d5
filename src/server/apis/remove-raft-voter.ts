// RemoveRaftVoter (key 81): v0
// Behaviour: passed on as it is to the active controller, whose raft client removes the voter (KIP-853; a removed
// leader resigns once the change commits), and its answer returned unchanged, as Kafka's brokers forward it;
// REQUEST_TIMED_OUT when no active controller answers within request.timeout.ms.
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import type { RemoveRaftVoterRequest } from '../../protocol/generated/messages/remove-raft-voter-request.ts';
import type { RemoveRaftVoterResponse } from '../../protocol/generated/messages/remove-raft-voter-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { forwardToActiveController } from './forward-to-active-controller.ts';

export const removeRaftVoterHandler = defineHandler<RemoveRaftVoterRequest, Input<RemoveRaftVoterResponse>>({
  apiKey: ApiKeys.RemoveRaftVoter,
  minVersion: 0,
  maxVersion: 0,
  handle(services, request, { apiVersion }) {
    return forwardToActiveController<RemoveRaftVoterResponse>(services, ApiKeys.RemoveRaftVoter, apiVersion, request, services.config.getInt('request.timeout.ms'));
  },
  errorResponse(_request, error) {
    return { throttleTimeMs: 0, errorCode: error.code, errorMessage: error.message };
  },
});
