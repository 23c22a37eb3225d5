import { decompress, decompressSync } from './compression.ts';
import type { DecompressOptions } from './compression.ts';
import { readDefaultRecord } from './default-record.ts';
import type { DefaultRecord, RecordContext } from './default-record.ts';
import { BatchLayout, CompressionType } from './record-batch.ts';
import type { RecordBatch } from './record-batch.ts';
import { RecordReader } from './record-reader.ts';
import { RecordsError, RecordsErrorCode } from './records-error.ts';

/** Throws CORRUPT_MESSAGE when the view cannot even hold a v2 header (so no getter reads past the buffer). */
function ensureHeader(batch: RecordBatch): void {
  if (batch.buf.length - batch.offset < BatchLayout.HEADER_SIZE) {
    throw new RecordsError(RecordsErrorCode.CORRUPT_MESSAGE, 'buffer shorter than a record batch header');
  }
}

/**
 * Lazy iterator over the records of one v2 batch (Kafka's DefaultRecordBatch.RecordIterator): each `next()`
 * decodes one record, so a large batch is never materialised at once. Keys, values and header values are views
 * into `recordsBytes`: the batch's own bytes when uncompressed, else the decompressed blob the caller passes.
 *
 * Errors are {@link RecordsError} INVALID_RECORD (87): a negative record count, a record that does not parse,
 * bytes left after `recordCount` records ("Incorrect declared batch size"), or too few bytes for the count;
 * CORRUPT_MESSAGE (2) for a view shorter than a batch header.
 */
export class RecordIterator implements IterableIterator<DefaultRecord> {
  readonly #reader: RecordReader;
  readonly #ctx: RecordContext;
  readonly #count: number;
  #read = 0;

  /**
   * @param batch a v2 batch view (its header is read once, here).
   * @param recordsBytes the uncompressed records; required when the batch is compressed (see decompressRecords).
   */
  constructor(batch: RecordBatch, recordsBytes?: Buffer) {
    ensureHeader(batch);
    if (recordsBytes === undefined) {
      if (batch.compression !== CompressionType.none) {
        throw new TypeError('a compressed batch needs its decompressed records (decompressRecords)');
      }
      recordsBytes = batch.recordsBytes;
    }
    const count = batch.recordCount;
    if (count < 0) throw new RecordsError(RecordsErrorCode.INVALID_RECORD, `invalid record count ${count}`);
    this.#count = count;
    this.#reader = new RecordReader(recordsBytes, 0, recordsBytes.length);
    this.#ctx = {
      baseOffset: batch.baseOffset,
      baseTimestamp: batch.baseTimestamp,
      baseSequence: batch.baseSequence,
      logAppendTime: batch.isLogAppendTime ? batch.maxTimestamp : null,
    };
  }

  /** Records decoded so far. */
  get recordsRead(): number {
    return this.#read;
  }

  next(): IteratorResult<DefaultRecord> {
    if (this.#read >= this.#count) return { done: true, value: undefined };
    const r = this.#reader;
    if (r.remaining === 0) {
      r.fail(`incorrect declared batch size, premature end after ${this.#read} of ${this.#count} records`);
    }
    const record = readDefaultRecord(r, this.#ctx);
    this.#read++;
    if (this.#read === this.#count && r.remaining !== 0) {
      r.fail(`incorrect declared batch size, ${r.remaining} bytes remain after ${this.#count} records`);
    }
    return { done: false, value: record };
  }

  [Symbol.iterator](): this {
    return this;
  }
}

/**
 * The batch's uncompressed record bytes: a view of the batch when uncompressed, else the decompressed blob
 * (capped by `options.maxBytes`, see compression.ts). Throws CompressionError (a RecordsError).
 */
export async function decompressRecords(batch: RecordBatch, options?: DecompressOptions): Promise<Buffer> {
  ensureHeader(batch);
  const codec = batch.compression;
  if (codec === CompressionType.none) return batch.recordsBytes;
  return decompress(codec, batch.recordsBytes, options);
}

/** Synchronous {@link decompressRecords}. */
export function decompressRecordsSync(batch: RecordBatch, options?: DecompressOptions): Buffer {
  ensureHeader(batch);
  const codec = batch.compression;
  if (codec === CompressionType.none) return batch.recordsBytes;
  return decompressSync(codec, batch.recordsBytes, options);
}

/** Decodes every record of a batch, decompressing first if needed. Throws RecordsError. */
export async function readRecords(batch: RecordBatch, options?: DecompressOptions): Promise<DefaultRecord[]> {
  return Array.from(new RecordIterator(batch, await decompressRecords(batch, options)));
}

/** Synchronous {@link readRecords}. */
export function readRecordsSync(batch: RecordBatch, options?: DecompressOptions): DefaultRecord[] {
  return Array.from(new RecordIterator(batch, decompressRecordsSync(batch, options)));
}
