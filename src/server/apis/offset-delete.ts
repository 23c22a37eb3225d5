// OffsetDelete (key 47): v0
// Behaviour: deletes committed offsets of a group (KIP-496). Partitions of topics the group still consumes (an
// active consumer-protocol group subscribed to the topic) get GROUP_SUBSCRIBED_TO_TOPIC (86); unknown
// topics/partitions UNKNOWN_TOPIC_OR_PARTITION (3). Top-level errors: INVALID_GROUP_ID (24), GROUP_ID_NOT_FOUND
// (69), NON_EMPTY_GROUP (68) for active groups of another protocol type, NOT_COORDINATOR (16),
// COORDINATOR_LOAD_IN_PROGRESS (14).
// Version notes: v0 only.
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
  async handle(services, request, { apiVersion, header, connection }) {
    const { valid, errors } = splitKnownPartitions(services.metadata(), request.topics);
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
