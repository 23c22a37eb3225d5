// DeleteGroups (key 42): v0-2
// Behaviour: deletes empty groups with all their committed offsets (tombstones in __consumer_offsets). Per group
// errors: NON_EMPTY_GROUP (68) while members are active, GROUP_ID_NOT_FOUND (69), NOT_COORDINATOR (16),
// COORDINATOR_LOAD_IN_PROGRESS (14). A group named twice is deleted once (Kafka dedups the list).
// Version notes: v1 no change; v2 flexible.
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
  async handle(services, request, { apiVersion, header, connection }) {
    const groupIds = [...new Set(request.groupsNames)];
    const results = await services.groupCoordinator.deleteGroups(groupRequestContext(header.clientId, connection.clientAddress, apiVersion), groupIds);
    return { throttleTimeMs: 0, results };
  },
  // Kafka's DeleteGroupsRequest.getErrorResponse: the error on every group named.
  errorResponse(request, error) {
    return { throttleTimeMs: 0, results: request.groupsNames.map((groupId) => ({ groupId, errorCode: error.code })) };
  },
});
