import { ApiError } from '../../common/api-error.ts';
import { topicPartitionKey, type TopicPartition } from '../../common/topic-partition.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { CoordinatorRecordBytes, LoadedEntry, PartitionWriter, TransactionalIdentity } from './partition-writer.ts';

/**
 * A {@link PartitionWriter} over in-memory logs, for tests and simulations: every append is committed at once
 * (resolved on the next microtask) unless the partition is paused ({@link pause}), in which case appends stay
 * written but pending until {@link resume} commits them or {@link failHeld} fails them (and truncates them away),
 * or fail with {@link failNextAppends}. Logs survive across coordinator
 * instances, so a test can "restart" a coordinator by building a new one over the same writer.
 */
export class InMemoryPartitionWriter implements PartitionWriter {
  readonly #logs = new Map<string, LoadedEntry[]>();
  /** Appends written but held (not acknowledged) per paused partition, with their first offset. */
  readonly #paused = new Map<string, HeldAppend[]>();
  readonly #failures = new Map<string, number>();
  #readGate: Promise<void> | null = null;
  /** Number of append calls (records + markers), for tests. */
  appendCount = 0;

  /** Holds every `read` (loads stay in progress) until the returned function is called. */
  holdReads(): () => void {
    let release!: () => void;
    this.#readGate = new Promise((r) => (release = r));
    return () => {
      this.#readGate = null;
      release();
    };
  }

  /** The entries of a partition, in offset order (a copy). */
  entries(tp: TopicPartition): LoadedEntry[] {
    return [...(this.#logs.get(topicPartitionKey(tp)) ?? [])];
  }

  /** Holds appends to `tp` (they are written but not acknowledged) until {@link resume}. */
  pause(tp: TopicPartition): void {
    if (!this.#paused.has(topicPartitionKey(tp))) this.#paused.set(topicPartitionKey(tp), []);
  }

  /** Acknowledges the held appends of `tp` in order. */
  resume(tp: TopicPartition): void {
    const held = this.#paused.get(topicPartitionKey(tp)) ?? [];
    this.#paused.delete(topicPartitionKey(tp));
    for (const h of held) h.commit();
  }

  /**
   * Fails the held appends of `tp` with NOT_LEADER_OR_FOLLOWER and truncates their records from the log (a
   * leader that lost its unreplicated tail); the partition stays paused.
   */
  failHeld(tp: TopicPartition): void {
    const held = this.#paused.get(topicPartitionKey(tp)) ?? [];
    if (held.length === 0) return;
    this.#paused.set(topicPartitionKey(tp), []);
    this.truncate(tp, held[0]!.firstOffset);
    for (const h of held) h.fail(new ApiError(Errors.NOT_LEADER_OR_FOLLOWER, `held append to ${topicPartitionKey(tp)} failed`));
  }

  /** The next `count` appends to `tp` fail with NOT_LEADER_OR_FOLLOWER and write nothing. */
  failNextAppends(tp: TopicPartition, count: number): void {
    this.#failures.set(topicPartitionKey(tp), count);
  }

  /** Truncates the log of `tp` to `endOffset` (simulates losing an unreplicated tail). */
  truncate(tp: TopicPartition, endOffset: bigint): void {
    const log = this.#logs.get(topicPartitionKey(tp));
    if (log !== undefined) this.#logs.set(topicPartitionKey(tp), log.filter((e) => e.offset < endOffset));
  }

  append(tp: TopicPartition, records: readonly CoordinatorRecordBytes[], options?: { transactional?: TransactionalIdentity }): Promise<{ lastOffset: bigint }> {
    this.appendCount++;
    const failed = this.#maybeFail(tp);
    if (failed !== null) return failed;
    const log = this.#log(tp);
    const firstOffset = BigInt(log.length);
    const producerId = options?.transactional?.producerId ?? -1n;
    for (const r of records) {
      log.push({ kind: 'record', offset: BigInt(log.length), producerId, key: Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value) });
    }
    return this.#ack(tp, firstOffset, BigInt(log.length - 1));
  }

  appendEndTransactionMarker(tp: TopicPartition, producer: TransactionalIdentity, _coordinatorEpoch: number, commit: boolean): Promise<{ lastOffset: bigint }> {
    this.appendCount++;
    const failed = this.#maybeFail(tp);
    if (failed !== null) return failed;
    const log = this.#log(tp);
    const offset = BigInt(log.length);
    log.push({ kind: 'marker', offset, producerId: producer.producerId, commit });
    return this.#ack(tp, offset, offset);
  }

  async *read(tp: TopicPartition, fromOffset: bigint): AsyncIterable<LoadedEntry> {
    if (this.#readGate !== null) await this.#readGate;
    const log = this.#log(tp);
    const end = log.length;
    for (let i = Number(fromOffset); i < end; i++) yield log[i]!;
  }

  #log(tp: TopicPartition): LoadedEntry[] {
    let log = this.#logs.get(topicPartitionKey(tp));
    if (log === undefined) {
      log = [];
      this.#logs.set(topicPartitionKey(tp), log);
    }
    return log;
  }

  #maybeFail(tp: TopicPartition): Promise<never> | null {
    const n = this.#failures.get(topicPartitionKey(tp)) ?? 0;
    if (n <= 0) return null;
    this.#failures.set(topicPartitionKey(tp), n - 1);
    return Promise.reject(new ApiError(Errors.NOT_LEADER_OR_FOLLOWER, `injected append failure on ${topicPartitionKey(tp)}`));
  }

  #ack(tp: TopicPartition, firstOffset: bigint, lastOffset: bigint): Promise<{ lastOffset: bigint }> {
    const held = this.#paused.get(topicPartitionKey(tp));
    if (held === undefined) return Promise.resolve({ lastOffset });
    return new Promise((resolve, reject) => held.push({ firstOffset, commit: () => resolve({ lastOffset }), fail: reject }));
  }
}

interface HeldAppend {
  readonly firstOffset: bigint;
  readonly commit: () => void;
  readonly fail: (err: Error) => void;
}
