// LeaveGroup (key 13): v0-5
// Behaviour: removes members from a classic group and rebalances the rest. From v3 a batch of members, each
// by member id or (admin removal, empty member id) by group.instance.id, with per-member errors
// UNKNOWN_MEMBER_ID (25) / FENCED_INSTANCE_ID (82); v0-2 name one member and get its error at top level.
// Top-level errors: INVALID_GROUP_ID (24), NOT_COORDINATOR (16), COORDINATOR_LOAD_IN_PROGRESS (14),
// COORDINATOR_NOT_AVAILABLE (15).
// Version notes: v1 throttle time; v3 batch members (KIP-345); v4 flexible; v5 reason per member.
// Authorization (Kafka's KafkaApis): READ on the group, else GROUP_AUTHORIZATION_FAILED (30).
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { requireGroup } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { LeaveGroupRequest } from '../../protocol/generated/messages/leave-group-request.ts';
import type { LeaveGroupResponse } from '../../protocol/generated/messages/leave-group-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { groupRequestContext } from '../../coordinator/group/group-manager-context.ts';

export const leaveGroupHandler = defineHandler<LeaveGroupRequest, Input<LeaveGroupResponse>>({
  apiKey: ApiKeys.LeaveGroup,
  minVersion: 0,
  maxVersion: 5,
  async handle(services, request, info) {
    const { apiVersion, header, connection } = info;
    requireGroup(services.authorizer, info, AclOperation.READ, request.groupId);
    const members = apiVersion >= 3
      ? request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, reason: m.reason }))
      : [{ memberId: request.memberId, groupInstanceId: null, reason: null }];
    const response = await services.groupCoordinator.leaveGroup(groupRequestContext(header.clientId, connection.clientAddress, apiVersion), request.groupId, members);
    if (apiVersion >= 3) return { throttleTimeMs: 0, errorCode: response.errorCode ?? Errors.NONE, members: response.members ?? [] };
    // Kafka's LeaveGroupResponse for v0-2: a top-level error wins, otherwise the single member's error.
    const top = response.errorCode ?? Errors.NONE;
    return { throttleTimeMs: 0, errorCode: top !== Errors.NONE ? top : (response.members?.[0]?.errorCode ?? Errors.NONE) };
  },
  // Kafka's LeaveGroupRequest.getErrorResponse: the top-level error only.
  errorResponse(_request, error) {
    return { throttleTimeMs: 0, errorCode: error.code, members: [] };
  },
});
