import { topicPartitionKey, type TopicPartition } from '../../common/topic-partition.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import { isValidTransition, type TransactionStateName } from './transaction-state.ts';

/** RecordBatch.NO_PRODUCER_ID / NO_PRODUCER_EPOCH. */
export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;

/** Short.MaxValue: the coordinator keeps the last epoch for fencing, so producers get at most MAX - 1. */
const MAX_PRODUCER_EPOCH = 32767;

/** Whether `producerEpoch` leaves no epoch to bump to (Kafka's `TransactionMetadata.isEpochExhausted`). */
export function isEpochExhausted(producerEpoch: number): boolean {
  return producerEpoch >= MAX_PRODUCER_EPOCH - 1;
}

/**
 * The target of a state transition, Kafka's `TxnTransitMetadata`: what is written to __transaction_state; the
 * in-memory {@link TransactionMetadata} takes these values only once the record is committed
 * ({@link TransactionMetadata.completeTransitionTo}).
 */
export interface TxnTransitMetadata {
  readonly producerId: bigint;
  readonly prevProducerId: bigint;
  readonly producerEpoch: number;
  readonly lastProducerEpoch: number;
  readonly txnTimeoutMs: number;
  readonly txnState: TransactionStateName;
  readonly topicPartitions: readonly TopicPartition[];
  /** ms since the epoch; -1 when no transaction started. */
  readonly txnStartTimestamp: number;
  /** ms since the epoch. */
  readonly txnLastUpdateTimestamp: number;
}

/** Thrown for a transition Kafka treats as impossible (its IllegalStateException): a bug, logged loudly. */
export class IllegalTransactionStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IllegalTransactionStateError';
  }
}

/**
 * The state of one transactional id, after Kafka's `TransactionMetadata` (transactions v1: the producer epoch
 * changes only on InitProducerId or when a producer is fenced). A transition is two-phase: `prepare*` checks it
 * and sets `pendingState` (which blocks other transitions: callers answer CONCURRENT_TRANSACTIONS), the record is
 * appended, and `completeTransitionTo` applies it once committed (or the caller clears `pendingState` when the
 * append failed).
 */
export class TransactionMetadata {
  readonly transactionalId: string;
  producerId: bigint;
  /** Producer id before the last rotation (not in the v0 log value: -1 after a load). */
  previousProducerId: bigint;
  producerEpoch: number;
  /** Epoch before the last bump by the same producer (for retried InitProducerId, KIP-360); not persisted. */
  lastProducerEpoch: number;
  txnTimeoutMs: number;
  state: TransactionStateName;
  /** Partitions of the current transaction, by "topic-partition". */
  readonly topicPartitions = new Map<string, TopicPartition>();
  /** ms; when the first partition of the current transaction was added, -1 when none. */
  txnStartTimestamp: number;
  /** ms; last change (drives transactional.id.expiration.ms). */
  txnLastUpdateTimestamp: number;
  pendingState: TransactionStateName | null = null;
  /** A fencing epoch bump was not written: the next fence reuses the bumped epoch instead of bumping again. */
  hasFailedEpochFence = false;

  constructor(init: {
    transactionalId: string;
    producerId: bigint;
    previousProducerId?: bigint;
    producerEpoch: number;
    lastProducerEpoch?: number;
    txnTimeoutMs: number;
    state: TransactionStateName;
    topicPartitions?: readonly TopicPartition[];
    txnStartTimestamp?: number;
    txnLastUpdateTimestamp: number;
  }) {
    this.transactionalId = init.transactionalId;
    this.producerId = init.producerId;
    this.previousProducerId = init.previousProducerId ?? NO_PRODUCER_ID;
    this.producerEpoch = init.producerEpoch;
    this.lastProducerEpoch = init.lastProducerEpoch ?? NO_PRODUCER_EPOCH;
    this.txnTimeoutMs = init.txnTimeoutMs;
    this.state = init.state;
    for (const tp of init.topicPartitions ?? []) this.topicPartitions.set(topicPartitionKey(tp), tp);
    this.txnStartTimestamp = init.txnStartTimestamp ?? -1;
    this.txnLastUpdateTimestamp = init.txnLastUpdateTimestamp;
  }

  get pendingTransitionInProgress(): boolean {
    return this.pendingState !== null;
  }

  get isProducerEpochExhausted(): boolean {
    return isEpochExhausted(this.producerEpoch);
  }

  /** Whether `tp` is part of the current transaction. */
  hasPartition(tp: TopicPartition): boolean {
    return this.topicPartitions.has(topicPartitionKey(tp));
  }

  /** The partitions of the current transaction. */
  partitions(): TopicPartition[] {
    return [...this.topicPartitions.values()];
  }

  /** A marker was written to `tp` (only while PrepareCommit/PrepareAbort). */
  removePartition(tp: TopicPartition): void {
    if (this.state !== 'PrepareCommit' && this.state !== 'PrepareAbort') {
      throw new IllegalTransactionStateError(`${this.transactionalId}: removing partition ${topicPartitionKey(tp)} in state ${this.state} (pending ${this.pendingState})`);
    }
    this.topicPartitions.delete(topicPartitionKey(tp));
  }

  /** Fences the current producer: the epoch is bumped (once, even if an earlier fence was not written). */
  prepareFenceProducerEpoch(): TxnTransitMetadata {
    if (this.producerEpoch === MAX_PRODUCER_EPOCH) {
      throw new IllegalTransactionStateError(`${this.transactionalId}: cannot fence producer with epoch ${MAX_PRODUCER_EPOCH}`);
    }
    const bumpedEpoch = this.hasFailedEpochFence ? this.producerEpoch : this.producerEpoch + 1;
    return this.#prepareTransitionTo('PrepareEpochFence', this.producerId, bumpedEpoch, NO_PRODUCER_EPOCH, this.txnTimeoutMs, this.partitions(), this.txnStartTimestamp, this.txnLastUpdateTimestamp);
  }

  /**
   * InitProducerId for the same producer id: bumps the epoch (KIP-360 rules for an `expectedProducerEpoch`).
   * @returns the transition, or PRODUCER_FENCED when the expected epoch is neither the current nor the last one.
   */
  prepareIncrementProducerEpoch(newTxnTimeoutMs: number, expectedProducerEpoch: number | null, nowMs: number): TxnTransitMetadata | number {
    if (this.isProducerEpochExhausted) throw new IllegalTransactionStateError(`${this.transactionalId}: no producer epochs left for producer id ${this.producerId}`);
    const bumpedEpoch = this.producerEpoch + 1;
    let nextEpoch: number;
    let lastEpoch: number;
    if (expectedProducerEpoch === null) {
      // A new producer instance: bump and forget the last epoch (a retry by an older instance is fenced).
      nextEpoch = bumpedEpoch;
      lastEpoch = NO_PRODUCER_EPOCH;
    } else if (this.producerEpoch === NO_PRODUCER_EPOCH || expectedProducerEpoch === this.producerEpoch) {
      // The producer recovers from an error and nobody else initialized the id since.
      nextEpoch = bumpedEpoch;
      lastEpoch = this.producerEpoch;
    } else if (expectedProducerEpoch === this.lastProducerEpoch) {
      // A retry of a bump that succeeded: answer the current epoch again.
      nextEpoch = this.producerEpoch;
      lastEpoch = this.lastProducerEpoch;
    } else {
      return Errors.PRODUCER_FENCED;
    }
    return this.#prepareTransitionTo('Empty', this.producerId, nextEpoch, lastEpoch, newTxnTimeoutMs, [], -1, nowMs);
  }

  /** InitProducerId when the epoch is exhausted: a new producer id with epoch 0. */
  prepareProducerIdRotation(newProducerId: bigint, newTxnTimeoutMs: number, nowMs: number, recordLastEpoch: boolean): TxnTransitMetadata {
    if (this.state === 'Ongoing' || this.state === 'PrepareAbort' || this.state === 'PrepareCommit') {
      throw new IllegalTransactionStateError(`${this.transactionalId}: cannot rotate producer ids while a transaction is pending`);
    }
    return this.#prepareTransitionTo('Empty', newProducerId, 0, recordLastEpoch ? this.producerEpoch : NO_PRODUCER_EPOCH, newTxnTimeoutMs, [], -1, nowMs);
  }

  /** AddPartitionsToTxn / AddOffsetsToTxn: the transaction starts (or grows). */
  prepareAddPartitions(added: readonly TopicPartition[], nowMs: number): TxnTransitMetadata {
    const startTimestamp = this.state === 'Empty' || this.state === 'CompleteAbort' || this.state === 'CompleteCommit' ? nowMs : this.txnStartTimestamp;
    const all = new Map(this.topicPartitions);
    for (const tp of added) all.set(topicPartitionKey(tp), tp);
    return this.#prepareTransitionTo('Ongoing', this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, [...all.values()], startTimestamp, nowMs);
  }

  /** EndTxn: PrepareCommit or PrepareAbort (the epoch does not change in transactions v1). */
  prepareAbortOrCommit(newState: 'PrepareCommit' | 'PrepareAbort', nowMs: number): TxnTransitMetadata {
    return this.#prepareTransitionTo(newState, this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, this.partitions(), this.txnStartTimestamp, nowMs);
  }

  /** Every marker was written: CompleteCommit / CompleteAbort with no partitions. */
  prepareComplete(nowMs: number): TxnTransitMetadata {
    const newState = this.state === 'PrepareCommit' ? 'CompleteCommit' : 'CompleteAbort';
    // The state change reached the log, so a failed epoch fence no longer matters.
    this.hasFailedEpochFence = false;
    return this.#prepareTransitionTo(newState, this.producerId, this.producerEpoch, this.producerEpoch, this.txnTimeoutMs, [], this.txnStartTimestamp, nowMs);
  }

  /** The id expired: it is removed once its tombstone is written. */
  prepareDead(): TxnTransitMetadata {
    return this.#prepareTransitionTo('Dead', this.producerId, this.producerEpoch, this.lastProducerEpoch, this.txnTimeoutMs, [], this.txnStartTimestamp, this.txnLastUpdateTimestamp);
  }

  /**
   * Applies a committed transition (Kafka's `completeTransitionTo`, with its sanity checks).
   * @throws IllegalTransactionStateError when the transition does not match the pending state or the metadata.
   */
  completeTransitionTo(transit: TxnTransitMetadata): void {
    const toState = this.pendingState;
    if (toState === null) throw new IllegalTransactionStateError(`${this.transactionalId}: completing a transition to ${transit.txnState} without a pending state`);
    if (toState !== transit.txnState) this.#transitionFailure(transit);
    const sameProducer = transit.producerEpoch === this.producerEpoch && transit.producerId === this.producerId;
    switch (toState) {
      case 'Empty': {
        const validBump = transit.producerEpoch === this.producerEpoch + 1 || (transit.producerEpoch === 0 && transit.producerId !== this.producerId);
        if ((this.producerEpoch !== transit.producerEpoch && !validBump) || transit.topicPartitions.length > 0 || transit.txnStartTimestamp !== -1) this.#transitionFailure(transit);
        this.txnTimeoutMs = transit.txnTimeoutMs;
        this.producerEpoch = transit.producerEpoch;
        this.lastProducerEpoch = transit.lastProducerEpoch;
        this.producerId = transit.producerId;
        this.previousProducerId = transit.prevProducerId;
        break;
      }
      case 'Ongoing': {
        const superset = [...this.topicPartitions.keys()].every((k) => transit.topicPartitions.some((tp) => topicPartitionKey(tp) === k));
        if (!sameProducer || !superset || this.txnTimeoutMs !== transit.txnTimeoutMs) this.#transitionFailure(transit);
        this.txnStartTimestamp = transit.txnStartTimestamp;
        for (const tp of transit.topicPartitions) this.topicPartitions.set(topicPartitionKey(tp), tp);
        break;
      }
      case 'PrepareAbort':
      case 'PrepareCommit': {
        const samePartitions = transit.topicPartitions.length === this.topicPartitions.size && transit.topicPartitions.every((tp) => this.topicPartitions.has(topicPartitionKey(tp)));
        if (!sameProducer || !samePartitions || this.txnTimeoutMs !== transit.txnTimeoutMs || this.txnStartTimestamp !== transit.txnStartTimestamp) this.#transitionFailure(transit);
        break;
      }
      case 'CompleteAbort':
      case 'CompleteCommit':
        if (!sameProducer || this.txnTimeoutMs !== transit.txnTimeoutMs || transit.txnStartTimestamp === -1) this.#transitionFailure(transit);
        this.txnStartTimestamp = transit.txnStartTimestamp;
        this.topicPartitions.clear();
        break;
      case 'PrepareEpochFence':
      case 'Dead':
        // A fence always continues as PrepareAbort; a Dead id is removed, never completed.
        this.#transitionFailure(transit);
    }
    this.txnLastUpdateTimestamp = transit.txnLastUpdateTimestamp;
    this.pendingState = null;
    this.state = toState;
  }

  #prepareTransitionTo(
    state: TransactionStateName,
    producerId: bigint,
    producerEpoch: number,
    lastProducerEpoch: number,
    txnTimeoutMs: number,
    topicPartitions: readonly TopicPartition[],
    txnStartTimestamp: number,
    txnLastUpdateTimestamp: number,
  ): TxnTransitMetadata {
    if (this.pendingState !== null) throw new IllegalTransactionStateError(`${this.transactionalId}: preparing a transition to ${state} while ${this.pendingState} is pending`);
    if (producerId < 0n) throw new IllegalTransactionStateError(`${this.transactionalId}: illegal producer id ${producerId}`);
    // A new id keeps epoch -1 until its first InitProducerId completes; only Dead may carry it.
    if (state !== 'Dead' && producerEpoch < 0) throw new IllegalTransactionStateError(`${this.transactionalId}: illegal producer epoch ${producerEpoch}`);
    if (!isValidTransition(this.state, state)) {
      throw new IllegalTransactionStateError(`${this.transactionalId}: ${state} cannot follow ${this.state}`);
    }
    this.pendingState = state;
    return { producerId, prevProducerId: this.producerId, producerEpoch, lastProducerEpoch, txnTimeoutMs, txnState: state, topicPartitions, txnStartTimestamp, txnLastUpdateTimestamp };
  }

  #transitionFailure(transit: TxnTransitMetadata): never {
    throw new IllegalTransactionStateError(`${this.transactionalId}: unexpected transition from ${this.state} (producer ${this.producerId}/${this.producerEpoch}) to ${transit.txnState} (producer ${transit.producerId}/${transit.producerEpoch})`);
  }
}
