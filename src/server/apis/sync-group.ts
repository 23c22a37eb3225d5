// SyncGroup (key 14): v0-5
// Behaviour: the leader of a classic group's new generation hands in the assignment, which is stored in
// __consumer_offsets (GroupMetadata record) and then given to every member; followers wait for it; in a Stable
// group a member gets its assignment back at once. Errors: INVALID_GROUP_ID (24), UNKNOWN_MEMBER_ID (25),
// ILLEGAL_GENERATION (22), REBALANCE_IN_PROGRESS (27), FENCED_INSTANCE_ID (82), INCONSISTENT_GROUP_PROTOCOL (23),
// NOT_COORDINATOR (16), COORDINATOR_NOT_AVAILABLE (15).
// Version notes: v1 throttle time; v3 groupInstanceId; v4 flexible; v5 protocolType/protocolName, which are then
// mandatory (INCONSISTENT_GROUP_PROTOCOL without them, as Kafka).
// Authorization (Kafka's KafkaApis): READ on the group, else GROUP_AUTHORIZATION_FAILED (30).
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { requireGroup } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { SyncGroupRequest } from '../../protocol/generated/messages/sync-group-request.ts';
import type { SyncGroupResponse } from '../../protocol/generated/messages/sync-group-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { groupRequestContext } from '../../coordinator/group/group-manager-context.ts';

export const syncGroupHandler = defineHandler<SyncGroupRequest, Input<SyncGroupResponse>>({
  apiKey: ApiKeys.SyncGroup,
  minVersion: 0,
  maxVersion: 5,
  async handle(services, request, info) {
    const { apiVersion, header, connection } = info;
    if (apiVersion >= 5 && (request.protocolType === null || request.protocolName === null)) {
      return { throttleTimeMs: 0, errorCode: Errors.INCONSISTENT_GROUP_PROTOCOL, assignment: Buffer.alloc(0) };
    }
    requireGroup(services.authorizer, info, AclOperation.READ, request.groupId);
    const response = await services.groupCoordinator.syncGroup(groupRequestContext(header.clientId, connection.clientAddress, apiVersion), request);
    return {
      throttleTimeMs: 0,
      errorCode: response.errorCode ?? Errors.NONE,
      protocolType: apiVersion >= 5 ? (response.protocolType ?? null) : null,
      protocolName: apiVersion >= 5 ? (response.protocolName ?? null) : null,
      assignment: response.assignment ?? Buffer.alloc(0),
    };
  },
  // Kafka's SyncGroupRequest.getErrorResponse: the error and an empty assignment.
  errorResponse(_request, error) {
    return { throttleTimeMs: 0, errorCode: error.code, assignment: Buffer.alloc(0) };
  },
});
