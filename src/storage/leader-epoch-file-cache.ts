import type { Logger } from '../observability/logger.ts';
import { type EpochEntry, leaderEpochCheckpointFile } from './checkpoint-file.ts';

const NO_EPOCHS: readonly EpochEntry[] = Object.freeze([]);

/**
 * The leader epoch history of a partition (Kafka's LeaderEpochFileCache): for each leader epoch, the first offset
 * written in it, persisted in the partition directory's `leader-epoch-checkpoint`. It answers
 * OffsetForLeaderEpoch (the end offset of an epoch) so that followers and consumers can detect and truncate
 * divergent logs.
 *
 * Mutations change memory only; the owner (UnifiedLog) calls {@link flush} afterwards, as Kafka flushes on each
 * change. Entries are kept sorted by epoch with strictly increasing start offsets, in an array replaced (never
 * grown in place) on change: most partitions hold one entry for their whole life.
 */
export class LeaderEpochFileCache {
  readonly #path: string;
  readonly #logger: Logger;
  #epochs: readonly EpochEntry[] = NO_EPOCHS;

  private constructor(path: string, logger: Logger) {
    // Flat: a path built by concatenation is a tree of string pieces, kept for the log's life.
    this.#path = Buffer.from(path, 'utf8').toString('utf8');
    this.#logger = logger;
  }

  /** Loads the cache from `path` (empty when the file does not exist or is empty). */
  static async load(path: string, logger: Logger): Promise<LeaderEpochFileCache> {
    const cache = new LeaderEpochFileCache(path, logger);
    const entries = await leaderEpochCheckpointFile(path).read();
    for (const e of entries) cache.#assignEntry(e);
    return cache;
  }

  /** An empty cache for a new log directory, whose `path` does not exist yet: nothing is read. */
  static empty(path: string, logger: Logger): LeaderEpochFileCache {
    return new LeaderEpochFileCache(path, logger);
  }

  get path(): string {
    return this.#path;
  }

  /** All entries, oldest first. */
  get entries(): readonly EpochEntry[] {
    return this.#epochs;
  }

  get latestEpoch(): number | undefined {
    return this.#epochs.at(-1)?.epoch;
  }

  get latestEntry(): EpochEntry | undefined {
    return this.#epochs.at(-1);
  }

  get earliestEntry(): EpochEntry | undefined {
    return this.#epochs[0];
  }

  /**
   * Records that `epoch` starts at `startOffset` (Kafka's assign): a no-op for the latest epoch at a later offset;
   * entries that would break the order (epoch >= it or start offset >= it) are dropped first, with a warning.
   * @returns true when the cache changed (flush it).
   * @throws RangeError for a negative epoch or offset.
   */
  assign(epoch: number, startOffset: number): boolean {
    if (epoch < 0 || startOffset < 0) throw new RangeError(`invalid epoch entry ${epoch} ${startOffset}`);
    const latest = this.latestEntry;
    if (latest !== undefined && latest.epoch === epoch && startOffset >= latest.startOffset) return false;
    this.#assignEntry({ epoch, startOffset });
    return true;
  }

  #assignEntry(entry: EpochEntry): void {
    const removed = this.#epochs.filter((e) => e.epoch >= entry.epoch || e.startOffset >= entry.startOffset);
    if (removed.length > 0) {
      this.#logger.warn({ removed, entry }, 'Leader epoch cache: removing entries that are not monotonic with the new one');
      this.#epochs = this.#epochs.filter((e) => !(e.epoch >= entry.epoch || e.startOffset >= entry.startOffset));
    }
    this.#epochs = this.#epochs.length === 0 ? [entry] : [...this.#epochs, entry];
  }

  /**
   * The largest epoch <= `requestedEpoch` and the offset where it ends (the next epoch's start, or `logEndOffset`
   * for the latest epoch), as Kafka's endOffsetFor; (-1, -1) when the epoch is unknown or above the latest.
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): { epoch: number; offset: number } {
    const latest = this.latestEntry;
    if (requestedEpoch === -1 || latest === undefined) return { epoch: -1, offset: -1 };
    if (requestedEpoch === latest.epoch) return { epoch: requestedEpoch, offset: logEndOffset };
    const higher = this.#epochs.find((e) => e.epoch > requestedEpoch);
    if (higher === undefined) return { epoch: -1, offset: -1 };
    let floor: EpochEntry | undefined;
    for (const e of this.#epochs) if (e.epoch <= requestedEpoch) floor = e;
    if (floor === undefined) return { epoch: requestedEpoch, offset: higher.startOffset };
    return { epoch: floor.epoch, offset: higher.startOffset };
  }

  /** The epoch that wrote `offset` (the last entry starting at or before it), or undefined. */
  epochForOffset(offset: number): number | undefined {
    let epoch: number | undefined;
    for (const e of this.#epochs) {
      if (e.startOffset <= offset) epoch = e.epoch;
      else break;
    }
    return epoch;
  }

  /** Drops entries starting at or after `endOffset` (log truncation). @returns true if changed. */
  truncateFromEnd(endOffset: number): boolean {
    const kept = this.#epochs.filter((e) => e.startOffset < endOffset);
    if (kept.length === this.#epochs.length) return false;
    this.#epochs = kept;
    return true;
  }

  /**
   * Drops entries that start before `startOffset`, keeping the last of them re-based at `startOffset` (the log
   * start moved). @returns true if changed.
   */
  truncateFromStart(startOffset: number): boolean {
    let lastRemoved: EpochEntry | undefined;
    let i = 0;
    while (i < this.#epochs.length && this.#epochs[i]!.startOffset <= startOffset) lastRemoved = this.#epochs[i++];
    if (lastRemoved === undefined) return false;
    if (i === 1 && lastRemoved.startOffset === startOffset) return false;
    this.#epochs = [{ epoch: lastRemoved.epoch, startOffset }, ...this.#epochs.slice(i)];
    return true;
  }

  /** Removes every entry. */
  clear(): void {
    this.#epochs = NO_EPOCHS;
  }

  /**
   * Writes the checkpoint file (atomic replace, fsynced; Kafka's writeToFile).
   * @throws the fs error.
   */
  async flush(): Promise<void> {
    await leaderEpochCheckpointFile(this.#path).write(this.#epochs);
  }
}
