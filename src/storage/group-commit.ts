/** One append waiting to be durable: everything below `offset` must be flushed. */
interface Waiter {
  readonly offset: number;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Flushes what durability of the offsets below `offset` needs and resolves with the offset below which every
 * record is now durable: at least `offset`, unless a truncation raced with the flush (the bytes it synced may
 * not be the ones written since), in which case the waiters it does not cover wait for the next flush.
 */
export type DataFlush = (offset: number) => Promise<number>;

/**
 * Group commit for a log with `flush.messages` (Kafka's "fsync after this many messages"; 1 = every append is
 * acknowledged only once fsynced, the setting Confluent's sync driver uses with flush.ms=0): appends wait for an
 * fsync that covers them, and one fsync covers every append written before it started. At most one flush runs at
 * a time; appends written while it runs share the next one, which starts as soon as it ends. The caller keeps
 * writing meanwhile (the log's queue does not wait for the disk), so throughput is not bounded by one fsync per
 * append and no thread, least of all the event loop, blocks on the disk.
 *
 * `flush` is LocalLog.flushDataUpTo: fdatasync of the `.log` files holding the offsets (and of the directory
 * after a roll), not the indexes, which recovery rebuilds from the recovery point on; `logEndOffset()` is the
 * offset below which everything has been written to the file (the log end, advanced after each write completed).
 */
export class GroupCommit {
  readonly #flush: DataFlush;
  readonly #logEndOffset: () => number;
  #waiters: Waiter[] = [];
  #flushing = false;

  constructor(flush: DataFlush, logEndOffset: () => number) {
    this.#flush = flush;
    this.#logEndOffset = logEndOffset;
  }

  /** Appends waiting for a flush. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Resolves once a flush made the offsets below `offset` durable (they must already be written).
   * Rejects with the flush's error if that flush failed (the caller takes the log offline).
   */
  waitFor(offset: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ offset, resolve, reject });
      this.#maybeFlush();
    });
  }

  #maybeFlush(): void {
    if (this.#flushing || this.#waiters.length === 0) return;
    this.#flushing = true;
    // Everything written so far: waiters that arrive during this flush need the next one.
    const target = this.#logEndOffset();
    this.#flush(target).then(
      (durable) => {
        this.#flushing = false;
        const still: Waiter[] = [];
        const done: Waiter[] = [];
        // A waiter above the log end was truncated away meanwhile (leadership moved): no flush can cover it.
        const end = this.#logEndOffset();
        for (const w of this.#waiters) (w.offset <= durable || w.offset > end ? done : still).push(w);
        this.#waiters = still;
        for (const w of done) w.resolve();
        this.#maybeFlush();
      },
      (e: unknown) => {
        this.#flushing = false;
        const failed = this.#waiters;
        this.#waiters = [];
        for (const w of failed) w.reject(e);
      },
    );
  }
}
