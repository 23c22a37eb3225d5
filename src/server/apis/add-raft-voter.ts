// AddRaftVoter (key 80): v0
// Behaviour: forwarded to the active controller in an Envelope (KIP-590), as Kafka's brokers do; its raft client
// adds the voter (KIP-853: the new voter must be caught up; one voter change at a time) and its answer is returned
// unchanged; REQUEST_TIMED_OUT (7) when no active controller answers within the forwarding timeout.
import { defineHandler, type ApiHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import type { AddRaftVoterRequest } from '../../protocol/generated/messages/add-raft-voter-request.ts';
import type { AddRaftVoterResponse } from '../../protocol/generated/messages/add-raft-voter-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import type { BrokerServices } from '../broker-services.ts';

export const addRaftVoterHandler: ApiHandler<AddRaftVoterRequest, Input<AddRaftVoterResponse>, BrokerServices> = defineHandler({
  apiKey: ApiKeys.AddRaftVoter,
  minVersion: 0,
  maxVersion: 0,
  handle: (services, request, info) => services.forwardingManager.forward(addRaftVoterHandler, request, info),
  errorResponse(_request, error) {
    return { throttleTimeMs: 0, errorCode: error.code, errorMessage: error.message };
  },
});
