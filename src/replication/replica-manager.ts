import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../observability/logger.ts';
import type { Time } from '../common/time.ts';
import { topicPartitionKey, type TopicPartition } from '../common/topic-partition.ts';
import { ApiError } from '../common/api-error.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { ExternalRecords, RecordsData } from '../protocol/writer.ts';
import type { MetadataChanges } from '../metadata/metadata-delta.ts';
import type { MetadataImage, PartitionRegistration, TopicImage } from '../metadata/metadata-image.ts';
import type { MetadataPublisher } from '../metadata/metadata-loader.ts';
import type { LogManager } from '../storage/log-manager.ts';
import { KafkaStorageError } from '../storage/errors.ts';
import { LogFileUtils } from '../storage/log-file-utils.ts';
import type { LogConfig } from '../storage/log-config.ts';
import { RecordBatch } from '../protocol/records/record-batch.ts';
import { Partition } from './partition.ts';
import { DelayedOperationPurgatory } from './delayed-operation-purgatory.ts';

/** Outcome of one partition of a produce request (ProduceResponse.PartitionProduceResponse). */
export interface ProducePartitionResult {
  errorCode: number;
  errorMessage: string | null;
  baseOffset: bigint;
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
  recordErrors: { batchIndex: number; batchIndexErrorMessage: string | null }[];
}

/** One partition to read (FetchRequest.FetchPartition, resolved to a name). */
export interface FetchPartitionRequest {
  topicPartition: TopicPartition;
  fetchOffset: bigint;
  partitionMaxBytes: number;
  currentLeaderEpoch: number;
}

/** One partition of a fetch result (FetchResponse.PartitionData without the index). */
export interface FetchPartitionResult {
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
  /** File slices of the log (or converted bytes for old fetch versions), or null when nothing was read. */
  records: RecordsData | null;
  abortedTransactions: { producerId: bigint; firstOffset: bigint }[] | null;
}

export interface FetchParams {
  /** -1 for consumers; a broker id for follower fetches. */
  replicaId: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  /** 0 READ_UNCOMMITTED, 1 READ_COMMITTED. */
  isolationLevel: number;
  partitions: FetchPartitionRequest[];
}

/** Validates and prepares one partition's produce payload for the log (LogValidator). */
export type ProduceValidator = (
  records: Buffer | null,
  topicPartition: TopicPartition,
  produceVersion: number,
) => Promise<{ batches: Buffer; recordCount: number }>;

/**
 * KIP-890 part 1: asks the transaction coordinator whether `tp` is in the ongoing transaction of
 * `transactionalId` with this producer id and epoch. Resolves with an error code already mapped for the produce
 * response (NONE, INVALID_TXN_STATE, INVALID_PRODUCER_EPOCH, NOT_ENOUGH_REPLICAS for retriable coordinator
 * states, TRANSACTION_ABORTABLE when `supportsTransactionAbortable`); never rejects.
 */
export type TransactionVerifier = (transactionalId: string, producerId: bigint, producerEpoch: number, tp: TopicPartition, supportsTransactionAbortable?: boolean) => Promise<number>;

/** The verifier used until a transaction coordinator is wired in: every partition is accepted. */
export const ALWAYS_VERIFIED: TransactionVerifier = async () => Errors.NONE;

export interface ReplicaManagerOptions {
  nodeId: number;
  logManager: LogManager;
  time: Time;
  logger: Logger;
  /** Effective log config of a topic (topic overrides over broker defaults). */
  logConfig(topic: string): LogConfig;
  /** min.insync.replicas of a topic. */
  minInsyncReplicas(topic: string): number;
  validate: ProduceValidator;
  /** The KIP-890 verification of transactional produce (default {@link ALWAYS_VERIFIED}). */
  verifyTransaction?: TransactionVerifier;
}

const EMPTY_FETCH: Omit<FetchPartitionResult, 'errorCode'> = {
  highWatermark: -1n,
  lastStableOffset: -1n,
  logStartOffset: -1n,
  records: null,
  abortedTransactions: null,
};

/**
 * The topic id recorded in a partition directory's `partition.metadata` (Kafka's PartitionMetadataFile:
 * "version: 0" then "topic_id: <base64 uuid>"), or null when the file is missing or unreadable.
 */
async function recordedTopicId(logDir: string): Promise<string | null> {
  try {
    const text = await readFile(join(logDir, LogFileUtils.PARTITION_METADATA_FILE), 'utf8');
    return /^topic_id:\s*(\S+)\s*$/m.exec(text)?.[1] ?? null;
  } catch {
    return null;
  }
}

/** Logs created at once by one metadata update (see onMetadataUpdate). */
const LOG_CREATION_CONCURRENCY = 16;

/**
 * Runs `fn` over `items` with at most `concurrency` calls in flight. Every item is tried; the first error is
 * rethrown once all are done.
 */
async function forEachConcurrently<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        failure ??= { error: e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure !== null) throw (failure as { error: unknown }).error;
}

function errorOf(e: unknown): { code: number; message: string | null } {
  if (e instanceof ApiError) return { code: e.code, message: e.message };
  const code = (e as { errorCode?: unknown }).errorCode;
  if (typeof code === 'number') return { code, message: (e as Error).message };
  return { code: Errors.UNKNOWN_SERVER_ERROR, message: null };
}

/**
 * The partitions this broker hosts and the produce and fetch paths over them, after Kafka's `ReplicaManager`.
 *
 * - Metadata: as a MetadataPublisher it creates the logs of partitions assigned to this node, makes it leader
 *   where the metadata log says so, and deletes the logs of removed topics.
 * - Produce (`appendRecords`): per partition, validation and append run on a per-partition chain started
 *   synchronously, so pipelined requests append in arrival order. acks=-1 waits until the high watermark passes
 *   the appended records (DelayedProduce; immediate while this node is the only ISR member).
 * - Fetch (`fetchMessages`): reads file slices up to the high watermark (the last stable offset for
 *   read_committed), at least one whole batch for the first partition that has data (KIP-74), and long-polls in
 *   the fetch purgatory until `minBytes` are available or `maxWaitMs` passes.
 */
export class ReplicaManager implements MetadataPublisher {
  readonly name = 'ReplicaManager';
  readonly #options: ReplicaManagerOptions;
  readonly #partitions = new Map<string, Partition>();
  /** Assigned partitions whose log could not be created because its log dir failed (Kafka's HostedPartition.Offline). */
  readonly #offlinePartitions = new Set<string>();
  readonly #appendChains = new Map<string, Promise<unknown>>();
  readonly fetchPurgatory = new DelayedOperationPurgatory('Fetch');
  readonly producePurgatory = new DelayedOperationPurgatory('Produce');
  /**
   * Verifies a transaction's first batch on a partition (KIP-890). The broker wiring sets it once the
   * transaction coordinator exists (it is built after this ReplicaManager).
   */
  transactionVerifier: TransactionVerifier;
  #firstImage = true;

  constructor(options: ReplicaManagerOptions) {
    this.#options = options;
    this.transactionVerifier = options.verifyTransaction ?? ALWAYS_VERIFIED;
  }

  /** The hosted partition, or undefined. */
  getPartition(tp: TopicPartition): Partition | undefined {
    return this.#partitions.get(topicPartitionKey(tp));
  }

  /** All hosted partitions. */
  allPartitions(): IterableIterator<Partition> {
    return this.#partitions.values();
  }

  /**
   * The partition if this node leads it.
   * @throws ApiError UNKNOWN_TOPIC_OR_PARTITION (3) when not hosted, NOT_LEADER_OR_FOLLOWER (6) when not leader,
   * FENCED_LEADER_EPOCH (74) / UNKNOWN_LEADER_EPOCH (75) when `currentLeaderEpoch` (if >= 0) is older / newer,
   * KAFKA_STORAGE_ERROR (56) when its log dir failed (Kafka's getPartitionOrException for an offline partition).
   */
  leaderPartition(tp: TopicPartition, currentLeaderEpoch = -1): Partition {
    const p = this.getPartition(tp);
    if (p?.log.isOffline === true || (p === undefined && this.#offlinePartitions.has(topicPartitionKey(tp)))) {
      throw new ApiError(Errors.KAFKA_STORAGE_ERROR, `Partition ${topicPartitionKey(tp)} is in an offline log directory`);
    }
    if (p === undefined) throw new ApiError(Errors.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
    if (currentLeaderEpoch >= 0) {
      if (currentLeaderEpoch < p.leaderEpoch) throw new ApiError(Errors.FENCED_LEADER_EPOCH, `The leader epoch in the request (${currentLeaderEpoch}) is older than the current one (${p.leaderEpoch}).`);
      if (currentLeaderEpoch > p.leaderEpoch) throw new ApiError(Errors.UNKNOWN_LEADER_EPOCH, `The leader epoch in the request (${currentLeaderEpoch}) is newer than the current one (${p.leaderEpoch}).`);
    }
    if (!p.isLeader) throw new ApiError(Errors.NOT_LEADER_OR_FOLLOWER, 'This server is not the leader for that topic-partition.');
    return p;
  }

  async onMetadataUpdate(image: MetadataImage, changes: MetadataChanges): Promise<void> {
    const { nodeId, logManager, logger } = this.#options;
    if (this.#firstImage) {
      this.#firstImage = false;
      await this.#deleteStrayLogs(image);
    }
    for (const [, topic] of changes.deletedTopics) {
      for (const partitionId of topic.partitions.keys()) {
        const tp = { topic: topic.name, partition: partitionId };
        const key = topicPartitionKey(tp);
        this.#offlinePartitions.delete(key);
        const p = this.#partitions.get(key);
        // Only this incarnation's log: a partition of the same name may already belong to a re-created topic.
        if (p === undefined || p.topicId !== topic.id) continue;
        this.#partitions.delete(key);
        this.fetchPurgatory.checkAndComplete(key);
        await logManager.deleteLog(tp);
        logger.info({ topicPartition: key }, 'Deleted partition log of removed topic');
      }
    }
    const toCreate: { tp: TopicPartition; key: string; topic: TopicImage; registration: PartitionRegistration }[] = [];
    for (const id of changes.changedPartitions) {
      const sep = id.lastIndexOf(':');
      const topic = image.topicsById.get(id.slice(0, sep));
      if (topic === undefined) continue;
      const partitionId = Number(id.slice(sep + 1));
      const registration = topic.partitions.get(partitionId)!;
      if (!registration.replicas.includes(nodeId)) continue;
      const tp = { topic: topic.name, partition: partitionId };
      const key = topicPartitionKey(tp);
      const existing = this.#partitions.get(key);
      if (existing !== undefined) existing.update(registration);
      else toCreate.push({ tp, key, topic, registration });
    }
    // New partitions' logs (a CreateTopics of thousands of partitions): a few at a time, so the file operations
    // keep the libuv pool busy without queueing thousands of them, each becoming leader once its log exists.
    await forEachConcurrently(toCreate, LOG_CREATION_CONCURRENCY, async ({ tp, key, topic, registration }) => {
      let log;
      try {
        log = await logManager.getOrCreateLog(tp, this.#options.logConfig(topic.name), topic.id);
      } catch (e) {
        // Kafka's makeLeader on a KafkaStorageException: the partition is offline, the other ones go on.
        if (!(e instanceof KafkaStorageError)) throw e;
        this.#offlinePartitions.add(key);
        logger.error({ err: e, topicPartition: key }, 'Cannot create the log of a partition: its log dir failed; the partition is offline');
        return;
      }
      this.#offlinePartitions.delete(key);
      const p = new Partition(tp, topic.id, log, nodeId, registration);
      this.#partitions.set(key, p);
      if (p.isLeader) await p.makeLeader();
    });
    for (const key of changes.changedConfigs) {
      const [type, name] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
      if (type !== '2' && type !== '4') continue;
      for (const p of this.#partitions.values()) {
        if (type === '4' || p.topicPartition.topic === name) p.log.updateConfig(this.#options.logConfig(p.topicPartition.topic));
      }
    }
  }

  /**
   * Kafka's stray-replica check on the first metadata image (LogManager.findStrayReplicas, KAFKA-14616): a log
   * loaded from disk whose topic is not in the image, whose partition is not assigned to this node, or whose
   * `partition.metadata` names another topic id (an earlier incarnation of a re-created topic, when a crash came
   * between the RemoveTopicRecord and the directory's removal) is deleted. Otherwise it would be served as the
   * current topic's data, or resurface when the name is used again.
   */
  async #deleteStrayLogs(image: MetadataImage): Promise<void> {
    const { nodeId, logManager, logger } = this.#options;
    for (const log of logManager.allLogs()) {
      const tp = log.topicPartition;
      const topic = image.topicsByName.get(tp.topic);
      const registration = topic?.partitions.get(tp.partition);
      let reason: string | null = null;
      if (topic === undefined) reason = 'its topic is not in the metadata';
      else if (registration === undefined || !registration.replicas.includes(nodeId)) reason = 'the partition is not assigned to this broker';
      else {
        const recorded = await recordedTopicId(log.dir);
        if (recorded !== null && recorded !== topic.id) reason = `it belongs to topic id ${recorded}, not the current ${topic.id}`;
      }
      if (reason === null) continue;
      logger.warn({ topicPartition: topicPartitionKey(tp), dir: log.dir, reason }, 'Deleting stray log');
      await logManager.deleteLog(tp);
    }
  }

  /**
   * Appends each partition's records (Kafka's `appendRecords`). Results are in input order.
   * Errors per partition: UNKNOWN_TOPIC_OR_PARTITION (3), NOT_LEADER_OR_FOLLOWER (6), NOT_ENOUGH_REPLICAS (19),
   * REQUEST_TIMED_OUT (7) for acks=-1 past `timeoutMs`, the validator's codes (CORRUPT_MESSAGE 2,
   * MESSAGE_TOO_LARGE 10, INVALID_TIMESTAMP 32, INVALID_RECORD 87, ...), the producer state's
   * (OUT_OF_ORDER_SEQUENCE_NUMBER 45, INVALID_PRODUCER_EPOCH 47, INVALID_TXN_STATE 48) and the transaction
   * verification's. A retried idempotent batch that is already in the log gets NONE and its original base offset.
   *
   * Transactional produce (`transactionalId` set, transactional batch): unless the producer's transaction is
   * already open on the partition, the transaction coordinator must confirm the partition is in the transaction
   * before the first batch is written (KIP-890 part 1, Kafka 3.6+ behaviour).
   */
  appendRecords(params: {
    requiredAcks: number;
    timeoutMs: number;
    produceVersion: number;
    transactionalId?: string | null;
    entries: { topicPartition: TopicPartition; records: Buffer | null }[];
  }): Promise<ProducePartitionResult[]> {
    const { requiredAcks, timeoutMs, produceVersion } = params;
    const transactionalId = params.transactionalId ?? null;
    // For acks=-1: the offset the high watermark must reach for each appended partition (last offset + 1).
    const requiredOffsets = params.entries.map(() => -1n);
    const results = params.entries.map(({ topicPartition, records }, index) => {
      const key = topicPartitionKey(topicPartition);
      const run = async (release: () => void): Promise<ProducePartitionResult> => {
        try {
          const partition = this.leaderPartition(topicPartition);
          const { batches } = await this.#options.validate(records, topicPartition, produceVersion);
          const verificationGuard = await this.#verifyTransaction(partition, transactionalId, batches, produceVersion);
          if (typeof verificationGuard === 'number') {
            const message = verificationGuard === Errors.INVALID_TXN_STATE ? 'Partition was not added to the transaction' : null;
            return { errorCode: verificationGuard, errorMessage: message, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [] };
          }
          const appended = partition.appendRecordsToLeader(batches, requiredAcks, this.#options.minInsyncReplicas(topicPartition.topic), { origin: 'client', verificationGuard });
          // Queued in the log (synchronously, in order): the next request's validation may run during this write.
          release();
          const info = await appended;
          requiredOffsets[index] = info.lastOffset + 1n;
          this.fetchPurgatory.checkAndComplete(key);
          this.producePurgatory.checkAndComplete(key);
          return { errorCode: Errors.NONE, errorMessage: null, baseOffset: info.firstOffset, logAppendTimeMs: info.logAppendTimeMs, logStartOffset: info.logStartOffset, recordErrors: [] };
        } catch (e) {
          const { code, message } = errorOf(e);
          if (code === Errors.UNKNOWN_SERVER_ERROR) this.#options.logger.error({ err: e, topicPartition: key }, 'Append failed');
          const recordErrors = (e as { recordErrors?: ProducePartitionResult['recordErrors'] }).recordErrors ?? [];
          return { errorCode: code, errorMessage: message, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors };
        }
      };
      return this.#chain(key, run);
    });
    const all = Promise.all(results);
    if (requiredAcks !== -1) return all;
    return all.then((res) => this.#awaitReplication(params.entries, res, requiredOffsets, timeoutMs));
  }

  /**
   * KIP-890 verification of a transactional batch (Kafka's maybeSendPartitionsToTransactionCoordinator): the
   * guard to append with (null: not transactional, or its transaction is already open here), or the error code
   * that rejects the partition.
   * @throws InvalidProducerEpochError when the batch's epoch is older than the partition's.
   */
  async #verifyTransaction(partition: Partition, transactionalId: string | null, batches: Buffer, produceVersion: number): Promise<object | null | number> {
    if (transactionalId === null || batches.length < 61) return null;
    const batch = new RecordBatch(batches, 0);
    if (!batch.isTransactional || batch.producerId < 0n) return null;
    const guard = partition.log.maybeStartTransactionVerification(batch.producerId, batch.baseSequence, batch.producerEpoch);
    if (guard === null) return null;
    // Produce v11+ clients understand TRANSACTION_ABORTABLE (KIP-890).
    const code = await this.transactionVerifier(transactionalId, batch.producerId, batch.producerEpoch, partition.topicPartition, produceVersion >= 11);
    return code === Errors.NONE ? guard : code;
  }

  /**
   * Runs `run` once every earlier append to the same partition has been queued in the log (per-partition ordering
   * of appends). `run` calls `release` as soon as its own append is queued (the log's queue keeps the order from
   * there, and coalesces the appends that wait behind a write into one writev); settling releases too.
   */
  #chain<T>(key: string, run: (release: () => void) => Promise<T>): Promise<T> {
    const prev = this.#appendChains.get(key) ?? Promise.resolve();
    let release!: () => void;
    const tail = new Promise<void>((resolve) => (release = resolve));
    const start = (): Promise<T> => run(release);
    const result = prev.then(start, start);
    result.then(release, release);
    this.#appendChains.set(key, tail);
    void tail.then(() => {
      if (this.#appendChains.get(key) === tail) this.#appendChains.delete(key);
    });
    return result;
  }

  /**
   * Appends batches the broker writes itself (coordinator records, transaction markers: Kafka's
   * AppendOrigin.COORDINATOR): no client validation, ordered with client appends to the partition, resolved once
   * the high watermark has passed them (acks=all).
   * @throws ApiError UNKNOWN_TOPIC_OR_PARTITION / NOT_LEADER_OR_FOLLOWER / NOT_ENOUGH_REPLICAS /
   * REQUEST_TIMED_OUT (after `timeoutMs`), or the log's error.
   */
  async appendToLocalLog(tp: TopicPartition, batches: Buffer, timeoutMs: number): Promise<{ firstOffset: bigint; lastOffset: bigint }> {
    const key = topicPartitionKey(tp);
    const info = await this.#chain(key, async (release) => {
      const partition = this.leaderPartition(tp);
      const pending = partition.appendRecordsToLeader(batches, -1, this.#options.minInsyncReplicas(tp.topic), { origin: 'coordinator' });
      release();
      const appended = await pending;
      this.fetchPurgatory.checkAndComplete(key);
      this.producePurgatory.checkAndComplete(key);
      return appended;
    });
    const [result] = await this.#awaitReplication([{ topicPartition: tp }], [
      { errorCode: Errors.NONE, errorMessage: null, baseOffset: info.firstOffset, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [] },
    ], [info.lastOffset + 1n], timeoutMs);
    if (result!.errorCode !== Errors.NONE) throw new ApiError(result!.errorCode, result!.errorMessage ?? 'append failed');
    return { firstOffset: info.firstOffset, lastOffset: info.lastOffset };
  }

  /**
   * DelayedProduce: waits until every successfully appended partition's high watermark reaches
   * `requiredOffsets[i]` (its last appended offset + 1), as Kafka's DelayedProduce does.
   */
  #awaitReplication(entries: { topicPartition: TopicPartition }[], results: ProducePartitionResult[], requiredOffsets: readonly bigint[], timeoutMs: number): Promise<ProducePartitionResult[]> {
    const pending = (): number[] => results.flatMap((r, i) => {
      if (r.errorCode !== Errors.NONE) return [];
      const p = this.getPartition(entries[i]!.topicPartition);
      return p !== undefined && p.highWatermark >= requiredOffsets[i]! ? [] : [i];
    });
    if (pending().length === 0) return Promise.resolve(results);
    return new Promise((resolve) => {
      this.producePurgatory.watch(
        {
          tryComplete: () => {
            if (pending().length > 0) return false;
            resolve(results);
            return true;
          },
          onExpiration: () => {
            for (const i of pending()) results[i] = { ...results[i]!, errorCode: Errors.REQUEST_TIMED_OUT, errorMessage: 'Disconnected from the ISR before the records were replicated.' };
            resolve(results);
          },
        },
        entries.map((e) => topicPartitionKey(e.topicPartition)),
        timeoutMs,
      );
    });
  }

  /** Reads every partition once (Kafka's `readFromLocalLog`); returns results and the bytes read. */
  async #readFromLocalLog(params: FetchParams): Promise<{ results: FetchPartitionResult[]; bytes: number; hasError: boolean }> {
    let remaining = params.maxBytes;
    let bytes = 0;
    let hasError = false;
    const results: FetchPartitionResult[] = [];
    for (const req of params.partitions) {
      try {
        const p = this.leaderPartition(req.topicPartition, req.currentLeaderEpoch);
        const log = p.log;
        const highWatermark = p.highWatermark;
        const lastStableOffset = log.lastStableOffset ?? highWatermark;
        const logStartOffset = log.logStartOffset;
        if (req.fetchOffset < logStartOffset || req.fetchOffset > log.logEndOffset) {
          throw new ApiError(Errors.OFFSET_OUT_OF_RANGE, `Fetch offset ${req.fetchOffset} is out of range [${logStartOffset}, ${log.logEndOffset}]`);
        }
        const maxOffset = params.isolationLevel === 1 ? lastStableOffset : highWatermark;
        const limit = Math.min(req.partitionMaxBytes, Math.max(remaining, 0));
        let records: ExternalRecords | null = null;
        // read_committed: the aborted transactions overlapping the bytes returned (an empty list without data).
        let abortedTransactions: { producerId: bigint; firstOffset: bigint }[] | null = params.isolationLevel === 1 ? [] : null;
        if (req.fetchOffset < maxOffset && (limit > 0 || bytes === 0)) {
          const info = await log.read(req.fetchOffset, Math.max(limit, 1), maxOffset, bytes === 0);
          if (info.records !== null && info.records.sizeInBytes > 0) {
            records = info.records;
            bytes += info.records.sizeInBytes;
            remaining -= info.records.sizeInBytes;
            if (abortedTransactions !== null) abortedTransactions = log.abortedTransactionsForRead(info).map((t) => ({ producerId: t.producerId, firstOffset: t.firstOffset }));
          }
        }
        results.push({ errorCode: Errors.NONE, highWatermark, lastStableOffset, logStartOffset, records, abortedTransactions });
      } catch (e) {
        hasError = true;
        const { code } = errorOf(e);
        if (code === Errors.UNKNOWN_SERVER_ERROR) this.#options.logger.error({ err: e, topicPartition: topicPartitionKey(req.topicPartition) }, 'Fetch read failed');
        const p = this.getPartition(req.topicPartition);
        results.push({
          ...EMPTY_FETCH,
          errorCode: code,
          highWatermark: p?.highWatermark ?? -1n,
          lastStableOffset: p === undefined ? -1n : (p.log.lastStableOffset ?? p.highWatermark),
          logStartOffset: p?.log.logStartOffset ?? -1n,
        });
      }
    }
    return { results, bytes, hasError };
  }

  /** Releases the file slices of results that will not be sent. */
  #release(results: FetchPartitionResult[]): void {
    for (const r of results) if (r.records !== null && !Buffer.isBuffer(r.records)) r.records.release?.();
  }

  /**
   * Fetches from leader logs, long-polling up to `maxWaitMs` until `minBytes` are available (Kafka's
   * `fetchMessages` + DelayedFetch). Results are in request order.
   */
  async fetchMessages(params: FetchParams): Promise<FetchPartitionResult[]> {
    const versionBeforeRead = this.fetchPurgatory.version;
    const first = await this.#readFromLocalLog(params);
    if (params.maxWaitMs <= 0 || first.bytes >= params.minBytes || first.hasError || params.partitions.length === 0) {
      return first.results;
    }
    this.#release(first.results);
    return new Promise((resolve) => {
      let finished = false;
      this.fetchPurgatory.watch(
        {
          tryComplete: async () => {
            if (finished) return true;
            const attempt = await this.#readFromLocalLog(params);
            if (finished) {
              this.#release(attempt.results);
              return true;
            }
            if (attempt.bytes >= params.minBytes || attempt.hasError) {
              finished = true;
              resolve(attempt.results);
              return true;
            }
            this.#release(attempt.results);
            return false;
          },
          onExpiration: async () => {
            if (finished) return;
            finished = true;
            const last = await this.#readFromLocalLog(params);
            resolve(last.results);
          },
        },
        params.partitions.map((p) => topicPartitionKey(p.topicPartition)),
        params.maxWaitMs,
        // An append that completed during the first read found nothing to wake: this fetch then re-reads now
        // instead of waiting for the next append or maxWaitMs.
        versionBeforeRead,
      );
    });
  }

  /** Stops the purgatories (answering waiting requests) before the logs close. */
  async shutdown(): Promise<void> {
    await this.fetchPurgatory.shutdown();
    await this.producePurgatory.shutdown();
    await Promise.all([...this.#appendChains.values()]);
  }
}
