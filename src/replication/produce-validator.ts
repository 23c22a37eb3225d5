import { ApiError } from '../common/api-error.ts';
import { RecordBatch, CompressionType, type CompressionTypeId } from '../protocol/records/record-batch.ts';
import { singleProduceBatch, validateBatchFully } from '../protocol/records/validate-batch.ts';
import { readRecords } from '../protocol/records/record-iterator.ts';
import { buildRecordBatch } from '../protocol/records/record-batch-builder.ts';
import { RecordsError } from '../protocol/records/records-error.ts';
import { convertLegacyToV2 } from '../protocol/records/legacy-conversion.ts';

/** The topic settings produce validation depends on (Kafka's LogConfig names, in camelCase). */
export interface ProduceValidationConfig {
  /** max.message.bytes: the largest batch accepted, in bytes. */
  maxMessageBytes: number;
  /** compression.type: 'producer' keeps the producer's codec; otherwise the topic's codec ('uncompressed' = none). */
  compressionType: string;
  /** message.timestamp.type */
  messageTimestampType: 'CreateTime' | 'LogAppendTime';
  /** message.timestamp.before.max.ms */
  messageTimestampBeforeMaxMs: number;
  /** message.timestamp.after.max.ms */
  messageTimestampAfterMaxMs: number;
  /** cleanup.policy contains 'compact': every record needs a key. */
  compacted: boolean;
}

/** A produce rejection with per-record errors (ProduceResponse v8+ `record_errors`). */
export class RecordValidationError extends ApiError {
  readonly recordErrors: { batchIndex: number; batchIndexErrorMessage: string | null }[];

  constructor(code: number, message: string, recordErrors: { batchIndex: number; batchIndexErrorMessage: string | null }[]) {
    super(code, message);
    this.recordErrors = recordErrors;
  }
}

const CODEC_BY_NAME: Record<string, CompressionTypeId> = {
  uncompressed: CompressionType.none,
  none: CompressionType.none,
  gzip: CompressionType.gzip,
  snappy: CompressionType.snappy,
  lz4: CompressionType.lz4,
  zstd: CompressionType.zstd,
};

/**
 * Validates one partition's produce payload and prepares it for the log: the client-facing half of Kafka's
 * `LogValidator` plus the framing checks of `ProduceRequest.validateRecords`: exactly one magic-2 batch
 * (INVALID_RECORD 87), its size against `max.message.bytes` (MESSAGE_TOO_LARGE 10), CRC-32C (CORRUPT_MESSAGE 2),
 * record count and offsets, keys on compacted topics and timestamps (INVALID_TIMESTAMP 32). Compressed batches
 * are decompressed for the record checks, as Kafka does, but re-compressed only when the topic's
 * compression.type names another codec (or the offsets need rewriting). The header's maxTimestamp is then set
 * as Kafka's LogValidator sets it: `nowMs` with LogAppendTime; with CreateTime the largest record timestamp
 * (-1 when every record has -1), when the client's header says otherwise (a wrong value, or -1 as some clients
 * leave it), so that the time index and ListOffsets by timestamp use it; the CRC is recomputed only when the
 * header changed (a correct batch is appended byte for byte). Offsets are assigned later by the log. Produce v0-2 message
 * sets (magic 0/1) are first up-converted to a v2 batch.
 * @returns the bytes to append (a view of the request's buffer unless re-compressed) and the record count.
 * @throws RecordValidationError / ApiError carrying the Kafka error code.
 */
export async function validateProduceRecords(
  records: Buffer | null,
  config: ProduceValidationConfig,
  produceVersion: number,
  nowMs: number,
): Promise<{ batches: Buffer; recordCount: number }> {
  if (produceVersion < 3 && records !== null) {
    // Produce v0-2 carry magic 0/1 message sets: up-convert them to one v2 batch, as Kafka's LogValidator does
    // for a log in the v2 format, then validate that batch like any other.
    try {
      records = await convertLegacyToV2(records);
    } catch (e) {
      if (e instanceof RecordsError) throw new ApiError(e.errorCode, e.message);
      throw e;
    }
  }
  const framed = singleProduceBatch(records);
  if (framed.batch === undefined) throw new ApiError(framed.errorCode, framed.message);
  let batch = framed.batch;
  const result = await validateBatchFully(batch, {
    origin: 'client',
    maxMessageBytes: config.maxMessageBytes,
    produceVersion,
    compactedTopic: config.compacted,
    timestampType: config.messageTimestampType,
    nowMs,
    timestampBeforeMaxMs: config.messageTimestampBeforeMaxMs,
    timestampAfterMaxMs: config.messageTimestampAfterMaxMs,
  });
  if (result.errorCode !== 0) {
    throw new RecordValidationError(
      result.errorCode,
      result.message ?? 'Invalid record batch',
      result.recordErrors.map((e) => ({ batchIndex: e.batchIndex, batchIndexErrorMessage: e.message })),
    );
  }
  const target = config.compressionType === 'producer' ? batch.compression : CODEC_BY_NAME[config.compressionType];
  if (target === undefined) throw new ApiError(40, `Unknown compression.type ${config.compressionType}`);
  if (target !== batch.compression || !result.offsetsInOrder) {
    batch = new RecordBatch(await recompress(batch, target), 0);
  }
  // LogValidator: the header's maxTimestamp is the append time (LogAppendTime), or the largest record timestamp
  // (CreateTime, whatever the client wrote there, -1 included); the CRC is recomputed only if that changed it.
  if (config.messageTimestampType === 'LogAppendTime') batch.setMaxTimestamp('LogAppendTime', BigInt(nowMs));
  else batch.setMaxTimestamp('CreateTime', result.maxTimestamp);
  return { batches: batch.bytes, recordCount: batch.recordCount };
}

/** Rebuilds a batch with another codec (Kafka's "not in place" path), keeping producer fields and timestamps. */
async function recompress(batch: RecordBatch, compression: CompressionTypeId): Promise<Buffer> {
  let records;
  try {
    records = await readRecords(batch);
  } catch (e) {
    if (e instanceof RecordsError) throw new ApiError(e.errorCode, e.message);
    throw e;
  }
  return buildRecordBatch({
    baseOffset: 0n,
    partitionLeaderEpoch: batch.partitionLeaderEpoch,
    compression,
    timestampType: batch.isLogAppendTime ? 'LogAppendTime' : 'CreateTime',
    isTransactional: batch.isTransactional,
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    baseSequence: batch.baseSequence,
    records: records.map((r, i) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp, offsetDelta: i })),
  });
}
