// OffsetDelete (key 47): v0
// Behaviour: deletes committed offsets of a group (KIP-496). Partitions of topics the group still consumes (an
// active consumer-protocol group subscribed to the topic) get GROUP_SUBSCRIBED_TO_TOPIC (86); unknown
// topics/partitions UNKNOWN_TOPIC_OR_PARTITION (3). Top-level errors: INVALID_GROUP_ID (24), GROUP_ID_NOT_FOUND
// (69), NON_EMPTY_GROUP (68) for active groups of another protocol type, NOT_COORDINATOR (16),
// COORDINATOR_LOAD_IN_PROGRESS (14).
// Version notes: v0 only.
// Authorization (Kafka's KafkaApis): DELETE on the group (else GROUP_AUTHORIZATION_FAILED, 30, top-level), READ
// on each topic (else TOPIC_AUTHORIZATION_FAILED, 29, on its partitions, whose offsets stay).
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { authorizedTopics, requireGroup } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { OffsetDeleteRequest } from '../../protocol/generated/messages/offset-delete-request.ts';
import type { OffsetDeleteResponse } from '../../protocol/generated/messages/offset-delete-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { groupRequestContext } from '../../coordinator/group/group-manager-context.ts';
import { splitKnownPartitions } from '../known-partitions.ts';

export const offsetDeleteHandler = defineHandler<OffsetDeleteRequest, Input<OffsetDeleteResponse>>({
  apiKey: ApiKeys.OffsetDelete,
  minVersion: 0,
  maxVersion: 0,
  async handle(services, request, info) {
    const { apiVersion, header, connection } = info;
    requireGroup(services.authorizer, info, AclOperation.DELETE, request.groupId);
    const readable = authorizedTopics(services.authorizer, info, AclOperation.READ, request.topics.map((t) => t.name));
    const { valid, errors } = splitKnownPartitions(services.metadata(), request.topics, readable);
    const response = await services.groupCoordinator.deleteOffsets(groupRequestContext(header.clientId, connection.clientAddress, apiVersion), { ...request, topics: valid });
    const errorCode = response.errorCode ?? Errors.NONE;
    if (errorCode !== Errors.NONE) return { errorCode, throttleTimeMs: 0, topics: [] };
    return { errorCode, throttleTimeMs: 0, topics: [...(response.topics ?? []), ...errors] };
  },
  // Kafka's OffsetDeleteRequest.getErrorResponse: the top-level error only.
  errorResponse(_request, error) {
    return { throttleTimeMs: 0, errorCode: error.code, topics: [] };
  },
});
