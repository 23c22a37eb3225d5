import { BatchLayout, MAGIC_VALUE_V2, RecordBatch } from './record-batch.ts';

/**
 * Why iteration stopped before the end of the buffer:
 * - `truncated`: fewer bytes than a batch header or than the batch's declared size (a torn write);
 * - `corrupt`: a batchLength below the smallest message (14 bytes, LegacyRecord.RECORD_OVERHEAD_V0), below the v2
 *   header for a magic-2 batch, or above `maxBatchBytes`;
 * - `magic`: a whole entry whose magic is not 2 (a legacy message set, or garbage).
 */
export interface BatchTail {
  /** Byte position (in the buffer) of the entry that stopped the iteration. */
  position: number;
  reason: 'truncated' | 'corrupt' | 'magic';
  message: string;
}

/** Size of offset + length + partitionLeaderEpoch + magic: what is needed to see a batch's size and magic. */
const HEADER_SIZE_UP_TO_MAGIC = BatchLayout.MAGIC + 1;
/** Kafka's LegacyRecord.RECORD_OVERHEAD_V0: the smallest batchLength of any message format. */
const MIN_ENTRY_LENGTH = 14;

/** Options of {@link iterateBatches}. */
export interface IterateBatchesOptions {
  /** First byte (default 0). */
  start?: number;
  /** One past the last byte (default `buf.length`). */
  end?: number;
  /** Largest acceptable batch size in bytes (header included); larger is `corrupt`. Default: no limit. */
  maxBatchBytes?: number;
}

/**
 * Iterates the v2 batches laid end to end in a buffer (a segment read, a Fetch response, a Produce `records`
 * field), yielding {@link RecordBatch} views with no copying, like Kafka's ByteBufferLogInputStream /
 * FileLogInputStream. It never throws on bad bytes: it stops and records the problem in {@link tail}, and
 * {@link validBytes} counts the bytes of the whole batches before it, so storage recovery can truncate there.
 * Only sizes and magic are checked here; CRCs and contents are `validateBatch`'s job.
 */
export class BatchIterator implements IterableIterator<RecordBatch> {
  readonly buf: Buffer;
  readonly start: number;
  readonly end: number;
  readonly #maxBatchBytes: number;
  #pos: number;
  #tail: BatchTail | null = null;

  constructor(buf: Buffer, options: IterateBatchesOptions = {}) {
    this.buf = buf;
    this.start = options.start ?? 0;
    this.end = Math.min(options.end ?? buf.length, buf.length);
    this.#maxBatchBytes = options.maxBatchBytes ?? Number.MAX_SAFE_INTEGER;
    this.#pos = this.start;
  }

  /** Bytes from `start` covered by the whole batches returned so far. */
  get validBytes(): number {
    return this.#pos - this.start;
  }

  /** Byte position after the last whole batch returned. */
  get position(): number {
    return this.#pos;
  }

  /** The problem that ended iteration early, or null (none yet, or the buffer ended cleanly). */
  get tail(): BatchTail | null {
    return this.#tail;
  }

  #stop(reason: BatchTail['reason'], message: string): IteratorResult<RecordBatch> {
    this.#tail = { position: this.#pos, reason, message };
    return { done: true, value: undefined };
  }

  next(): IteratorResult<RecordBatch> {
    const pos = this.#pos;
    const remaining = this.end - pos;
    if (remaining <= 0 || this.#tail !== null) return { done: true, value: undefined };
    if (remaining < HEADER_SIZE_UP_TO_MAGIC) {
      return this.#stop('truncated', `${remaining} bytes left, less than a batch header`);
    }
    const batchLength = this.buf.readInt32BE(pos + BatchLayout.BATCH_LENGTH);
    if (batchLength < MIN_ENTRY_LENGTH) {
      return this.#stop('corrupt', `batch length ${batchLength} is less than the minimum ${MIN_ENTRY_LENGTH}`);
    }
    const size = batchLength + BatchLayout.LOG_OVERHEAD;
    if (size > this.#maxBatchBytes) {
      return this.#stop('corrupt', `batch of ${size} bytes exceeds the ${this.#maxBatchBytes} byte limit`);
    }
    if (size > remaining) return this.#stop('truncated', `batch of ${size} bytes but ${remaining} bytes left`);
    const magic = this.buf.readInt8(pos + BatchLayout.MAGIC);
    if (magic !== MAGIC_VALUE_V2) return this.#stop('magic', `magic ${magic} is not 2`);
    if (size < BatchLayout.HEADER_SIZE) {
      return this.#stop('corrupt', `batch of ${size} bytes is smaller than the v2 header (${BatchLayout.HEADER_SIZE})`);
    }
    this.#pos = pos + size;
    return { done: false, value: new RecordBatch(this.buf, pos) };
  }

  [Symbol.iterator](): this {
    return this;
  }
}

/** Shorthand for `new BatchIterator(buf, options)`: iterate the v2 batches of `buf` (see {@link BatchIterator}). */
export function iterateBatches(buf: Buffer, options?: IterateBatchesOptions): BatchIterator {
  return new BatchIterator(buf, options);
}
