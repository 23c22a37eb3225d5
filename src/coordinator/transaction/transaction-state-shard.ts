import { coordinatorAppendError } from '../runtime/append-error.ts';
import type { TopicPartition } from '../../common/topic-partition.ts';
import type { Logger } from '../../observability/logger.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { CoordinatorResult, CoordinatorShard, ShardContext } from '../runtime/coordinator-shard.ts';
import type { CoordinatorTimer } from '../runtime/coordinator-timer.ts';
import { transactionLogValue, type TransactionLogRecord } from './transaction-log-record-serde.ts';
import { isEpochExhausted, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, TransactionMetadata, type TxnTransitMetadata } from './transaction-metadata.ts';
import { isExpirationAllowed, transactionStateFromId } from './transaction-state.ts';
import type { TransactionCoordinatorConfig } from './transaction-coordinator-config.ts';

/** A transaction whose PrepareCommit/PrepareAbort is committed and whose markers are being written. */
export interface PendingCompleteTxn {
  readonly shard: TransactionStateShard;
  readonly transactionalId: string;
  readonly coordinatorEpoch: number;
  readonly commit: boolean;
  readonly txn: TransactionMetadata;
  /** The CompleteCommit/CompleteAbort transition (pending on `txn`) written once every marker is. */
  readonly newMetadata: TxnTransitMetadata;
}

/** What the shard asks of the coordinator service. */
export interface TransactionShardHooks {
  /** Write the markers of a transaction, then its CompleteCommit/CompleteAbort record. */
  sendTxnMarkers(pending: PendingCompleteTxn): void;
  /** Abort these Ongoing transactions that outlived their transaction.timeout.ms (fencing their producers). */
  abortTimedOutTransactions(shard: TransactionStateShard, expired: readonly { transactionalId: string; producerId: bigint; producerEpoch: number }[]): void;
  /** Wall-clock time in ms (transaction timestamps and timeouts are wall-clock, as in Kafka). */
  readonly now: () => number;
}

/** Response holder of a shard write: filled when the record is committed (the runtime answers after that). */
export interface TxnOutcome {
  error: number;
  producerId: bigint;
  producerEpoch: number;
  /** InitProducerId: a producer id must be allocated first (then the operation is run again with it). */
  needProducerId?: boolean;
}

const ABORT_TIMED_OUT_KEY = 'abort-timed-out-transactions';
const EXPIRE_IDS_KEY = 'remove-expired-transactional-ids';


/**
 * The transactional ids of one `__transaction_state` partition, after the per-partition cache of Kafka's
 * `TransactionStateManager` plus the state-machine half of its `TransactionCoordinator`. Operations run
 * synchronously inside the {@link CoordinatorRuntime} (so each sees and changes the state atomically) and
 * return one record: the transition is prepared (`pendingState`), appended, and applied when committed
 * (`replayRecords: false`, as Kafka applies a transition only after the append succeeded); a failed append
 * clears the pending state. Loading replays the records (the last value per transactional id wins; a null
 * value is a tombstone).
 *
 * Reads (DescribeTransactions, ListTransactions) go through {@link committedTransaction} and
 * {@link committedTransactions}: a transactional id created by InitProducerId is in `transactions` at once (so a
 * concurrent InitProducerId of the same id waits for it, as Kafka's `putTransactionStateIfNotExists`), but it
 * exists for readers only once its first record is committed, and is removed if that append fails.
 */
export class TransactionStateShard implements CoordinatorShard<TransactionLogRecord> {
  readonly topicPartition: TopicPartition;
  /** The partition leader epoch this shard was loaded at (written into transaction markers). */
  readonly coordinatorEpoch: number;
  /** Every transactional id, including those whose first record is not committed yet (writes see them). */
  readonly transactions = new Map<string, TransactionMetadata>();
  /** Ids created by InitProducerId whose first record has not committed: hidden from reads. */
  readonly #uncommitted = new Set<TransactionMetadata>();
  /** true between onLoaded and onUnloaded. */
  active = false;
  readonly #config: TransactionCoordinatorConfig;
  readonly #hooks: TransactionShardHooks;
  readonly #timer: CoordinatorTimer<TransactionLogRecord>;
  readonly #logger: Logger;

  constructor(context: ShardContext<TransactionLogRecord>, coordinatorEpoch: number, config: TransactionCoordinatorConfig, hooks: TransactionShardHooks) {
    this.topicPartition = context.topicPartition;
    this.coordinatorEpoch = coordinatorEpoch;
    this.#config = config;
    this.#hooks = hooks;
    this.#timer = context.timer;
    this.#logger = context.logger;
  }

  replay(_offset: bigint, _producerId: bigint, record: TransactionLogRecord): void {
    const v = record.value;
    if (v === null) {
      this.transactions.delete(record.transactionalId);
      return;
    }
    const state = transactionStateFromId(v.transactionStatus);
    const partitions = state === 'Empty' ? [] : (v.transactionPartitions ?? []).flatMap((p) => p.partitionIds.map((partition) => ({ topic: p.topic, partition })));
    this.transactions.set(record.transactionalId, new TransactionMetadata({
      transactionalId: record.transactionalId,
      producerId: v.producerId,
      previousProducerId: v.previousProducerId,
      producerEpoch: v.producerEpoch,
      txnTimeoutMs: v.transactionTimeoutMs,
      state,
      topicPartitions: partitions,
      txnStartTimestamp: Number(v.transactionStartTimestampMs),
      txnLastUpdateTimestamp: Number(v.transactionLastUpdateTimestampMs),
    }));
  }

  replayEndTransactionMarker(): void {
    // __transaction_state is never written transactionally.
  }

  /** Loaded: transactions caught between PrepareX and CompleteX get their markers (again), timers start. */
  onLoaded(): void {
    this.active = true;
    this.#scheduleAbortTimedOut();
    this.#scheduleExpiration();
    const now = this.#hooks.now();
    for (const txn of this.transactions.values()) {
      if (txn.state !== 'PrepareCommit' && txn.state !== 'PrepareAbort') continue;
      const commit = txn.state === 'PrepareCommit';
      this.#hooks.sendTxnMarkers({ shard: this, transactionalId: txn.transactionalId, coordinatorEpoch: this.coordinatorEpoch, commit, txn, newMetadata: txn.prepareComplete(now) });
    }
  }

  onUnloaded(): void {
    this.active = false;
    this.#timer.cancel(ABORT_TIMED_OUT_KEY);
    this.#timer.cancel(EXPIRE_IDS_KEY);
  }

  /**
   * InitProducerId of a transactional id (Kafka's `handleInitProducerId` + `prepareInitProducerIdTransit`).
   * `newProducerId` is a fresh id when the caller has one; without it, an operation that needs one answers
   * `needProducerId`. Ongoing transactions are aborted with a bumped epoch (the old producer is fenced) and the
   * caller gets CONCURRENT_TRANSACTIONS, so it retries once the abort completed.
   */
  initProducerId(transactionalId: string, txnTimeoutMs: number, expected: { producerId: bigint; producerEpoch: number } | null, newProducerId: bigint | null): CoordinatorResult<TxnOutcome, TransactionLogRecord> {
    const now = this.#hooks.now();
    let txn = this.transactions.get(transactionalId);
    if (txn === undefined) {
      if (newProducerId === null) return noRecords({ ...fail(Errors.NONE), needProducerId: true });
      txn = new TransactionMetadata({ transactionalId, producerId: newProducerId, producerEpoch: NO_PRODUCER_EPOCH, txnTimeoutMs, state: 'Empty', txnLastUpdateTimestamp: now });
      this.transactions.set(transactionalId, txn);
      this.#uncommitted.add(txn);
      newProducerId = null;
    }
    if (txn.pendingTransitionInProgress) return noRecords(fail(Errors.CONCURRENT_TRANSACTIONS));
    if (expected !== null) {
      // KIP-360: a producer recovering with its last id/epoch keeps its id unless another instance took over.
      const valid = txn.producerEpoch === NO_PRODUCER_EPOCH
        || expected.producerId === txn.producerId
        || (expected.producerId === txn.previousProducerId && isEpochExhausted(expected.producerEpoch));
      if (!valid) return noRecords(fail(Errors.PRODUCER_FENCED));
    }
    switch (txn.state) {
      case 'PrepareAbort':
      case 'PrepareCommit':
        return noRecords(fail(Errors.CONCURRENT_TRANSACTIONS));
      case 'Ongoing': {
        // Fence the producer of the ongoing transaction and abort it; the client retries after the abort.
        const fence = txn.prepareFenceProducerEpoch();
        const aborted = this.endTransaction(transactionalId, fence.producerId, fence.producerEpoch, false, false);
        const outcome = aborted.response;
        return { ...aborted, response: outcome, onAppendComplete: (err) => {
          aborted.onAppendComplete?.(err);
          if (err === null && outcome.error === Errors.NONE) outcome.error = Errors.CONCURRENT_TRANSACTIONS;
        } };
      }
      case 'Empty':
      case 'CompleteAbort':
      case 'CompleteCommit': {
        let transit: TxnTransitMetadata;
        if (txn.isProducerEpochExhausted && (expected === null || expected.producerEpoch === txn.producerEpoch)) {
          if (newProducerId === null) return noRecords({ ...fail(Errors.NONE), needProducerId: true });
          transit = txn.prepareProducerIdRotation(newProducerId, txnTimeoutMs, now, expected !== null);
        } else {
          const bumped = txn.prepareIncrementProducerEpoch(txnTimeoutMs, expected === null ? null : expected.producerEpoch, now);
          if (typeof bumped === 'number') return noRecords(fail(bumped));
          transit = bumped;
        }
        return this.#append(txn, transit, (outcome) => {
          outcome.producerId = transit.producerId;
          outcome.producerEpoch = transit.producerEpoch;
          this.#logger.info({ transactionalId, producerId: String(transit.producerId), producerEpoch: transit.producerEpoch }, 'Initialized transactional id');
        });
      }
      default:
        throw new Error(`transactional id ${transactionalId} found in state ${txn.state}`);
    }
  }

  /** The committed metadata of a transactional id: undefined while its first record is not committed. */
  committedTransaction(transactionalId: string): TransactionMetadata | undefined {
    const txn = this.transactions.get(transactionalId);
    return txn === undefined || this.#uncommitted.has(txn) ? undefined : txn;
  }

  /** Every transactional id with a committed record. */
  *committedTransactions(): Generator<TransactionMetadata> {
    for (const txn of this.transactions.values()) if (!this.#uncommitted.has(txn)) yield txn;
  }

  /** AddPartitionsToTxn / AddOffsetsToTxn (Kafka's `handleAddPartitionsToTransaction`): one error for all. */
  addPartitions(transactionalId: string, producerId: bigint, producerEpoch: number, partitions: readonly TopicPartition[]): CoordinatorResult<TxnOutcome, TransactionLogRecord> {
    const txn = this.transactions.get(transactionalId);
    if (txn === undefined || txn.producerId !== producerId) return noRecords(fail(Errors.INVALID_PRODUCER_ID_MAPPING));
    if (txn.producerEpoch !== producerEpoch) return noRecords(fail(Errors.PRODUCER_FENCED));
    if (txn.pendingTransitionInProgress || txn.state === 'PrepareCommit' || txn.state === 'PrepareAbort') return noRecords(fail(Errors.CONCURRENT_TRANSACTIONS));
    // Already part of the ongoing transaction: nothing to write.
    if (txn.state === 'Ongoing' && partitions.every((tp) => txn.hasPartition(tp))) return noRecords(fail(Errors.NONE));
    return this.#append(txn, txn.prepareAddPartitions(partitions, this.#hooks.now()), () => undefined);
  }

  /**
   * KIP-890 verification (Kafka's `handleVerifyPartitionsInTransaction`): per partition NONE when it is part of
   * the ongoing transaction of this producer id/epoch, TRANSACTION_ABORTABLE when not; one error for all when
   * the id is unknown (INVALID_PRODUCER_ID_MAPPING), the epoch is stale (PRODUCER_FENCED) or the transaction is
   * completing (CONCURRENT_TRANSACTIONS).
   */
  verifyPartitions(transactionalId: string, producerId: bigint, producerEpoch: number, partitions: readonly TopicPartition[]): number[] {
    const txn = this.transactions.get(transactionalId);
    let error: number = Errors.NONE;
    if (txn === undefined || txn.producerId !== producerId) error = Errors.INVALID_PRODUCER_ID_MAPPING;
    else if (txn.producerEpoch !== producerEpoch) error = Errors.PRODUCER_FENCED;
    else if (txn.state === 'PrepareCommit' || txn.state === 'PrepareAbort') error = Errors.CONCURRENT_TRANSACTIONS;
    if (error !== Errors.NONE) return partitions.map(() => error);
    return partitions.map((tp) => (txn!.hasPartition(tp) ? Errors.NONE : Errors.TRANSACTION_ABORTABLE));
  }

  /**
   * EndTxn, a fencing InitProducerId or a timeout abort (Kafka's `endTransaction`, transactions v1): writes
   * PrepareCommit/PrepareAbort; once committed the markers are sent (the client is answered then, before the
   * markers are written, as Kafka does). A retried EndTxn of a completed transaction answers NONE.
   */
  endTransaction(transactionalId: string, producerId: bigint, producerEpoch: number, commit: boolean, isFromClient: boolean): CoordinatorResult<TxnOutcome, TransactionLogRecord> {
    const txn = this.transactions.get(transactionalId);
    if (txn === undefined) return noRecords(fail(Errors.INVALID_PRODUCER_ID_MAPPING));
    if (txn.producerId !== producerId) return noRecords(fail(Errors.INVALID_PRODUCER_ID_MAPPING));
    const validEpoch = (!isFromClient || producerEpoch === txn.producerEpoch) && producerEpoch >= txn.producerEpoch;
    if (!validEpoch) return noRecords(fail(Errors.PRODUCER_FENCED));
    if (txn.pendingTransitionInProgress && txn.pendingState !== 'PrepareEpochFence') return noRecords(fail(Errors.CONCURRENT_TRANSACTIONS));
    const invalidState = (): CoordinatorResult<TxnOutcome, TransactionLogRecord> => {
      this.#logger.debug({ transactionalId, state: txn.state, commit }, 'EndTxn in an invalid state');
      return noRecords(fail(Errors.INVALID_TXN_STATE));
    };
    switch (txn.state) {
      case 'Ongoing': {
        let isEpochFence = false;
        if (!commit && txn.pendingState === 'PrepareEpochFence') {
          // The fence's bumped epoch is taken now, so the abort markers carry it and fence the old producer.
          isEpochFence = true;
          txn.pendingState = null;
          txn.producerEpoch = producerEpoch;
          txn.lastProducerEpoch = NO_PRODUCER_EPOCH;
        }
        const transit = txn.prepareAbortOrCommit(commit ? 'PrepareCommit' : 'PrepareAbort', this.#hooks.now());
        const result = this.#append(txn, transit, (outcome) => {
          outcome.producerId = txn.producerId;
          outcome.producerEpoch = txn.producerEpoch;
          const newMetadata = txn.prepareComplete(this.#hooks.now());
          this.#hooks.sendTxnMarkers({ shard: this, transactionalId, coordinatorEpoch: this.coordinatorEpoch, commit, txn, newMetadata });
        });
        if (!isEpochFence) return result;
        return { ...result, onAppendComplete: (err) => {
          result.onAppendComplete?.(err);
          // The bumped epoch was never returned to a client: the next fence must not bump it again.
          if (err !== null) txn.hasFailedEpochFence = true;
        } };
      }
      case 'CompleteCommit':
        return commit ? noRecords(fail(Errors.NONE)) : invalidState();
      case 'CompleteAbort':
        return commit ? invalidState() : noRecords(fail(Errors.NONE));
      case 'PrepareCommit':
        return commit ? noRecords(fail(Errors.CONCURRENT_TRANSACTIONS)) : invalidState();
      case 'PrepareAbort':
        return commit ? invalidState() : noRecords(fail(Errors.CONCURRENT_TRANSACTIONS));
      case 'Empty':
        return invalidState();
      default:
        throw new Error(`transactional id ${transactionalId} found in state ${txn.state}`);
    }
  }

  /**
   * Writes CompleteCommit/CompleteAbort once every marker of `pending` is written (Kafka's
   * `writeTxnCompletion`). A pending transaction that is no longer current (reloaded shard, other epoch) writes
   * nothing and answers NOT_COORDINATOR. A COORDINATOR_NOT_AVAILABLE append keeps the pending state (the caller
   * retries).
   */
  completeTransaction(pending: PendingCompleteTxn): CoordinatorResult<TxnOutcome, TransactionLogRecord> {
    const txn = this.transactions.get(pending.transactionalId);
    if (pending.shard !== this || txn !== pending.txn || this.coordinatorEpoch !== pending.coordinatorEpoch) return noRecords(fail(Errors.NOT_COORDINATOR));
    if (txn.pendingState !== pending.newMetadata.txnState) return noRecords(fail(Errors.NOT_COORDINATOR));
    return this.#append(txn, pending.newMetadata, () => {
      this.#logger.debug({ transactionalId: txn.transactionalId, state: txn.state }, 'Completed transaction');
    }, (code) => code === Errors.COORDINATOR_NOT_AVAILABLE);
  }

  /** Ongoing transactions older than their timeout (Kafka's `timedOutTransactions`). */
  timedOutTransactions(nowMs: number): { transactionalId: string; producerId: bigint; producerEpoch: number }[] {
    const out: { transactionalId: string; producerId: bigint; producerEpoch: number }[] = [];
    for (const txn of this.transactions.values()) {
      if (txn.pendingTransitionInProgress || txn.state !== 'Ongoing') continue;
      if (txn.txnStartTimestamp + txn.txnTimeoutMs < nowMs) out.push({ transactionalId: txn.transactionalId, producerId: txn.producerId, producerEpoch: txn.producerEpoch });
    }
    return out;
  }

  /**
   * Aborts a timed-out transaction (Kafka's `abortTimedOutTransactions`): fences its producer (epoch + 1) and
   * aborts. Nothing is written when the id moved on meanwhile.
   */
  abortTimedOut(transactionalId: string, producerId: bigint): CoordinatorResult<TxnOutcome, TransactionLogRecord> {
    const txn = this.transactions.get(transactionalId);
    if (txn === undefined || txn.producerId !== producerId || txn.pendingTransitionInProgress || txn.state !== 'Ongoing') return noRecords(fail(Errors.NONE));
    const fence = txn.prepareFenceProducerEpoch();
    this.#logger.info({ transactionalId, producerId: String(producerId), producerEpoch: fence.producerEpoch }, 'Aborting transaction that exceeded its timeout');
    return this.endTransaction(transactionalId, fence.producerId, fence.producerEpoch, false, false);
  }

  /**
   * Writes tombstones for transactional ids idle longer than transactional.id.expiration.ms in a state that
   * allows it (Kafka's `removeExpiredTransactionalIds`); they leave the cache once the tombstones commit.
   */
  removeExpiredTransactionalIds(): CoordinatorResult<void, TransactionLogRecord> {
    const now = this.#hooks.now();
    const expired: TransactionMetadata[] = [];
    for (const txn of this.transactions.values()) {
      if (txn.pendingTransitionInProgress || !isExpirationAllowed(txn.state)) continue;
      if (txn.txnLastUpdateTimestamp > now - this.#config.transactionalIdExpirationMs) continue;
      txn.prepareDead();
      expired.push(txn);
    }
    this.#scheduleExpiration();
    if (expired.length === 0) return { records: [], response: undefined };
    return {
      records: expired.map((t) => ({ transactionalId: t.transactionalId, value: null })),
      response: undefined,
      replayRecords: false,
      onAppendComplete: (err) => {
        for (const txn of expired) {
          if (err === null && txn.pendingState === 'Dead' && this.transactions.get(txn.transactionalId) === txn) this.transactions.delete(txn.transactionalId);
          else txn.pendingState = null;
        }
        this.#logger.info({ count: expired.length, err }, err === null ? 'Removed expired transactional ids' : 'Could not remove expired transactional ids');
      },
    };
  }

  /** Appends `transit` as the record of `txn`; applies it and runs `onSuccess` once committed. */
  #append(
    txn: TransactionMetadata,
    transit: TxnTransitMetadata,
    onSuccess: (outcome: TxnOutcome) => void,
    retryOnError: (code: number) => boolean = () => false,
  ): CoordinatorResult<TxnOutcome, TransactionLogRecord> {
    const outcome: TxnOutcome = { error: Errors.NONE, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
    return {
      records: [{ transactionalId: txn.transactionalId, value: transactionLogValue(transit) }],
      response: outcome,
      replayRecords: false,
      onAppendComplete: (err) => {
        if (err !== null) {
          outcome.error = coordinatorAppendError(err);
          if (!retryOnError(outcome.error) && this.transactions.get(txn.transactionalId) === txn) txn.pendingState = null;
          // A transactional id whose first record failed never existed.
          if (this.#uncommitted.delete(txn) && this.transactions.get(txn.transactionalId) === txn) this.transactions.delete(txn.transactionalId);
          this.#logger.info({ transactionalId: txn.transactionalId, state: transit.txnState, error: outcome.error }, 'Append of a transaction state change failed');
          return;
        }
        if (!this.active || this.transactions.get(txn.transactionalId) !== txn) {
          // Unloaded while the record was in flight: the next leader loads it from the log.
          outcome.error = Errors.NOT_COORDINATOR;
          return;
        }
        this.#uncommitted.delete(txn);
        txn.completeTransitionTo(transit);
        onSuccess(outcome);
      },
    };
  }

  #scheduleAbortTimedOut(): void {
    this.#timer.schedule(ABORT_TIMED_OUT_KEY, this.#config.abortTimedOutTransactionsIntervalMs, () => {
      const expired = this.timedOutTransactions(this.#hooks.now());
      if (expired.length > 0) this.#hooks.abortTimedOutTransactions(this, expired);
      this.#scheduleAbortTimedOut();
      return { records: [], response: undefined };
    });
  }

  #scheduleExpiration(): void {
    this.#timer.schedule(EXPIRE_IDS_KEY, this.#config.removeExpiredTransactionalIdsIntervalMs, () => this.removeExpiredTransactionalIds(), true);
  }
}

function fail(error: number): TxnOutcome {
  return { error, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
}

function noRecords(outcome: TxnOutcome): CoordinatorResult<TxnOutcome, TransactionLogRecord> {
  return { records: [], response: outcome };
}
