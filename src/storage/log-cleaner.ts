import { dirname, join } from 'node:path';
import type { Time } from '../common/time.ts';
import { topicPartitionKey, type TopicPartition } from '../common/topic-partition.ts';
import type { Logger } from '../observability/logger.ts';
import { type CheckpointFile, offsetCheckpointFile, type TopicPartitionOffset } from './checkpoint-file.ts';
import { Cleaner, type CleanerHooks, type CleanResult, LogCleaningAbortedError } from './cleaner.ts';
import type { UnifiedLog } from './unified-log.ts';

export const CLEANER_OFFSET_CHECKPOINT_FILE = 'cleaner-offset-checkpoint';

/** log.cleaner.* broker settings (Kafka's CleanerConfig), one cleaner thread. */
export interface LogCleanerOptions {
  /** log.cleaner.backoff.ms: pause when no log needs cleaning. Default 15000. */
  readonly backoffMs?: number;
  /** log.cleaner.dedupe.buffer.size: memory budget of the key map, bytes. Default 128 MiB. */
  readonly dedupeBufferSize?: number;
  /** log.cleaner.io.buffer.size: read chunk size, bytes. Default 512 KiB. */
  readonly ioBufferSize?: number;
  /** Crash-test hooks. */
  readonly hooks?: CleanerHooks;
}

/** Where cleaning of a log would start and stop, and how dirty it is (Kafka's LogToClean). */
export interface CleanableOffsets {
  readonly firstDirtyOffset: number;
  readonly firstUncleanableOffset: number;
  readonly cleanBytes: number;
  readonly cleanableBytes: number;
  /** cleanableBytes / (cleanBytes + cleanableBytes). */
  readonly cleanableRatio: number;
  /** max.compaction.lag.ms passed for the first dirty record. */
  readonly needCompactionNow: boolean;
}

/**
 * The log cleaner (Kafka's LogCleaner + LogCleanerManager): picks the compacted log with the highest dirty ratio
 * (above min.cleanable.dirty.ratio, or past max.compaction.lag.ms, or holding tombstones whose delete horizon
 * passed) and compacts it with {@link Cleaner}. Progress is kept per log dir in `cleaner-offset-checkpoint`
 * (the first dirty offset of each log). Runs as one background loop; cleaning yields to the event loop.
 */
export class LogCleaner {
  readonly #time: Time;
  readonly #logger: Logger;
  readonly #logs: () => UnifiedLog[];
  readonly #options: LogCleanerOptions;
  readonly #checkpoints = new Map<string, { file: CheckpointFile<TopicPartitionOffset>; offsets: Map<string, TopicPartitionOffset> }>();
  readonly #horizons = new Map<string, number>();
  #inProgress: { key: string; aborted: boolean; done: Promise<unknown> } | null = null;
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  #stopped = false;

  constructor(options: LogCleanerOptions & { time: Time; logger: Logger; logs: () => UnifiedLog[] }) {
    this.#time = options.time;
    this.#logger = options.logger.child({ component: 'LogCleaner' });
    this.#logs = options.logs;
    this.#options = options;
  }

  /** Starts the background loop. */
  startup(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#tick(), delayMs);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    let cleaned = false;
    try {
      cleaned = await this.cleanFilthiestLog();
    } catch (e) {
      this.#logger.error({ err: e }, 'Log cleaner failed');
    } finally {
      this.#running = false;
    }
    this.#schedule(cleaned ? 0 : (this.#options.backoffMs ?? 15_000));
  }

  /** Stops the loop and waits for (an abort of) the clean in progress. */
  async shutdown(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    const current = this.#inProgress;
    if (current !== null) {
      current.aborted = true;
      await current.done.catch(() => undefined);
    }
  }

  /** Aborts cleaning of `tp` if in progress (its log is being deleted or truncated). */
  abortCleaning(tp: TopicPartition): void {
    const current = this.#inProgress;
    if (current !== null && current.key === topicPartitionKey(tp)) current.aborted = true;
  }

  /** Forgets `log`'s cleaner checkpoint (the log is being deleted; a new log of that name starts dirty). */
  async removeCheckpoint(log: UnifiedLog): Promise<void> {
    const cp = await this.#checkpointsOf(log);
    if (cp.offsets.delete(topicPartitionKey(log.topicPartition))) await cp.file.write([...cp.offsets.values()]);
    this.#horizons.delete(topicPartitionKey(log.topicPartition));
  }

  async #checkpointsOf(log: UnifiedLog): Promise<{ file: CheckpointFile<TopicPartitionOffset>; offsets: Map<string, TopicPartitionOffset> }> {
    const dir = dirname(log.dir);
    let entry = this.#checkpoints.get(dir);
    if (entry === undefined) {
      const file = offsetCheckpointFile(join(dir, CLEANER_OFFSET_CHECKPOINT_FILE));
      const offsets = new Map<string, TopicPartitionOffset>();
      try {
        for (const e of await file.read()) offsets.set(topicPartitionKey(e.topicPartition), e);
      } catch (e) {
        this.#logger.warn({ err: e, dir }, 'Could not read the cleaner offset checkpoint; cleaning from the log starts');
      }
      entry = { file, offsets };
      this.#checkpoints.set(dir, entry);
    }
    return entry;
  }

  /** The dirty range of `log` and its dirty ratio (Kafka's LogCleanerManager.cleanableOffsets). */
  async cleanableOffsets(log: UnifiedLog): Promise<CleanableOffsets> {
    const now = this.#time.milliseconds();
    const logStart = Number(log.logStartOffset);
    const logEnd = Number(log.logEndOffset);
    const checkpoint = (await this.#checkpointsOf(log)).offsets.get(topicPartitionKey(log.topicPartition))?.offset;
    let firstDirtyOffset = checkpoint ?? logStart;
    if (firstDirtyOffset < logStart || firstDirtyOffset > logEnd) firstDirtyOffset = logStart;
    const segments = log.logSegments();
    const active = segments.at(-1)!;
    let firstUncleanableOffset = Math.min(Number(log.lastStableOffset), active.baseOffset);
    const config = log.config;
    let needCompactionNow = false;
    const dirty = segments.filter((s, i) => s !== active && (segments[i + 1]?.baseOffset ?? Infinity) > firstDirtyOffset);
    if (config.minCompactionLagMs > 0) {
      for (const s of dirty) {
        if ((await s.largestTimestamp()) > now - config.minCompactionLagMs) {
          firstUncleanableOffset = Math.min(firstUncleanableOffset, s.baseOffset);
          break;
        }
      }
    }
    const first = dirty[0];
    if (first !== undefined && config.maxCompactionLagMs < now) {
      const ts = await first.firstBatchTimestamp();
      needCompactionNow = ts >= 0 && now - ts > config.maxCompactionLagMs;
    }
    // Whole segments, as Kafka counts them: the segment holding the uncleanable offset is not cleanable.
    const uncleanableSegmentBase = segments.find((s, i) => (segments[i + 1]?.baseOffset ?? Infinity) > firstUncleanableOffset)?.baseOffset ?? active.baseOffset;
    let cleanBytes = 0;
    let cleanableBytes = 0;
    for (const s of segments) {
      if (s.baseOffset >= uncleanableSegmentBase) break;
      const next = segments[segments.indexOf(s) + 1];
      if ((next?.baseOffset ?? Infinity) <= firstDirtyOffset) cleanBytes += s.size;
      else cleanableBytes += s.size;
    }
    const total = cleanBytes + cleanableBytes;
    return { firstDirtyOffset, firstUncleanableOffset, cleanBytes, cleanableBytes, cleanableRatio: total === 0 ? 0 : cleanableBytes / total, needCompactionNow };
  }

  /**
   * Cleans the log that needs it most (Kafka's grabFilthiestCompactedLog + cleanLog).
   * @returns true when a log was cleaned.
   */
  async cleanFilthiestLog(): Promise<boolean> {
    const now = this.#time.milliseconds();
    let best: { log: UnifiedLog; ratio: number } | null = null;
    let expired: UnifiedLog | null = null;
    for (const log of this.#logs()) {
      if (log.isOffline) continue;
      const o = await this.cleanableOffsets(log);
      const eligible = (o.needCompactionNow && o.cleanableBytes > 0) || o.cleanableRatio > log.config.minCleanableDirtyRatio;
      if (eligible && (best === null || o.cleanableRatio > best.ratio)) best = { log, ratio: o.cleanableRatio };
      const horizon = this.#horizons.get(topicPartitionKey(log.topicPartition));
      if (horizon !== undefined && horizon <= now) expired ??= log;
    }
    const target = best?.log ?? expired;
    if (target === null) return false;
    return (await this.cleanLog(target)) !== null;
  }

  /**
   * Cleans `log` now over its current dirty range (also when it is below min.cleanable.dirty.ratio) and
   * checkpoints the new first dirty offset. Null when it was aborted or had nothing to clean.
   */
  async cleanLog(log: UnifiedLog): Promise<CleanResult | null> {
    const key = topicPartitionKey(log.topicPartition);
    const o = await this.cleanableOffsets(log);
    if (log.numberOfSegments < 2) return null;
    const state = { key, aborted: false, done: Promise.resolve() as Promise<unknown> };
    const cleaner = new Cleaner({
      time: this.#time,
      logger: this.#logger,
      dedupeBufferSize: this.#options.dedupeBufferSize ?? 128 * 1024 * 1024,
      ioBufferSize: this.#options.ioBufferSize ?? 512 * 1024,
      hooks: this.#options.hooks,
      isAborted: () => state.aborted || this.#stopped,
    });
    const started = this.#time.milliseconds();
    const run = cleaner.clean(log, o.firstDirtyOffset, Math.max(o.firstUncleanableOffset, o.firstDirtyOffset));
    state.done = run;
    this.#inProgress = state;
    try {
      const result = await run;
      const cp = await this.#checkpointsOf(log);
      cp.offsets.set(key, { topicPartition: log.topicPartition, offset: result.endOffset });
      await cp.file.write([...cp.offsets.values()]);
      if (result.nextDeleteHorizonMs >= 0) this.#horizons.set(key, result.nextDeleteHorizonMs);
      else this.#horizons.delete(key);
      this.#logger.info({ log: log.dir, ...result, durationMs: this.#time.milliseconds() - started }, 'Cleaned log');
      return result;
    } catch (e) {
      if (e instanceof LogCleaningAbortedError) {
        this.#logger.info({ log: log.dir, reason: e.message }, 'Cleaning aborted');
        return null;
      }
      throw e;
    } finally {
      this.#inProgress = null;
    }
  }
}
