import type { TopicPartition } from '../common/topic-partition.ts';
import type { LogConfig } from '../storage/log-config.ts';
import type { AbortedTxn, EpochEndOffset, FetchDataInfo, LogAppendInfo } from '../storage/log-types.ts';
import type { LeaderAppendOptions } from '../storage/unified-log.ts';

/**
 * What replication needs of a partition's log: the subset of UnifiedLog that Partition, ReplicaManager and the
 * replica fetchers use. UnifiedLog is the implementation in the broker; the seeded replication simulation runs the
 * same classes over an in-memory log with UnifiedLog's semantics. Offsets are bigint (the protocol's int64).
 */
export interface PartitionLog {
  readonly topicPartition: TopicPartition;
  /** The partition directory (`<log.dir>/<topic>-<partition>`). */
  readonly dir: string;
  readonly logStartOffset: bigint;
  /** The offset the next appended record gets. */
  readonly logEndOffset: bigint;
  readonly highWatermark: bigint;
  /** min(first unstable offset, high watermark). */
  readonly lastStableOffset: bigint;
  /** The latest leader epoch of the leader epoch cache, undefined when it is empty. */
  readonly latestEpoch: number | undefined;
  /** True once an I/O error took the log offline (every call then fails with KAFKA_STORAGE_ERROR). */
  readonly isOffline: boolean;
  updateConfig(config: LogConfig): void;

  /**
   * Leader: moves the high watermark forward to `offset` (Kafka's maybeIncrementHighWatermark).
   * @returns true when it moved. @throws Error when `offset` is past the log end (an invariant break).
   */
  maybeIncrementHighWatermark(offset: bigint): boolean;
  /**
   * Follower: takes the leader's high watermark, clamped to [logStartOffset, logEndOffset] (Kafka's
   * maybeUpdateHighWatermark; it may go down when a new leader knows a lower one). @returns true when it changed.
   */
  updateHighWatermark(offset: bigint): boolean;

  appendAsLeader(records: Buffer, leaderEpoch: number, options?: LeaderAppendOptions): Promise<LogAppendInfo>;
  appendAsFollower(records: Buffer): Promise<LogAppendInfo>;
  read(startOffset: bigint, maxBytes: number, maxOffset?: bigint | null, minOneMessage?: boolean): Promise<FetchDataInfo>;
  abortedTransactionsForRead(read: FetchDataInfo): AbortedTxn[];
  truncateTo(offset: bigint): Promise<boolean>;
  truncateFullyAndStartAt(offset: bigint): Promise<void>;
  endOffsetForEpoch(leaderEpoch: number): EpochEndOffset;
  assignEpochStartOffset(leaderEpoch: number, offset: bigint): Promise<void>;
  maybeIncrementLogStartOffset(offset: bigint, reason?: string): Promise<boolean>;
  maybeStartTransactionVerification(producerId: bigint, sequence: number, producerEpoch: number): object | null;
  /** Runs `fn` after every append and operation queued on the log before it. */
  runExclusive<T>(fn: () => Promise<T>): Promise<T>;
}

/** What ReplicaManager needs of the LogManager: its logs, created on demand, and deleted. */
export interface PartitionLogManager<L extends PartitionLog> {
  allLogs(): Iterable<L>;
  getOrCreateLog(tp: TopicPartition, config: LogConfig, topicId?: string): Promise<L>;
  deleteLog(tp: TopicPartition): Promise<void>;
}
