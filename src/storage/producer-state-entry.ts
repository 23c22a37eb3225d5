/** RecordBatch.NO_PRODUCER_EPOCH / NO_SEQUENCE. */
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
/** How many of a producer's latest batches are remembered for duplicate detection (Kafka's NUM_BATCHES_TO_RETAIN). */
export const NUM_BATCHES_TO_RETAIN = 5;

const INT32_MAX = 0x7fffffff;

/**
 * One appended batch of a producer (Kafka's BatchMetadata): its last sequence, last offset, `offsetDelta`
 * (lastOffset - firstOffset, which is also lastSeq - firstSeq) and max timestamp (ms).
 */
export interface BatchMetadata {
  readonly lastSeq: number;
  readonly lastOffset: number;
  readonly offsetDelta: number;
  readonly timestamp: number;
}

/** First sequence of a batch (sequences wrap from int32 max to 0, Kafka's DefaultRecordBatch.decrementSequence). */
export function batchFirstSeq(b: BatchMetadata): number {
  if (b.lastSeq < 0) return NO_SEQUENCE;
  return b.lastSeq < b.offsetDelta ? INT32_MAX - (b.offsetDelta - b.lastSeq) + 1 : b.lastSeq - b.offsetDelta;
}

/** First offset of a batch. */
export function batchFirstOffset(b: BatchMetadata): number {
  return b.lastOffset - b.offsetDelta;
}

/**
 * The state of one producer id on one partition (Kafka's ProducerStateEntry): its epoch, the coordinator epoch of
 * the last transaction marker, the timestamp (ms) of its last write, the first offset of its ongoing transaction
 * (null when none), and its last {@link NUM_BATCHES_TO_RETAIN} batches, oldest first. A new epoch forgets the
 * batches (sequences restart at 0 after an epoch bump).
 */
export class ProducerStateEntry {
  readonly producerId: bigint;
  producerEpoch: number;
  coordinatorEpoch: number;
  lastTimestamp: number;
  currentTxnFirstOffset: number | null;
  readonly #batches: BatchMetadata[] = [];

  constructor(producerId: bigint, producerEpoch: number, coordinatorEpoch: number, lastTimestamp: number, currentTxnFirstOffset: number | null, batch?: BatchMetadata) {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.coordinatorEpoch = coordinatorEpoch;
    this.lastTimestamp = lastTimestamp;
    this.currentTxnFirstOffset = currentTxnFirstOffset;
    if (batch !== undefined) this.#batches.push(batch);
  }

  /** A producer never seen: no epoch, no batches (Kafka's ProducerStateEntry.empty). */
  static empty(producerId: bigint): ProducerStateEntry {
    return new ProducerStateEntry(producerId, NO_PRODUCER_EPOCH, -1, -1, null);
  }

  /** The retained batches, oldest first. */
  get batchMetadata(): readonly BatchMetadata[] {
    return this.#batches;
  }

  get isEmpty(): boolean {
    return this.#batches.length === 0;
  }

  get firstSeq(): number {
    return this.isEmpty ? NO_SEQUENCE : batchFirstSeq(this.#batches[0]!);
  }

  get lastSeq(): number {
    return this.isEmpty ? NO_SEQUENCE : this.#batches.at(-1)!.lastSeq;
  }

  get firstDataOffset(): number {
    return this.isEmpty ? -1 : batchFirstOffset(this.#batches[0]!);
  }

  get lastDataOffset(): number {
    return this.isEmpty ? -1 : this.#batches.at(-1)!.lastOffset;
  }

  get lastOffsetDelta(): number {
    return this.isEmpty ? 0 : this.#batches.at(-1)!.offsetDelta;
  }

  /** A copy with the same epochs, timestamp and transaction but no batches (what an append starts from). */
  withoutBatches(): ProducerStateEntry {
    return new ProducerStateEntry(this.producerId, this.producerEpoch, this.coordinatorEpoch, this.lastTimestamp, this.currentTxnFirstOffset);
  }

  /** Records an appended data batch (a new epoch first clears the remembered batches). */
  addBatch(producerEpoch: number, lastSeq: number, lastOffset: number, offsetDelta: number, timestamp: number): void {
    this.maybeUpdateProducerEpoch(producerEpoch);
    this.#addBatchMetadata({ lastSeq, lastOffset, offsetDelta, timestamp });
    this.lastTimestamp = timestamp;
  }

  /** @returns true when `producerEpoch` differs from the current one (which it then replaces). */
  maybeUpdateProducerEpoch(producerEpoch: number): boolean {
    if (this.producerEpoch === producerEpoch) return false;
    this.#batches.length = 0;
    this.producerEpoch = producerEpoch;
    return true;
  }

  #addBatchMetadata(batch: BatchMetadata): void {
    if (this.#batches.length === NUM_BATCHES_TO_RETAIN) this.#batches.shift();
    this.#batches.push(batch);
  }

  /** Folds the result of an append (`next`, built by ProducerAppendInfo) into this entry. */
  update(next: ProducerStateEntry): void {
    this.maybeUpdateProducerEpoch(next.producerEpoch);
    for (const b of next.#batches) this.#addBatchMetadata(b);
    this.coordinatorEpoch = next.coordinatorEpoch;
    this.currentTxnFirstOffset = next.currentTxnFirstOffset;
    this.lastTimestamp = next.lastTimestamp;
  }

  /** A transaction marker was written: new epochs, transaction over. */
  updateAfterMarker(producerEpoch: number, coordinatorEpoch: number, timestamp: number): void {
    this.maybeUpdateProducerEpoch(producerEpoch);
    this.coordinatorEpoch = coordinatorEpoch;
    this.currentTxnFirstOffset = null;
    this.lastTimestamp = timestamp;
  }

  /**
   * The retained batch a retried batch duplicates (same epoch, same first and last sequence), or undefined
   * (Kafka's findDuplicateBatch).
   */
  findDuplicateBatch(producerEpoch: number, firstSeq: number, lastSeq: number): BatchMetadata | undefined {
    if (producerEpoch !== this.producerEpoch) return undefined;
    return this.#batches.find((b) => b.lastSeq === lastSeq && batchFirstSeq(b) === firstSeq);
  }

  toString(): string {
    return `ProducerStateEntry(producerId=${this.producerId}, producerEpoch=${this.producerEpoch}, currentTxnFirstOffset=${this.currentTxnFirstOffset}, coordinatorEpoch=${this.coordinatorEpoch}, lastTimestamp=${this.lastTimestamp}, batches=${this.#batches.length})`;
  }
}
