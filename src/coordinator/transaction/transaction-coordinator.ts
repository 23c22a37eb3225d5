import { ApiError } from '../../common/api-error.ts';
import type { Time } from '../../common/time.ts';
import type { TopicPartition } from '../../common/topic-partition.ts';
import type { MetadataImage } from '../../metadata/metadata-image.ts';
import { rootLogger, type Logger } from '../../observability/logger.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import { CoordinatorRuntime } from '../runtime/coordinator-runtime.ts';
import type { PartitionWriter } from '../runtime/partition-writer.ts';
import { partitionFor } from '../runtime/partition-for.ts';
import type { ProducerIdManager } from './producer-id-manager.ts';
import { DEFAULT_TRANSACTION_COORDINATOR_CONFIG, type TransactionCoordinatorConfig } from './transaction-coordinator-config.ts';
import { TransactionLogRecordSerde, type TransactionLogRecord } from './transaction-log-record-serde.ts';
import { TransactionMarkerChannelManager, type TxnMarkerSender } from './transaction-marker-channel-manager.ts';
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID } from './transaction-metadata.ts';
import { transactionStateFromName, type TransactionStateName } from './transaction-state.ts';
import { TransactionStateShard, type PendingCompleteTxn, type TxnOutcome } from './transaction-state-shard.ts';
import { coordinatorAppendError } from '../runtime/append-error.ts';

/** The internal topic of the transaction coordinator. */
export const TRANSACTION_STATE_TOPIC_NAME = '__transaction_state';

export interface TransactionCoordinatorOptions {
  /** Settings (Kafka defaults for what is missing). */
  readonly config?: Partial<TransactionCoordinatorConfig>;
  readonly time: Time;
  /** Reads and writes __transaction_state partitions. */
  readonly writer: PartitionWriter;
  /** Producer id blocks (for every InitProducerId that needs a new id). */
  readonly producerIdManager: Pick<ProducerIdManager, 'generateProducerId'>;
  /** The newest metadata image (partition leaders for transaction markers). */
  readonly metadataImage: () => MetadataImage;
  /** Writes transaction markers on a partition leader (WriteTxnMarkers). */
  readonly markerSender: TxnMarkerSender;
  readonly logger?: Logger;
  /** false: timers fire only on {@link TransactionCoordinator.poll} (tests with MockTime). Default true. */
  readonly autoTimers?: boolean;
}

/** InitProducerId result. */
export interface InitProducerIdResult {
  readonly errorCode: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

/** One transaction as ListTransactions reports it. */
export interface ListedTransaction {
  readonly transactionalId: string;
  readonly producerId: bigint;
  readonly transactionState: string;
}

/** One transaction as DescribeTransactions reports it (times in ms since the epoch). */
export interface DescribedTransaction {
  readonly errorCode: number;
  readonly transactionalId: string;
  readonly transactionState: string;
  readonly transactionTimeoutMs: number;
  readonly transactionStartTimeMs: bigint;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly topics: { topic: string; partitions: number[] }[];
}

/**
 * KIP-890 part 1 server-side defence, for the produce path (and TxnOffsetCommit): whether `tp` is part of the
 * ongoing transaction of `producerId`/`producerEpoch` under `transactionalId`. Resolves with a produce error
 * code: NONE, INVALID_TXN_STATE (48) when the partition was not added (TRANSACTION_ABORTABLE (120) instead when
 * `supportsTransactionAbortable`, i.e. Produce v11+), INVALID_PRODUCER_EPOCH (47) for a fenced epoch,
 * INVALID_PRODUCER_ID_MAPPING (49), or NOT_ENOUGH_REPLICAS (19, retriable) when the coordinator cannot answer
 * now. Never rejects.
 */
export type TransactionVerifier = (transactionalId: string, producerId: bigint, producerEpoch: number, tp: TopicPartition, supportsTransactionAbortable?: boolean) => Promise<number>;

/**
 * The transaction coordinator service, after Kafka's `TransactionCoordinator` + `TransactionStateManager`:
 * each transactional id lives in the shard of its `__transaction_state` partition
 * (`abs(transactionalId.hashCode()) % transaction.state.log.num.partitions`), run by a {@link CoordinatorRuntime}
 * that loads a partition by replaying it when this broker becomes its leader. Transitions are written to the
 * partition before they take effect; EndTxn is two-phase (PrepareCommit/PrepareAbort, markers in every
 * partition of the transaction through the {@link TransactionMarkerChannelManager}, CompleteCommit/
 * CompleteAbort). Hung transactions are aborted (transaction.abort.timed.out.transaction.cleanup.interval.ms)
 * and idle ids expire (transactional.id.expiration.ms).
 *
 * Errors: NOT_COORDINATOR (16) when this broker does not lead the id's partition, COORDINATOR_LOAD_IN_PROGRESS
 * (14) while it loads, COORDINATOR_NOT_AVAILABLE (15) when the write could not be replicated; the operation
 * errors of Kafka's coordinator otherwise (see each method).
 */
export class TransactionCoordinator {
  readonly config: TransactionCoordinatorConfig;
  readonly #options: TransactionCoordinatorOptions;
  readonly #runtime: CoordinatorRuntime<TransactionStateShard, TransactionLogRecord>;
  readonly #markers: TransactionMarkerChannelManager;
  readonly #logger: Logger;
  /** Leader epochs of partitions being loaded (read by the shard factory: the coordinator epoch). */
  readonly #loadEpochs = new Map<number, number>();
  #active = true;

  constructor(options: TransactionCoordinatorOptions) {
    this.#options = options;
    this.config = { ...DEFAULT_TRANSACTION_COORDINATOR_CONFIG, ...options.config };
    this.#logger = options.logger ?? rootLogger.child({ component: 'TransactionCoordinator' });
    this.#markers = new TransactionMarkerChannelManager({
      metadataImage: options.metadataImage,
      sender: options.markerSender,
      writeCompletion: (pending) => this.#writeCompletion(pending),
      retryBackoffMs: this.config.retryBackoffMs,
      logger: this.#logger.child({ component: 'TransactionMarkerChannelManager' }),
    });
    const hooks = {
      now: () => options.time.milliseconds(),
      sendTxnMarkers: (pending: PendingCompleteTxn) => this.#markers.addTxnMarkersToSend(pending),
      abortTimedOutTransactions: (shard: TransactionStateShard, expired: readonly { transactionalId: string; producerId: bigint }[]) => {
        // Outside the timer's own operation: each abort is a write operation of its own.
        queueMicrotask(() => {
          for (const e of expired) {
            void this.#runtime.scheduleWriteOperation('abort-timed-out-txn', shard.topicPartition, (s) => s.abortTimedOut(e.transactionalId, e.producerId)).then(
              (outcome) => {
                if (outcome.error !== Errors.NONE) this.#logger.info({ transactionalId: e.transactionalId, error: outcome.error }, 'Rollback of a timed-out transaction was cancelled');
              },
              (err: unknown) => this.#logger.warn({ err, transactionalId: e.transactionalId }, 'Rollback of a timed-out transaction failed'),
            );
          }
        });
      },
    };
    this.#runtime = new CoordinatorRuntime<TransactionStateShard, TransactionLogRecord>({
      name: 'TransactionCoordinator',
      time: options.time,
      writer: options.writer,
      serde: new TransactionLogRecordSerde(),
      shardFactory: (ctx) => new TransactionStateShard(ctx, this.#loadEpochs.get(ctx.topicPartition.partition) ?? 0, this.config, hooks),
      logger: this.#logger,
      ...(options.autoTimers === undefined ? {} : { autoTimers: options.autoTimers }),
    });
  }

  /** The `__transaction_state` partition of a transactional id (Kafka's hash, so FindCoordinator agrees). */
  partitionFor(transactionalId: string): number {
    return partitionFor(transactionalId, this.config.transactionLogNumPartitions);
  }

  topicPartitionFor(transactionalId: string): TopicPartition {
    return { topic: TRANSACTION_STATE_TOPIC_NAME, partition: this.partitionFor(transactionalId) };
  }

  /**
   * This broker became (or stopped being) the leader of a `__transaction_state` partition at `leaderEpoch` (the
   * coordinator epoch written into markers): load its transactional ids (COORDINATOR_LOAD_IN_PROGRESS
   * meanwhile), completing the transactions caught between PrepareX and CompleteX, or unload them.
   * Other topics are ignored. @returns a promise that settles when the load finished (tests).
   */
  onPartitionLeadershipChange(tp: TopicPartition, isLeader: boolean, leaderEpoch: number): Promise<void> {
    if (tp.topic !== TRANSACTION_STATE_TOPIC_NAME) return Promise.resolve();
    if (!isLeader) {
      const done = this.#runtime.onPartitionLeadershipChange(tp, false, leaderEpoch);
      this.#markers.removeMarkersForTxnTopicPartition(tp.partition);
      return done;
    }
    this.#loadEpochs.set(tp.partition, leaderEpoch);
    return this.#runtime.onPartitionLeadershipChange(tp, true, leaderEpoch);
  }

  /** The state of the shard of a partition (tests, diagnostics). */
  shardState(partition: number): 'loading' | 'active' | 'failed' | undefined {
    return this.#runtime.shardState({ topic: TRANSACTION_STATE_TOPIC_NAME, partition });
  }

  /**
   * InitProducerId (Kafka's `handleInitProducerId`). A null transactional id is an idempotent producer: a new
   * producer id with epoch 0. Otherwise: empty id → INVALID_REQUEST (42); timeout outside
   * (0, transaction.max.timeout.ms] → INVALID_TRANSACTION_TIMEOUT (50); an ongoing transaction is aborted and
   * its producer fenced → CONCURRENT_TRANSACTIONS (51, the client retries); PrepareX → CONCURRENT_TRANSACTIONS;
   * an `expected` id/epoch that another producer replaced → PRODUCER_FENCED (90). Never rejects.
   */
  async initProducerId(transactionalId: string | null, txnTimeoutMs: number, expected: { producerId: bigint; producerEpoch: number } | null): Promise<InitProducerIdResult> {
    const error = (errorCode: number): InitProducerIdResult => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
    if (transactionalId === null) {
      try {
        return { errorCode: Errors.NONE, producerId: await this.#options.producerIdManager.generateProducerId(), producerEpoch: 0 };
      } catch (err) {
        return error(this.#errorCode('init-producer-id', err));
      }
    }
    if (transactionalId === '') return error(Errors.INVALID_REQUEST);
    if (txnTimeoutMs <= 0 || txnTimeoutMs > this.config.transactionMaxTimeoutMs) return error(Errors.INVALID_TRANSACTION_TIMEOUT);
    const tp = this.topicPartitionFor(transactionalId);
    let newProducerId: bigint | null = null;
    try {
      for (;;) {
        const outcome: TxnOutcome = await this.#runtime.scheduleWriteOperation('init-producer-id', tp, (shard) => shard.initProducerId(transactionalId, txnTimeoutMs, expected, newProducerId));
        if (outcome.needProducerId === true) {
          // Allocated outside the operation (it may wait for the metadata log), then the operation runs again.
          newProducerId = await this.#options.producerIdManager.generateProducerId();
          continue;
        }
        return { errorCode: outcome.error, producerId: outcome.producerId, producerEpoch: outcome.producerEpoch };
      }
    } catch (err) {
      return error(this.#errorCode('init-producer-id', err));
    }
  }

  /**
   * AddPartitionsToTxn (and AddOffsetsToTxn with the group's __consumer_offsets partition): one error code for
   * all partitions: NONE, INVALID_REQUEST (empty id), INVALID_PRODUCER_ID_MAPPING (49), PRODUCER_FENCED (90),
   * CONCURRENT_TRANSACTIONS (51) while the previous transaction completes, or a coordinator error. Never rejects.
   */
  async addPartitionsToTransaction(transactionalId: string, producerId: bigint, producerEpoch: number, partitions: readonly TopicPartition[]): Promise<number> {
    if (transactionalId === '') return Errors.INVALID_REQUEST;
    try {
      const outcome = await this.#runtime.scheduleWriteOperation('add-partitions-to-txn', this.topicPartitionFor(transactionalId), (shard) => shard.addPartitions(transactionalId, producerId, producerEpoch, partitions));
      return outcome.error;
    } catch (err) {
      return this.#errorCode('add-partitions-to-txn', err);
    }
  }

  /**
   * AddPartitionsToTxn v4+ verifyOnly (Kafka's `handleVerifyPartitionsInTransaction`): the coordinator's error
   * per partition, in order: NONE, TRANSACTION_ABORTABLE (120) when not in the transaction, or one error for all
   * (INVALID_REQUEST, INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED, CONCURRENT_TRANSACTIONS, NOT_COORDINATOR,
   * COORDINATOR_LOAD_IN_PROGRESS). Never rejects.
   */
  async verifyPartitionsInTransaction(transactionalId: string, producerId: bigint, producerEpoch: number, partitions: readonly TopicPartition[]): Promise<number[]> {
    if (transactionalId === '') return partitions.map(() => Errors.INVALID_REQUEST);
    try {
      return await this.#runtime.scheduleReadOperation('verify-partitions-in-txn', this.topicPartitionFor(transactionalId), (shard) => shard.verifyPartitions(transactionalId, producerId, producerEpoch, partitions));
    } catch (err) {
      const code = this.#errorCode('verify-partitions-in-txn', err);
      return partitions.map(() => code);
    }
  }

  /** See {@link TransactionVerifier}; skipped (NONE) when transaction.partition.verification.enable is false. */
  readonly verifyTransaction: TransactionVerifier = async (transactionalId, producerId, producerEpoch, tp, supportsTransactionAbortable = false) => {
    if (!this.config.transactionPartitionVerificationEnable) return Errors.NONE;
    const [code = Errors.UNKNOWN_SERVER_ERROR] = await this.verifyPartitionsInTransaction(transactionalId, producerId, producerEpoch, [tp]);
    return produceErrorOfVerification(code, supportsTransactionAbortable);
  };

  /**
   * EndTxn (Kafka's `handleEndTransaction`, transactions v1): NONE once PrepareCommit/PrepareAbort is written
   * (the markers follow), and for a retry of a completed one; INVALID_PRODUCER_ID_MAPPING (49), PRODUCER_FENCED
   * (90), CONCURRENT_TRANSACTIONS (51) while a transition is pending, INVALID_TXN_STATE (48) for EndTxn without
   * a transaction or against the outcome being written, or a coordinator error. Never rejects.
   */
  async endTransaction(transactionalId: string, producerId: bigint, producerEpoch: number, commit: boolean): Promise<number> {
    if (transactionalId === '') return Errors.INVALID_REQUEST;
    try {
      const outcome = await this.#runtime.scheduleWriteOperation('end-txn', this.topicPartitionFor(transactionalId), (shard) => shard.endTransaction(transactionalId, producerId, producerEpoch, commit, true));
      return outcome.error;
    } catch (err) {
      return this.#errorCode('end-txn', err);
    }
  }

  /**
   * ListTransactions (KIP-664) over the committed state of the partitions this broker coordinates: filters by
   * state names (unknown names are echoed in `unknownStateFilters`), producer ids and (v1) a minimum running time
   * `durationFilterMs` (-1: none). errorCode COORDINATOR_LOAD_IN_PROGRESS while any partition loads,
   * COORDINATOR_NOT_AVAILABLE after close, NOT_COORDINATOR when a partition is unloaded meanwhile. Dead ids are
   * never listed. Never rejects.
   */
  async listTransactions(stateFilters: readonly string[], producerIdFilters: readonly bigint[], durationFilterMs = -1n): Promise<{ errorCode: number; unknownStateFilters: string[]; transactionStates: ListedTransaction[] }> {
    const empty = (errorCode: number) => ({ errorCode, unknownStateFilters: [], transactionStates: [] });
    if (!this.#active) return empty(Errors.COORDINATOR_NOT_AVAILABLE);
    if (this.#runtime.partitions().some((tp) => this.#runtime.shardState(tp) === 'loading')) return empty(Errors.COORDINATOR_LOAD_IN_PROGRESS);
    const unknownStateFilters: string[] = [];
    const states = new Set<TransactionStateName>();
    for (const name of stateFilters) {
      const state = transactionStateFromName(name);
      if (state === undefined) unknownStateFilters.push(name);
      else states.add(state);
    }
    const producerIds = new Set(producerIdFilters);
    let perShard: ListedTransaction[][];
    try {
      perShard = await this.#runtime.scheduleReadAllOperation('list-transactions', (shard) => {
        const now = this.#options.time.milliseconds();
        const listed: ListedTransaction[] = [];
        for (const txn of shard.committedTransactions()) {
          if (txn.state === 'Dead') continue;
          if (producerIds.size > 0 && !producerIds.has(txn.producerId)) continue;
          if (stateFilters.length > 0 && !states.has(txn.state)) continue;
          if (durationFilterMs >= 0n && BigInt(now - txn.txnStartTimestamp) <= durationFilterMs) continue;
          listed.push({ transactionalId: txn.transactionalId, producerId: txn.producerId, transactionState: txn.state });
        }
        return listed;
      });
    } catch (err) {
      return empty(this.#errorCode('list-transactions', err));
    }
    return { errorCode: Errors.NONE, unknownStateFilters, transactionStates: perShard.flat() };
  }

  /**
   * DescribeTransactions of one id (Kafka's `handleDescribeTransactions`): errorCode INVALID_REQUEST for an
   * empty id, TRANSACTIONAL_ID_NOT_FOUND (105) for an unknown or expiring one, or a coordinator error. Never
   * rejects.
   */
  async describeTransaction(transactionalId: string): Promise<DescribedTransaction> {
    const base = { transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1n, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH, topics: [] };
    if (!this.#active) return { ...base, errorCode: Errors.COORDINATOR_NOT_AVAILABLE };
    if (transactionalId === '') return { ...base, errorCode: Errors.INVALID_REQUEST };
    try {
      return await this.#runtime.scheduleReadOperation('describe-transactions', this.topicPartitionFor(transactionalId), (shard): DescribedTransaction => {
        const txn = shard.committedTransaction(transactionalId);
        if (txn === undefined || txn.state === 'Dead') return { ...base, errorCode: Errors.TRANSACTIONAL_ID_NOT_FOUND };
        const byTopic = new Map<string, number[]>();
        for (const tp of txn.partitions()) {
          let ids = byTopic.get(tp.topic);
          if (ids === undefined) byTopic.set(tp.topic, (ids = []));
          ids.push(tp.partition);
        }
        return {
          errorCode: Errors.NONE,
          transactionalId,
          transactionState: txn.state,
          transactionTimeoutMs: txn.txnTimeoutMs,
          transactionStartTimeMs: BigInt(txn.txnStartTimestamp),
          producerId: txn.producerId,
          producerEpoch: txn.producerEpoch,
          topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
        };
      });
    } catch (err) {
      return { ...base, errorCode: this.#errorCode('describe-transactions', err) };
    }
  }

  /** Runs the due timers now (with `autoTimers: false`; harmless otherwise). */
  poll(): void {
    this.#runtime.poll();
  }

  /** Resolves when every write issued so far has settled (tests). */
  idle(): Promise<void> {
    return this.#runtime.idle();
  }

  /** Transactions whose markers or completion are still being written (tests). */
  get numTxnsWithPendingMarkers(): number {
    return this.#markers.numTxnsWithPendingMarkers;
  }

  /** Unloads every partition and stops timers and marker retries. */
  close(): void {
    this.#active = false;
    this.#markers.close();
    this.#runtime.close();
  }

  #writeCompletion(pending: PendingCompleteTxn): Promise<number> {
    return this.#runtime.scheduleWriteOperation('complete-txn', pending.shard.topicPartition, (shard) => shard.completeTransaction(pending)).then(
      (outcome) => outcome.error,
      (err: unknown) => this.#errorCode('complete-txn', err),
    );
  }

  /** Turns a failure into a coordinator error code (Kafka's mapping of append errors; unexpected ones logged). */
  #errorCode(operation: string, err: unknown): number {
    if (!(err instanceof ApiError)) {
      this.#logger.error({ err, operation }, 'transaction coordinator operation hit an unexpected exception');
      return Errors.UNKNOWN_SERVER_ERROR;
    }
    return coordinatorAppendError(err);
  }
}

/**
 * The produce error for a partition's KIP-890 verification answer `code` (AddPartitionsToTxn verifyOnly, local or
 * from the coordinator's broker), after Kafka's ReplicaManager error mapping: TRANSACTION_ABORTABLE (120) for
 * Produce v11+ clients (`supportsTransactionAbortable`), else INVALID_TXN_STATE (48); PRODUCER_FENCED becomes
 * INVALID_PRODUCER_EPOCH (47); the retriable coordinator states and network errors become NOT_ENOUGH_REPLICAS (19),
 * which older clients retry without a metadata refresh (Kafka's choice); other codes are returned as they are.
 */
export function produceErrorOfVerification(code: number, supportsTransactionAbortable: boolean): number {
  switch (code) {
    case Errors.TRANSACTION_ABORTABLE:
      return supportsTransactionAbortable ? Errors.TRANSACTION_ABORTABLE : Errors.INVALID_TXN_STATE;
    case Errors.PRODUCER_FENCED:
      return Errors.INVALID_PRODUCER_EPOCH;
    case Errors.CONCURRENT_TRANSACTIONS:
    case Errors.NETWORK_EXCEPTION:
    case Errors.COORDINATOR_LOAD_IN_PROGRESS:
    case Errors.COORDINATOR_NOT_AVAILABLE:
    case Errors.NOT_COORDINATOR:
      return Errors.NOT_ENOUGH_REPLICAS;
    default:
      return code;
  }
}
