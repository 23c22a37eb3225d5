import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SystemTime, type Time } from '../common/time.ts';
import { topicPartitionKey, type TopicPartition } from '../common/topic-partition.ts';
import { rootLogger, type Logger } from '../observability/logger.ts';
import { flushDir, flushDirShared } from './checkpoint-file.ts';
import { KafkaStorageError, OffsetOutOfRangeError, isIoError } from './errors.ts';
import { EMPTY_RECORDS } from './file-records-slice.ts';
import { lazyLogger } from './lazy-logger.ts';
import type { LeaderEpochFileCache } from './leader-epoch-file-cache.ts';
import { type LogConfig, isDeleteRetention } from './log-config.ts';
import { type LoadedLog, loadLog } from './log-loader.ts';
import { LocalLog } from './local-log.ts';
import type { LogSegment } from './log-segment.ts';
import type { AbortedTxn, EpochEndOffset, FetchDataInfo, LogAppendInfo, LogOffsetMetadata, TimestampAndOffset } from './log-types.ts';
import { type AppendTask, LogAppender, type LogAppenderHost, MAX_GROUP_BYTES } from './log-appender.ts';
import { LogRetention } from './log-retention.ts';
import { LogTaskQueue } from './log-task-queue.ts';
import type { AppendOrigin } from './producer-append-info.ts';
import { DEFAULT_PRODUCER_STATE_CONFIG, type ProducerStateManager, type ProducerStateManagerConfig } from './producer-state-manager.ts';
import { ProducerSnapshotFile } from './producer-snapshot-file.ts';
import { rebuildProducerState } from './rebuild-producer-state.ts';

/** Options of {@link UnifiedLog.open}; the checkpoint values come from LogManager. */
export interface UnifiedLogOptions {
  readonly time?: Time;
  readonly logger?: Logger;
  /** The log directory had a clean-shutdown marker (no recovery scan). Default false: recover. */
  readonly hadCleanShutdown?: boolean;
  /** recovery-point-offset-checkpoint value. Default 0 (recover every segment after an unclean shutdown). */
  readonly recoveryPoint?: number;
  /** log-start-offset-checkpoint value. Default 0. */
  readonly logStartOffset?: number;
  /** replication-offset-checkpoint value (clamped to the log). Default 0. */
  readonly highWatermark?: number;
  /** Called once when an I/O error takes the log offline (Kafka's log dir failure channel). */
  readonly onFailure?: (log: UnifiedLog, error: Error) => void;
  /** Called when the background flush after a roll advanced the recovery point (LogManager checkpoints it). */
  readonly onRollFlushed?: (log: UnifiedLog) => void;
  /** Called with the duration (ms) of each flush that synced something (LogFlushStats LogFlushRateAndTimeMs). */
  readonly onFlushed?: (durationMs: number) => void;
  /** producer.id.expiration.ms and transaction.partition.verification.enable (default: 1 day, verification off). */
  readonly producerStateConfig?: ProducerStateManagerConfig;
}

/** Options of a leader append: who appends (Kafka's AppendOrigin) and the KIP-890 verification it passed. */
export interface LeaderAppendOptions {
  /** Default 'client'. */
  readonly origin?: Exclude<AppendOrigin, 'replication'>;
  /** The guard from {@link UnifiedLog.maybeStartTransactionVerification}, for a transaction's first batch. */
  readonly verificationGuard?: object | null;
}

/**
 * The log of one partition (Kafka's UnifiedLog + LocalLog): segments in `<dir>` = `<log.dir>/<topic>-<partition>`.
 *
 * - Appends (`appendAsLeader`, `appendAsFollower`) go through one queue per log, so concurrent callers are
 *   serialized in call order; appends waiting behind a write are coalesced into one writev. Leader appends get
 *   consecutive offsets (baseOffset and partitionLeaderEpoch rewritten in place, CRC untouched).
 * - Reads return retained file slices (sendfile-able), starting at the batch holding the fetch offset, bounded
 *   by `maxOffset` (high watermark or last stable offset) and `maxBytes` (at least one batch with
 *   minOneMessage, KIP-74).
 * - Structural changes (roll, truncation, retention, cleaner swaps, close) run in the same queue.
 * - Offsets and timestamps are `bigint` in this API (the protocol's int64) and plain numbers inside.
 * - Producer state (ProducerStateManager): every batch with a producer id is checked (epoch, sequence,
 *   transaction) before it is written; a client's retry of one of a producer's last 5 batches is not written
 *   again, its original offsets are returned. ABORT markers add an entry to the active segment's transaction
 *   index; the last stable offset is min(first offset of an undecided transaction, high watermark). A producer
 *   snapshot is written at every roll and at close, loaded on open, and the log after it replayed.
 *
 * An I/O error takes the log offline (Kafka's maybeHandleIOException): in an append, a flush (foreground or
 * background: after a roll, of the indexes, of a producer snapshot), a read, or a structural change in the queue.
 * Every later call then fails with KAFKA_STORAGE_ERROR (56), the recovery point stays below whatever a failed
 * sync covered, and `onFailure` tells the LogManager, which takes the whole log dir offline.
 *
 * A new log (its directory created by {@link open}) is created without any fsync, as Kafka creates one: its
 * files survive a process crash, and what a power loss needs (the leader epoch checkpoint, the new directory and
 * its entry in the log dir) is written and synced once, in the queue before its first records, so none can be
 * acknowledged before its log is durable. An idle partition thus costs a few file operations and no fsync.
 */
export class UnifiedLog {
  readonly dir: string;
  readonly topicPartition: TopicPartition;
  readonly #local: LocalLog;
  readonly #time: Time;
  readonly #logger: Logger;
  readonly #epochs: LeaderEpochFileCache;
  readonly #producerState: ProducerStateManager;
  readonly #onFailure: ((log: UnifiedLog, error: Error) => void) | undefined;
  #logStartOffset: number;
  #highWatermark: number;
  readonly #queue: LogTaskQueue<AppendTask>;
  #failure: KafkaStorageError | null = null;
  #closed = false;
  /** Created by open and not yet made durable (see the class doc and #syncNewLog). */
  #newLogUnsynced = false;

  /**
   * The LogAppender's view of a log (live views of its private state) and the queue's writer: the appender is
   * created by the first append, so an idle log has neither it nor its group commit.
   */
  static readonly #AppenderHost = class implements LogAppenderHost {
    readonly log: UnifiedLog;
    readonly topicPartition: TopicPartition;
    readonly local: LocalLog;
    readonly epochs: LeaderEpochFileCache;
    readonly producerState: ProducerStateManager;
    readonly time: Time;
    #appender: LogAppender | null = null;

    constructor(log: UnifiedLog) {
      this.log = log;
      this.topicPartition = log.topicPartition;
      this.local = log.#local;
      this.epochs = log.#epochs;
      this.producerState = log.#producerState;
      this.time = log.#time;
    }

    get logStartOffset(): number {
      return this.log.#logStartOffset;
    }

    get failure(): KafkaStorageError | null {
      return this.log.#failure;
    }

    fail(e: unknown): void {
      this.log.#fail(e);
    }

    roll(offset: number): Promise<void> {
      return this.log.#roll(offset);
    }

    appendGroup(group: AppendTask[]): Promise<void> {
      const appender = (this.#appender ??= new LogAppender(this));
      if (!this.log.#newLogUnsynced) return appender.appendGroup(group);
      // A failed sync takes the log offline: the appender then rejects the whole group.
      return this.log.#syncNewLog().then(() => appender.appendGroup(group));
    }
  };

  private constructor(dir: string, tp: TopicPartition, config: LogConfig, time: Time, logger: Logger, loaded: LoadedLog, options: UnifiedLogOptions) {
    const { leaderEpochCache: epochs, producerState } = loaded;
    this.dir = dir;
    this.topicPartition = tp;
    const onRollFlushed = options.onRollFlushed;
    this.#local = new LocalLog(dir, tp, config, time, logger, loaded.segments, loaded.recoveryPoint, loaded.logEndOffset, {
      ...(onRollFlushed === undefined ? {} : { onRollFlushed: () => onRollFlushed(this) }),
      onFlushFailure: (e) => this.#fail(e),
      ...(options.onFlushed === undefined ? {} : { onFlushed: options.onFlushed }),
    });
    this.#time = time;
    this.#logger = logger;
    this.#epochs = epochs;
    this.#producerState = producerState;
    this.#logStartOffset = loaded.logStartOffset;
    this.#highWatermark = clamp(options.highWatermark ?? 0, loaded.logStartOffset, loaded.logEndOffset);
    producerState.onHighWatermarkUpdated(this.#highWatermark);
    this.#onFailure = options.onFailure;
    this.#queue = new LogTaskQueue(new UnifiedLog.#AppenderHost(this), MAX_GROUP_BYTES);
  }

  /**
   * Opens (creating if needed) the log in `dir` and makes it consistent (see loadLog): temp files cleaned,
   * swaps completed, indexes checked or rebuilt, and after an unclean shutdown every segment from the recovery
   * point on is scanned and its invalid tail truncated. A directory that does not exist yet is created with one
   * empty segment and nothing else is read or written (see the class doc for its durability).
   * @throws the fs error if the directory cannot be read or written.
   */
  static async open(dir: string, topicPartition: TopicPartition, config: LogConfig, options: UnifiedLogOptions = {}): Promise<UnifiedLog> {
    const time = options.time ?? SystemTime;
    // Kept for the log's life: one flat string rather than the pieces a path.join leaves.
    const logDir = Buffer.from(dir, 'utf8').toString('utf8');
    const key = topicPartitionKey(topicPartition);
    const parentLogger = options.logger ?? rootLogger;
    const logger = lazyLogger(parentLogger, { component: 'UnifiedLog', topicPartition: key });
    const created = (await mkdir(logDir, { recursive: true })) !== undefined;
    const loaded = await loadLog({
      dir: logDir,
      topicPartition: key,
      config,
      time,
      logger,
      // Loading logs a few lines per partition: a transient child, not the lazy one the log keeps.
      ...(created ? {} : { loadLogger: parentLogger.child({ component: 'UnifiedLog', topicPartition: key }) }),
      hadCleanShutdown: options.hadCleanShutdown ?? false,
      recoveryPointCheckpoint: options.recoveryPoint ?? 0,
      logStartOffsetCheckpoint: options.logStartOffset ?? 0,
      producerStateConfig: options.producerStateConfig ?? DEFAULT_PRODUCER_STATE_CONFIG,
      newDir: created,
    });
    const log = new UnifiedLog(logDir, topicPartition, config, time, logger, loaded, options);
    log.#newLogUnsynced = created;
    return log;
  }

  get config(): LogConfig {
    return this.#local.config;
  }

  /** Applies a changed topic config (new segments and the next retention/cleaner pass use it). */
  updateConfig(config: LogConfig): void {
    this.#local.config = config;
  }

  get logStartOffset(): bigint {
    return BigInt(this.#logStartOffset);
  }

  /** The offset the next appended record gets. */
  get logEndOffset(): bigint {
    return BigInt(this.#local.logEndOffset);
  }

  get logEndOffsetMetadata(): LogOffsetMetadata {
    const active = this.#local.activeSegment;
    return { messageOffset: this.logEndOffset, segmentBaseOffset: BigInt(active.baseOffset), relativePositionInSegment: active.size };
  }

  /** Kept by the caller (Partition); persisted by LogManager in replication-offset-checkpoint. */
  get highWatermark(): bigint {
    return BigInt(this.#highWatermark);
  }

  /** Sets the high watermark, clamped to [logStartOffset, logEndOffset] as Kafka's updateHighWatermark. */
  set highWatermark(offset: bigint) {
    this.#highWatermark = clamp(Number(offset), this.#logStartOffset, this.#local.logEndOffset);
    this.#producerState.onHighWatermarkUpdated(this.#highWatermark);
  }

  /**
   * Leader: moves the high watermark forward to `offset`, never back (Kafka's maybeIncrementHighWatermark).
   * @returns true when it moved.
   * @throws Error when `offset` is past the log end: the leader computed it from log end offsets, so that is an
   *   invariant break.
   */
  maybeIncrementHighWatermark(offset: bigint): boolean {
    const target = Number(offset);
    if (target > this.#local.logEndOffset) {
      throw new Error(`High watermark ${target} update exceeds the log end offset ${this.#local.logEndOffset} of ${topicPartitionKey(this.topicPartition)}`);
    }
    if (target <= this.#highWatermark) return false;
    this.#highWatermark = target;
    this.#producerState.onHighWatermarkUpdated(target);
    return true;
  }

  /**
   * Follower: takes the leader's high watermark, clamped to [logStartOffset, logEndOffset] (Kafka's
   * maybeUpdateHighWatermark; it may go down, when a new leader knows a lower one than the last leader did).
   * @returns true when it changed.
   */
  updateHighWatermark(offset: bigint): boolean {
    const target = clamp(Number(offset), this.#logStartOffset, this.#local.logEndOffset);
    if (target === this.#highWatermark) return false;
    this.#highWatermark = target;
    this.#producerState.onHighWatermarkUpdated(target);
    return true;
  }

  /**
   * The first offset of an undecided transaction (or of one whose marker is not yet below the high watermark),
   * at least logStartOffset; null when every offset is decided (Kafka's firstUnstableOffset).
   */
  get firstUnstableOffset(): bigint | null {
    const first = this.#producerState.firstUnstableOffset;
    return first === null ? null : BigInt(Math.max(first, this.#logStartOffset));
  }

  /**
   * Kafka's lastStableOffset: the first unstable offset when it is below the high watermark, else the high
   * watermark. read_committed consumers read up to it.
   */
  get lastStableOffset(): bigint {
    const unstable = this.firstUnstableOffset;
    return unstable !== null && unstable < BigInt(this.#highWatermark) ? unstable : BigInt(this.#highWatermark);
  }

  /** The partition's producer state (DescribeProducers, tests). */
  get producerStateManager(): ProducerStateManager {
    return this.#producerState;
  }

  /** True when `producerId` has a transaction open on this partition in `producerEpoch`. */
  hasOngoingTransaction(producerId: bigint, producerEpoch: number): boolean {
    return this.#producerState.hasOngoingTransaction(producerId, producerEpoch);
  }

  /**
   * KIP-890: before a transactional produce is verified with the transaction coordinator (Kafka's
   * maybeStartTransactionVerification). Null when the transaction is already open here (no verification needed),
   * else the guard to pass to {@link appendAsLeader} once the coordinator confirmed.
   * @throws InvalidProducerEpochError (47) when the epoch is older than the producer's.
   */
  maybeStartTransactionVerification(producerId: bigint, sequence: number, producerEpoch: number): object | null {
    return this.#producerState.maybeStartTransactionVerification(producerId, sequence, producerEpoch, this.#time.milliseconds());
  }

  /** producer.id.expiration.ms: forgets idle producers outside transactions. @returns how many. */
  removeExpiredProducers(now = this.#time.milliseconds()): number {
    return this.#producerState.removeExpiredProducers(now);
  }

  /** Offsets below this are flushed to disk; recovery after a crash starts at its segment. */
  get recoveryPoint(): bigint {
    return BigInt(this.#local.recoveryPoint);
  }

  /** Wall-clock ms of the last flush (for flush.ms). */
  get lastFlushTime(): number {
    return this.#local.lastFlushTime;
  }

  /** Bytes of all segments. */
  get size(): number {
    return this.#local.segments.sizeInBytes;
  }

  get numberOfSegments(): number {
    return this.#local.segments.size;
  }

  /** A snapshot of the segments, oldest first (for the cleaner, tools and tests). */
  logSegments(): LogSegment[] {
    return this.#local.segments.toArray();
  }

  get activeSegment(): LogSegment {
    return this.#local.activeSegment;
  }

  get leaderEpochCache(): LeaderEpochFileCache {
    return this.#epochs;
  }

  get latestEpoch(): number | undefined {
    return this.#epochs.latestEpoch;
  }

  get isOffline(): boolean {
    return this.#failure !== null;
  }

  get time(): Time {
    return this.#time;
  }

  /**
   * Appends validated v2 batches as leader: offsets from logEndOffset, `leaderEpoch` stamped, LogAppendTime
   * applied for such topics, producer state checked (see the class doc). Safe to call concurrently; appends
   * complete in call order. A duplicate (a client's retry of a batch already written) resolves with the original
   * batch's offsets and writes nothing.
   * @throws CorruptRecordError (2), RecordTooLargeError (10), RecordBatchTooLargeError (18), InvalidRecordError
   * (87, keyless record on a compacted topic), OutOfOrderSequenceError (45), InvalidProducerEpochError (47),
   * InvalidTxnStateError (48), TransactionCoordinatorFencedError (52), KafkaStorageError (56).
   */
  appendAsLeader(records: Buffer, leaderEpoch: number, options: LeaderAppendOptions = {}): Promise<LogAppendInfo> {
    const origin = options.origin ?? 'client';
    const verificationGuard = options.verificationGuard ?? null;
    return new Promise((resolve, reject) => this.#queue.append({ records, bytes: records.length, leaderEpoch, follower: false, origin, verificationGuard, resolve, reject }));
  }

  /**
   * Appends batches replicated from the leader, keeping their offsets and epochs.
   * @throws UnexpectedAppendOffsetError when the first offset is below logEndOffset, plus the errors of
   * {@link appendAsLeader} except INVALID_RECORD.
   */
  appendAsFollower(records: Buffer): Promise<LogAppendInfo> {
    return new Promise((resolve, reject) => this.#queue.append({ records, bytes: records.length, leaderEpoch: -1, follower: true, origin: 'replication', verificationGuard: null, resolve, reject }));
  }

  /**
   * Makes a new log durable, in the queue before its first records are written: the leader epoch checkpoint
   * (not written so far, see assignEpochStartOffset) with its directory, or the directory alone, then the
   * directory's entry in the log dir (an fsync shared with the other new logs of that dir). Kafka's
   * LocalLog.flush syncs a new log's directory at its first flush; here a group commit may acknowledge records
   * after the `.log` fdatasync alone, so this comes first. An I/O error takes the log offline.
   */
  async #syncNewLog(): Promise<void> {
    // Cleared first: an epoch assigned from now on is written by assignEpochStartOffset itself.
    this.#newLogUnsynced = false;
    try {
      if (this.#epochs.entries.length > 0) await this.#epochs.flush();
      else await flushDir(this.dir);
      await flushDirShared(dirname(this.dir));
    } catch (e) {
      this.#fail(e);
    }
  }

  /**
   * Runs `fn` in the log's queue, after every append and operation queued before it. An I/O error in it takes the
   * log offline and is rethrown as the KafkaStorageError (56).
   */
  runExclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.#queue.run(() => this.#guardIo(fn));
  }

  /** Runs `fn`; an I/O error takes the log offline and becomes its KafkaStorageError (Kafka's maybeHandleIOException). */
  async #guardIo<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (!isIoError(e)) throw e;
      this.#fail(e);
      throw this.#failure ?? e;
    }
  }

  /**
   * Takes the log offline because its log dir failed (LogManager, Kafka's handleLogDirFailure): every later call
   * fails with `failure` (KAFKA_STORAGE_ERROR), and the files are closed without writing anything more.
   */
  async markOffline(failure: KafkaStorageError): Promise<void> {
    if (this.#failure === null) {
      this.#failure = failure;
      this.#queue.failure = failure;
    }
    await this.closeHandlers();
  }

  #fail(e: unknown): void {
    if (this.#failure !== null) return;
    this.#failure = new KafkaStorageError(`Log ${this.dir} is offline after an I/O error: ${(e as Error)?.message ?? String(e)}`, { cause: e });
    this.#queue.failure = this.#failure;
    this.#logger.error({ err: e }, 'I/O error on the log; taking it offline');
    this.#onFailure?.(this, this.#failure);
  }

  /** Rolls a new active segment at the log end (in the queue). */
  roll(): Promise<void> {
    return this.runExclusive(() => this.#roll(this.#local.logEndOffset));
  }

  /**
   * Rolls at `offset` and snapshots the producer state there (Kafka's UnifiedLog.roll), so recovery of the new
   * segment can start from it; the snapshot is fsynced in the background like the rolled segment.
   */
  async #roll(offset: number): Promise<void> {
    await this.#local.roll(offset);
    this.#producerState.updateMapEndOffset(this.#local.activeSegment.baseOffset);
    const snapshot = await this.#producerState.takeSnapshot(false);
    if (snapshot !== null) ProducerSnapshotFile.flush(snapshot).catch((e: unknown) => this.#fail(e));
  }

  /**
   * fsyncs every segment up to `offset` (default: the log end) and advances the recovery point to it.
   * @throws KafkaStorageError when the log is offline, or goes offline because the flush failed.
   */
  async flush(offset?: bigint): Promise<void> {
    if (this.#failure !== null) throw this.#failure;
    const leo = this.#local.logEndOffset;
    await this.#guardIo(() => this.#local.flushUpTo(offset === undefined ? leo : Math.min(Number(offset), leo)));
  }

  /**
   * Reads from `startOffset` (Kafka's UnifiedLog.read): a retained slice of the segment holding it, from the
   * start of the batch that contains it, at most `maxBytes` (at least that whole batch with `minOneMessage`),
   * ending before `maxOffset` (exclusive; the high watermark or last stable offset; default the log end).
   * The slice may end inside a batch when `maxBytes` cuts it, as Kafka's do (clients drop the partial batch).
   * The caller releases the slice (or consumes it with readInto).
   * @throws OffsetOutOfRangeError (1) when startOffset is below logStartOffset or above logEndOffset.
   */
  async read(startOffset: bigint, maxBytes: number, maxOffset: bigint | null = null, minOneMessage = true): Promise<FetchDataInfo> {
    if (this.#failure !== null) throw this.#failure;
    const start = Number(startOffset);
    const leo = this.#local.logEndOffset;
    if (start < this.#logStartOffset || start > leo) {
      throw new OffsetOutOfRangeError(`Received request for offset ${start} for partition ${topicPartitionKey(this.topicPartition)}, but we only have log segments in the range ${this.#logStartOffset} to ${leo}.`);
    }
    const upper = maxOffset === null ? leo : Math.min(Number(maxOffset), leo);
    const found = start < upper ? await this.#guardIo(() => this.#local.read(start, maxBytes, upper, minOneMessage)) : null;
    if (found === null) {
      const metadata = start === leo ? this.logEndOffsetMetadata : { messageOffset: startOffset, segmentBaseOffset: -1n, relativePositionInSegment: -1 };
      return { fetchOffsetMetadata: metadata, records: EMPTY_RECORDS, firstEntryIncomplete: false };
    }
    return {
      fetchOffsetMetadata: { messageOffset: startOffset, segmentBaseOffset: BigInt(found.segment.baseOffset), relativePositionInSegment: found.info.position },
      records: found.info.records,
      firstEntryIncomplete: found.info.firstEntryIncomplete,
    };
  }
  /**
   * ListOffsets (Kafka's fetchOffsetByTimestamp): -2 earliest (logStartOffset), -1 latest (logEndOffset), -3 the
   * record with the largest timestamp, -4 earliest local (= earliest), -5 latest tiered (-1, no tiered storage),
   * or the first record whose timestamp is >= `timestamp`. Null when no record qualifies.
   */
  async fetchOffsetByTimestamp(timestamp: bigint): Promise<TimestampAndOffset | null> {
    if (this.#failure !== null) throw this.#failure;
    const ts = Number(timestamp);
    if (ts === -2 || ts === -4) {
      const first = this.#epochs.earliestEntry;
      const epoch = ts === -2 ? (first !== undefined && first.startOffset <= this.#logStartOffset ? first.epoch : null) : (this.#epochs.epochForOffset(this.#logStartOffset) ?? null);
      return { timestamp: -1n, offset: BigInt(this.#logStartOffset), leaderEpoch: epoch };
    }
    if (ts === -1) return { timestamp: -1n, offset: BigInt(this.#local.logEndOffset), leaderEpoch: this.#epochs.latestEpoch ?? null };
    if (ts === -5) return { timestamp: -1n, offset: -1n, leaderEpoch: -1 };
    const found = ts === -3 ? await this.#guardIo(() => this.#local.searchMaxTimestamp(this.#logStartOffset)) : ts >= 0 ? await this.#guardIo(() => this.#local.searchByTimestamp(ts, this.#logStartOffset)) : null;
    return found === null ? null : { timestamp: BigInt(found.timestamp), offset: BigInt(found.offset), leaderEpoch: found.leaderEpoch >= 0 ? found.leaderEpoch : null };
  }

  /**
   * Aborted transactions overlapping [startOffset, upperBoundOffset): lastOffset >= startOffset and firstOffset <
   * upperBoundOffset, from the transaction indexes of the segments from the one holding startOffset on, until
   * an entry's recorded LSO reaches the bound (Kafka's collectAbortedTransactions), for read_committed fetches.
   */
  collectAbortedTransactions(startOffset: bigint, upperBoundOffset: bigint): AbortedTxn[] {
    return this.#local.collectAbortedTransactions(startOffset, upperBoundOffset);
  }

  /** The aborted transactions a read_committed consumer needs with the bytes of `read` (Kafka's addAbortedTransactions). */
  abortedTransactionsForRead(read: FetchDataInfo): AbortedTxn[] {
    const m = read.fetchOffsetMetadata;
    if (m.segmentBaseOffset < 0n) return [];
    const upper = this.#local.fetchUpperBoundOffset(Number(m.segmentBaseOffset), m.relativePositionInSegment + read.records.sizeInBytes);
    return this.#local.collectAbortedTransactions(m.messageOffset, BigInt(upper));
  }
  /**
   * Moves logStartOffset forward (Kafka's maybeIncrementLogStartOffset); segments wholly below it are deleted.
   * @returns true when it moved.
   * @throws OffsetOutOfRangeError (1) when `offset` is above the high watermark.
   */
  maybeIncrementLogStartOffset(offset: bigint, reason = 'client record deletion'): Promise<boolean> {
    return this.runExclusive(async () => {
      const target = Number(offset);
      if (target > this.#highWatermark) {
        throw new OffsetOutOfRangeError(`Cannot increment the log start offset to ${target} of partition ${topicPartitionKey(this.topicPartition)} since it is larger than the high watermark ${this.#highWatermark}`);
      }
      if (target <= this.#logStartOffset) return false;
      this.#logStartOffset = target;
      this.#producerState.onLogStartOffsetIncremented(target);
      if (this.#epochs.truncateFromStart(target)) await this.#epochs.flush();
      this.#logger.info({ logStartOffset: target, reason }, 'Incremented log start offset');
      await this.#deleteSegments(await LogRetention.logStartOffsetBreached(this.#local.segments.toArray(), target, this.#highWatermark, this.#local.logEndOffset), 'log start offset breach');
      return true;
    });
  }

  /**
   * DeleteRecords: deletes the records before `offset` (-1 means the high watermark) by moving logStartOffset.
   * @returns the new low watermark (logStartOffset).
   * @throws OffsetOutOfRangeError (1) when `offset` is above the high watermark.
   */
  async deleteRecordsBefore(offset: bigint): Promise<bigint> {
    const target = offset === -1n ? BigInt(this.#highWatermark) : offset;
    if (target < 0n) throw new OffsetOutOfRangeError(`Invalid offset ${offset} for DeleteRecords`);
    await this.maybeIncrementLogStartOffset(target);
    return this.logStartOffset;
  }

  /**
   * Retention (Kafka's deleteOldSegments): whole segments past retention.ms (by newest record timestamp) or
   * beyond retention.bytes when cleanup.policy has `delete`, and segments below logStartOffset; never data at
   * or above the high watermark. If every segment goes, a new empty active segment is rolled first.
   * @returns the number of segments deleted.
   */
  deleteOldSegments(): Promise<number> {
    return this.runExclusive(async () => {
      const now = this.#time.milliseconds();
      let deleted = 0;
      const hw = this.#highWatermark;
      if (isDeleteRetention(this.#local.config)) {
        deleted += await this.#deleteSegments(await LogRetention.retentionMsBreached(this.#local.segments.toArray(), this.#local.config.retentionMs, now, hw, this.#local.logEndOffset), 'retention time breach');
        deleted += await this.#deleteSegments(await LogRetention.retentionSizeBreached(this.#local.segments.toArray(), this.#local.config.retentionBytes, hw, this.#local.logEndOffset), 'retention size breach');
      }
      deleted += await this.#deleteSegments(await LogRetention.logStartOffsetBreached(this.#local.segments.toArray(), this.#logStartOffset, hw, this.#local.logEndOffset), 'log start offset breach');
      return deleted;
    });
  }

  async #deleteSegments(deletable: LogSegment[], reason: string): Promise<number> {
    if (deletable.length === 0) return 0;
    const local = this.#local;
    if (deletable.length === local.segments.size) await this.#roll(local.logEndOffset);
    this.#logger.info({ segments: deletable.map((s) => s.baseOffset), reason }, 'Deleting segments');
    await local.removeAndDeleteSegments(deletable);
    for (const s of deletable) await this.#producerState.deleteSnapshot(s.baseOffset);
    this.#logStartOffset = Math.max(this.#logStartOffset, local.segments.first!.baseOffset);
    this.#producerState.onLogStartOffsetIncremented(this.#logStartOffset);
    if (this.#epochs.truncateFromStart(this.#logStartOffset)) await this.#epochs.flush();
    return deletable.length;
  }

  /**
   * Follower truncation (Kafka's truncateTo): removes every record at or above `offset`, and the leader epochs
   * that start there or later.
   * @returns false when the log already ends at or before `offset`.
   */
  truncateTo(offset: bigint): Promise<boolean> {
    return this.runExclusive(async () => {
      const target = Number(offset);
      if (target < 0) throw new RangeError(`Cannot truncate partition ${topicPartitionKey(this.topicPartition)} to a negative offset (${target}).`);
      const local = this.#local;
      if (target >= local.logEndOffset) {
        // Nothing to remove, but an epoch that starts at the log end (a leader that never appended in it) goes, as
        // Kafka's truncateTo does: a follower must not keep reporting it as its last epoch.
        if (this.#epochs.truncateFromEnd(local.logEndOffset)) await this.#epochs.flush();
        return false;
      }
      this.#logger.info({ offset: target, logEndOffset: local.logEndOffset }, 'Truncating log');
      if (local.segments.first!.baseOffset > target) {
        await this.#truncateFullyAndStartAt(target);
        return true;
      }
      await local.truncateTo(target);
      this.#logStartOffset = Math.min(this.#logStartOffset, target);
      this.#highWatermark = Math.min(this.#highWatermark, target);
      if (this.#epochs.truncateFromEnd(target)) await this.#epochs.flush();
      await rebuildProducerState({
        producerStateManager: this.#producerState,
        segments: local.segments.toArray(),
        logStartOffset: this.#logStartOffset,
        lastOffset: target,
        now: this.#time.milliseconds(),
        reloadFromCleanShutdown: false,
        logger: this.#logger,
      });
      this.#producerState.onHighWatermarkUpdated(this.#highWatermark);
      return true;
    });
  }

  /** Deletes everything and restarts the log empty at `offset` (Kafka's truncateFullyAndStartAt). */
  truncateFullyAndStartAt(offset: bigint): Promise<void> {
    return this.runExclusive(() => this.#truncateFullyAndStartAt(Number(offset)));
  }

  async #truncateFullyAndStartAt(offset: number): Promise<void> {
    await this.#local.truncateFullyAndStartAt(offset);
    await this.#producerState.truncateFullyAndStartAt(offset);
    this.#logStartOffset = offset;
    this.#highWatermark = offset;
    this.#epochs.clear();
    await this.#epochs.flush();
  }

  /**
   * OffsetForLeaderEpoch: the largest epoch <= `leaderEpoch` and its end offset (the log end for the latest
   * epoch), or (-1, -1) when unknown (Kafka's endOffsetForEpoch).
   */
  endOffsetForEpoch(leaderEpoch: number): EpochEndOffset {
    const r = this.#epochs.endOffsetFor(leaderEpoch, this.#local.logEndOffset);
    return { leaderEpoch: r.epoch, endOffset: BigInt(r.offset) };
  }

  /**
   * Records that `leaderEpoch` starts at `offset` (a new leader, before its first append; Kafka's
   * maybeAssignEpochStartOffset). Memory now; the checkpoint file is written in the log's queue. A new log's is
   * written with its first records instead (#syncNewLog): until then the log is empty, and every load drops an
   * epoch that starts at the log end (LogLoader's truncateFromEnd, as Kafka's), so the file would hold nothing
   * that a restart uses; topic creation saves a file per partition.
   * @returns a promise of that write (never rejected: a failed write is logged).
   */
  assignEpochStartOffset(leaderEpoch: number, offset: bigint): Promise<void> {
    if (!this.#epochs.assign(leaderEpoch, Number(offset)) || this.#newLogUnsynced) return Promise.resolve();
    return this.runExclusive(() => this.#epochs.flush()).catch((e) => this.#logger.warn({ err: e }, 'Could not write the leader epoch checkpoint'));
  }

  /**
   * Swaps a cleaned segment (files suffixed `.cleaned`) in for `oldSegments`, in the log's queue (see
   * LocalLog.replaceSegments). `beforeFinalRename` lets crash tests stop half-way.
   * @returns false when the old segments changed meanwhile (the cleaned files are deleted).
   */
  replaceSegments(cleaned: LogSegment, oldSegments: readonly LogSegment[], beforeFinalRename?: () => Promise<void>): Promise<boolean> {
    return this.runExclusive(async () => {
      const replaced = await this.#local.replaceSegments(cleaned, oldSegments, beforeFinalRename);
      if (replaced) for (const s of oldSegments) if (s.baseOffset !== cleaned.baseOffset) await this.#producerState.deleteSnapshot(s.baseOffset);
      return replaced;
    });
  }

  /**
   * Clean close (after the queued work): indexes trimmed, files closed, pending segment deletions done now.
   * Does not flush; LogManager flushes before closing on a clean shutdown.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.runExclusive(async () => {
        this.#markClosed();
        // A snapshot at the log end spares the next start any replay (Kafka's close).
        await this.#producerState.takeSnapshot(true);
        await this.#local.close();
      });
    } catch (e) {
      this.#markClosed();
      await this.#local.closeHandlers();
      if (e !== this.#failure) throw e;
    }
  }

  /** Closes the files without writing anything (a deleted log, an offline log, or a simulated crash). */
  async closeHandlers(): Promise<void> {
    this.#markClosed();
    await this.#local.closeHandlers();
  }

  /** From now on every queued or new append and operation is rejected. */
  #markClosed(): void {
    this.#closed = true;
    this.#queue.failure ??= new KafkaStorageError(`Log ${this.dir} is closed`);
  }

  /** Closes the log and removes its directory. */
  async delete(): Promise<void> {
    await this.closeHandlers();
    await rm(this.dir, { recursive: true, force: true });
  }

  toString(): string {
    return `UnifiedLog(${topicPartitionKey(this.topicPartition)}, logStartOffset=${this.#logStartOffset}, logEndOffset=${this.#local.logEndOffset}, segments=${this.#local.segments.size})`;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}
