import type { Registry } from 'prom-client';
import { Gauge } from 'prom-client';
import type { Time } from '../common/time.ts';
import { topicPartitionKey, type TopicPartition } from '../common/topic-partition.ts';
import type { Logger } from '../observability/logger.ts';
import { Cleaner, type CleanerHooks, type CleanResult, LogCleaningAbortedError } from './cleaner.ts';
import { type CleanableOffsets, type CleaningInProgress, LogCleanerManager } from './log-cleaner-manager.ts';
import { Throttler } from './throttler.ts';
import type { UnifiedLog } from './unified-log.ts';

export { CLEANER_OFFSET_CHECKPOINT_FILE, type CleanableOffsets } from './log-cleaner-manager.ts';

/**
 * The log.cleaner.* broker settings (Kafka's `CleanerConfig`). All of them may change at run time
 * ({@link LogCleaner.reconfigure}, as Kafka's cleaner is reconfigurable); the defaults are Kafka's.
 */
export interface LogCleanerOptions {
  /** log.cleaner.threads: logs cleaned at the same time (0: none). Default 1. */
  readonly threads?: number;
  /** log.cleaner.backoff.ms: pause of a cleaner thread when no log needs cleaning. Default 15000. */
  readonly backoffMs?: number;
  /** log.cleaner.dedupe.buffer.size: memory budget in bytes of the key maps, shared by the threads. Default 128 MiB. */
  readonly dedupeBufferSize?: number;
  /** log.cleaner.io.buffer.load.factor: how full a key map may get before a clean stops mapping. Default 0.9. */
  readonly dedupeBufferLoadFactor?: number;
  /** log.cleaner.io.buffer.size: I/O buffer bytes, shared by the threads (half to read, half to write). Default 512 KiB. */
  readonly ioBufferSize?: number;
  /** log.cleaner.io.max.bytes.per.second: throttle on the bytes all threads read and write. Default: none. */
  readonly maxIoBytesPerSecond?: number;
  /** Crash-test hooks. */
  readonly hooks?: CleanerHooks;
}

const DEFAULTS = {
  threads: 1,
  backoffMs: 15_000,
  dedupeBufferSize: 128 * 1024 * 1024,
  dedupeBufferLoadFactor: 0.9,
  ioBufferSize: 512 * 1024,
  maxIoBytesPerSecond: Number.MAX_VALUE,
} as const;

/**
 * The log cleaner (Kafka's `LogCleaner`): `threads` cleaner loops, each picking the compacted log with the highest
 * dirty ratio that no other loop is cleaning (above min.cleanable.dirty.ratio, or past max.compaction.lag.ms, or
 * holding tombstones whose delete horizon passed) and compacting it with {@link Cleaner}; a loop that finds nothing
 * to clean waits log.cleaner.backoff.ms. A clean that fails with an unexpected error marks its partition
 * uncleanable ({@link LogCleanerManager}) and the loops go on with the other logs. The loops are async tasks on
 * the event loop; cleaning yields between chunks of I/O.
 *
 * Metrics (after Kafka's LogCleanerManager): `kafka_log_logcleanermanager_uncleanable_partitions_count{logDirectory}`.
 */
export class LogCleaner {
  readonly #time: Time;
  readonly #logger: Logger;
  readonly #logs: () => UnifiedLog[];
  readonly #manager: LogCleanerManager;
  readonly #throttler: Throttler;
  readonly #hooks: CleanerHooks | undefined;
  #options: Required<Omit<LogCleanerOptions, 'hooks'>>;
  /** Running loops, by index; a loop whose index reaches `threads` ends. */
  readonly #loops = new Map<number, Promise<void>>();
  readonly #wakeUps = new Set<() => void>();
  /** Serializes picking a log, so that two loops never pick the same one. */
  #picking: Promise<unknown> = Promise.resolve();
  #started = false;
  #stopped = false;

  constructor(options: LogCleanerOptions & { time: Time; logger: Logger; logs: () => UnifiedLog[] }) {
    this.#time = options.time;
    this.#logger = options.logger.child({ component: 'LogCleaner' });
    this.#logs = options.logs;
    this.#hooks = options.hooks;
    this.#options = LogCleaner.#withDefaults(options);
    this.#manager = new LogCleanerManager({ time: options.time, logger: this.#logger });
    this.#throttler = new Throttler({ desiredRatePerSec: this.#options.maxIoBytesPerSecond, time: options.time });
  }

  static #withDefaults(options: LogCleanerOptions): Required<Omit<LogCleanerOptions, 'hooks'>> {
    return {
      threads: options.threads ?? DEFAULTS.threads,
      backoffMs: options.backoffMs ?? DEFAULTS.backoffMs,
      dedupeBufferSize: options.dedupeBufferSize ?? DEFAULTS.dedupeBufferSize,
      dedupeBufferLoadFactor: options.dedupeBufferLoadFactor ?? DEFAULTS.dedupeBufferLoadFactor,
      ioBufferSize: options.ioBufferSize ?? DEFAULTS.ioBufferSize,
      maxIoBytesPerSecond: options.maxIoBytesPerSecond ?? DEFAULTS.maxIoBytesPerSecond,
    };
  }

  /** The cleaner's state: checkpoints, cleanings in progress, uncleanable partitions. */
  get manager(): LogCleanerManager {
    return this.#manager;
  }

  /** Starts the cleaner loops. */
  startup(): void {
    this.#started = true;
    this.#stopped = false;
    this.#adjustLoops();
  }

  /**
   * Applies new log.cleaner.* settings (a dynamic broker config update): the number of loops follows `threads`
   * (a loop beyond it ends after its current clean), the next cleans use the new buffer sizes, the throttle applies
   * at once. Settings not given keep their defaults.
   */
  reconfigure(options: LogCleanerOptions): void {
    this.#options = LogCleaner.#withDefaults(options);
    this.#throttler.desiredRatePerSec = this.#options.maxIoBytesPerSecond;
    if (this.#started && !this.#stopped) this.#adjustLoops();
    for (const wake of this.#wakeUps) wake();
  }

  #adjustLoops(): void {
    for (let i = 0; i < this.#options.threads; i++) {
      if (this.#loops.has(i)) continue;
      const loop = this.#runLoop(i).finally(() => this.#loops.delete(i));
      this.#loops.set(i, loop);
    }
  }

  async #runLoop(index: number): Promise<void> {
    while (!this.#stopped && index < this.#options.threads) {
      let cleaned = false;
      try {
        cleaned = await this.cleanFilthiestLog();
      } catch (e) {
        this.#logger.error({ err: e }, 'Log cleaner failed');
      }
      if (!cleaned && !this.#stopped) await this.#backoff(this.#options.backoffMs);
    }
  }

  /** Waits `ms`, or less when the cleaner is reconfigured or shut down. */
  #backoff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wakeUps.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.#wakeUps.add(done);
    });
  }

  /** Stops the loops and waits for (an abort of) the cleans in progress. */
  async shutdown(): Promise<void> {
    this.#stopped = true;
    for (const wake of this.#wakeUps) wake();
    await this.#manager.abortAll();
    await Promise.all(this.#loops.values());
  }

  /** Aborts cleaning of `tp` if in progress (its log is being deleted or truncated). */
  abortCleaning(tp: TopicPartition): void {
    void this.#manager.abortCleaning(tp);
  }

  /** Forgets `log`'s cleaner checkpoint (the log is being deleted; a new log of that name starts dirty). */
  removeCheckpoint(log: UnifiedLog): Promise<void> {
    return this.#manager.removeCheckpoint(log);
  }

  /** The dirty range of `log` and its dirty ratio (Kafka's LogCleanerManager.cleanableOffsets). */
  cleanableOffsets(log: UnifiedLog): Promise<CleanableOffsets> {
    return this.#manager.cleanableOffsets(log);
  }

  /**
   * Cleans the log that needs it most (Kafka's CleanerThread.cleanFilthiestLog). A clean that fails with an
   * unexpected error marks the log's partition uncleanable, so that the next passes go on with the other logs.
   * @returns true when a log was cleaned.
   */
  async cleanFilthiestLog(): Promise<boolean> {
    const picked = this.#picking.then(async () => {
      const log = await this.#manager.grabFilthiestCompactedLog(this.#logs());
      return log === null ? null : { log, state: this.#startCleaning(log) };
    });
    this.#picking = picked.catch(() => undefined);
    const target = await picked;
    if (target === null) return false;
    try {
      return (await this.#clean(target.log, target.state)) !== null;
    } catch (e) {
      this.#logger.warn({ err: e, log: target.log.dir }, `Unexpected exception thrown when cleaning log ${target.log.dir}. Marking its partition (${topicPartitionKey(target.log.topicPartition)}) as uncleanable`);
      this.#manager.markUncleanable(target.log);
      return false;
    }
  }

  /**
   * Cleans `log` now over its current dirty range (also when it is below min.cleanable.dirty.ratio) and
   * checkpoints the new first dirty offset. Null when it was aborted or had nothing to clean.
   * @throws the error of a failed clean (the log is not marked uncleanable: that is the loops' decision).
   */
  cleanLog(log: UnifiedLog): Promise<CleanResult | null> {
    return this.#clean(log, this.#startCleaning(log));
  }

  #startCleaning(log: UnifiedLog): CleaningInProgress & { settle: () => void } {
    let settle!: () => void;
    const state = { aborted: false, done: new Promise<void>((resolve) => (settle = resolve)), settle };
    this.#manager.startCleaning(log, state);
    return state;
  }

  async #clean(log: UnifiedLog, state: CleaningInProgress & { settle: () => void }): Promise<CleanResult | null> {
    try {
      const o = await this.#manager.cleanableOffsets(log);
      if (log.numberOfSegments < 2) return null;
      // Kafka divides the memory between the threads: each has its own key map and read and write buffers.
      const threads = Math.max(1, this.#options.threads);
      const cleaner = new Cleaner({
        time: this.#time,
        logger: this.#logger,
        dedupeBufferSize: Math.min(this.#options.dedupeBufferSize / threads, 2 ** 31 - 1) * this.#options.dedupeBufferLoadFactor,
        ioBufferSize: Math.max(1, Math.floor(this.#options.ioBufferSize / threads / 2)),
        throttler: this.#throttler,
        hooks: this.#hooks,
        isAborted: () => state.aborted || this.#stopped,
      });
      const started = this.#time.milliseconds();
      const result = await cleaner.clean(log, o.firstDirtyOffset, Math.max(o.firstUncleanableOffset, o.firstDirtyOffset));
      await this.#manager.doneCleaning(log, result.endOffset, result.nextDeleteHorizonMs);
      this.#logger.info({ log: log.dir, ...result, durationMs: this.#time.milliseconds() - started }, 'Cleaned log');
      return result;
    } catch (e) {
      if (e instanceof LogCleaningAbortedError) {
        this.#logger.info({ log: log.dir, reason: e.message }, 'Cleaning aborted');
        return null;
      }
      throw e;
    } finally {
      state.settle();
    }
  }

  /** Registers the cleaner's gauges with `registry` (computed at scrape time), one series per dir of `logDirs`. */
  registerMetrics(registry: Registry, logDirs: readonly string[]): void {
    const manager = this.#manager;
    new Gauge({
      name: 'kafka_log_logcleanermanager_uncleanable_partitions_count',
      help: 'Partitions of a log directory that the log cleaner failed on and skips (Kafka\'s uncleanable-partitions-count).',
      labelNames: ['logDirectory'],
      registers: [registry],
      collect() {
        const uncleanable = manager.uncleanablePartitions();
        for (const dir of logDirs) this.set({ logDirectory: dir }, uncleanable.get(dir)?.size ?? 0);
      },
    });
  }
}
