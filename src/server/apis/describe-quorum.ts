// DescribeQuorum (key 55): v0-2
// Behaviour: passed on as it is to the active controller (the metadata quorum's leader, which alone knows every
// replica's progress) and its answer returned unchanged, as Kafka's brokers forward it; REQUEST_TIMED_OUT when no
// active controller answers within request.timeout.ms. The controller listener answers it from the raft client.
// Version notes: v1 adds the replicas' lastFetchTimestamp and lastCaughtUpTimestamp (KIP-836); v2 adds
// replicaDirectoryId, the nodes' listeners and error messages (KIP-853).
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import type { DescribeQuorumRequest } from '../../protocol/generated/messages/describe-quorum-request.ts';
import type { DescribeQuorumResponse } from '../../protocol/generated/messages/describe-quorum-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { forwardToActiveController } from './forward-to-active-controller.ts';

export const describeQuorumHandler = defineHandler<DescribeQuorumRequest, Input<DescribeQuorumResponse>>({
  apiKey: ApiKeys.DescribeQuorum,
  minVersion: 0,
  maxVersion: 2,
  handle(services, request, { apiVersion }) {
    return forwardToActiveController<DescribeQuorumResponse>(services, ApiKeys.DescribeQuorum, apiVersion, request, services.config.getInt('request.timeout.ms'));
  },
  // Kafka's DescribeQuorumRequest.getErrorResponse: the top-level error only.
  errorResponse(_request, error) {
    return { errorCode: error.code, errorMessage: error.message, topics: [], nodes: [] };
  },
});
