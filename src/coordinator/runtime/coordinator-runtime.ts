import { ApiError } from '../../common/api-error.ts';
import type { Time } from '../../common/time.ts';
import { topicPartitionKey, type TopicPartition } from '../../common/topic-partition.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { Logger } from '../../observability/logger.ts';
import { CoordinatorTimer } from './coordinator-timer.ts';
import type { CoordinatorResult, CoordinatorSerde, CoordinatorShard, ShardContext } from './coordinator-shard.ts';
import type { CoordinatorRecordBytes, PartitionWriter, TransactionalIdentity } from './partition-writer.ts';

/**
 * Life cycle of one coordinator partition (Kafka's `CoordinatorRuntime.CoordinatorState`):
 *
 * | state   | entered when                                   | requests get                     |
 * |---------|------------------------------------------------|----------------------------------|
 * | loading | this broker became the partition's leader      | COORDINATOR_LOAD_IN_PROGRESS (14)|
 * | active  | every record of the partition was replayed     | served                           |
 * | failed  | loading failed (unreadable record, read error) | COORDINATOR_NOT_AVAILABLE (15)   |
 * | (none)  | never led, or unloaded after losing leadership | NOT_COORDINATOR (16)             |
 */
export type CoordinatorShardState = 'loading' | 'active' | 'failed';

interface ShardEntry<S, R> {
  readonly tp: TopicPartition;
  readonly epoch: number;
  state: CoordinatorShardState | 'closed';
  readonly shard: S;
  readonly timer: CoordinatorTimer<R>;
  /** Position given to the next record replayed (follows the log order; re-synced from append results). */
  nextOffset: bigint;
  /** Settles (never rejects) when every append issued so far has settled. */
  tail: Promise<void>;
  /** Appends issued and not yet settled (committed or failed). */
  pendingWrites: number;
  /**
   * Operations waiting behind a read that waits for the in-flight appends to settle, in call order (outside
   * {@link CoordinatorRuntime} internals: empty, or headed by a read while `pendingWrites > 0`).
   */
  readonly queue: QueuedOperation[];
}

/** An operation deferred by the read barrier: `run` starts it (its outcome settles the caller's promise). */
interface QueuedOperation {
  readonly isRead: boolean;
  readonly run: () => void;
  readonly reject: (err: unknown) => void;
}

export interface CoordinatorRuntimeOptions<S extends CoordinatorShard<R>, R> {
  /** Name for logs, e.g. 'GroupCoordinator'. */
  readonly name: string;
  readonly time: Time;
  readonly writer: PartitionWriter;
  readonly serde: CoordinatorSerde<R>;
  readonly shardFactory: (context: ShardContext<R>) => S;
  readonly logger: Logger;
  /**
   * true (default): timers fire by themselves (a Node timeout armed at the earliest deadline).
   * false: nothing fires until {@link CoordinatorRuntime.poll} is called (deterministic tests with MockTime).
   */
  readonly autoTimers?: boolean;
  /** Write operations not committed within this many ms fail with REQUEST_TIMED_OUT (offsets.commit.timeout.ms); autoTimers only. */
  readonly writeTimeoutMs?: number;
}

/**
 * Runs the shards (one per partition of an internal topic) of a coordinator, after Kafka's
 * `CoordinatorRuntime`: it loads a partition by replaying its records when this broker becomes the leader,
 * runs operations against the shard, appends the records they return through the {@link PartitionWriter},
 * replays them, and answers once they are committed. Everything runs on the event loop, so an operation
 * (the synchronous `op` callback) sees and changes the shard state atomically; appends of one partition are
 * issued in operation order.
 *
 * Writes see the latest state: their records are replayed into the shard as soon as the operation returns,
 * before the append commits, so the next write of the partition validates against them (Kafka's writes run at
 * the last written offset).
 *
 * Reads answer from committed state only (Kafka's reads run at the last committed offset): a read runs when no
 * append of its partition is in flight, i.e. when the shard holds exactly the committed records. A read
 * scheduled while appends are in flight waits for them to settle, and every operation scheduled after it
 * (reads, writes, timer tasks) queues behind it, so that a steady stream of writes cannot postpone it forever:
 * a read waits at most for the appends issued before it. Kafka reaches the same guarantee with versioned
 * (timeline) data structures read at the committed offset, which answer at once; this runtime trades at most
 * one commit latency per read (and a bubble in the write pipeline behind it) for shards made of plain maps and
 * objects. Classic groups keep their membership as soft state outside the records (`replayRecords: false`,
 * as in Kafka), which reads see as it is once the appends before them settled.
 *
 * A failed append whose records were already replayed leaves the shard ahead of the log: the shard is unloaded
 * at once (operations queued on it, and new ones, fail with NOT_COORDINATOR, which clients retry) and loaded
 * again from the log once every append issued before the failure has settled, so it reflects exactly the records
 * the log holds. This is Kafka's revert to the last committed snapshot, reached by reloading; no read ever runs
 * on the reverted state, since reads wait for the failed append to settle and the shard is gone by then.
 */
export class CoordinatorRuntime<S extends CoordinatorShard<R>, R> {
  readonly #options: CoordinatorRuntimeOptions<S, R>;
  readonly #entries = new Map<string, ShardEntry<S, R>>();
  readonly #log: Logger;
  #wakeAt = Infinity;
  #wakeHandle: ReturnType<typeof setTimeout> | null = null;
  #closed = false;

  constructor(options: CoordinatorRuntimeOptions<S, R>) {
    this.#options = options;
    this.#log = options.logger;
  }

  /**
   * Leadership of `tp` changed (called by the broker on metadata changes). Becoming leader (or a newer leader
   * epoch) loads the partition; losing it unloads it (pending requests fail with NOT_COORDINATOR).
   * Returns the load as a promise (resolves when active or failed), for tests.
   */
  onPartitionLeadershipChange(tp: TopicPartition, isLeader: boolean, leaderEpoch: number): Promise<void> {
    const key = topicPartitionKey(tp);
    const existing = this.#entries.get(key);
    if (!isLeader) {
      if (existing !== undefined && (leaderEpoch < 0 || leaderEpoch >= existing.epoch)) this.#unload(existing);
      return Promise.resolve();
    }
    if (this.#closed) return Promise.resolve();
    if (existing !== undefined && existing.epoch >= leaderEpoch && existing.state !== 'failed') return Promise.resolve();
    if (existing !== undefined) this.#unload(existing);
    return this.#load(tp, leaderEpoch);
  }

  /** State of the shard of `tp`, or undefined when this broker does not coordinate it. */
  shardState(tp: TopicPartition): CoordinatorShardState | undefined {
    const e = this.#entries.get(topicPartitionKey(tp));
    return e === undefined || e.state === 'closed' ? undefined : e.state;
  }

  /** The partitions this runtime currently has (any state). */
  partitions(): TopicPartition[] {
    return [...this.#entries.values()].map((e) => e.tp);
  }

  /** Calls `fn` on every active shard. */
  forEachActiveShard(fn: (shard: S, tp: TopicPartition) => void): void {
    for (const e of this.#entries.values()) if (e.state === 'active') fn(e.shard, e.tp);
  }

  /**
   * Runs a write operation on the shard of `tp`: `op` runs now (synchronously), its records are replayed and
   * appended, and the promise resolves with its response once they (and every earlier write) are committed.
   * @throws (rejects) ApiError NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS / COORDINATOR_NOT_AVAILABLE when
   *   the shard is not active, whatever `op` throws, or the append error (with its Kafka code).
   */
  scheduleWriteOperation<T>(name: string, tp: TopicPartition, op: (shard: S) => CoordinatorResult<T, R>): Promise<T> {
    let entry: ShardEntry<S, R>;
    try {
      entry = this.#activeEntry(tp);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#withTimeout(this.#schedule(entry, false, () => this.#commit(entry, name, op(entry.shard))));
  }

  /**
   * Runs a read operation on the committed state of `tp`'s shard: now when no append of the partition is in
   * flight, else once the appends issued before it have settled (see the class comment).
   * @throws (rejects) like {@link scheduleWriteOperation}; NOT_COORDINATOR when the shard is unloaded (or
   *   reverted after a failed append) while the read waits.
   */
  scheduleReadOperation<T>(_name: string, tp: TopicPartition, op: (shard: S) => T): Promise<T> {
    try {
      const entry = this.#activeEntry(tp);
      return this.#schedule(entry, true, () => op(entry.shard));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Runs a read operation on the committed state of every active shard (ListGroups, ListTransactions). */
  scheduleReadAllOperation<T>(_name: string, op: (shard: S) => T): Promise<T[]> {
    const results: Promise<T>[] = [];
    for (const e of this.#entries.values()) {
      if (e.state === 'active') results.push(this.#schedule(e, true, () => op(e.shard)));
    }
    return Promise.all(results);
  }

  /**
   * Writes a transaction marker for `producer` to `tp` and replays it (WriteTxnMarkers for a
   * __consumer_offsets partition, Kafka's `scheduleTransactionCompletion`).
   */
  scheduleTransactionCompletion(tp: TopicPartition, producer: TransactionalIdentity, coordinatorEpoch: number, commit: boolean): Promise<void> {
    let entry: ShardEntry<S, R>;
    try {
      entry = this.#activeEntry(tp);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#withTimeout(this.#schedule(entry, false, () => {
      entry.shard.replayEndTransactionMarker(producer.producerId, commit);
      entry.nextOffset++;
      const append = this.#options.writer.appendEndTransactionMarker(tp, producer, coordinatorEpoch, commit);
      return this.#track(entry, append, true);
    }));
  }

  /** Runs the timer tasks that are due (also called by the armed Node timeout). */
  poll(): void {
    const now = this.#options.time.hiResClockMs();
    // Tasks may schedule tasks that are already due (a 0 ms delay): run rounds until none is due.
    for (let round = 0; round < 100; round++) {
      if (!this.#runDueTasks(now)) break;
    }
    this.#wakeAt = Infinity;
    this.#rearm();
  }

  /** @returns whether any task was due. */
  #runDueTasks(now: number): boolean {
    let ran = false;
    for (const entry of [...this.#entries.values()]) {
      if (entry.state !== 'active') continue;
      for (const task of entry.timer.expired(now)) {
        ran = true;
        if (entry.state !== 'active') break;
        // A write like any other: behind a waiting read, it runs when the read has run.
        this.#schedule(entry, false, () => {
          let result: CoordinatorResult<void, R> | null;
          try {
            result = task.run();
          } catch (err) {
            this.#log.error({ err, task: task.key }, 'timer task failed');
            return;
          }
          if (result === null) return;
          this.#commit(entry, `timer ${task.key}`, result).catch((err: unknown) => {
            this.#log.warn({ err, task: task.key }, 'records of a timer task could not be written');
          });
        }).catch(noop);
      }
    }
    return ran;
  }

  /** Resolves when every append issued so far has settled (tests). */
  async idle(): Promise<void> {
    for (;;) {
      const pending = [...this.#entries.values()].filter((e) => e.pendingWrites > 0);
      if (pending.length === 0) return;
      await Promise.all(pending.map((e) => e.tail));
    }
  }

  /** Unloads every shard and stops the timers. */
  close(): void {
    this.#closed = true;
    for (const e of [...this.#entries.values()]) this.#unload(e);
    if (this.#wakeHandle !== null) clearTimeout(this.#wakeHandle);
    this.#wakeHandle = null;
  }

  /**
   * Runs `run` now, unless operations are queued, or it is a read and appends are in flight: then it is queued
   * and run (in call order) by {@link #drain}. The promise settles with `run`'s outcome.
   */
  #schedule<T>(entry: ShardEntry<S, R>, isRead: boolean, run: () => T | Promise<T>): Promise<T> {
    if (entry.queue.length === 0 && (!isRead || entry.pendingWrites === 0)) {
      try {
        return Promise.resolve(run());
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return new Promise<T>((resolve, reject) => {
      entry.queue.push({ isRead, run: () => resolve(run()), reject });
    });
  }

  /** Runs the queued operations in order, stopping at a read while appends are in flight. */
  #drain(entry: ShardEntry<S, R>): void {
    while (entry.queue.length > 0 && entry.state === 'active') {
      const next = entry.queue[0]!;
      if (next.isRead && entry.pendingWrites > 0) return;
      entry.queue.shift();
      try {
        next.run();
      } catch (err) {
        next.reject(err);
      }
    }
  }

  #activeEntry(tp: TopicPartition): ShardEntry<S, R> {
    const e = this.#entries.get(topicPartitionKey(tp));
    if (e === undefined || e.state === 'closed') {
      throw new ApiError(Errors.NOT_COORDINATOR, `This broker does not coordinate ${topicPartitionKey(tp)}`);
    }
    if (e.state === 'loading') throw new ApiError(Errors.COORDINATOR_LOAD_IN_PROGRESS, `${topicPartitionKey(tp)} is loading`);
    if (e.state === 'failed') throw new ApiError(Errors.COORDINATOR_NOT_AVAILABLE, `${topicPartitionKey(tp)} failed to load`);
    return e;
  }

  #commit<T>(entry: ShardEntry<S, R>, name: string, result: CoordinatorResult<T, R>): Promise<T> {
    const records = result.records;
    if (records.length === 0) {
      return entry.tail.then(() => {
        result.onAppendComplete?.(null);
        return result.response;
      });
    }
    let bytes: CoordinatorRecordBytes[];
    try {
      bytes = records.map((r) => this.#options.serde.serialize(r));
    } catch (err) {
      this.#log.error({ err, operation: name }, 'could not serialize coordinator records');
      result.onAppendComplete?.(err as Error);
      return Promise.reject(new ApiError(Errors.UNKNOWN_SERVER_ERROR, 'could not serialize coordinator records'));
    }
    const replay = result.replayRecords !== false;
    const producerId = result.transactional?.producerId ?? -1n;
    if (replay) {
      try {
        for (const r of records) entry.shard.replay(entry.nextOffset++, producerId, r);
      } catch (err) {
        this.#log.error({ err, operation: name }, 'replay of new records failed; reloading the partition');
        this.#reload(entry);
        return Promise.reject(new ApiError(Errors.UNKNOWN_SERVER_ERROR, 'replay failed'));
      }
    } else {
      entry.nextOffset += BigInt(records.length);
    }
    const options = result.transactional === undefined ? undefined : { transactional: result.transactional };
    const append = this.#options.writer.append(entry.tp, bytes, options);
    return this.#track(entry, append, replay, result.onAppendComplete).then(() => result.response);
  }

  /**
   * Chains an append behind the earlier ones: `onSettled` runs once it and every earlier append settled (in
   * append order), before reads waiting for them run; on failure of replayed records the shard is reloaded.
   */
  #track(entry: ShardEntry<S, R>, append: Promise<{ lastOffset: bigint }>, replayed: boolean, onSettled?: (error: Error | null) => void): Promise<void> {
    const previous = entry.tail;
    entry.pendingWrites++;
    const settled = append.then(
      ({ lastOffset }) => {
        if (lastOffset >= entry.nextOffset) entry.nextOffset = lastOffset + 1n;
      },
      (err: unknown) => {
        if (replayed && entry.state === 'active') {
          this.#log.warn({ err, partition: topicPartitionKey(entry.tp) }, 'append of replayed records failed; reloading the partition from its log');
          this.#reload(entry);
        }
        throw err;
      },
    );
    // `previous` never rejects: this settles after every earlier append, with this append's outcome.
    const done = previous.then(() => settled).then(
      () => onSettled?.(null),
      (err: unknown) => {
        onSettled?.(err as Error);
        throw err;
      },
    );
    entry.tail = done.then(noop, noop).finally(() => {
      if (--entry.pendingWrites === 0) this.#drain(entry);
    });
    return done;
  }

  #withTimeout<T>(promise: Promise<T>): Promise<T> {
    const timeoutMs = this.#options.writeTimeoutMs;
    if (timeoutMs === undefined || this.#options.autoTimers === false) return promise;
    return new Promise<T>((resolve, reject) => {
      const handle = setTimeout(() => reject(new ApiError(Errors.REQUEST_TIMED_OUT, `write not committed within ${timeoutMs} ms`)), timeoutMs);
      handle.unref?.();
      promise.then(
        (v) => { clearTimeout(handle); resolve(v); },
        (e: unknown) => { clearTimeout(handle); reject(e); },
      );
    });
  }

  #load(tp: TopicPartition, epoch: number): Promise<void> {
    const key = topicPartitionKey(tp);
    const timer = new CoordinatorTimer<R>(this.#options.time, (deadline) => this.#scheduleWake(deadline));
    const logger = this.#log.child({ partition: key });
    const shard = this.#options.shardFactory({ topicPartition: tp, time: this.#options.time, timer, logger });
    const entry: ShardEntry<S, R> = { tp, epoch, state: 'loading', shard, timer, nextOffset: 0n, tail: Promise.resolve(), pendingWrites: 0, queue: [] };
    this.#entries.set(key, entry);
    const startMs = this.#options.time.hiResClockMs();
    return (async () => {
      let count = 0;
      try {
        for await (const e of this.#options.writer.read(tp, 0n)) {
          if (entry.state !== 'loading') return;
          if (e.kind === 'marker') {
            shard.replayEndTransactionMarker(e.producerId, e.commit);
          } else if (e.key !== null) {
            const record = this.#options.serde.deserialize(e.key, e.value);
            if (record !== null) shard.replay(e.offset, e.producerId, record);
          }
          entry.nextOffset = e.offset + 1n;
          count++;
        }
        if (entry.state !== 'loading') return;
        entry.state = 'active';
        shard.onLoaded();
        logger.info({ records: count, epoch, loadMs: Math.round(this.#options.time.hiResClockMs() - startMs) }, `${this.#options.name} loaded partition`);
      } catch (err) {
        if (entry.state !== 'loading') return;
        entry.state = 'failed';
        timer.clear();
        logger.error({ err, records: count }, `${this.#options.name} failed to load partition`);
      }
    })();
  }

  #unload(entry: ShardEntry<S, R>): void {
    const wasActive = entry.state === 'active';
    entry.state = 'closed';
    entry.timer.clear();
    const queued = entry.queue.splice(0);
    for (const q of queued) q.reject(new ApiError(Errors.NOT_COORDINATOR, `This broker no longer coordinates ${topicPartitionKey(entry.tp)}`));
    if (this.#entries.get(topicPartitionKey(entry.tp)) === entry) this.#entries.delete(topicPartitionKey(entry.tp));
    if (wasActive) {
      try {
        entry.shard.onUnloaded();
      } catch (err) {
        this.#log.error({ err }, 'onUnloaded failed');
      }
    }
    this.#log.info({ partition: topicPartitionKey(entry.tp), epoch: entry.epoch }, `${this.#options.name} unloaded partition`);
  }

  #reload(entry: ShardEntry<S, R>): void {
    if (this.#entries.get(topicPartitionKey(entry.tp)) !== entry || entry.state === 'closed') return;
    this.#unload(entry);
    // Appends issued before the failure may still be in flight; they reach the log first (in call order).
    void entry.tail.then(() => {
      if (!this.#closed && !this.#entries.has(topicPartitionKey(entry.tp))) void this.#load(entry.tp, entry.epoch);
    });
  }

  #scheduleWake(deadlineMs: number): void {
    if (this.#options.autoTimers === false || this.#closed) return;
    if (deadlineMs >= this.#wakeAt) return;
    this.#wakeAt = deadlineMs;
    if (this.#wakeHandle !== null) clearTimeout(this.#wakeHandle);
    const delay = Math.max(0, deadlineMs - this.#options.time.hiResClockMs());
    this.#wakeHandle = setTimeout(() => {
      this.#wakeHandle = null;
      this.#wakeAt = Infinity;
      this.poll();
    }, Math.ceil(delay));
    this.#wakeHandle.unref?.();
  }

  #rearm(): void {
    let min = Infinity;
    for (const e of this.#entries.values()) if (e.state === 'active') min = Math.min(min, e.timer.nextDeadlineMs());
    if (min !== Infinity) this.#scheduleWake(min);
  }
}

function noop(): void {}
