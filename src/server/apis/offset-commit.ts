// OffsetCommit (key 8): v1-9
// Behaviour: stores committed offsets (with their metadata strings and leader epochs) in __consumer_offsets through
// the group coordinator, checking the member and generation of group members; standalone consumers and admin
// clients commit with an empty member id and generation -1 (a "simple" group is created). Per partition errors:
// UNKNOWN_TOPIC_OR_PARTITION (3) for topics/partitions that do not exist, OFFSET_METADATA_TOO_LARGE (12),
// UNKNOWN_MEMBER_ID (25), ILLEGAL_GENERATION (22), REBALANCE_IN_PROGRESS (27), FENCED_INSTANCE_ID (82),
// GROUP_ID_NOT_FOUND (69, v9+), NOT_COORDINATOR (16), COORDINATOR_LOAD_IN_PROGRESS (14), COORDINATOR_NOT_AVAILABLE (15).
// Not served: v0 (offsets in ZooKeeper).
// Version notes: v1 generation/member id and a per-partition commit timestamp; v2-4 retention time (an explicit
// expiry, OffsetCommitValue v1); v3 throttle time; v5 drops retention; v6 committed leader epoch; v7
// groupInstanceId; v8 flexible; v9 member epoch for KIP-848 groups.
// Authorization (Kafka's KafkaApis): READ on the group (else GROUP_AUTHORIZATION_FAILED, 30, on every partition),
// READ on each topic (else TOPIC_AUTHORIZATION_FAILED, 29, on its partitions, which are not committed).
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import { authorizedTopics, requireGroup } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import type { OffsetCommitRequest } from '../../protocol/generated/messages/offset-commit-request.ts';
import type { OffsetCommitResponse } from '../../protocol/generated/messages/offset-commit-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { groupRequestContext } from '../../coordinator/group/group-manager-context.ts';
import { splitKnownPartitions } from '../known-partitions.ts';

export const offsetCommitHandler = defineHandler<OffsetCommitRequest, Input<OffsetCommitResponse>>({
  apiKey: ApiKeys.OffsetCommit,
  minVersion: 1,
  maxVersion: 9,
  async handle(services, request, info) {
    const { apiVersion, header, connection } = info;
    requireGroup(services.authorizer, info, AclOperation.READ, request.groupId);
    const readable = authorizedTopics(services.authorizer, info, AclOperation.READ, request.topics.map((t) => t.name));
    const { valid, errors } = splitKnownPartitions(services.metadata(), request.topics, readable);
    if (valid.length === 0) return { throttleTimeMs: 0, topics: errors };
    const response = await services.groupCoordinator.commitOffsets(groupRequestContext(header.clientId, connection.clientAddress, apiVersion), { ...request, topics: valid });
    return { throttleTimeMs: 0, topics: [...(response.topics ?? []), ...errors] };
  },
  // Kafka's OffsetCommitRequest.getErrorResponse: the error on every partition.
  errorResponse(request, error) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: error.code })) })),
    };
  },
});
