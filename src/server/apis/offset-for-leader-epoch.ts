// OffsetForLeaderEpoch (key 23): v0-4
// Behaviour: for each partition, the end offset of the requested leader epoch from the leader epoch cache
// (leader-epoch-checkpoint): the start offset of the next larger epoch, or the log end offset for the current
// epoch; an epoch older than the oldest known gives the first known epoch's start; unknown gives -1/-1
// (Kafka's LeaderEpochFileCache.endOffsetFor). Consumers use it to detect log truncation after a leader change.
// Errors: UNKNOWN_TOPIC_OR_PARTITION (3), NOT_LEADER_OR_FOLLOWER (6), FENCED_LEADER_EPOCH (74),
// UNKNOWN_LEADER_EPOCH (75).
// Authorization (Kafka's KafkaApis): CLUSTER_ACTION on the cluster (replicas), else DESCRIBE on each topic (KIP-320
// consumers), else TOPIC_AUTHORIZATION_FAILED (29) on its partitions.
// Version notes: v1 leaderEpoch in the result; v2 currentLeaderEpoch + throttleTimeMs; v3 replicaId; v4 flexible.
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { authorizeCluster, authorizedTopics } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { OffsetForLeaderEpochRequest } from '../../protocol/generated/messages/offset-for-leader-epoch-request.ts';
import type { OffsetForLeaderEpochResponse } from '../../protocol/generated/messages/offset-for-leader-epoch-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { ApiError } from '../../common/api-error.ts';

export const offsetForLeaderEpochHandler = defineHandler<OffsetForLeaderEpochRequest, Input<OffsetForLeaderEpochResponse>>({
  apiKey: ApiKeys.OffsetForLeaderEpoch,
  minVersion: 0,
  maxVersion: 4,
  handle(services, request, info) {
    const authorizer = services.authorizer;
    const describable = authorizeCluster(authorizer, info, AclOperation.CLUSTER_ACTION)
      ? null
      : authorizedTopics(authorizer, info, AclOperation.DESCRIBE, request.topics.map((t) => t.topic));
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => {
          if (describable !== null && !describable.has(t.topic)) return { errorCode: Errors.TOPIC_AUTHORIZATION_FAILED, partition: p.partition, leaderEpoch: -1, endOffset: -1n };
          try {
            const partition = services.replicaManager.leaderPartition({ topic: t.topic, partition: p.partition }, p.currentLeaderEpoch);
            const r = partition.log.endOffsetForEpoch(p.leaderEpoch);
            return { errorCode: Errors.NONE, partition: p.partition, leaderEpoch: r.leaderEpoch, endOffset: r.endOffset };
          } catch (e) {
            const code = e instanceof ApiError ? e.code : Errors.UNKNOWN_SERVER_ERROR;
            return { errorCode: code, partition: p.partition, leaderEpoch: -1, endOffset: -1n };
          }
        }),
      })),
    };
  },
  // Kafka's OffsetsForLeaderEpochRequest.getErrorResponse: the error on every partition, undefined epoch and offset.
  errorResponse(request, error) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode: error.code, leaderEpoch: -1, endOffset: -1n })) })),
    };
  },
});
