// DescribeGroups (key 15): v0-5
// Behaviour: state, protocol type, selected protocol and members of classic groups; members' metadata and
// assignment only in Stable (as Kafka). An unknown group is described as Dead without error (Kafka's answer);
// KIP-848 groups answer GROUP_ID_NOT_FOUND (69) (use ConsumerGroupDescribe). Partition-level errors
// NOT_COORDINATOR (16) / COORDINATOR_LOAD_IN_PROGRESS (14) are given to each affected group.
// Version notes: v1 throttle time; v3 authorized operations (all group operations: no authorizer yet); v4
// groupInstanceId of members; v5 flexible.
// Authorization (Kafka's KafkaApis): DESCRIBE on each group, else GROUP_AUTHORIZATION_FAILED (30) for it;
// authorized operations (v3+) are the principal's.
import { AclOperation, ResourceType } from '../../security/authorizer/acl-codes.ts';
import { AUTHORIZED_OPERATIONS_OMITTED, authorizedOperations, filterAuthorized, runAuthorized } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { DescribeGroupsRequest } from '../../protocol/generated/messages/describe-groups-request.ts';
import type { DescribeGroupsResponse } from '../../protocol/generated/messages/describe-groups-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { groupRequestContext } from '../../coordinator/group/group-manager-context.ts';

/** READ, DELETE, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS (AclOperation codes 3, 6, 8, 10, 11): every group operation. */
const ALL_GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8) | (1 << 10) | (1 << 11);

export const describeGroupsHandler = defineHandler<DescribeGroupsRequest, Input<DescribeGroupsResponse>>({
  apiKey: ApiKeys.DescribeGroups,
  minVersion: 0,
  maxVersion: 5,
  async handle(services, request, info) {
    const { apiVersion, header, connection } = info;
    const describable = filterAuthorized(services.authorizer, info, AclOperation.DESCRIBE, ResourceType.GROUP, request.groups);
    const groups = await runAuthorized(
      request.groups,
      (groupId) => (describable.has(groupId) ? Errors.NONE : Errors.GROUP_AUTHORIZATION_FAILED),
      (allowed) => services.groupCoordinator.describeGroups(groupRequestContext(header.clientId, connection.clientAddress, apiVersion), allowed),
      (groupId, errorCode) => ({ groupId, errorCode, groupState: '', protocolType: '', protocolData: '', members: [] }),
    );
    const operations = apiVersion >= 3 && request.includeAuthorizedOperations;
    return {
      throttleTimeMs: 0,
      groups: groups.map((g) => ({
        ...g,
        authorizedOperations: operations && (g.errorCode ?? Errors.NONE) === Errors.NONE
          ? authorizedOperations(services.authorizer, info, ResourceType.GROUP, g.groupId ?? '', ALL_GROUP_OPERATIONS)
          : AUTHORIZED_OPERATIONS_OMITTED,
      })),
    };
  },
  // Kafka's DescribeGroupsRequest.getErrorResponse: DescribeGroupsResponse.groupError for every group.
  errorResponse(request, error) {
    return {
      throttleTimeMs: 0,
      groups: request.groups.map((groupId) => ({ groupId, errorCode: error.code, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED })),
    };
  },
});
