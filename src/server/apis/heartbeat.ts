// Heartbeat (key 12): v0-4
// Behaviour: keeps a classic group member's session alive (session.timeout.ms); REBALANCE_IN_PROGRESS (27) tells
// it to rejoin. Errors: INVALID_GROUP_ID (24), UNKNOWN_MEMBER_ID (25), ILLEGAL_GENERATION (22),
// FENCED_INSTANCE_ID (82), NOT_COORDINATOR (16), COORDINATOR_NOT_AVAILABLE (15); a loading coordinator answers
// NONE, as Kafka does.
// Version notes: v1 throttle time; v3 groupInstanceId (KIP-345); v4 flexible.
// Authorization (Kafka's KafkaApis): READ on the group, else GROUP_AUTHORIZATION_FAILED (30).
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { requireGroup } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import type { HeartbeatRequest } from '../../protocol/generated/messages/heartbeat-request.ts';
import type { HeartbeatResponse } from '../../protocol/generated/messages/heartbeat-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { groupRequestContext } from '../../coordinator/group/group-manager-context.ts';

export const heartbeatHandler = defineHandler<HeartbeatRequest, Input<HeartbeatResponse>>({
  apiKey: ApiKeys.Heartbeat,
  minVersion: 0,
  maxVersion: 4,
  async handle(services, request, info) {
    const { apiVersion, header, connection } = info;
    requireGroup(services.authorizer, info, AclOperation.READ, request.groupId);
    const response = await services.groupCoordinator.heartbeat(groupRequestContext(header.clientId, connection.clientAddress, apiVersion), request);
    return { throttleTimeMs: 0, ...response };
  },
  // Kafka's HeartbeatRequest.getErrorResponse.
  errorResponse(_request, error) {
    return { throttleTimeMs: 0, errorCode: error.code };
  },
});
