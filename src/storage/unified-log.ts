import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SystemTime, type Time } from '../common/time.ts';
import { topicPartitionKey, type TopicPartition } from '../common/topic-partition.ts';
import { rootLogger, type Logger } from '../observability/logger.ts';
import { KafkaStorageError, OffsetOutOfRangeError } from './errors.ts';
import { EMPTY_RECORDS } from './file-records-slice.ts';
import { LeaderEpochFileCache } from './leader-epoch-file-cache.ts';
import { type LogConfig, isCompacted, isDeleteRetention } from './log-config.ts';
import { LogFileUtils } from './log-file-utils.ts';
import { type LoadedLog, loadLog } from './log-loader.ts';
import { LocalLog } from './local-log.ts';
import type { LogSegment } from './log-segment.ts';
import type { AbortedTxn, EpochEndOffset, FetchDataInfo, LogAppendInfo, LogOffsetMetadata, TimestampAndOffset } from './log-types.ts';
import { type AnalyzedAppend, LogValidator } from './log-validator.ts';
import { LogRetention } from './log-retention.ts';
import { LogTaskQueue } from './log-task-queue.ts';

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
}

type AppendTask = {
  records: Buffer;
  bytes: number;
  leaderEpoch: number;
  follower: boolean;
  resolve: (info: LogAppendInfo) => void;
  reject: (e: unknown) => void;
};
type Pending = { task: AppendTask; info: AnalyzedAppend };

/** Appends coalesced into one writev stop at this many bytes: multi-MiB writev calls were measured to hit
 * page-cache write throttling (2-5x slower than the same bytes in 1 MiB writes) on the project machine. */
const MAX_GROUP_BYTES = 1024 * 1024;

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
 *
 * An I/O error while appending takes the log offline: every later call fails with KAFKA_STORAGE_ERROR (56).
 */
export class UnifiedLog {
  readonly dir: string;
  readonly topicPartition: TopicPartition;
  readonly #local: LocalLog;
  readonly #time: Time;
  readonly #logger: Logger;
  readonly #epochs: LeaderEpochFileCache;
  readonly #onFailure: ((log: UnifiedLog, error: Error) => void) | undefined;
  #logStartOffset: number;
  #highWatermark: number;
  readonly #queue: LogTaskQueue<AppendTask> = new LogTaskQueue((group) => this.#appendGroup(group), MAX_GROUP_BYTES);
  #failure: KafkaStorageError | null = null;
  #closed = false;

  private constructor(
    dir: string,
    tp: TopicPartition,
    config: LogConfig,
    time: Time,
    logger: Logger,
    epochs: LeaderEpochFileCache,
    loaded: LoadedLog,
    options: UnifiedLogOptions,
  ) {
    this.dir = dir;
    this.topicPartition = tp;
    this.#local = new LocalLog(dir, tp, config, time, logger, loaded.segments, loaded.recoveryPoint, loaded.logEndOffset);
    this.#time = time;
    this.#logger = logger;
    this.#epochs = epochs;
    this.#logStartOffset = loaded.logStartOffset;
    this.#highWatermark = clamp(options.highWatermark ?? 0, loaded.logStartOffset, loaded.logEndOffset);
    this.#onFailure = options.onFailure;
  }

  /**
   * Opens (creating if needed) the log in `dir` and makes it consistent (see loadLog): temp files cleaned,
   * swaps completed, indexes checked or rebuilt, and after an unclean shutdown every segment from the recovery
   * point on is scanned and its invalid tail truncated.
   * @throws the fs error if the directory cannot be read or written.
   */
  static async open(dir: string, topicPartition: TopicPartition, config: LogConfig, options: UnifiedLogOptions = {}): Promise<UnifiedLog> {
    const time = options.time ?? SystemTime;
    const logger = (options.logger ?? rootLogger).child({ component: 'UnifiedLog', topicPartition: topicPartitionKey(topicPartition) });
    await mkdir(dir, { recursive: true });
    const epochs = await LeaderEpochFileCache.load(join(dir, LogFileUtils.LEADER_EPOCH_CHECKPOINT_FILE), logger);
    const loaded = await loadLog({
      dir,
      config,
      now: () => time.milliseconds(),
      logger,
      hadCleanShutdown: options.hadCleanShutdown ?? false,
      recoveryPointCheckpoint: options.recoveryPoint ?? 0,
      logStartOffsetCheckpoint: options.logStartOffset ?? 0,
      leaderEpochCache: epochs,
    });
    logger.debug({ logStartOffset: loaded.logStartOffset, logEndOffset: loaded.logEndOffset, segments: loaded.segments.size }, 'Loaded log');
    return new UnifiedLog(dir, topicPartition, config, time, logger, epochs, loaded, options);
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
  }

  /** Without transactions every offset below the high watermark is stable (the transactions layer refines this). */
  get lastStableOffset(): bigint {
    return BigInt(this.#highWatermark);
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
   * applied for such topics. Safe to call concurrently; appends complete in call order.
   * @throws CorruptRecordError (2), RecordTooLargeError (10), RecordBatchTooLargeError (18), InvalidRecordError
   * (87, keyless record on a compacted topic), KafkaStorageError (56).
   */
  appendAsLeader(records: Buffer, leaderEpoch: number): Promise<LogAppendInfo> {
    return new Promise((resolve, reject) => this.#queue.append({ records, bytes: records.length, leaderEpoch, follower: false, resolve, reject }));
  }

  /**
   * Appends batches replicated from the leader, keeping their offsets and epochs.
   * @throws UnexpectedAppendOffsetError when the first offset is below logEndOffset, plus the errors of
   * {@link appendAsLeader} except INVALID_RECORD.
   */
  appendAsFollower(records: Buffer): Promise<LogAppendInfo> {
    return new Promise((resolve, reject) => this.#queue.append({ records, bytes: records.length, leaderEpoch: -1, follower: true, resolve, reject }));
  }

  /** Runs `fn` in the log's queue, after every append and operation queued before it. */
  runExclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.#queue.run(fn);
  }

  async #appendGroup(group: AppendTask[]): Promise<void> {
    const now = this.#time.milliseconds();
    const local = this.#local;
    const config = local.config;
    const compacted = isCompacted(config);
    const vconfig = {
      maxMessageBytes: config.maxMessageBytes,
      segmentBytes: config.segmentBytes,
      compacted,
      logAppendTime: config.messageTimestampType === 'LogAppendTime',
    };
    let pending: Pending[] = [];
    let pendingBytes = 0;
    let nextOffset = local.logEndOffset;
    let epochsChanged = false;
    for (const task of group) {
      if (this.#failure !== null) {
        task.reject(this.#failure);
        continue;
      }
      let info: AnalyzedAppend;
      try {
        const counts = LogValidator.checkFraming(task.records, vconfig);
        if (task.follower) {
          info = LogValidator.analyzeFollower(task.records, nextOffset, counts);
        } else {
          if (compacted) await LogValidator.checkKeys(task.records, topicPartitionKey(this.topicPartition));
          info = LogValidator.assignOffsets(task.records, nextOffset, task.leaderEpoch, now, vconfig, counts);
        }
      } catch (e) {
        task.reject(e);
        continue;
      }
      const roll = local.activeSegment.shouldRoll({
        maxSegmentBytes: config.segmentBytes,
        maxSegmentMs: config.segmentMs,
        messagesSize: info.sizeInBytes,
        pendingBytes,
        maxTimestampInMessages: info.maxTimestamp,
        maxOffsetInMessages: info.lastOffset,
        now,
      });
      if (roll) {
        if (!(await this.#writePending(pending, pendingBytes, epochsChanged))) {
          task.reject(this.#failure);
          continue;
        }
        pending = [];
        pendingBytes = 0;
        epochsChanged = false;
        try {
          await local.roll(Math.max(info.firstOffset, local.logEndOffset));
        } catch (e) {
          this.#fail(e);
          task.reject(this.#failure);
          continue;
        }
      }
      for (const { epoch, startOffset } of info.epochStarts) {
        const latest = this.#epochs.latestEpoch;
        if (latest === undefined || epoch > latest) epochsChanged = this.#epochs.assign(epoch, startOffset) || epochsChanged;
      }
      pending.push({ task, info });
      pendingBytes += info.sizeInBytes;
      nextOffset = info.lastOffset + 1;
    }
    await this.#writePending(pending, pendingBytes, epochsChanged);
  }

  /** Writes queued appends to the active segment, then publishes them. False if the log went offline. */
  async #writePending(pending: Pending[], bytes: number, epochsChanged: boolean): Promise<boolean> {
    if (pending.length === 0) return this.#failure === null;
    try {
      // The epoch file goes first: recovery drops epochs beyond the log end, never data beyond the epochs.
      if (epochsChanged) await this.#epochs.flush();
      await this.#local.append(
        pending.map((p) => p.task.records),
        bytes,
        pending.at(-1)!.info.lastOffset,
      );
    } catch (e) {
      this.#fail(e);
      for (const p of pending) p.task.reject(this.#failure);
      return false;
    }
    const local = this.#local;
    if (local.logEndOffset - local.recoveryPoint >= local.config.flushMessages) {
      try {
        await local.flushUpTo(local.logEndOffset);
      } catch (e) {
        this.#fail(e);
        for (const p of pending) p.task.reject(this.#failure);
        return false;
      }
    }
    const logStartOffset = BigInt(this.#logStartOffset);
    for (const { task, info } of pending) {
      task.resolve({
        firstOffset: BigInt(info.firstOffset),
        lastOffset: BigInt(info.lastOffset),
        maxTimestamp: BigInt(info.maxTimestamp),
        offsetOfMaxTimestamp: BigInt(info.offsetOfMaxTimestamp),
        logAppendTime: BigInt(info.logAppendTime),
        logStartOffset,
        validBytes: info.sizeInBytes,
        recordCount: info.recordCount,
        batchCount: info.batchCount,
      });
    }
    return true;
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
    return this.runExclusive(() => this.#local.roll(this.#local.logEndOffset));
  }

  /**
   * fsyncs every segment up to `offset` (default: the log end) and advances the recovery point to it.
   * @throws KafkaStorageError when the log is offline.
   */
  async flush(offset?: bigint): Promise<void> {
    if (this.#failure !== null) throw this.#failure;
    const leo = this.#local.logEndOffset;
    await this.#local.flushUpTo(offset === undefined ? leo : Math.min(Number(offset), leo));
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
    const found = start < upper ? await this.#local.read(start, maxBytes, upper, minOneMessage) : null;
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
    const found = ts === -3 ? await this.#local.searchMaxTimestamp(this.#logStartOffset) : ts >= 0 ? await this.#local.searchByTimestamp(ts, this.#logStartOffset) : null;
    return found === null ? null : { timestamp: BigInt(found.timestamp), offset: BigInt(found.offset), leaderEpoch: found.leaderEpoch >= 0 ? found.leaderEpoch : null };
  }

  /**
   * Aborted transactions overlapping [startOffset, upperBoundOffset), from the segments' transaction indexes
   * (Kafka's collectAbortedTransactions), for read_committed fetches.
   */
  collectAbortedTransactions(startOffset: bigint, upperBoundOffset: bigint): AbortedTxn[] {
    return this.#local.collectAbortedTransactions(startOffset, upperBoundOffset);
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
    if (deletable.length === local.segments.size) await local.roll(local.logEndOffset);
    this.#logger.info({ segments: deletable.map((s) => s.baseOffset), reason }, 'Deleting segments');
    await local.removeAndDeleteSegments(deletable);
    this.#logStartOffset = Math.max(this.#logStartOffset, local.segments.first!.baseOffset);
    if (this.#epochs.truncateFromStart(this.#logStartOffset)) await this.#epochs.flush();
    return deletable.length;
  }

  /**
   * Follower truncation (Kafka's truncateTo): removes every record at or above `offset`.
   * @returns false when the log already ends at or before `offset`.
   */
  truncateTo(offset: bigint): Promise<boolean> {
    return this.runExclusive(async () => {
      const target = Number(offset);
      if (target < 0) throw new RangeError(`Cannot truncate partition ${topicPartitionKey(this.topicPartition)} to a negative offset (${target}).`);
      const local = this.#local;
      if (target >= local.logEndOffset) return false;
      this.#logger.info({ offset: target, logEndOffset: local.logEndOffset }, 'Truncating log');
      if (local.segments.first!.baseOffset > target) {
        await this.#truncateFullyAndStartAt(target);
        return true;
      }
      await local.truncateTo(target);
      this.#logStartOffset = Math.min(this.#logStartOffset, target);
      this.#highWatermark = Math.min(this.#highWatermark, target);
      if (this.#epochs.truncateFromEnd(target)) await this.#epochs.flush();
      return true;
    });
  }

  /** Deletes everything and restarts the log empty at `offset` (Kafka's truncateFullyAndStartAt). */
  truncateFullyAndStartAt(offset: bigint): Promise<void> {
    return this.runExclusive(() => this.#truncateFullyAndStartAt(Number(offset)));
  }

  async #truncateFullyAndStartAt(offset: number): Promise<void> {
    await this.#local.truncateFullyAndStartAt(offset);
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
   * Records that `leaderEpoch` starts at `offset` (a new leader, before its first append). Memory now; the
   * checkpoint file is written in the log's queue.
   */
  assignEpochStartOffset(leaderEpoch: number, offset: bigint): void {
    if (!this.#epochs.assign(leaderEpoch, Number(offset))) return;
    this.runExclusive(() => this.#epochs.flush()).catch((e) => this.#logger.warn({ err: e }, 'Could not write the leader epoch checkpoint'));
  }

  /**
   * Swaps a cleaned segment (files suffixed `.cleaned`) in for `oldSegments`, in the log's queue (see
   * LocalLog.replaceSegments). `beforeFinalRename` lets crash tests stop half-way.
   * @returns false when the old segments changed meanwhile (the cleaned files are deleted).
   */
  replaceSegments(cleaned: LogSegment, oldSegments: readonly LogSegment[], beforeFinalRename?: () => Promise<void>): Promise<boolean> {
    return this.runExclusive(() => this.#local.replaceSegments(cleaned, oldSegments, beforeFinalRename));
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
