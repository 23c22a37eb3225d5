import { unlink } from 'node:fs/promises';
import type { Time } from '../common/time.ts';
import type { TopicPartition } from '../common/topic-partition.ts';
import type { Logger } from '../observability/logger.ts';
import { flushDir } from './checkpoint-file.ts';
import type { LogConfig } from './log-config.ts';
import { LogFileUtils } from './log-file-utils.ts';
import { LogSegment, type SegmentReadInfo } from './log-segment.ts';
import type { LogSegments } from './log-segments.ts';
import type { AbortedTxn } from './log-types.ts';

/**
 * Least time between the starts of two background index flushes of one log, in ms. The group commit
 * (flush.messages=1) fdatasyncs the `.log` hundreds of times a second under load. Flushing the offset and time
 * indexes after each of those, as this log once did, added 0.7 to 2.3 index fdatasyncs per `.log` fdatasync
 * (measured with ftrace at 80-160 MB/s: 40-70 % of the broker's fdatasyncs and device cache flushes, and libuv
 * threads busy beside the `.log` fdatasync the acknowledgements wait for) for no durability: the recovery point
 * they advance reaches disk only with the recovery-point checkpoint (log.flush.offset.checkpoint.interval.ms,
 * 60 s by default, or soon after a roll), and a crash rescans from that checkpoint anyway. One index flush a
 * second keeps the recovery point within about a second of the data-durable offset.
 */
export const INDEX_FLUSH_INTERVAL_MS = 1000;

/**
 * The segment layer of a partition log (Kafka's LocalLog): the segments of one directory, the log end offset
 * and recovery point, rolling, flushing, reading, truncation, segment deletion and cleaner swaps. It has no
 * queue of its own: UnifiedLog calls every mutating method from its queue, one at a time (flushes excepted:
 * they run beside the queue and check {@link #generation} before publishing). Offsets are numbers.
 *
 * Two flush levels, with recoveryPoint <= dataDurableOffset <= logEndOffset:
 * - dataDurableOffset: every record below it is on disk (its segments' `.log` files fdatasynced, and the
 *   directory after a roll). The group commit (flush.messages) acknowledges appends on it alone, via
 *   {@link flushDataUpTo}: recovery (LogLoader) rescans every segment from the recovery point's on and rebuilds
 *   their indexes, so the indexes add nothing to the records' durability.
 * - recoveryPoint: the segments below it also have their indexes on disk, so recovery may skip them. It
 *   advances only after the indexes were flushed, as Kafka's flush does (segments' log and indexes, then the
 *   recovery point): by {@link flushUpTo} (roll, flush.ms, shutdown, LogManager), or by a background index
 *   flush that a data flush starts, at most one per {@link INDEX_FLUSH_INTERVAL_MS}.
 */
export class LocalLog {
  readonly dir: string;
  readonly topicPartition: TopicPartition;
  readonly segments: LogSegments;
  config: LogConfig;
  readonly #onRollFlushed: (() => void) | undefined;
  readonly #onFlushFailure: ((error: unknown) => void) | undefined;
  readonly #onFlushed: ((durationMs: number) => void) | undefined;
  readonly #time: Time;
  readonly #logger: Logger;
  #nextOffset: number;
  #recoveryPoint: number;
  #dataDurableOffset: number;
  #lastFlushTime: number;
  /** A segment was created since the directory was last fsynced. */
  #dirDirty = false;
  /** The directory fsync in flight: a flush that finds the flag already cleared must still wait for it. */
  #dirFlush: Promise<void> | null = null;
  /** The background index flush in flight (at most one), and when the last one started (hiResClockMs). */
  #indexFlush: Promise<void> | null = null;
  #indexFlushStartedMs = Number.NEGATIVE_INFINITY;
  /** The index flush waiting for {@link INDEX_FLUSH_INTERVAL_MS} to pass since the last one started. */
  #indexFlushTimer: NodeJS.Timeout | null = null;
  /** Bumped by every truncation and swap: cached positions and racing flushes check it. */
  #generation = 0;
  #closed = false;
  readonly #pendingDeletes = new Map<LogSegment, NodeJS.Timeout>();
  #maxPositionCache: { offset: number; segment: LogSegment; position: number; generation: number } | null = null;

  /**
   * @param callbacks.onRollFlushed called after the background flush of a rolled segment advanced the recovery
   *   point (the LogManager then checkpoints it soon, so a crash does not recover what that flush made durable).
   * @param callbacks.onFlushFailure called with the I/O error of a background flush (after a roll, or of the
   *   indexes): the recovery point stayed where it was, and the caller takes the log offline, as Kafka's
   *   scheduled "flush-log" task does through its log dir failure channel.
   * @param callbacks.onFlushed called with the duration (ms) of each flush that synced something ({@link flushUpTo},
   *   {@link flushDataUpTo}): Kafka's LogFlushStats LogFlushRateAndTimeMs.
   */
  constructor(dir: string, tp: TopicPartition, config: LogConfig, time: Time, logger: Logger, segments: LogSegments, recoveryPoint: number, logEndOffset: number, callbacks: { onRollFlushed?: () => void; onFlushFailure?: (error: unknown) => void; onFlushed?: (durationMs: number) => void } = {}) {
    this.#onRollFlushed = callbacks.onRollFlushed;
    this.#onFlushFailure = callbacks.onFlushFailure;
    this.#onFlushed = callbacks.onFlushed;
    this.dir = dir;
    this.topicPartition = tp;
    this.config = config;
    this.#time = time;
    this.#logger = logger;
    this.segments = segments;
    this.#recoveryPoint = recoveryPoint;
    this.#dataDurableOffset = recoveryPoint;
    this.#nextOffset = logEndOffset;
    this.#lastFlushTime = time.milliseconds();
  }

  get logEndOffset(): number {
    return this.#nextOffset;
  }

  /** Segments below the one holding it are flushed with their indexes (the recovery-point-offset-checkpoint). */
  get recoveryPoint(): number {
    return this.#recoveryPoint;
  }

  /** Every record below this offset was fdatasynced (>= recoveryPoint; its indexes may not be on disk yet). */
  get dataDurableOffset(): number {
    return this.#dataDurableOffset;
  }

  get lastFlushTime(): number {
    return this.#lastFlushTime;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** The active segment. */
  get activeSegment(): LogSegment {
    return this.segments.last!;
  }

  #now = (): number => this.#time.milliseconds();

  /** Writes whole batches (final offsets) to the active segment; `lastOffset` is the last offset among them. */
  async append(buffers: readonly Buffer[], bytes: number, lastOffset: number): Promise<void> {
    await this.activeSegment.append(buffers, bytes);
    this.#nextOffset = lastOffset + 1;
  }

  /**
   * Makes a new active segment at `newBaseOffset` (Kafka's roll): the old one gets its final time index entry
   * and trimmed indexes, and is flushed in the background, which then advances the recovery point.
   */
  async roll(newBaseOffset: number): Promise<void> {
    const active = this.activeSegment;
    if (active.baseOffset === newBaseOffset && active.size === 0) return;
    await active.onBecomeInactiveSegment();
    for (const suffix of [LogFileUtils.LOG_FILE_SUFFIX, LogFileUtils.INDEX_FILE_SUFFIX, LogFileUtils.TIME_INDEX_FILE_SUFFIX, LogFileUtils.TXN_INDEX_FILE_SUFFIX]) {
      await unlink(LogFileUtils.segmentFile(this.dir, newBaseOffset, suffix)).catch(() => undefined);
    }
    const segment = await LogSegment.open({ dir: this.dir, baseOffset: newBaseOffset, config: this.config, now: this.#now, create: true });
    this.segments.add(segment);
    this.#dirDirty = true;
    this.#logger.info({ baseOffset: newBaseOffset, previous: active.baseOffset, previousSize: active.size }, 'Rolled new log segment');
    // Kafka schedules this flush ("flush-log"): the rolled segment reaches disk without holding up appends.
    this.flushUpTo(newBaseOffset).then(
      () => this.#onRollFlushed?.(),
      (e: unknown) => this.#backgroundFlushFailed(e, 'Background flush after roll failed'),
    );
  }

  /**
   * Full flush (Kafka's LocalLog.flush then markFlushed): fdatasyncs the `.log` files and the indexes of the
   * segments holding offsets from the recovery point to `offset`, and the directory when a segment was created,
   * then advances the data-durable offset and the recovery point to `offset` (capped at the log end). A closed
   * log is not flushed; a truncation or swap while it runs keeps both offsets where they are.
   * @throws the fs error (the caller takes the log offline or logs it).
   */
  async flushUpTo(offset: number): Promise<void> {
    const generation = this.#generation;
    if (offset > this.#recoveryPoint && !this.#closed) {
      const startMs = this.#time.hiResClockMs();
      for (const segment of this.segments.inRange(this.#recoveryPoint, offset)) await segment.flush();
      await this.#flushDirIfDirty();
      this.#onFlushed?.(this.#time.hiResClockMs() - startMs);
      if (generation === this.#generation && !this.#closed) {
        const flushed = Math.min(offset, this.#nextOffset);
        if (flushed > this.#dataDurableOffset) this.#dataDurableOffset = flushed;
        if (flushed > this.#recoveryPoint) this.#recoveryPoint = flushed;
      }
    }
    this.#lastFlushTime = this.#time.milliseconds();
  }

  /**
   * Data-only flush for the group commit (flush.messages): fdatasyncs the `.log` files of the segments holding
   * offsets from the data-durable offset to `offset` (in parallel; two only right after a roll), and the
   * directory when a segment was created, then advances the data-durable offset. The indexes and the recovery
   * point follow in the background ({@link #scheduleIndexFlush}), never holding up the acknowledgement.
   * @returns the data-durable offset: every record below it is on disk. Below `offset` only when a truncation or
   * swap raced with the flush (the caller flushes again). A closed log is not flushed and returns `offset`: a
   * clean shutdown flushed it before closing, a deleted log keeps nothing.
   * @throws the fs error (the caller takes the log offline).
   */
  async flushDataUpTo(offset: number): Promise<number> {
    if (this.#closed) return offset;
    const generation = this.#generation;
    if (offset > this.#dataDurableOffset) {
      const startMs = this.#time.hiResClockMs();
      const segments = this.segments.inRange(this.#dataDurableOffset, offset);
      await (segments.length === 1 ? segments[0]!.flushLog() : Promise.all(segments.map((s) => s.flushLog())));
      await this.#flushDirIfDirty();
      this.#onFlushed?.(this.#time.hiResClockMs() - startMs);
      if (generation !== this.#generation) return this.#dataDurableOffset;
      if (this.#closed) return offset;
      const flushed = Math.min(offset, this.#nextOffset);
      if (flushed > this.#dataDurableOffset) this.#dataDurableOffset = flushed;
    }
    this.#scheduleIndexFlush();
    return this.#dataDurableOffset;
  }

  /** fsyncs the directory if a segment was created since the last time, or waits for the fsync in flight. */
  async #flushDirIfDirty(): Promise<void> {
    if (!this.#dirDirty) {
      // Another flush cleared the flag and is syncing: the entry is not durable until that sync returns.
      if (this.#dirFlush !== null) await this.#dirFlush;
      return;
    }
    this.#dirDirty = false;
    const sync = flushDir(this.dir);
    this.#dirFlush = sync;
    try {
      await sync;
    } catch (e) {
      this.#dirDirty = true;
      throw e;
    } finally {
      if (this.#dirFlush === sync) this.#dirFlush = null;
    }
  }

  /**
   * Asks for a background flush of the indexes below the data-durable offset, which then advances the recovery
   * point to it. Throttled: at most one runs, and one starts at most every {@link INDEX_FLUSH_INTERVAL_MS}
   * (later, on a timer, when the last one started less than that ago); the data flushes meanwhile are covered by
   * the next one, which follows the one in flight when they happened. Its I/O error leaves the recovery point
   * where it was and goes to onFlushFailure (the log goes offline: no later flush may pretend the lost pages
   * reached the disk).
   */
  #scheduleIndexFlush(): void {
    if (this.#closed || this.#dataDurableOffset <= this.#recoveryPoint) return;
    if (this.#indexFlush !== null || this.#indexFlushTimer !== null) return;
    const wait = this.#indexFlushStartedMs + INDEX_FLUSH_INTERVAL_MS - this.#time.hiResClockMs();
    if (wait <= 0) {
      this.#startIndexFlush();
      return;
    }
    this.#indexFlushTimer = setTimeout(() => {
      this.#indexFlushTimer = null;
      this.#startIndexFlush();
    }, wait);
    this.#indexFlushTimer.unref();
  }

  #cancelIndexFlushTimer(): void {
    if (this.#indexFlushTimer === null) return;
    clearTimeout(this.#indexFlushTimer);
    this.#indexFlushTimer = null;
  }

  #startIndexFlush(): void {
    if (this.#closed || this.#dataDurableOffset <= this.#recoveryPoint) return;
    this.#indexFlushStartedMs = this.#time.hiResClockMs();
    this.#indexFlush = this.#flushIndexes().then(
      () => {
        this.#indexFlush = null;
        // Data flushes completed while this one ran: the next one covers them.
        this.#scheduleIndexFlush();
      },
      (e: unknown) => {
        this.#indexFlush = null;
        this.#backgroundFlushFailed(e, 'Background flush of the indexes failed');
      },
    );
  }

  /** A background flush failed: a closed log (deleted, or already offline) has nothing to report. */
  #backgroundFlushFailed(e: unknown, message: string): void {
    if (this.#closed) return;
    if (this.#onFlushFailure !== undefined) this.#onFlushFailure(e);
    else this.#logger.error({ err: e }, message);
  }

  /** Flushes the indexes of the segments from the recovery point to the data-durable offset captured first. */
  async #flushIndexes(): Promise<void> {
    const generation = this.#generation;
    const target = this.#dataDurableOffset;
    if (target <= this.#recoveryPoint) return;
    for (const segment of this.segments.inRange(this.#recoveryPoint, target)) {
      // A segment closed or deleted meanwhile is skipped by its indexes (a deleted one is never recreated).
      if (this.#closed) return;
      await segment.flushIndexes();
    }
    // A truncation meanwhile may have moved the log end below `target`: the recovery point stays put then.
    if (generation === this.#generation && !this.#closed && target > this.#recoveryPoint) {
      this.#recoveryPoint = Math.min(target, this.#nextOffset);
      this.#lastFlushTime = this.#time.milliseconds();
    }
  }

  /**
   * Reads from the segment holding `start` on (Kafka's LocalLog.read), never past the start of offset `upper`.
   * Null when nothing at or after `start` lies below `upper`.
   */
  async read(start: number, maxBytes: number, upper: number, minOneMessage: boolean): Promise<{ segment: LogSegment; info: SegmentReadInfo } | null> {
    const bound = await this.#maxPosition(upper);
    let segment = this.segments.floorSegment(start);
    while (segment !== undefined && segment.baseOffset <= bound.segment.baseOffset) {
      // The floor/higher lookup and segment.read's retain happen in one synchronous step, so the segment
      // cannot be closed by a deletion in between.
      const info = await segment.read(start, maxBytes, segment === bound.segment ? bound.position : segment.size, minOneMessage);
      if (info !== null) return { segment, info };
      segment = this.segments.higherSegment(segment.baseOffset);
    }
    return null;
  }

  /** Where offset `upper` starts (reads stop there); memoized, since it is usually the high watermark. */
  async #maxPosition(upper: number): Promise<{ segment: LogSegment; position: number }> {
    const active = this.activeSegment;
    if (upper >= this.#nextOffset) return { segment: active, position: active.size };
    const cached = this.#maxPositionCache;
    if (cached !== null && cached.offset === upper && cached.generation === this.#generation && this.segments.contains(cached.segment)) return cached;
    const segment = this.segments.floorSegment(upper) ?? active;
    const batch = await segment.translateOffset(upper);
    const position = batch === null ? segment.size : batch.position;
    this.#maxPositionCache = { offset: upper, segment, position, generation: this.#generation };
    return { segment, position };
  }

  /** The first record with timestamp >= `timestamp` at or after `startingOffset` (first segment that has one). */
  async searchByTimestamp(timestamp: number, startingOffset: number): Promise<{ timestamp: number; offset: number; leaderEpoch: number } | null> {
    for (const segment of this.segments.toArray()) {
      if (segment.maxTimestampSoFar < timestamp) continue;
      const found = await segment.findOffsetByTimestamp(timestamp, startingOffset);
      if (found !== null) return found;
    }
    return null;
  }

  /** The first record carrying the log's largest timestamp (ListOffsets MAX_TIMESTAMP, KIP-734). */
  async searchMaxTimestamp(startingOffset: number): Promise<{ timestamp: number; offset: number; leaderEpoch: number } | null> {
    let best: LogSegment | undefined;
    for (const s of this.segments.toArray()) if (best === undefined || s.maxTimestampSoFar > best.maxTimestampSoFar) best = s;
    if (best === undefined || best.maxTimestampSoFar < 0) return null;
    return best.findOffsetByTimestamp(best.maxTimestampSoFar, startingOffset);
  }

  /**
   * An offset above every record of a read that ended at byte `endPosition` of the segment at `segmentBaseOffset`
   * (Kafka's LogSegment.fetchUpperBoundOffset, falling back to the next segment's base offset or the log end).
   */
  fetchUpperBoundOffset(segmentBaseOffset: number, endPosition: number): number {
    const segment = this.segments.get(segmentBaseOffset);
    const entry = segment?.offsetIndex.fetchUpperBoundOffset(endPosition);
    if (entry !== undefined && entry !== null) return entry.offset;
    return this.segments.higherSegment(segmentBaseOffset)?.baseOffset ?? this.#nextOffset;
  }

  /** Aborted transactions overlapping [startOffset, upperBoundOffset) from the transaction indexes. */
  collectAbortedTransactions(startOffset: bigint, upperBoundOffset: bigint): AbortedTxn[] {
    const out: AbortedTxn[] = [];
    let segment = this.segments.floorSegment(Number(startOffset));
    while (segment !== undefined) {
      const result = segment.txnIndex.collectAbortedTxns(startOffset, upperBoundOffset);
      out.push(...result.abortedTransactions);
      if (result.isComplete) break;
      segment = this.segments.higherSegment(segment.baseOffset);
    }
    return out;
  }

  /** Takes segments out of the log and schedules their files for deletion. */
  async removeAndDeleteSegments(segments: readonly LogSegment[]): Promise<void> {
    for (const s of segments) this.segments.remove(s.baseOffset, s);
    await this.#scheduleDeletion(segments);
  }

  /**
   * Renames segments to `.deleted` now and removes them after file.delete.delay.ms (Kafka's deleteSegmentFiles);
   * a file stays open while a read or an in-flight sendfile still holds it.
   */
  async #scheduleDeletion(segments: readonly LogSegment[]): Promise<void> {
    for (const s of segments) {
      try {
        await s.changeFileSuffixes('', LogFileUtils.DELETED_FILE_SUFFIX);
      } catch (e) {
        this.#logger.warn({ err: e, segment: s.baseOffset }, 'Could not rename a deleted segment');
      }
      const remove = (): void => {
        this.#pendingDeletes.delete(s);
        s.deleteIfExists().catch((e) => this.#logger.warn({ err: e, segment: s.baseOffset }, 'Could not delete a segment'));
      };
      const delay = this.config.fileDeleteDelayMs;
      if (delay <= 0 || this.#closed) {
        remove();
      } else {
        const timer = setTimeout(remove, delay);
        timer.unref();
        this.#pendingDeletes.set(s, timer);
      }
    }
  }

  /** Removes the records at and above `target` (Kafka's LocalLog.truncateTo); the first segment must hold it. */
  async truncateTo(target: number): Promise<void> {
    this.#generation++;
    await this.removeAndDeleteSegments(this.segments.toArray().filter((s) => s.baseOffset > target));
    await this.activeSegment.truncateTo(target);
    this.#nextOffset = target;
    this.#recoveryPoint = Math.min(this.#recoveryPoint, target);
    this.#dataDurableOffset = Math.min(this.#dataDurableOffset, target);
  }

  /** Replaces every segment with one empty segment at `offset`. */
  async truncateFullyAndStartAt(offset: number): Promise<void> {
    this.#generation++;
    await this.removeAndDeleteSegments(this.segments.toArray());
    const segment = await LogSegment.open({ dir: this.dir, baseOffset: offset, config: this.config, now: this.#now, create: true });
    this.segments.add(segment);
    this.#dirDirty = true;
    this.#nextOffset = offset;
    this.#recoveryPoint = offset;
    this.#dataDurableOffset = offset;
  }

  /**
   * Swaps `cleaned` (files suffixed `.cleaned`) in for `oldSegments` with Kafka's crash-safe protocol: rename
   * to `.swap`, retire the old segments (`.deleted`), drop the `.swap` suffix. The loader completes a swap
   * interrupted after the first rename. False (cleaned files deleted) if the old segments changed meanwhile.
   */
  async replaceSegments(cleaned: LogSegment, oldSegments: readonly LogSegment[], beforeFinalRename?: () => Promise<void>): Promise<boolean> {
    if (oldSegments.length === 0 || !oldSegments.every((s) => this.segments.contains(s)) || this.activeSegment === oldSegments.at(-1)) {
      await cleaned.closeHandlers();
      await cleaned.deleteIfExists();
      return false;
    }
    await cleaned.changeFileSuffixes(LogFileUtils.CLEANED_FILE_SUFFIX, LogFileUtils.SWAP_FILE_SUFFIX);
    await this.removeAndDeleteSegments(oldSegments);
    await beforeFinalRename?.();
    await cleaned.changeFileSuffixes(LogFileUtils.SWAP_FILE_SUFFIX, '');
    this.segments.add(cleaned);
    await flushDir(this.dir);
    this.#generation++;
    return true;
  }

  /**
   * Clean close: indexes trimmed, files closed, pending deletions done now. A background index flush in flight
   * is waited for (it stops at the next segment), so no flush touches the files once this resolves.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelIndexFlushTimer();
    await this.#indexFlush;
    for (const s of this.segments.toArray()) await s.close();
    const pending = [...this.#pendingDeletes];
    this.#pendingDeletes.clear();
    for (const [s, timer] of pending) {
      clearTimeout(timer);
      await s.deleteIfExists().catch(() => undefined);
    }
  }

  /** Closes the files without writing anything (deleted or offline log, simulated crash). */
  async closeHandlers(): Promise<void> {
    this.#closed = true;
    this.#cancelIndexFlushTimer();
    await this.#indexFlush;
    for (const s of this.segments.toArray()) await s.closeHandlers();
    for (const [s, timer] of this.#pendingDeletes) {
      clearTimeout(timer);
      await s.closeHandlers();
    }
    this.#pendingDeletes.clear();
  }
}
