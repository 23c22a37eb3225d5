// DescribeQuorum (key 55): v0-2
// Behaviour: forwarded to the active controller in an Envelope (KIP-590), as Kafka's brokers do (KafkaApis
// forwardToController): the metadata quorum's leader alone knows every replica's progress. The controller's answer
// is returned unchanged; REQUEST_TIMED_OUT (7) when no active controller answers within the forwarding timeout.
// The controller listener answers it from the raft client (controller-apis/raft-apis.ts).
// Version notes: v1 adds the replicas' lastFetchTimestamp and lastCaughtUpTimestamp (KIP-836); v2 adds
// replicaDirectoryId, the nodes' listeners and error messages (KIP-853).
import { defineHandler, type ApiHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import type { DescribeQuorumRequest } from '../../protocol/generated/messages/describe-quorum-request.ts';
import type { DescribeQuorumResponse } from '../../protocol/generated/messages/describe-quorum-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import type { BrokerServices } from '../broker-services.ts';

export const describeQuorumHandler: ApiHandler<DescribeQuorumRequest, Input<DescribeQuorumResponse>, BrokerServices> = defineHandler({
  apiKey: ApiKeys.DescribeQuorum,
  minVersion: 0,
  maxVersion: 2,
  handle: (services, request, info) => services.forwardingManager.forward(describeQuorumHandler, request, info),
  // Kafka's DescribeQuorumRequest.getErrorResponse: the top-level error only.
  errorResponse(_request, error) {
    return { errorCode: error.code, errorMessage: error.message, topics: [], nodes: [] };
  },
});
