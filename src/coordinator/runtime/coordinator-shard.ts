import type { TopicPartition } from '../../common/topic-partition.ts';
import type { Time } from '../../common/time.ts';
import type { Logger } from '../../observability/logger.ts';
import type { CoordinatorTimer } from './coordinator-timer.ts';
import type { CoordinatorRecordBytes, TransactionalIdentity } from './partition-writer.ts';

/**
 * What an operation of a coordinator shard returns, after Kafka's `CoordinatorResult`: the records to append
 * to the shard's partition and the response to send once they are committed.
 *
 * - `replayRecords` (default true): the runtime replays the records into the shard right away (the hard
 *   state changes only by replay). Classic-group operations set it to false: they keep their soft state in
 *   memory and only persist a snapshot of it (GroupMetadata records), exactly as Kafka does.
 * - `onAppendComplete`: called with null once the records are committed, or with the error if the append
 *   failed (the classic group then reverts or reports, as in Kafka's appendFuture callbacks).
 * - `transactional`: the records belong to a producer's transaction (TxnOffsetCommit).
 */
export interface CoordinatorResult<T, R> {
  readonly records: readonly R[];
  readonly response: T;
  readonly replayRecords?: boolean;
  readonly onAppendComplete?: (error: Error | null) => void;
  readonly transactional?: TransactionalIdentity;
}

/** The state machine of one coordinator partition; it changes only through `replay` (+ its own soft state). */
export interface CoordinatorShard<R> {
  /**
   * Applies one record. `offset` orders records of the partition (the log offset when loading; a position
   * that follows the log order for records written by this runtime). `producerId` is -1n outside transactions.
   */
  replay(offset: bigint, producerId: bigint, record: R): void;
  /** Applies a transaction marker for `producerId` (COMMIT when `commit`). */
  replayEndTransactionMarker(producerId: bigint, commit: boolean): void;
  /** The partition finished loading: schedule timers (session expiries, offset expiration). */
  onLoaded(): void;
  /** The partition is being unloaded (leadership lost): fail pending requests, stop timers. */
  onUnloaded(): void;
}

/** Turns a shard's records into bytes for the log and back (null: an unknown record type to skip). */
export interface CoordinatorSerde<R> {
  serialize(record: R): CoordinatorRecordBytes;
  deserialize(key: Buffer, value: Buffer | null): R | null;
}

/** What a shard is built with. */
export interface ShardContext<R> {
  readonly topicPartition: TopicPartition;
  readonly time: Time;
  readonly timer: CoordinatorTimer<R>;
  readonly logger: Logger;
}
