// ListGroups (key 16): v0-5
// Behaviour: every group of the __consumer_offsets partitions this broker coordinates (clients ask every broker),
// optionally filtered by state (v4+, case-insensitive: Empty, PreparingRebalance, CompletingRebalance, Stable,
// Dead, and the KIP-848 states Assigning/Reconciling) and by type (v5+: classic, consumer). Error:
// COORDINATOR_NOT_AVAILABLE (15) only if the coordinator fails.
// Version notes: v1 throttle time; v3 flexible; v4 statesFilter and groupState; v5 typesFilter and groupType.
// Authorization (Kafka's KafkaApis): every group with DESCRIBE on the cluster, else only the groups the
// principal may DESCRIBE (the others are left out).
import { AclOperation, ResourceType } from '../../security/authorizer/acl-codes.ts';
import { authorizeCluster, filterAuthorized } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import type { ListGroupsRequest } from '../../protocol/generated/messages/list-groups-request.ts';
import type { ListGroupsResponse } from '../../protocol/generated/messages/list-groups-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { groupRequestContext } from '../../coordinator/group/group-manager-context.ts';

export const listGroupsHandler = defineHandler<ListGroupsRequest, Input<ListGroupsResponse>>({
  apiKey: ApiKeys.ListGroups,
  minVersion: 0,
  maxVersion: 5,
  async handle(services, request, info) {
    const { apiVersion, header, connection } = info;
    const states = apiVersion >= 4 ? request.statesFilter : [];
    const types = apiVersion >= 5 ? request.typesFilter : [];
    const result = await services.groupCoordinator.listGroups(groupRequestContext(header.clientId, connection.clientAddress, apiVersion), states, types);
    if (authorizeCluster(services.authorizer, info, AclOperation.DESCRIBE)) return { throttleTimeMs: 0, errorCode: result.errorCode, groups: result.groups };
    const describable = filterAuthorized(services.authorizer, info, AclOperation.DESCRIBE, ResourceType.GROUP, result.groups.map((g) => g.groupId ?? ''));
    return { throttleTimeMs: 0, errorCode: result.errorCode, groups: result.groups.filter((g) => describable.has(g.groupId ?? '')) };
  },
  // Kafka's ListGroupsRequest.getErrorResponse: the top-level error, no groups.
  errorResponse(_request, error) {
    return { throttleTimeMs: 0, errorCode: error.code, groups: [] };
  },
});
