import { readDefaultRecord } from './default-record.ts';
import { decompressRecords } from './record-iterator.ts';
import {
  BatchAttributes,
  BatchLayout,
  CompressionType,
  MAGIC_VALUE_V1,
  MAGIC_VALUE_V2,
  NO_TIMESTAMP,
  RecordBatch,
} from './record-batch.ts';
import { RecordReader } from './record-reader.ts';
import { RecordsError, RecordsErrorCode } from './records-error.ts';

/** Who is appending: Kafka's AppendOrigin. Offset, count, control and sequence checks apply to clients only. */
export type AppendOrigin = 'client' | 'replication' | 'coordinator' | 'raft_leader';

/** What to check beyond the batch's own consistency; every field is optional. */
export interface ValidateBatchOptions {
  /** Default 'client'. */
  origin?: AppendOrigin;
  /** `max.message.bytes`: larger batches get MESSAGE_TOO_LARGE (10). Default: no limit. */
  maxMessageBytes?: number;
  /** Produce request version: zstd needs v7+ (UNSUPPORTED_COMPRESSION_TYPE, 76). Default: no check. */
  produceVersion?: number;
  /** `cleanup.policy=compact`: records without a key are rejected (INVALID_RECORD, per record). */
  compactedTopic?: boolean;
  /**
   * Record timestamp checks (LogValidator.validateTimestamp), made only when `nowMs` is given: with `CreateTime`
   * a timestamp outside [now - timestampBeforeMaxMs, now + timestampAfterMaxMs] is INVALID_TIMESTAMP (32);
   * a producer batch flagged LogAppendTime is INVALID_TIMESTAMP too.
   */
  timestampType?: 'CreateTime' | 'LogAppendTime';
  nowMs?: number;
  timestampBeforeMaxMs?: number;
  timestampAfterMaxMs?: number;
  /** Walk the records of an uncompressed batch (default true). false = header + CRC checks only. */
  checkRecords?: boolean;
  /** Cap on decompressed bytes for {@link validateBatchFully} (default: compression.ts's). */
  maxDecompressedBytes?: number;
}

/** A per-record rejection, as ProduceResponse v8+ reports it (`record_errors`). */
export interface RecordError {
  batchIndex: number;
  message: string;
}

/**
 * Outcome of validation. `errorCode` 0 means valid. When records were walked, `maxTimestamp` is the largest
 * record timestamp in ms, exact over the whole int64 range (-1 when no record has a larger one, as Kafka's
 * LogValidator starts from NO_TIMESTAMP; else -1 too), and `offsetsInOrder` is false if some record's
 * offsetDelta differs from its index (Kafka then rebuilds the batch instead of appending it in place).
 */
export interface BatchValidation {
  errorCode: number;
  message: string | null;
  recordErrors: readonly RecordError[];
  recordsChecked: boolean;
  maxTimestamp: bigint;
  offsetsInOrder: boolean;
}

const { CORRUPT_MESSAGE, INVALID_RECORD, INVALID_TIMESTAMP, MESSAGE_TOO_LARGE, UNSUPPORTED_COMPRESSION_TYPE } =
  RecordsErrorCode;
const NO_RECORD_ERRORS: readonly RecordError[] = Object.freeze([]);

function reject(errorCode: number, message: string, recordErrors = NO_RECORD_ERRORS): BatchValidation {
  return { errorCode, message, recordErrors, recordsChecked: false, maxTimestamp: -1n, offsetsInOrder: true };
}

/** Header checks in Kafka's order (ByteBufferLogInputStream, ProduceRequest, UnifiedLog, LogValidator). */
function checkHeader(batch: RecordBatch, o: ValidateBatchOptions): BatchValidation | null {
  return checkFraming(batch, o) ?? checkCrc(batch, batch.computeChecksum()) ?? checkCounts(batch, o);
}

/** {@link checkHeader} with the CRC-32C computed in the threadpool for a large batch. */
async function checkHeaderAsync(batch: RecordBatch, o: ValidateBatchOptions): Promise<BatchValidation | null> {
  return checkFraming(batch, o) ?? checkCrc(batch, await batch.computeChecksumAsync()) ?? checkCounts(batch, o);
}

/** The checks before the CRC: sizes, magic, codec, baseOffset, max.message.bytes. */
function checkFraming(batch: RecordBatch, o: ValidateBatchOptions): BatchValidation | null {
  const available = batch.buf.length - batch.offset;
  if (available < BatchLayout.LOG_OVERHEAD) return reject(CORRUPT_MESSAGE, 'truncated batch header');
  const batchLength = batch.batchLength;
  if (batchLength < 14) {
    return reject(CORRUPT_MESSAGE, `record size ${batchLength} is less than the minimum overhead 14`);
  }
  const size = batchLength + BatchLayout.LOG_OVERHEAD;
  if (size > available) {
    return reject(CORRUPT_MESSAGE, `batch declares ${size} bytes but only ${available} are present`);
  }
  const magic = batch.magic;
  if (magic !== MAGIC_VALUE_V2) {
    if (magic >= 0 && magic <= MAGIC_VALUE_V1) {
      return reject(INVALID_RECORD, `only record batches with magic 2 are allowed, got magic ${magic}`);
    }
    return reject(CORRUPT_MESSAGE, `invalid magic ${magic}`);
  }
  if (size < BatchLayout.HEADER_SIZE) {
    return reject(CORRUPT_MESSAGE, `batch size ${size} is below the minimum ${BatchLayout.HEADER_SIZE}`);
  }
  const codec = batch.attributes & BatchAttributes.COMPRESSION_MASK;
  if (codec > CompressionType.zstd) {
    return reject(UNSUPPORTED_COMPRESSION_TYPE, `unknown compression type id ${codec}`);
  }
  if (codec === CompressionType.zstd && o.produceVersion !== undefined && o.produceVersion < 7) {
    return reject(UNSUPPORTED_COMPRESSION_TYPE, 'zstd needs Produce v7 or later');
  }
  const client = (o.origin ?? 'client') === 'client';
  if (client && batch.baseOffset !== 0n) {
    return reject(INVALID_RECORD, `the baseOffset of the record batch should be 0, got ${batch.baseOffset}`);
  }
  if (o.maxMessageBytes !== undefined && size > o.maxMessageBytes) {
    return reject(MESSAGE_TOO_LARGE, `batch of ${size} bytes exceeds max.message.bytes ${o.maxMessageBytes}`);
  }
  return null;
}

function checkCrc(batch: RecordBatch, computed: number): BatchValidation | null {
  if (computed === batch.crc) return null;
  return reject(CORRUPT_MESSAGE, `record is corrupt (stored crc = ${batch.crc}, computed crc = ${computed})`);
}

/** The checks after the CRC: count and offsets, control batches and sequences from clients. */
function checkCounts(batch: RecordBatch, o: ValidateBatchOptions): BatchValidation | null {
  const client = (o.origin ?? 'client') === 'client';
  const count = batch.recordCount;
  if (client) {
    const lastOffsetDelta = batch.lastOffsetDelta;
    if (lastOffsetDelta < 0) return reject(INVALID_RECORD, `invalid offset range, lastOffsetDelta ${lastOffsetDelta}`);
    if (count <= 0) return reject(INVALID_RECORD, `invalid reported count for record batch: ${count}`);
    if (count !== lastOffsetDelta + 1) {
      return reject(INVALID_RECORD, `inconsistent offset range [0, ${lastOffsetDelta}] and record count ${count}`);
    }
    if (batch.isControl) return reject(INVALID_RECORD, 'clients are not allowed to write control records');
    if (batch.producerId >= 0n && batch.baseSequence < 0) {
      const sequence = batch.baseSequence;
      return reject(INVALID_RECORD, `invalid sequence number ${sequence} with producerId ${batch.producerId}`);
    }
  } else if (count < 0) {
    return reject(INVALID_RECORD, `invalid record count ${count}`);
  }
  return null;
}

// Reused by every walk: validation of an uncompressed batch allocates nothing per record.
const walker = new RecordReader();

/**
 * Walks `count` records in `bytes` the way DefaultRecord.readFrom parses them, without materialising any, checking
 * structure (sizes, varints, header keys, exact end) and the per-record rules. Returns the validation result.
 */
function walkRecords(batch: RecordBatch, bytes: Buffer, o: ValidateBatchOptions): BatchValidation {
  const count = batch.recordCount;
  const r = walker.reset(bytes, 0, bytes.length);
  const isLogAppendTime = batch.isLogAppendTime;
  const batchMaxTimestamp = Number(batch.maxTimestamp);
  const baseTimestamp = Number(batch.baseTimestamp);
  const compacted = o.compactedTopic === true;
  const checkTimestamps = o.nowMs !== undefined;
  const createTime = (o.timestampType ?? 'CreateTime') === 'CreateTime';
  const now = o.nowMs ?? 0;
  const beforeMax = o.timestampBeforeMaxMs ?? Number.MAX_SAFE_INTEGER;
  const afterMax = o.timestampAfterMaxMs ?? Number.MAX_SAFE_INTEGER;
  let maxTimestamp = -1;
  // Doubles are exact up to 2^53 ms (year 287,396); beyond that the maximum is recomputed with bigints.
  let timestampsExact = isLogAppendTime ? Number.isSafeInteger(batchMaxTimestamp) : Number.isSafeInteger(baseTimestamp);
  let offsetsInOrder = true;
  let recordErrors: RecordError[] | null = null;
  let timestampError = false;
  let exactMax: bigint | null = null;
  try {
    for (let i = 0; i < count; i++) {
      if (r.remaining === 0) r.fail(`incorrect declared batch size, premature end after ${i} of ${count} records`);
      const bodySize = r.varint();
      if (bodySize < 0 || bodySize > r.remaining) r.fail(`invalid record size ${bodySize}, ${r.remaining} bytes left`);
      const recordEnd = r.pos + bodySize;
      const outerEnd = r.end;
      r.end = recordEnd;
      r.int8();
      const timestampDelta = r.varlong();
      const offsetDelta = r.varint();
      const keyLength = r.varint();
      if (keyLength > 0) r.skip(keyLength);
      const valueLength = r.varint();
      if (valueLength > 0) r.skip(valueLength);
      const headerCount = r.varint();
      if (headerCount < 0) r.fail(`invalid number of record headers ${headerCount}`);
      if (headerCount > r.remaining) r.fail(`header count ${headerCount} exceeds remaining ${r.remaining} bytes`);
      for (let h = 0; h < headerCount; h++) {
        const headerKeyLength = r.varint();
        if (headerKeyLength < 0) r.fail(`invalid negative header key size ${headerKeyLength}`);
        r.skip(headerKeyLength);
        const headerValueLength = r.varint();
        if (headerValueLength > 0) r.skip(headerValueLength);
      }
      if (r.pos !== recordEnd) r.fail(`record size ${bodySize} but its fields took ${bodySize + r.pos - recordEnd}`);
      r.end = outerEnd;

      if (offsetDelta !== i) offsetsInOrder = false;
      const timestamp = isLogAppendTime ? batchMaxTimestamp : baseTimestamp + timestampDelta;
      if (timestamp > maxTimestamp) maxTimestamp = timestamp;
      if (!Number.isSafeInteger(timestamp)) timestampsExact = false;
      if (compacted && keyLength < 0) {
        (recordErrors ??= []).push({ batchIndex: i, message: 'compacted topic cannot accept message without key' });
      } else if (checkTimestamps) {
        if (createTime && timestamp !== -1) {
          if (now - timestamp > beforeMax || timestamp - now > afterMax) {
            timestampError = true;
            (recordErrors ??= []).push({
              batchIndex: i,
              message: `timestamp ${timestamp} of record ${i} is out of range [${now - beforeMax}, ${now + afterMax}]`,
            });
          }
        } else if (isLogAppendTime) {
          timestampError = true;
          const message = 'producer should not set timestamp type to LogAppendTime';
          (recordErrors ??= []).push({ batchIndex: i, message });
        }
      }
    }
    if (count > 0 && r.remaining !== 0) {
      r.fail(`incorrect declared batch size, ${r.remaining} bytes remain after ${count} records`);
    }
    if (r.lossy) timestampsExact = false;
    if (!timestampsExact && recordErrors === null) exactMax = exactMaxTimestamp(batch, bytes);
  } catch (err) {
    if (err instanceof RecordsError) return reject(err.errorCode, err.message);
    throw err;
  }
  if (recordErrors !== null) {
    if (timestampError) {
      return reject(INVALID_TIMESTAMP, 'one or more records have been rejected due to invalid timestamp', recordErrors);
    }
    return reject(INVALID_RECORD, `${recordErrors.length} records have been rejected`, recordErrors);
  }
  return {
    errorCode: RecordsErrorCode.NONE,
    message: null,
    recordErrors: NO_RECORD_ERRORS,
    recordsChecked: true,
    maxTimestamp: exactMax ?? BigInt(maxTimestamp),
    offsetsInOrder,
  };
}

/** The largest record timestamp of already walked records, in int64 arithmetic (Kafka's long, wrapping). */
function exactMaxTimestamp(batch: RecordBatch, bytes: Buffer): bigint {
  const r = new RecordReader(bytes, 0, bytes.length);
  const context = { baseOffset: 0n, baseTimestamp: batch.baseTimestamp, baseSequence: -1, logAppendTime: batch.isLogAppendTime ? batch.maxTimestamp : null };
  let max = NO_TIMESTAMP;
  for (let i = 0; i < batch.recordCount; i++) {
    const { timestamp } = readDefaultRecord(r, context);
    if (timestamp > max) max = timestamp;
  }
  return max;
}

/**
 * Validates one v2 batch synchronously, returning the Kafka error code a broker answers with, never throwing on
 * bad bytes. Checks, in Kafka's order: sizes (batchLength < 14 or past the buffer, or < 61 for v2 →
 * CORRUPT_MESSAGE 2), magic (0/1 → INVALID_RECORD 87 as ProduceRequest v3+ does; other → CORRUPT_MESSAGE), codec
 * (UNSUPPORTED_COMPRESSION_TYPE 76), baseOffset 0 from clients (INVALID_RECORD), `max.message.bytes`
 * (MESSAGE_TOO_LARGE 10), CRC-32C (CORRUPT_MESSAGE), then for clients: recordCount = lastOffsetDelta + 1, no
 * control batch, a sequence with a producer id (INVALID_RECORD). Finally, for an uncompressed batch (unless
 * `checkRecords: false`), the records are walked without allocation: unparseable → INVALID_RECORD; compacted topic
 * without key → INVALID_RECORD with recordErrors; timestamps → INVALID_TIMESTAMP 32 (when `nowMs` is set).
 * A compressed batch's records are left to {@link validateBatchFully}.
 */
export function validateBatch(batch: RecordBatch, options: ValidateBatchOptions = {}): BatchValidation {
  return validateAfterHeader(batch, options, checkHeader(batch, options));
}

function validateAfterHeader(batch: RecordBatch, options: ValidateBatchOptions, headerError: BatchValidation | null): BatchValidation {
  if (headerError !== null) return headerError;
  if (options.checkRecords === false || batch.compression !== CompressionType.none) {
    return {
      errorCode: RecordsErrorCode.NONE,
      message: null,
      recordErrors: NO_RECORD_ERRORS,
      recordsChecked: false,
      maxTimestamp: -1n,
      offsetsInOrder: true,
    };
  }
  return walkRecords(batch, batch.recordsBytes, options);
}

/**
 * {@link validateBatch} plus, for a compressed batch, decompression (capped by `maxDecompressedBytes`; failures
 * give the CompressionError's code: CORRUPT_MESSAGE, MESSAGE_TOO_LARGE) and the same record walk over the
 * decompressed bytes. This is what the produce path runs, as Kafka's LogValidator iterates compressed records.
 * The CRC-32C of a large batch is computed in the libuv threadpool (the event loop serves other connections
 * meanwhile); the batch must not change until the promise settles.
 */
export async function validateBatchFully(
  batch: RecordBatch,
  options: ValidateBatchOptions = {},
): Promise<BatchValidation> {
  const result = validateAfterHeader(batch, options, await checkHeaderAsync(batch, options));
  if (result.errorCode !== 0 || result.recordsChecked || options.checkRecords === false) return result;
  let bytes: Buffer;
  try {
    bytes = await decompressRecords(batch, { maxBytes: options.maxDecompressedBytes });
  } catch (err) {
    if (err instanceof RecordsError) return reject(err.errorCode, err.message);
    throw err;
  }
  return walkRecords(batch, bytes, options);
}

/**
 * The checks ProduceRequest.validateRecords makes on a partition's `records` field for Produce v3+, with
 * ByteBufferLogInputStream's framing: exactly one batch, of magic 2. No whole batch → INVALID_RECORD (87); a first
 * or second entry with batchLength < 14 → CORRUPT_MESSAGE (2); magic != 2 or a second whole batch → INVALID_RECORD.
 * A partial entry after the batch is ignored, as Kafka trims bytes after the last whole batch. Returns the batch
 * view (its own size, trailing bytes excluded) for {@link validateBatch}, or the error.
 */
export function singleProduceBatch(
  records: Buffer | null,
): { batch: RecordBatch; errorCode?: undefined } | { batch?: undefined; errorCode: number; message: string } {
  const fail = (errorCode: number, message: string) => ({ errorCode, message });
  const none = 'produce requests must have at least one record batch per partition';
  if (records === null || records.length < BatchLayout.LOG_OVERHEAD) return fail(INVALID_RECORD, none);
  const length = records.readInt32BE(BatchLayout.BATCH_LENGTH);
  if (length < 14) return fail(CORRUPT_MESSAGE, `record size ${length} is less than the minimum overhead 14`);
  const size = length + BatchLayout.LOG_OVERHEAD;
  if (size > records.length) return fail(INVALID_RECORD, none);
  if (records.readInt8(BatchLayout.MAGIC) !== MAGIC_VALUE_V2) {
    return fail(INVALID_RECORD, 'produce requests v3+ may only contain record batches with magic 2');
  }
  const rest = records.length - size;
  if (rest >= BatchLayout.LOG_OVERHEAD) {
    const nextLength = records.readInt32BE(size + BatchLayout.BATCH_LENGTH);
    if (nextLength < 14) return fail(CORRUPT_MESSAGE, `record size ${nextLength} is less than the minimum overhead 14`);
    if (nextLength + BatchLayout.LOG_OVERHEAD <= rest) {
      return fail(INVALID_RECORD, 'produce requests v3+ may contain exactly one record batch per partition');
    }
  }
  return { batch: new RecordBatch(records.subarray(0, size), 0) };
}
