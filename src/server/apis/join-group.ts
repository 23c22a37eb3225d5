// JoinGroup (key 11): v0-9
// Behaviour: joins a classic group through the group coordinator (GroupCoordinator.joinGroup): two-step join with
// MEMBER_ID_REQUIRED (79) from v4, static membership (group.instance.id, v5+), a protocol every member supports,
// group.initial.rebalance.delay.ms for new groups; the response is sent when the generation forms. Errors:
// INVALID_GROUP_ID (24), INVALID_SESSION_TIMEOUT (26), UNKNOWN_MEMBER_ID (25), INCONSISTENT_GROUP_PROTOCOL (23),
// GROUP_MAX_SIZE_REACHED (81), FENCED_INSTANCE_ID (82), NOT_COORDINATOR (16), COORDINATOR_LOAD_IN_PROGRESS (14),
// COORDINATOR_NOT_AVAILABLE (15), REBALANCE_IN_PROGRESS (27).
// Version notes: v0 has no rebalance timeout (the session timeout is used, as Kafka does); v4 MEMBER_ID_REQUIRED;
// v5 groupInstanceId; v6 flexible; v7 protocolType in the response and nullable protocolName; v8 reason;
// v9 skipAssignment for a rejoining static leader (KIP-814).
// Authorization (Kafka's KafkaApis): READ on the group, else GROUP_AUTHORIZATION_FAILED (30).
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { requireGroup } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import type { JoinGroupRequest } from '../../protocol/generated/messages/join-group-request.ts';
import type { JoinGroupResponse } from '../../protocol/generated/messages/join-group-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { groupRequestContext } from '../../coordinator/group/group-manager-context.ts';

export const joinGroupHandler = defineHandler<JoinGroupRequest, Input<JoinGroupResponse>>({
  apiKey: ApiKeys.JoinGroup,
  minVersion: 0,
  maxVersion: 9,
  async handle(services, request, info) {
    const { apiVersion, header, connection } = info;
    requireGroup(services.authorizer, info, AclOperation.READ, request.groupId);
    const normalized = apiVersion === 0 ? { ...request, rebalanceTimeoutMs: request.sessionTimeoutMs } : request;
    const response = await services.groupCoordinator.joinGroup(groupRequestContext(header.clientId, connection.clientAddress, apiVersion), normalized);
    return {
      ...response,
      throttleTimeMs: 0,
      // Before v7 the protocol name is not nullable (Kafka's JoinGroupResponse writes "").
      protocolName: apiVersion < 7 ? (response.protocolName ?? '') : (response.protocolName ?? null),
      protocolType: response.protocolType ?? null,
      leader: response.leader ?? '',
      memberId: response.memberId ?? '',
      skipAssignment: apiVersion >= 9 ? (response.skipAssignment ?? false) : false,
    };
  },
  // Kafka's JoinGroupRequest.getErrorResponse: the error, unknown generation, member and protocol.
  errorResponse(_request, error, apiVersion) {
    return { throttleTimeMs: 0, errorCode: error.code, generationId: -1, protocolName: apiVersion >= 7 ? null : '', leader: '', memberId: '', members: [] };
  },
});
