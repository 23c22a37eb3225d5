// OffsetFetch (key 9): v1-9
// Behaviour: the committed offsets of a group (given partitions, or all with a null topic list from v2), with the
// committed leader epoch and metadata exactly as stored; -1 and '' for partitions without a commit. With
// require_stable (v7+) partitions holding a pending transactional commit get UNSTABLE_OFFSET_COMMIT (88).
// Errors: group level NOT_COORDINATOR (16), COORDINATOR_LOAD_IN_PROGRESS (14) (v0-1 carry them on every
// requested partition, having no top-level error field); v9 UNKNOWN_MEMBER_ID / STALE_MEMBER_EPOCH for KIP-848
// members. Not served: v0 (offsets in ZooKeeper).
// Version notes: v2 top-level error and all-partitions fetch; v3 throttle time; v5 committed leader epoch; v6
// flexible; v7 require_stable; v8 several groups per request; v9 member id and epoch.
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { OffsetFetchRequest } from '../../protocol/generated/messages/offset-fetch-request.ts';
import type { OffsetFetchResponse, OffsetFetchResponseTopic } from '../../protocol/generated/messages/offset-fetch-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { groupRequestContext } from '../../coordinator/group/group-manager-context.ts';

export const offsetFetchHandler = defineHandler<OffsetFetchRequest, Input<OffsetFetchResponse>>({
  apiKey: ApiKeys.OffsetFetch,
  minVersion: 1,
  maxVersion: 9,
  async handle(services, request, { apiVersion, header, connection }) {
    const context = groupRequestContext(header.clientId, connection.clientAddress, apiVersion);
    const requireStable = apiVersion >= 7 && request.requireStable;
    if (apiVersion >= 8) {
      const groups = await Promise.all(request.groups.map((g) => services.groupCoordinator.fetchOffsets(context, {
        groupId: g.groupId,
        memberId: g.memberId,
        memberEpoch: g.memberEpoch,
        topics: g.topics,
      }, requireStable)));
      return { throttleTimeMs: 0, groups };
    }
    const group = await services.groupCoordinator.fetchOffsets(context, { groupId: request.groupId, memberId: null, memberEpoch: -1, topics: request.topics }, requireStable);
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
