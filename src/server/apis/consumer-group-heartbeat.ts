// ConsumerGroupHeartbeat (key 68): v0
// Behaviour: the KIP-848 consumer group protocol (group.protocol=consumer): joins (member epoch 0), heartbeats,
// and leaves (-1; -2 for a static member leaving temporarily) a consumer group; the coordinator computes the
// target assignment with a server-side assignor (uniform by default, or range) and hands it out incrementally
// (revocations first). Served only when group.coordinator.rebalance.protocols lists 'consumer' (else
// UNSUPPORTED_VERSION (35), as Kafka). Errors (with a message): INVALID_REQUEST (42), UNSUPPORTED_ASSIGNOR (112),
// GROUP_ID_NOT_FOUND (69), UNKNOWN_MEMBER_ID (25), FENCED_MEMBER_EPOCH (110), UNRELEASED_INSTANCE_ID (111),
// FENCED_INSTANCE_ID (82), GROUP_MAX_SIZE_REACHED (81), NOT_COORDINATOR (16), COORDINATOR_LOAD_IN_PROGRESS (14).
// Version notes: v0 only (v1 adds subscribedTopicRegex, not supported yet).
// Authorization (Kafka's KafkaApis): READ on the group, else GROUP_AUTHORIZATION_FAILED (30).
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { requireGroup } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { ConsumerGroupHeartbeatRequest } from '../../protocol/generated/messages/consumer-group-heartbeat-request.ts';
import type { ConsumerGroupHeartbeatResponse } from '../../protocol/generated/messages/consumer-group-heartbeat-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { groupRequestContext } from '../../coordinator/group/group-manager-context.ts';

export const consumerGroupHeartbeatHandler = defineHandler<ConsumerGroupHeartbeatRequest, Input<ConsumerGroupHeartbeatResponse>>({
  apiKey: ApiKeys.ConsumerGroupHeartbeat,
  minVersion: 0,
  maxVersion: 0,
  async handle(services, request, info) {
    const { apiVersion, header, connection } = info;
    if (!services.groupCoordinator.config.groupCoordinatorRebalanceProtocols.includes('consumer')) {
      return { throttleTimeMs: 0, errorCode: Errors.UNSUPPORTED_VERSION, errorMessage: 'The consumer group protocol is not enabled (group.coordinator.rebalance.protocols).' };
    }
    requireGroup(services.authorizer, info, AclOperation.READ, request.groupId);
    const response = await services.groupCoordinator.consumerGroupHeartbeat(groupRequestContext(header.clientId, connection.clientAddress, apiVersion), request);
    return { throttleTimeMs: 0, ...response };
  },
  // Kafka's ConsumerGroupHeartbeatRequest.getErrorResponse: the error only.
  errorResponse(_request, error) {
    return { throttleTimeMs: 0, errorCode: error.code };
  },
});
