// RemoveRaftVoter (key 81): v0
// Behaviour: forwarded to the active controller in an Envelope (KIP-590), as Kafka's brokers do; its raft client
// removes the voter (KIP-853; a removed leader resigns once the change commits) and its answer is returned
// unchanged; REQUEST_TIMED_OUT (7) when no active controller answers within the forwarding timeout.
import { defineHandler, type ApiHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import type { RemoveRaftVoterRequest } from '../../protocol/generated/messages/remove-raft-voter-request.ts';
import type { RemoveRaftVoterResponse } from '../../protocol/generated/messages/remove-raft-voter-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import type { BrokerServices } from '../broker-services.ts';

export const removeRaftVoterHandler: ApiHandler<RemoveRaftVoterRequest, Input<RemoveRaftVoterResponse>, BrokerServices> = defineHandler({
  apiKey: ApiKeys.RemoveRaftVoter,
  minVersion: 0,
  maxVersion: 0,
  handle: (services, request, info) => services.forwardingManager.forward(removeRaftVoterHandler, request, info),
  errorResponse(_request, error) {
    return { throttleTimeMs: 0, errorCode: error.code, errorMessage: error.message };
  },
});
