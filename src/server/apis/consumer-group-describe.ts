// ConsumerGroupDescribe (key 69): v0
// Behaviour: describes KIP-848 consumer groups: state (Empty, Assigning, Reconciling, Stable), group and target
// assignment epochs, assignor, and members with their current and target assignments (topic id and name).
// Per group errors: GROUP_ID_NOT_FOUND (69) for unknown or classic groups, INVALID_GROUP_ID (24) for an empty id,
// NOT_COORDINATOR (16), COORDINATOR_LOAD_IN_PROGRESS (14). Authorized operations: every group operation (no
// authorizer yet) when asked for.
// Version notes: v0 only.
// Authorization (Kafka's KafkaApis): DESCRIBE on each group, else GROUP_AUTHORIZATION_FAILED (30) for it.
import { AclOperation, ResourceType } from '../../security/authorizer/acl-codes.ts';
import { AUTHORIZED_OPERATIONS_OMITTED, authorizedOperations, filterAuthorized } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { ConsumerGroupDescribeRequest } from '../../protocol/generated/messages/consumer-group-describe-request.ts';
import type { ConsumerGroupDescribeResponse, DescribedGroup } from '../../protocol/generated/messages/consumer-group-describe-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { groupRequestContext } from '../../coordinator/group/group-manager-context.ts';

/** READ, DELETE, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS (AclOperation codes 3, 6, 8, 10, 11). */
const ALL_GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8) | (1 << 10) | (1 << 11);

export const consumerGroupDescribeHandler = defineHandler<ConsumerGroupDescribeRequest, Input<ConsumerGroupDescribeResponse>>({
  apiKey: ApiKeys.ConsumerGroupDescribe,
  minVersion: 0,
  maxVersion: 0,
  async handle(services, request, info) {
    const { apiVersion, header, connection } = info;
    const describable = filterAuthorized(services.authorizer, info, AclOperation.DESCRIBE, ResourceType.GROUP, request.groupIds);
    const denied: Input<DescribedGroup>[] = request.groupIds.filter((id) => !describable.has(id)).map((groupId) => ({ groupId, errorCode: Errors.GROUP_AUTHORIZATION_FAILED }));
    const valid = request.groupIds.filter((id) => id !== '' && describable.has(id));
    const invalid: Input<DescribedGroup>[] = request.groupIds.filter((id) => id === '' && describable.has(id)).map((groupId) => ({ groupId, errorCode: Errors.INVALID_GROUP_ID }));
    const described = valid.length === 0 ? [] : await services.groupCoordinator.consumerGroupDescribe(groupRequestContext(header.clientId, connection.clientAddress, apiVersion), valid);
    const groups = [...described, ...invalid, ...denied].map((g) => ({
      ...g,
      authorizedOperations: request.includeAuthorizedOperations && (g.errorCode ?? Errors.NONE) === Errors.NONE
        ? authorizedOperations(services.authorizer, info, ResourceType.GROUP, g.groupId ?? '', ALL_GROUP_OPERATIONS)
        : AUTHORIZED_OPERATIONS_OMITTED,
    }));
    return { throttleTimeMs: 0, groups };
  },
  // Kafka's ConsumerGroupDescribeRequest.getErrorResponse: the error on every group.
  errorResponse(request, error) {
    return { throttleTimeMs: 0, groups: request.groupIds.map((groupId) => ({ groupId, errorCode: error.code, authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED })) };
  },
});
