// DeleteGroups (key 42): v0-2
// Behaviour: deletes empty groups with all their committed offsets (tombstones in __consumer_offsets). Per group
// errors: NON_EMPTY_GROUP (68) while members are active, GROUP_ID_NOT_FOUND (69), NOT_COORDINATOR (16),
// COORDINATOR_LOAD_IN_PROGRESS (14). A group named twice is deleted once (Kafka dedups the list).
// Version notes: v1 no change; v2 flexible.
// Authorization (Kafka's KafkaApis): DELETE on each group, else GROUP_AUTHORIZATION_FAILED (30) for it.
import { AclOperation, ResourceType } from '../../security/authorizer/acl-codes.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import { filterAuthorized, runAuthorized } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import type { DeleteGroupsRequest } from '../../protocol/generated/messages/delete-groups-request.ts';
import type { DeleteGroupsResponse } from '../../protocol/generated/messages/delete-groups-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { groupRequestContext } from '../../coordinator/group/group-manager-context.ts';

export const deleteGroupsHandler = defineHandler<DeleteGroupsRequest, Input<DeleteGroupsResponse>>({
  apiKey: ApiKeys.DeleteGroups,
  minVersion: 0,
  maxVersion: 2,
  async handle(services, request, info) {
    const { apiVersion, header, connection } = info;
    const groupIds = [...new Set(request.groupsNames)];
    const deletable = filterAuthorized(services.authorizer, info, AclOperation.DELETE, ResourceType.GROUP, groupIds);
    const results = await runAuthorized(
      groupIds,
      (groupId) => (deletable.has(groupId) ? Errors.NONE : Errors.GROUP_AUTHORIZATION_FAILED),
      (allowed) => services.groupCoordinator.deleteGroups(groupRequestContext(header.clientId, connection.clientAddress, apiVersion), allowed),
      (groupId, errorCode) => ({ groupId, errorCode }),
    );
    return { throttleTimeMs: 0, results };
  },
  // Kafka's DeleteGroupsRequest.getErrorResponse: the error on every group named.
  errorResponse(request, error) {
    return { throttleTimeMs: 0, results: request.groupsNames.map((groupId) => ({ groupId, errorCode: error.code })) };
  },
});
