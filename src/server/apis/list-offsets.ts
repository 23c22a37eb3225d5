// ListOffsets (key 2): v0-9
// Behaviour: per partition, the offset for a timestamp: -1 latest (the high watermark, or the last stable offset
// for read_committed; the log end offset for a replica id other than -1: a follower, or -2, the debugging id, which
// any replica answers, a follower included), -2 earliest (log start offset), -3 the offset of the largest timestamp (v7+), -4 earliest
// local (v8+, = earliest here, no tiered storage), -5 latest tiered (v9+, -1: nothing is tiered); a timestamp
// T >= 0 gives the first offset whose timestamp is >= T (time index), or -1/-1 when there is none or it is not
// below the high watermark (the last stable offset for read_committed, as Kafka's fetchOffsetForTimestamp). Errors per
// partition: UNKNOWN_TOPIC_OR_PARTITION (3), NOT_LEADER_OR_FOLLOWER (6), FENCED_LEADER_EPOCH (74),
// UNKNOWN_LEADER_EPOCH (75), INVALID_REQUEST (42) for a partition named twice.
// Authorization (Kafka's KafkaApis): DESCRIBE on each topic, else TOPIC_AUTHORIZATION_FAILED (29) on its partitions.
// Version notes: v0 answers with oldStyleOffsets (maxNumOffsets); v1 timestamp/offset; v2 isolation level;
// v4 leader epochs; v6 flexible; v7 max timestamp; v8 earliest local; v9 latest tiered.
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { authorizedTopics } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { ListOffsetsRequest } from '../../protocol/generated/messages/list-offsets-request.ts';
import type { ListOffsetsResponse, ListOffsetsPartitionResponse, ListOffsetsTopicResponse } from '../../protocol/generated/messages/list-offsets-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { ApiError } from '../../common/api-error.ts';
import type { BrokerServices } from '../broker-services.ts';

const LATEST = -1n;
const EARLIEST = -2n;
const EARLIEST_LOCAL = -4n;
const LATEST_TIERED = -5n;
/** ListOffsetsRequest.CONSUMER_REPLICA_ID: a client; its isolation level bounds the latest offset. */
const CONSUMER_REPLICA_ID = -1;
/** ListOffsetsRequest.DEBUGGING_REPLICA_ID: a tool asking any replica (leader or follower) for its log end offset. */
const DEBUGGING_REPLICA_ID = -2;

async function lookup(services: BrokerServices, topic: string, partition: number, currentLeaderEpoch: number, timestamp: bigint, isolationLevel: number, replicaId: number): Promise<{ offset: bigint; timestamp: bigint; leaderEpoch: number }> {
  // The debugging replica id may ask any replica, a follower included (Kafka's fetchOnlyFromLeader = false).
  const p = services.replicaManager.leaderPartition({ topic, partition }, currentLeaderEpoch, replicaId !== DEBUGGING_REPLICA_ID);
  const log = p.log;
  // What a consumer of this isolation level may read up to (Kafka's lastFetchableOffset); any other replica id (a
  // follower looking for where to resume after OFFSET_OUT_OF_RANGE, or the debugging id) reads up to the log end offset.
  const lastFetchableOffset = replicaId !== CONSUMER_REPLICA_ID ? log.logEndOffset : isolationLevel === 1 ? log.lastStableOffset : p.highWatermark;
  if (timestamp === LATEST) return { offset: lastFetchableOffset, timestamp: -1n, leaderEpoch: p.leaderEpoch };
  if (timestamp === LATEST_TIERED) return { offset: -1n, timestamp: -1n, leaderEpoch: -1 };
  if (timestamp < -5n) throw new ApiError(Errors.INVALID_REQUEST, `Invalid timestamp ${timestamp}`);
  const found = await log.fetchOffsetByTimestamp(timestamp);
  if (timestamp === EARLIEST || timestamp === EARLIEST_LOCAL) {
    return { offset: found?.offset ?? log.logStartOffset, timestamp: -1n, leaderEpoch: found?.leaderEpoch ?? -1 };
  }
  // Consumers never see offsets at or past the high watermark (the LSO for read_committed).
  if (found === null || found.offset >= lastFetchableOffset) return { offset: -1n, timestamp: -1n, leaderEpoch: -1 };
  return { offset: found.offset, timestamp: found.timestamp, leaderEpoch: found.leaderEpoch ?? -1 };
}

/** A topic of the request answered with `errorCode` on every partition and no offset (v0: no old-style offsets). */
function topicErrorResponse(t: ListOffsetsRequest['topics'][number], errorCode: number, apiVersion: number): Input<ListOffsetsTopicResponse> {
  return {
    name: t.name,
    partitions: t.partitions.map((p) => (apiVersion === 0
      ? { partitionIndex: p.partitionIndex, errorCode, oldStyleOffsets: [] }
      : { partitionIndex: p.partitionIndex, errorCode, timestamp: -1n, offset: -1n, leaderEpoch: -1 })),
  };
}

export const listOffsetsHandler = defineHandler<ListOffsetsRequest, Input<ListOffsetsResponse>>({
  apiKey: ApiKeys.ListOffsets,
  minVersion: 0,
  maxVersion: 9,
  async handle(services, request, info) {
    const { apiVersion } = info;
    const describable = authorizedTopics(services.authorizer, info, AclOperation.DESCRIBE, request.topics.map((t) => t.name));
    return {
      throttleTimeMs: 0,
      topics: await Promise.all(request.topics.map(async (t) => {
        if (!describable.has(t.name)) return topicErrorResponse(t, Errors.TOPIC_AUTHORIZATION_FAILED, apiVersion);
        const counts = new Map<number, number>();
        for (const p of t.partitions) counts.set(p.partitionIndex, (counts.get(p.partitionIndex) ?? 0) + 1);
        return {
          name: t.name,
          partitions: await Promise.all(t.partitions.map(async (p): Promise<Input<ListOffsetsPartitionResponse>> => {
            if (counts.get(p.partitionIndex)! > 1) {
              return { partitionIndex: p.partitionIndex, errorCode: Errors.INVALID_REQUEST, oldStyleOffsets: [], timestamp: -1n, offset: -1n, leaderEpoch: -1 };
            }
            try {
              const r = await lookup(services, t.name, p.partitionIndex, p.currentLeaderEpoch, p.timestamp, request.isolationLevel, request.replicaId);
              if (apiVersion === 0) {
                const offsets = r.offset >= 0n && p.maxNumOffsets > 0 ? [r.offset] : [];
                return { partitionIndex: p.partitionIndex, errorCode: Errors.NONE, oldStyleOffsets: offsets };
              }
              return { partitionIndex: p.partitionIndex, errorCode: Errors.NONE, timestamp: r.timestamp, offset: r.offset, leaderEpoch: apiVersion >= 4 ? r.leaderEpoch : -1 };
            } catch (e) {
              const code = e instanceof ApiError ? e.code : Errors.UNKNOWN_SERVER_ERROR;
              if (!(e instanceof ApiError)) services.logger.error({ err: e }, 'ListOffsets failed');
              return { partitionIndex: p.partitionIndex, errorCode: code, oldStyleOffsets: [], timestamp: -1n, offset: -1n, leaderEpoch: -1 };
            }
          })),
        };
      })),
    };
  },
  // Kafka's ListOffsetsRequest.getErrorResponse: the error on every partition, no offset (v0: no old-style offsets).
  errorResponse(request, error, apiVersion) {
    return { throttleTimeMs: 0, topics: request.topics.map((t) => topicErrorResponse(t, error.code, apiVersion)) };
  },
});
