import { ApiError } from '../common/api-error.ts';
import { buildRecordBatchSync } from '../protocol/records/record-batch-builder.ts';
import { BatchLayout } from '../protocol/records/record-batch.ts';
import { buildControlBatch, type ControlRecord } from './control-records.ts';
import { NotLeaderError } from './not-leader-error.ts';

/** Kafka's RECORD_LIST_TOO_LARGE (RecordBatchTooLargeException). */
const RECORD_LIST_TOO_LARGE = 18;
/** Upper bound of a record's framing around its value (length, attributes, deltas, key length, headers). */
const RECORD_OVERHEAD_BYTES = 24;

/** A batch ready for the log: encoded with its offsets and epoch, plus the data records for the listeners. */
export interface CompletedBatch {
  readonly baseOffset: bigint;
  readonly lastOffset: bigint;
  /** Data record values; empty for a control batch. */
  readonly records: readonly Buffer[];
  readonly isControl: boolean;
  readonly data: Buffer;
  readonly appendTimestampMs: number;
}

/** What a leader's accumulator is built with. */
export interface BatchAccumulatorOptions {
  readonly epoch: number;
  /** The log end offset when the leader took over: the first offset it hands out. */
  readonly baseOffset: bigint;
  /** controller.quorum.append.linger.ms. */
  readonly lingerMs: number;
  /** Largest batch in bytes (Kafka's KafkaRaftClient.MAX_BATCH_SIZE_BYTES, 8 MiB). */
  readonly maxBatchSizeBytes: number;
  /** Completed batches that may wait for a drain before appends are refused (Kafka: 10). */
  readonly maxNumberOfBatches: number;
  /** Monotonic clock in ms (linger). */
  readonly nowMs: () => number;
  /** Wall clock in ms (batch timestamps). */
  readonly wallClockMs: () => number;
}

/**
 * Collects a leader's appends into record batches (Kafka's `BatchAccumulator`). Each append gets its offsets at
 * once (the leader is the only writer of its epoch, so they are the offsets the log will assign) and all its
 * records go into one batch (atomic: a controller operation is never split); appends that fit share a batch. A
 * batch is drained to the log when controller.quorum.append.linger.ms has passed since the first append into it,
 * or at once when a control batch (LeaderChange) was appended or a batch filled up. Kafka applies no shorter
 * linger to a single-voter quorum.
 */
export class BatchAccumulator {
  readonly epoch: number;
  readonly #o: BatchAccumulatorOptions;
  #nextOffset: bigint;
  #current: { baseOffset: bigint; records: Buffer[]; bytes: number; appendTimestampMs: number } | null = null;
  readonly #completed: CompletedBatch[] = [];
  /** When the linger of the current batch ends (monotonic ms), or Infinity when nothing lingers. */
  #lingerDeadlineMs = Infinity;
  #closed = false;

  constructor(options: BatchAccumulatorOptions) {
    this.#o = options;
    this.epoch = options.epoch;
    this.#nextOffset = options.baseOffset;
  }

  /** The offset the next appended record gets. */
  get nextOffset(): bigint {
    return this.#nextOffset;
  }

  get isEmpty(): boolean {
    return this.#current === null && this.#completed.length === 0;
  }

  /**
   * Adds `records` as one atomic unit.
   * @returns the offset of the last record.
   * @throws NotLeaderError when `epoch` is older than the accumulator's (or it is closed); Error when newer or
   * when too many batches wait for a drain; ApiError RECORD_LIST_TOO_LARGE (18) when the records cannot fit in
   * one batch.
   */
  append(epoch: number, records: readonly Buffer[]): bigint {
    if (this.#closed || epoch < this.epoch) throw new NotLeaderError(`Append failed because the given epoch ${epoch} is stale. Current leader epoch = ${this.epoch}`);
    if (epoch > this.epoch) throw new Error(`Attempt to append from epoch ${epoch} which is larger than the current epoch ${this.epoch}`);
    if (records.length === 0) throw new Error('Append failed because there are no records');
    if (this.#completed.length >= this.#o.maxNumberOfBatches) {
      throw new Error(`Attempting to append records when the number of batches ${this.#completed.length} reached ${this.#o.maxNumberOfBatches}`);
    }
    let bytes = 0;
    for (const r of records) bytes += r.length + RECORD_OVERHEAD_BYTES;
    if (bytes + BatchLayout.HEADER_SIZE > this.#o.maxBatchSizeBytes) {
      throw new ApiError(RECORD_LIST_TOO_LARGE, `The total record(s) size of ${bytes} exceeds the maximum allowed batch size of ${this.#o.maxBatchSizeBytes}`);
    }
    if (this.#current !== null && this.#current.bytes + bytes + BatchLayout.HEADER_SIZE > this.#o.maxBatchSizeBytes) this.#completeCurrent();
    this.#current ??= { baseOffset: this.#nextOffset, records: [], bytes: 0, appendTimestampMs: this.#o.wallClockMs() };
    for (const r of records) this.#current.records.push(r);
    this.#current.bytes += bytes;
    if (this.#lingerDeadlineMs === Infinity) this.#lingerDeadlineMs = this.#o.nowMs() + this.#o.lingerMs;
    this.#nextOffset += BigInt(records.length);
    return this.#nextOffset - 1n;
  }

  /**
   * Appends a control batch (its records get the next offsets) after completing the current batch, and makes
   * everything drainable at once (Kafka's appendControlMessages + forceDrain).
   * @returns the offset of its last record.
   */
  appendControlBatch(records: readonly ControlRecord[]): bigint {
    if (this.#closed) throw new NotLeaderError(`Accumulator of epoch ${this.epoch} is closed`);
    if (this.#current !== null) this.#completeCurrent();
    const appendTimestampMs = this.#o.wallClockMs();
    const baseOffset = this.#nextOffset;
    const data = buildControlBatch({ baseOffset, epoch: this.epoch, timestampMs: appendTimestampMs, records });
    this.#nextOffset += BigInt(records.length);
    this.#completed.push({ baseOffset, lastOffset: this.#nextOffset - 1n, records: [], isControl: true, data, appendTimestampMs });
    return this.#nextOffset - 1n;
  }

  /** Ms until {@link drain} has something to return: 0 when a batch is complete, else the linger left (or Infinity). */
  timeUntilDrain(nowMs: number): number {
    if (this.#completed.length > 0) return 0;
    return Math.max(0, this.#lingerDeadlineMs - nowMs);
  }

  /**
   * Completes the lingering batch and returns every completed batch, oldest first (called once
   * {@link timeUntilDrain} is 0; like Kafka's drain, a lingering batch goes along with a completed one).
   */
  drain(): CompletedBatch[] {
    if (this.#current !== null) this.#completeCurrent();
    return this.#completed.splice(0);
  }

  /** Refuses further appends; batches not drained are dropped (the leader lost its epoch). */
  close(): void {
    this.#closed = true;
    this.#current = null;
    this.#completed.length = 0;
  }

  #completeCurrent(): void {
    const c = this.#current!;
    const data = buildRecordBatchSync({
      baseOffset: c.baseOffset,
      partitionLeaderEpoch: this.epoch,
      defaultTimestamp: c.appendTimestampMs,
      records: c.records.map((value) => ({ key: null, value })),
    });
    this.#completed.push({ baseOffset: c.baseOffset, lastOffset: c.baseOffset + BigInt(c.records.length) - 1n, records: c.records, isControl: false, data, appendTimestampMs: c.appendTimestampMs });
    this.#current = null;
    this.#lingerDeadlineMs = Infinity;
  }
}
