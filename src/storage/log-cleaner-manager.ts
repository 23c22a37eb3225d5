import { dirname, join } from 'node:path';
import type { Time } from '../common/time.ts';
import { topicPartitionKey, type TopicPartition } from '../common/topic-partition.ts';
import type { Logger } from '../observability/logger.ts';
import { type CheckpointFile, offsetCheckpointFile, type TopicPartitionOffset } from './checkpoint-file.ts';
import type { UnifiedLog } from './unified-log.ts';

export const CLEANER_OFFSET_CHECKPOINT_FILE = 'cleaner-offset-checkpoint';

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

/** A clean in progress: `aborted` asks it to stop at its next check; `done` settles when it has. */
export interface CleaningInProgress {
  aborted: boolean;
  done: Promise<unknown>;
}

interface DirCheckpoints {
  readonly file: CheckpointFile<TopicPartitionOffset>;
  readonly offsets: Map<string, TopicPartitionOffset>;
}

/**
 * The state of the log cleaner (Kafka's `LogCleanerManager`): the cleaner offset checkpoint of each log dir
 * (`cleaner-offset-checkpoint`: the first dirty offset of each log), the cleanings in progress, the delete horizons
 * still pending, and the uncleanable partitions — logs whose cleaning failed with an unexpected error. Those are
 * skipped from then on, per log dir, so that one bad log does not stall the compaction of every other log; a
 * deleted log leaves the set (Kafka's `uncleanablePartitions` and `uncleanable-partitions-count`).
 */
export class LogCleanerManager {
  readonly #time: Time;
  readonly #logger: Logger;
  readonly #checkpoints = new Map<string, DirCheckpoints>();
  readonly #horizons = new Map<string, number>();
  readonly #inProgress = new Map<string, CleaningInProgress>();
  /** Log dir -> keys of its uncleanable partitions. */
  readonly #uncleanable = new Map<string, Set<string>>();

  constructor(options: { time: Time; logger: Logger }) {
    this.#time = options.time;
    this.#logger = options.logger;
  }

  /** Cleanings in progress, by topic-partition key. */
  get inProgress(): ReadonlyMap<string, CleaningInProgress> {
    return this.#inProgress;
  }

  /** Registers a clean of `log` as in progress; its entry goes when `done` settles. */
  startCleaning(log: UnifiedLog, state: CleaningInProgress): void {
    const key = topicPartitionKey(log.topicPartition);
    this.#inProgress.set(key, state);
    void state.done.catch(() => undefined).finally(() => {
      if (this.#inProgress.get(key) === state) this.#inProgress.delete(key);
    });
  }

  /** Asks the clean of `tp` (if any) to stop; resolves once it has. */
  async abortCleaning(tp: TopicPartition): Promise<void> {
    const current = this.#inProgress.get(topicPartitionKey(tp));
    if (current === undefined) return;
    current.aborted = true;
    await current.done.catch(() => undefined);
  }

  /** Asks every clean in progress to stop and waits for them. */
  async abortAll(): Promise<void> {
    await Promise.all([...this.#inProgress.values()].map(async (c) => {
      c.aborted = true;
      await c.done.catch(() => undefined);
    }));
  }

  /** Marks the partition of `log` uncleanable in its log dir (Kafka's markPartitionUncleanable). */
  markUncleanable(log: UnifiedLog): void {
    const dir = dirname(log.dir);
    let set = this.#uncleanable.get(dir);
    if (set === undefined) this.#uncleanable.set(dir, (set = new Set()));
    set.add(topicPartitionKey(log.topicPartition));
  }

  /** Whether the partition of `log` is uncleanable. */
  isUncleanable(log: UnifiedLog): boolean {
    return this.#uncleanable.get(dirname(log.dir))?.has(topicPartitionKey(log.topicPartition)) ?? false;
  }

  /** The uncleanable partitions ("topic-partition" keys) of each log dir that has some. */
  uncleanablePartitions(): ReadonlyMap<string, ReadonlySet<string>> {
    return this.#uncleanable;
  }

  /** Forgets uncleanable partitions whose log is gone (Kafka's maintainUncleanablePartitions). */
  maintainUncleanablePartitions(logs: readonly UnifiedLog[]): void {
    if (this.#uncleanable.size === 0) return;
    const present = new Set(logs.map((l) => `${dirname(l.dir)}\0${topicPartitionKey(l.topicPartition)}`));
    for (const [dir, keys] of this.#uncleanable) {
      for (const key of keys) if (!present.has(`${dir}\0${key}`)) keys.delete(key);
      if (keys.size === 0) this.#uncleanable.delete(dir);
    }
  }

  /** Records the first dirty offset of `log` after a clean, and when its retained tombstones may go. */
  async doneCleaning(log: UnifiedLog, endOffset: number, nextDeleteHorizonMs: number): Promise<void> {
    const key = topicPartitionKey(log.topicPartition);
    const cp = await this.#checkpointsOf(log);
    cp.offsets.set(key, { topicPartition: log.topicPartition, offset: endOffset });
    await cp.file.write([...cp.offsets.values()]);
    if (nextDeleteHorizonMs >= 0) this.#horizons.set(key, nextDeleteHorizonMs);
    else this.#horizons.delete(key);
  }

  /** The delete horizon pending on `log` (when a re-clean can drop its tombstones), if any. */
  deleteHorizonMs(log: UnifiedLog): number | undefined {
    return this.#horizons.get(topicPartitionKey(log.topicPartition));
  }

  /** Forgets `log`'s cleaner checkpoint (the log is being deleted; a new log of that name starts dirty). */
  async removeCheckpoint(log: UnifiedLog): Promise<void> {
    const cp = await this.#checkpointsOf(log);
    if (cp.offsets.delete(topicPartitionKey(log.topicPartition))) await cp.file.write([...cp.offsets.values()]);
    this.#horizons.delete(topicPartitionKey(log.topicPartition));
  }

  async #checkpointsOf(log: UnifiedLog): Promise<DirCheckpoints> {
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
   * The compacted log that needs cleaning most (Kafka's grabFilthiestCompactedLog): the highest dirty ratio above
   * its min.cleanable.dirty.ratio (or past max.compaction.lag.ms), else one whose tombstones' delete horizon
   * passed; never one being cleaned, offline or uncleanable. Null when none needs it.
   */
  async grabFilthiestCompactedLog(logs: readonly UnifiedLog[]): Promise<UnifiedLog | null> {
    this.maintainUncleanablePartitions(logs);
    const now = this.#time.milliseconds();
    let best: { log: UnifiedLog; ratio: number } | null = null;
    let expired: UnifiedLog | null = null;
    for (const log of logs) {
      if (log.isOffline || this.#inProgress.has(topicPartitionKey(log.topicPartition)) || this.isUncleanable(log)) continue;
      const o = await this.cleanableOffsets(log);
      const eligible = (o.needCompactionNow && o.cleanableBytes > 0) || o.cleanableRatio > log.config.minCleanableDirtyRatio;
      if (eligible && (best === null || o.cleanableRatio > best.ratio)) best = { log, ratio: o.cleanableRatio };
      const horizon = this.#horizons.get(topicPartitionKey(log.topicPartition));
      if (horizon !== undefined && horizon <= now) expired ??= log;
    }
    return best?.log ?? expired;
  }
}
