// OffsetFetch (key 9): v1-9
// Behaviour: the committed offsets of a group (given partitions, or all with a null topic list from v2), with the
// committed leader epoch and metadata exactly as stored; -1 and '' for partitions without a commit. With
// require_stable (v7+) partitions holding a pending transactional commit get UNSTABLE_OFFSET_COMMIT (88).
// Errors: group level NOT_COORDINATOR (16), COORDINATOR_LOAD_IN_PROGRESS (14) (v0-1 carry them on every
// requested partition, having no top-level error field); v9 UNKNOWN_MEMBER_ID / STALE_MEMBER_EPOCH for KIP-848
// members. Not served: v0 (offsets in ZooKeeper).
// Version notes: v2 top-level error and all-partitions fetch; v3 throttle time; v5 committed leader epoch; v6
// flexible; v7 require_stable; v8 several groups per request; v9 member id and epoch.
// Authorization (Kafka's KafkaApis): DESCRIBE on each group (else GROUP_AUTHORIZATION_FAILED, 30: top-level before
// v8, per group from v8); offsets of topics without DESCRIBE are hidden: left out of an all-topics fetch, and
// TOPIC_AUTHORIZATION_FAILED (29) on each requested partition of such a topic.
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { authorizedTopics, authorizeGroup, requireGroup } from '../auth-helper.ts';
import type { RequestInfo } from '../api-handler.ts';
import type { BrokerServices } from '../broker-services.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { OffsetFetchRequest } from '../../protocol/generated/messages/offset-fetch-request.ts';
import type { OffsetFetchResponse, OffsetFetchResponseTopic } from '../../protocol/generated/messages/offset-fetch-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { groupRequestContext } from '../../coordinator/group/group-manager-context.ts';

type GroupFetch = Parameters<BrokerServices['groupCoordinator']['fetchOffsets']>[1];

/**
 * Kafka's fetchOffsetsForGroup / fetchAllOffsetsForGroup: the group's offsets with the topics the principal may not
 * describe hidden (an all-topics fetch) or answered with TOPIC_AUTHORIZATION_FAILED (requested topics). The caller
 * checked DESCRIBE on the group.
 */
async function fetchDescribableOffsets(services: BrokerServices, info: RequestInfo, context: Parameters<BrokerServices['groupCoordinator']['fetchOffsets']>[0], group: GroupFetch, requireStable: boolean) {
  const authorizer = services.authorizer;
  if (group.topics === null) {
    const response = await services.groupCoordinator.fetchOffsets(context, group, requireStable);
    if ((response.errorCode ?? Errors.NONE) !== Errors.NONE) return response;
    const describable = authorizedTopics(authorizer, info, AclOperation.DESCRIBE, (response.topics ?? []).map((t) => t.name ?? ''));
    return { ...response, topics: (response.topics ?? []).filter((t) => describable.has(t.name ?? '')) };
  }
  const describable = authorizedTopics(authorizer, info, AclOperation.DESCRIBE, group.topics.map((t) => t.name));
  const response = await services.groupCoordinator.fetchOffsets(context, { ...group, topics: group.topics.filter((t) => describable.has(t.name)) }, requireStable);
  if ((response.errorCode ?? Errors.NONE) !== Errors.NONE) return response;
  const denied = group.topics.filter((t) => !describable.has(t.name)).map((t) => ({
    name: t.name,
    partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: Errors.TOPIC_AUTHORIZATION_FAILED })),
  }));
  return { ...response, topics: [...(response.topics ?? []), ...denied] };
}

export const offsetFetchHandler = defineHandler<OffsetFetchRequest, Input<OffsetFetchResponse>>({
  apiKey: ApiKeys.OffsetFetch,
  minVersion: 1,
  maxVersion: 9,
  async handle(services, request, info) {
    const { apiVersion, header, connection } = info;
    const context = groupRequestContext(header.clientId, connection.clientAddress, apiVersion);
    const requireStable = apiVersion >= 7 && request.requireStable;
    if (apiVersion >= 8) {
      const groups = await Promise.all(request.groups.map((g) => (authorizeGroup(services.authorizer, info, AclOperation.DESCRIBE, g.groupId)
        ? fetchDescribableOffsets(services, info, context, { groupId: g.groupId, memberId: g.memberId, memberEpoch: g.memberEpoch, topics: g.topics }, requireStable)
        : { groupId: g.groupId, errorCode: Errors.GROUP_AUTHORIZATION_FAILED, topics: [] })));
      return { throttleTimeMs: 0, groups };
    }
    requireGroup(services.authorizer, info, AclOperation.DESCRIBE, request.groupId);
    const group = await fetchDescribableOffsets(services, info, context, { groupId: request.groupId, memberId: null, memberEpoch: -1, topics: request.topics }, requireStable);
    const errorCode = group.errorCode ?? Errors.NONE;
    let topics: Input<OffsetFetchResponseTopic>[] = (group.topics ?? []).map((t) => ({ name: t.name, partitions: t.partitions ?? [] }));
    if (errorCode !== Errors.NONE && apiVersion < 2) {
      // No top-level error before v2: every requested partition carries it.
      topics = (request.topics ?? []).map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode })),
      }));
    }
    return { throttleTimeMs: 0, errorCode, topics };
  },
  // Kafka's OffsetFetchRequest.getErrorResponse: v1 the error on every requested partition; v2-7 the top-level
  // error; v8+ the error on every group.
  errorResponse(request, error, apiVersion) {
    if (apiVersion >= 8) return { throttleTimeMs: 0, groups: request.groups.map((g) => ({ groupId: g.groupId, errorCode: error.code, topics: [] })) };
    const topics = apiVersion >= 2 ? [] : (request.topics ?? []).map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: error.code })),
    }));
    return { throttleTimeMs: 0, errorCode: error.code, topics };
  },
});
