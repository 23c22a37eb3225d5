import type { TopicPartition } from '../../common/topic-partition.ts';

/** One record of a coordinator topic as bytes: Kafka's versioned key and value (null value = tombstone). */
export interface CoordinatorRecordBytes {
  readonly key: Buffer;
  readonly value: Buffer | null;
}

/** Producer identity of a transactional append (TxnOffsetCommit writes its records in the producer's transaction). */
export interface TransactionalIdentity {
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

/** One entry read back from a coordinator partition while loading it. */
export type LoadedEntry =
  | {
    readonly kind: 'record';
    /** Offset of the record in the partition. */
    readonly offset: bigint;
    /** Producer id of its batch; -1n for non-transactional batches. */
    readonly producerId: bigint;
    readonly key: Buffer | null;
    readonly value: Buffer | null;
  }
  | {
    /** A transaction marker (control batch): ends `producerId`'s transaction. */
    readonly kind: 'marker';
    readonly offset: bigint;
    readonly producerId: bigint;
    /** true for COMMIT, false for ABORT. */
    readonly commit: boolean;
  };

/**
 * How a coordinator runtime reads and writes its internal topic partitions (`__consumer_offsets`,
 * `__transaction_state`), after Kafka's `org.apache.kafka.coordinator.common.runtime.PartitionWriter`. The
 * coordinators never import replication or storage: the broker implements this over its ReplicaManager, and
 * tests use {@link InMemoryPartitionWriter}.
 *
 * Contract:
 * - `append` writes the records as one v2 record batch (uncompressed unless the topic config says otherwise)
 *   to the leader's log and resolves once the batch is committed (the high watermark has passed it, i.e.
 *   acks=-1), with the offset of its last record. Appends to one partition reach the log in call order:
 *   the implementation must start the append synchronously (before its first await) or queue it.
 *   It rejects with an error carrying a Kafka error `code` (an `ApiError`) when the append fails, e.g.
 *   NOT_LEADER_OR_FOLLOWER (6) after losing leadership, NOT_ENOUGH_REPLICAS (19), REQUEST_TIMED_OUT (7),
 *   MESSAGE_TOO_LARGE (10).
 * - `appendEndTransactionMarker` writes a control batch (COMMIT or ABORT) for the producer, with the
 *   transaction coordinator's epoch, and resolves when committed.
 * - `read` yields every record and transaction marker of the partition from `fromOffset` to the current log
 *   end offset, in offset order (records of aborted transactions included: the coordinator discards them when
 *   it meets the ABORT marker), then ends. Used to load a partition when this broker becomes its leader.
 */
export interface PartitionWriter {
  append(
    tp: TopicPartition,
    records: readonly CoordinatorRecordBytes[],
    options?: { readonly transactional?: TransactionalIdentity },
  ): Promise<{ lastOffset: bigint }>;
  appendEndTransactionMarker(
    tp: TopicPartition,
    producer: TransactionalIdentity,
    coordinatorEpoch: number,
    commit: boolean,
  ): Promise<{ lastOffset: bigint }>;
  read(tp: TopicPartition, fromOffset: bigint): AsyncIterable<LoadedEntry>;
}
