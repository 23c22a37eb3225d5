/** A committed batch of the replicated log, handed to listeners: the record values in offset order. */
export interface RaftBatch {
  readonly baseOffset: bigint;
  readonly lastOffset: bigint;
  /** Leader epoch the batch was written in. */
  readonly epoch: number;
  /** Append time of the batch in ms since the epoch. */
  readonly appendTimestampMs: number;
  /** Record values; control records (leader changes) are not included. */
  readonly records: readonly Buffer[];
}

/**
 * The log under Raft (Kafka's `org.apache.kafka.raft.ReplicatedLog`): an append-only sequence of batches, each
 * stamped with the leader epoch that wrote it. Implemented over a partition's UnifiedLog by KafkaMetadataLog.
 */
export interface ReplicatedLog {
  /** The offset the next appended record gets (log end offset). */
  readonly endOffset: bigint;
  /** Leader epoch of the last batch in the log, 0 when empty. */
  readonly lastFetchedEpoch: number;
  /**
   * Appends `records` (values) as one batch written by the leader of `epoch`.
   * @returns the offsets the batch was given.
   */
  appendAsLeader(records: readonly Buffer[], epoch: number, timestampMs: number): Promise<{ baseOffset: bigint; lastOffset: bigint }>;
  /** Records that `epoch` starts at `startOffset` (leader-epoch-checkpoint). */
  assignEpochStartOffset(epoch: number, startOffset: bigint): void;
  /** Reads the batches from `fromOffset` to the end, in order. */
  readBatches(fromOffset: bigint): AsyncIterable<RaftBatch>;
  /** Forces appended data to disk (fsync). */
  flush(): Promise<void>;
  /** Persists the committed offset (exclusive). */
  updateHighWatermark(offset: bigint): void;
  close(): Promise<void>;
}
