import { InvalidProducerEpochError, InvalidTxnStateError, OutOfOrderSequenceError, TransactionCoordinatorFencedError } from './errors.ts';
import { NO_PRODUCER_EPOCH, NO_SEQUENCE, ProducerStateEntry } from './producer-state-entry.ts';

/**
 * Who is appending (Kafka's AppendOrigin): `client` appends are fully validated (epoch and sequence),
 * `coordinator` appends (transaction markers, transactional offset commits) only by epoch, `replication` appends
 * (followers, and the replay that rebuilds state at startup) are trusted.
 */
export type AppendOrigin = 'client' | 'coordinator' | 'replication';

/** A transaction that a COMMIT or ABORT marker ended (Kafka's CompletedTxn); offsets are the first data and the marker. */
export interface CompletedTxn {
  readonly producerId: bigint;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly isAborted: boolean;
}

/** A transaction started by an append: its producer and first offset (Kafka's TxnMetadata, while ongoing). */
export interface StartedTxn {
  readonly producerId: bigint;
  readonly firstOffset: number;
}

/**
 * The KIP-890 verification state of a producer on a partition (Kafka's VerificationStateEntry): created when a
 * transactional produce asks the transaction coordinator whether the partition is in the transaction, checked
 * by identity when the first batch of that transaction is appended, dropped once a transactional batch is written.
 * `lowestSequence` keeps a later batch from overtaking the verified one.
 */
export interface VerificationStateEntry {
  readonly guard: object;
  readonly timestamp: number;
  lowestSequence: number;
  epoch: number;
}

const INT32_MAX = 0x7fffffff;

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

/**
 * Validates the batches one producer appends in one append against its state, and accumulates the new state
 * (Kafka's ProducerAppendInfo). Checks, in Kafka 3.x order:
 * - epoch: a batch or marker whose producer epoch is older than the producer's is rejected with
 *   INVALID_PRODUCER_EPOCH (47) (followers only log it);
 * - sequence (client appends): a new epoch must start at sequence 0 unless the producer was unknown; within the
 *   same epoch the first sequence must follow the last one (wrapping at int32 max), else
 *   OUT_OF_ORDER_SEQUENCE_NUMBER (45). A producer with no state (never seen, expired, or its data deleted) is
 *   accepted at any sequence: since Kafka 2.5 (KIP-360) the broker no longer answers UNKNOWN_PRODUCER_ID;
 * - transactions: a transactional batch opens a transaction, a non-transactional one while a transaction is open
 *   is INVALID_TXN_STATE (48); a COMMIT/ABORT marker whose coordinator epoch is older than the last one seen is
 *   TRANSACTION_COORDINATOR_FENCED (52), otherwise it ends the transaction.
 * Offsets are plain numbers; producer ids bigint.
 */
export class ProducerAppendInfo {
  readonly topicPartition: string;
  readonly producerId: bigint;
  readonly origin: AppendOrigin;
  readonly #currentEntry: ProducerStateEntry;
  readonly #updatedEntry: ProducerStateEntry;
  readonly #verification: VerificationStateEntry | undefined;
  readonly #transactions: StartedTxn[] = [];

  constructor(topicPartition: string, producerId: bigint, currentEntry: ProducerStateEntry, origin: AppendOrigin, verification?: VerificationStateEntry) {
    this.topicPartition = topicPartition;
    this.producerId = producerId;
    this.origin = origin;
    this.#currentEntry = currentEntry;
    this.#updatedEntry = currentEntry.withoutBatches();
    this.#verification = verification;
  }

  #checkProducerEpoch(producerEpoch: number, offset: number): void {
    const current = this.#updatedEntry.producerEpoch;
    if (producerEpoch >= current) return;
    // Markers use the legacy (transaction version 0/1) rule, epoch >= current, which also admits the bumped epochs
    // of transaction version 2 markers.
    const message = `Epoch of producer ${this.producerId} at offset ${offset} in ${this.topicPartition} is ${producerEpoch}, which is smaller than the last seen epoch ${current}`;
    if (this.origin !== 'replication') throw new InvalidProducerEpochError(message);
  }

  #checkSequence(producerEpoch: number, appendFirstSeq: number, offset: number): void {
    const v = this.#verification;
    if (v !== undefined && appendFirstSeq > v.lowestSequence) {
      throw new OutOfOrderSequenceError(`Out of order sequence number for producer ${this.producerId} at offset ${offset} in partition ${this.topicPartition}: ${appendFirstSeq} (incoming seq. number), ${v.lowestSequence} (earliest seen sequence)`);
    }
    const updated = this.#updatedEntry;
    if (producerEpoch !== updated.producerEpoch) {
      if (appendFirstSeq !== 0 && updated.producerEpoch !== NO_PRODUCER_EPOCH) {
        throw new OutOfOrderSequenceError(`Invalid sequence number for new epoch of producer ${this.producerId} at offset ${offset} in partition ${this.topicPartition}: ${producerEpoch} (request epoch), ${appendFirstSeq} (seq. number), ${updated.producerEpoch} (current producer epoch)`);
      }
      return;
    }
    const current = this.#currentEntry;
    let currentLastSeq: number;
    if (!updated.isEmpty) currentLastSeq = updated.lastSeq;
    else if (producerEpoch === current.producerEpoch) currentLastSeq = current.lastSeq;
    else currentLastSeq = NO_SEQUENCE;
    // No epoch known (all the producer's records deleted by retention or DeleteRecords): any sequence is accepted.
    if (current.producerEpoch !== NO_PRODUCER_EPOCH && !inSequence(currentLastSeq, appendFirstSeq)) {
      throw new OutOfOrderSequenceError(`Out of order sequence number for producer ${this.producerId} at offset ${offset} in partition ${this.topicPartition}: ${appendFirstSeq} (incoming seq. number), ${currentLastSeq} (current end sequence number)`);
    }
  }

  /**
   * Validates and records a data batch (Kafka's appendDataBatch).
   * @throws InvalidProducerEpochError, OutOfOrderSequenceError (client origin), InvalidTxnStateError.
   */
  appendDataBatch(epoch: number, firstSeq: number, lastSeq: number, lastTimestamp: number, firstOffset: number, lastOffset: number, isTransactional: boolean): void {
    this.#checkProducerEpoch(epoch, firstOffset);
    if (this.origin === 'client') this.#checkSequence(epoch, firstSeq, firstOffset);
    const updated = this.#updatedEntry;
    updated.addBatch(epoch, lastSeq, lastOffset, lastOffset - firstOffset, lastTimestamp);
    if (updated.currentTxnFirstOffset !== null && !isTransactional) {
      throw new InvalidTxnStateError(`Expected transactional write from producer ${this.producerId} at offset ${firstOffset} in partition ${this.topicPartition}`);
    }
    if (updated.currentTxnFirstOffset === null && isTransactional) {
      updated.currentTxnFirstOffset = firstOffset;
      this.#transactions.push({ producerId: this.producerId, firstOffset });
    }
  }

  /**
   * Validates and records a COMMIT/ABORT marker written at `offset` (Kafka's appendEndTxnMarker).
   * @returns the transaction it ends, or null when the producer had none open on this partition (an empty
   * transaction: no effect on the last stable offset or the transaction index).
   * @throws InvalidProducerEpochError, TransactionCoordinatorFencedError (not for replication).
   */
  appendEndTxnMarker(isAbort: boolean, coordinatorEpoch: number, producerEpoch: number, offset: number, timestamp: number): CompletedTxn | null {
    this.#checkProducerEpoch(producerEpoch, offset);
    const updated = this.#updatedEntry;
    if (updated.coordinatorEpoch > coordinatorEpoch && this.origin !== 'replication') {
      throw new TransactionCoordinatorFencedError(`Invalid coordinator epoch for producerId ${this.producerId} at offset ${offset} in partition ${this.topicPartition}: ${coordinatorEpoch} (zombie), ${updated.coordinatorEpoch} (current)`);
    }
    const first = updated.currentTxnFirstOffset;
    const completed = first === null ? null : { producerId: this.producerId, firstOffset: first, lastOffset: offset, isAborted: isAbort };
    updated.updateAfterMarker(producerEpoch, coordinatorEpoch, timestamp);
    return completed;
  }

  /** The producer's state after this append. */
  toEntry(): ProducerStateEntry {
    return this.#updatedEntry;
  }

  /** Transactions this append opened. */
  get startedTransactions(): readonly StartedTxn[] {
    return this.#transactions;
  }
}
