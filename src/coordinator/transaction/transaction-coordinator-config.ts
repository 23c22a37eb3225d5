/**
 * The transaction coordinator's settings, Kafka's `TransactionConfig` (broker config names in the comments; the
 * broker passes the values from KafkaConfig). All times in ms.
 */
export interface TransactionCoordinatorConfig {
  /** transaction.state.log.num.partitions (50): partitions of __transaction_state; fixes partitionFor(transactionalId). */
  readonly transactionLogNumPartitions: number;
  /** transactional.id.expiration.ms (604800000): an idle transactional id (Empty/Complete*) is removed after this. */
  readonly transactionalIdExpirationMs: number;
  /** transaction.max.timeout.ms (900000): largest transaction.timeout.ms a producer may ask for. */
  readonly transactionMaxTimeoutMs: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms (10000): how often hung transactions are aborted. */
  readonly abortTimedOutTransactionsIntervalMs: number;
  /** transaction.remove.expired.transaction.cleanup.interval.ms (3600000): how often expired ids are removed. */
  readonly removeExpiredTransactionalIdsIntervalMs: number;
  /** transaction.partition.verification.enable (true): KIP-890 check that a transactional produce's partition was added. */
  readonly transactionPartitionVerificationEnable: boolean;
  /** Backoff in ms before transaction markers or a completion record are retried after a retriable error. */
  readonly retryBackoffMs: number;
}

/** Kafka's defaults. */
export const DEFAULT_TRANSACTION_COORDINATOR_CONFIG: TransactionCoordinatorConfig = {
  transactionLogNumPartitions: 50,
  transactionalIdExpirationMs: 604_800_000,
  transactionMaxTimeoutMs: 900_000,
  abortTimedOutTransactionsIntervalMs: 10_000,
  removeExpiredTransactionalIdsIntervalMs: 3_600_000,
  transactionPartitionVerificationEnable: true,
  retryBackoffMs: 100,
};
