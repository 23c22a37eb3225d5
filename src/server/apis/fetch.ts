// Fetch (key 1): v4-12
// Behaviour: consumer fetches from partition leaders, served as file slices of the segments (zero-copy: the
// records are never decoded or re-encoded), bounded by the high watermark or, with read_committed, the last
// stable offset (min of the first undecided transaction's offset and the high watermark), with the aborted
// transactions overlapping the returned bytes (from the .txnindex files; control batches are returned as Kafka
// does, clients skip them); long polling until min_bytes or max_wait_ms (the fetch purgatory is woken by appends);
// max_bytes over the response (capped by the broker's fetch.max.bytes) and partition_max_bytes per partition,
// always at least one whole batch (KIP-74);
// incremental fetch sessions (KIP-227). Per partition: UNKNOWN_TOPIC_OR_PARTITION (3), NOT_LEADER_OR_FOLLOWER (6),
// OFFSET_OUT_OF_RANGE (1), FENCED_LEADER_EPOCH (74), UNKNOWN_LEADER_EPOCH (75); top level:
// FETCH_SESSION_ID_NOT_FOUND (70), INVALID_FETCH_SESSION_EPOCH (71).
// Follower fetches (replica_id = a broker id): served by the leader up to its log end offset through the same
// zero-copy read; the follower's last fetched epoch (v12) is checked against the leader epoch cache and a divergence
// is answered at once with diverging_epoch (KIP-320), without records; otherwise the fetch moves the follower's
// replica state (its log end offset is the fetch offset), which may grow the ISR and move the high watermark. A
// broker that is not a replica of the partition gets UNKNOWN_LEADER_EPOCH (75). Follower bytes are replication
// traffic, not counted in BytesOutPerSec.
// Fetch v0-3 (old clients, e.g. sarama and kafka-python defaults) get magic 0 (v0-1) or magic 1 (v2-3) message
// sets down-converted from the stored v2 batches (Kafka 3.x's down-conversion; control batches are dropped).
// Fetch from the closest replica (KIP-392): a consumer's v11+ fetch (client metadata: its rack, the listener) may be
// served by a follower (bounded by the follower's high watermark, the offset checked against its log); a leader with
// replica.selector.class set answers it with preferred_read_replica (a follower of the consumer's rack in the ISR
// holding the fetch offset) and no records for that partition. Older consumers read only from leaders.
// Not yet: v13+ (topic ids; followers use v12, so fetches carry no broker epoch, KIP-903: -1), the current-leader
// tags of v16+ (KIP-951: Kafka sets them from v16 only).
// Client quotas (consumers, not followers): the response bounded by what the client's consumer_byte_rate allows in
// one quota window; its records' bytes count against the rate, and a fetch that violates it is answered empty with
// throttle_time_ms (its bytes taken back from the rate), the connection muted that long (KIP-219), as Kafka does.
// Authorization (Kafka's KafkaApis.handleFetchRequest): a follower's fetch (replica id >= 0) needs CLUSTER_ACTION
// on the cluster, a consumer's READ on each topic; a denied partition is not read and answers
// TOPIC_AUTHORIZATION_FAILED (29) with offsets -1.
// Version notes: v4 isolation level + last stable offset + aborted transactions; v5 log start offset; v7 sessions;
// v9 current leader epoch; v11 rack id + preferred read replica; v12 flexible, last fetched epoch, diverging epoch.
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { FetchRequest } from '../../protocol/generated/messages/fetch-request.ts';
import type { FetchResponse, FetchableTopicResponse, PartitionData } from '../../protocol/generated/messages/fetch-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { recordsSize } from '../../protocol/writer.ts';
import { INVALID_SESSION_ID, type CachedPartition } from '../fetch-session-cache.ts';
import type { FetchPartitionResult } from '../../replication/replica-manager.ts';
import type { FileRecordsSlice } from '../../storage/file-records-slice.ts';
import { convertV2ToLegacy } from '../../protocol/records/legacy-conversion.ts';
import { RecordsError } from '../../protocol/records/records-error.ts';
import type { BrokerMetrics } from '../../observability/metrics.ts';
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { authorizeCluster, authorizedTopics } from '../auth-helper.ts';

/** Kafka's FetchResponse.partitionResponse of a partition the principal may not read. */
function deniedPartition(): FetchPartitionResult {
  return { errorCode: Errors.TOPIC_AUTHORIZATION_FAILED, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, abortedTransactions: null, records: null };
}

const EMPTY_RECORDS = Buffer.alloc(0);

/**
 * Fetch v0-3: replaces each partition's file slice by a magic 0/1 message set converted in memory (Kafka's
 * RecordsUtil.downConvert). A partition whose records cannot be converted (zstd) gets UNSUPPORTED_COMPRESSION_TYPE.
 */
async function downConvert(results: FetchPartitionResult[], partitions: CachedPartition[], magic: 0 | 1): Promise<void> {
  await Promise.all(results.map(async (r, i) => {
    const slice = r.records as FileRecordsSlice | null;
    if (slice === null) return;
    const bytes = await slice.readInto();
    try {
      r.records = await convertV2ToLegacy(bytes, magic, { firstOffset: partitions[i]!.fetchOffset });
    } catch (e) {
      r.records = null;
      r.errorCode = e instanceof RecordsError ? e.errorCode : Errors.UNKNOWN_SERVER_ERROR;
    }
  }));
}

/** Partition errors of a fetch that Kafka's ReplicaManager.readFromLog does not count as FailedFetchRequests. */
const EXPECTED_FETCH_ERRORS: ReadonlySet<number> = new Set([
  Errors.NONE, Errors.OFFSET_OUT_OF_RANGE, Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.NOT_LEADER_OR_FOLLOWER, Errors.KAFKA_STORAGE_ERROR,
  Errors.FENCED_LEADER_EPOCH, Errors.UNKNOWN_LEADER_EPOCH, Errors.UNKNOWN_TOPIC_ID, Errors.INCONSISTENT_TOPIC_ID,
]);

/**
 * The BrokerTopicMetrics of a fetch, per topic and in all: TotalFetchRequests for every partition read (consumers
 * and followers), FailedFetchRequests for a partition that failed otherwise than Kafka's readFromLog expects, and,
 * for a consumer fetch, BytesOut: the size of each partition's records in the response (a file slice's length,
 * sent by sendfile or copied, or the down-converted bytes), as Kafka's BrokerTopicStats.updateBytesOut counts
 * FetchResponse.recordsSize. Follower fetches are replication bytes, not counted in BytesOut.
 */
function countFetch(metrics: BrokerMetrics, partitions: readonly CachedPartition[], results: readonly FetchPartitionResult[], isFollower: boolean): void {
  results.forEach((r, i) => {
    const stats = metrics.topicStats(partitions[i]!.topic);
    stats.totalFetchRequests.inc();
    if (!EXPECTED_FETCH_ERRORS.has(r.errorCode)) stats.failedFetchRequests.inc();
    if (isFollower) return;
    const bytes = recordsSize(r.records);
    if (bytes > 0) stats.bytesOut.inc(bytes);
  });
}

export const fetchHandler = defineHandler<FetchRequest, Input<FetchResponse>>({
  apiKey: ApiKeys.Fetch,
  minVersion: 0,
  maxVersion: 12,
  async handle(services, request, info) {
    const { apiVersion, header, connection } = info;
    const requested = request.topics.flatMap((t) => t.partitions.map((p) => ({
      topic: t.topic,
      partition: p.partition,
      fetchOffset: p.fetchOffset,
      partitionMaxBytes: p.partitionMaxBytes,
      currentLeaderEpoch: p.currentLeaderEpoch,
      lastFetchedEpoch: p.lastFetchedEpoch,
      fetcherLogStartOffset: p.logStartOffset,
    })));
    const sessionsSupported = apiVersion >= 7;
    const context = sessionsSupported
      ? services.fetchSessions.newContext(
          request.sessionId,
          request.sessionEpoch,
          requested,
          request.forgottenTopicsData.map((f) => ({ topic: f.topic, partitions: f.partitions })),
          request.replicaId >= 0,
          services.time.milliseconds(),
        )
      : { kind: 'full' as const, partitions: requested.map((p) => ({ ...p, highWatermark: -2n, lastStableOffset: -2n, logStartOffset: -2n })), session: null };
    if (context.kind === 'error') {
      return { throttleTimeMs: 0, errorCode: context.errorCode, sessionId: INVALID_SESSION_ID, responses: [] };
    }
    const partitions: CachedPartition[] = context.partitions;
    // The broker's fetch.max.bytes caps the response whatever the client asks (Kafka's KafkaApis.handleFetchRequest),
    // and min_bytes cannot exceed that cap.
    const isFollower = request.replicaId >= 0;
    const fetchQuota = isFollower || services.quotas?.fetch.quotasEnabled !== true ? null : services.quotas.fetch;
    const user = info.principal.name;
    const clientId = header.clientId ?? '';
    const maxQuotaWindowBytes = fetchQuota === null ? Infinity : Math.floor(fetchQuota.maxValueInQuotaWindow(user, clientId));
    const fetchMaxBytes = Math.min(request.maxBytes, services.config.getInt('fetch.max.bytes'), maxQuotaWindowBytes);
    let readable: (topic: string) => boolean;
    if (isFollower) {
      const allowed = authorizeCluster(services.authorizer, info, AclOperation.CLUSTER_ACTION);
      readable = () => allowed;
    } else {
      const topicsAllowed = authorizedTopics(services.authorizer, info, AclOperation.READ, partitions.map((p) => p.topic));
      readable = (topic) => topicsAllowed.has(topic);
    }
    const fetched = partitions.filter((p) => readable(p.topic));
    const fetchedResults = fetched.length === 0 ? [] : await services.replicaManager.fetchMessages({
      replicaId: request.replicaId,
      replicaEpoch: request.replicaState.replicaEpoch,
      // An incremental fetch with nothing to report waits like any other (the client relies on long polling).
      maxWaitMs: request.maxWaitMs,
      minBytes: Math.min(request.minBytes, fetchMaxBytes),
      maxBytes: fetchMaxBytes,
      isolationLevel: request.isolationLevel,
      // Kafka's KafkaApis.handleFetchRequest: client metadata from v11 on (rack id, client id, listener).
      clientMetadata: isFollower || apiVersion < 11 ? null : { rackId: request.rackId, clientId: header.clientId ?? '', listenerName: connection.listenerName },
      partitions: fetched.map((p) => (isFollower
        ? {
            topicPartition: { topic: p.topic, partition: p.partition },
            fetchOffset: p.fetchOffset,
            partitionMaxBytes: p.partitionMaxBytes,
            currentLeaderEpoch: p.currentLeaderEpoch,
            lastFetchedEpoch: p.lastFetchedEpoch,
            logStartOffset: p.fetcherLogStartOffset,
          }
        : {
            topicPartition: { topic: p.topic, partition: p.partition },
            fetchOffset: p.fetchOffset,
            partitionMaxBytes: p.partitionMaxBytes,
            currentLeaderEpoch: p.currentLeaderEpoch,
          })),
    });
    let next = 0;
    const results = fetched.length === partitions.length ? fetchedResults : partitions.map((p) => (readable(p.topic) ? fetchedResults[next++]! : deniedPartition()));
    if (apiVersion <= 3) await downConvert(results, partitions, apiVersion <= 1 ? 0 : 1);
    if (fetchQuota !== null) {
      const nowMs = services.time.milliseconds();
      const bytes = results.reduce((sum, r) => sum + recordsSize(r.records), 0);
      const throttleTimeMs = fetchQuota.maybeRecordAndGetThrottleTimeMs(user, clientId, bytes, nowMs);
      if (throttleTimeMs > 0) {
        fetchQuota.unrecord(user, clientId, bytes, nowMs);
        for (const r of results) if (r.records !== null && !Buffer.isBuffer(r.records)) r.records.release?.();
        info.apiThrottleTimeMs = throttleTimeMs;
        // Kafka's FetchContext.getThrottledResponse: no partitions; an incremental session keeps its id.
        return { throttleTimeMs, errorCode: Errors.NONE, sessionId: context.kind === 'incremental' ? context.session.id : INVALID_SESSION_ID, responses: [] };
      }
    }
    const topics: Input<FetchableTopicResponse>[] = [];
    let current: { topic: string; partitions: Input<PartitionData>[] } | undefined;
    results.forEach((r, i) => {
      const p = partitions[i]!;
      const changed = r.records !== null || r.errorCode !== Errors.NONE || r.highWatermark !== p.highWatermark
        || r.lastStableOffset !== p.lastStableOffset || r.logStartOffset !== p.logStartOffset || r.divergingEpoch !== undefined
        || r.preferredReadReplica !== undefined;
      p.highWatermark = r.highWatermark;
      p.lastStableOffset = r.lastStableOffset;
      p.logStartOffset = r.logStartOffset;
      if (context.kind === 'incremental' && !changed) return;
      if (current === undefined || current.topic !== p.topic) {
        current = { topic: p.topic, partitions: [] };
        topics.push(current);
      }
      const data: Input<PartitionData> = {
        partitionIndex: p.partition,
        errorCode: r.errorCode,
        highWatermark: r.highWatermark,
        lastStableOffset: r.lastStableOffset,
        logStartOffset: r.logStartOffset,
        abortedTransactions: r.abortedTransactions,
        preferredReadReplica: r.preferredReadReplica ?? -1,
        // Kafka sends empty records, not null, for a partition without data.
        records: r.records ?? EMPTY_RECORDS,
      };
      if (r.divergingEpoch !== undefined) data.divergingEpoch = { epoch: r.divergingEpoch.epoch, endOffset: r.divergingEpoch.endOffset };
      current.partitions.push(data);
    });
    countFetch(services.metrics, partitions, results, isFollower);
    return {
      throttleTimeMs: 0,
      errorCode: Errors.NONE,
      sessionId: context.session?.id ?? INVALID_SESSION_ID,
      responses: topics,
    };
  },
  // Kafka's FetchRequest.getErrorResponse (before v13): the top-level error, repeated on every requested partition.
  errorResponse(request, error) {
    return {
      throttleTimeMs: 0,
      errorCode: error.code,
      sessionId: request.sessionId,
      responses: request.topics.map((t) => ({
        topic: t.topic,
        topicId: t.topicId,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, errorCode: error.code, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, records: null })),
      })),
    };
  },
});
