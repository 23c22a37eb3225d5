import { BatchIterator } from './batch-iterator.ts';
import { compress } from './compression.ts';
import type { DefaultRecord } from './default-record.ts';
import { readLegacyMessageSet } from './legacy-message-set.ts';
import { LegacyLayout, sizeOfLegacyEntry, writeLegacyEntry } from './legacy-record.ts';
import { buildRecordBatch } from './record-batch-builder.ts';
import { CompressionType, MAGIC_VALUE_V1 } from './record-batch.ts';
import type { CompressionTypeId, CompressionTypeName, RecordBatch } from './record-batch.ts';
import { readRecords } from './record-iterator.ts';
import { RecordsError, RecordsErrorCode } from './records-error.ts';

/** Options of {@link convertLegacyToV2}. */
export interface ConvertLegacyOptions {
  /** Codec of the v2 batch; default: the message set's own (Kafka's `compression.type=producer`). */
  compression?: CompressionTypeId | CompressionTypeName;
  /** Default 0 (the log assigns offsets on append). */
  baseOffset?: bigint;
  /** Default -1. */
  partitionLeaderEpoch?: number;
  /** Cap on decompressed bytes of a wrapper (see compression.ts). */
  maxBytes?: number;
}

/**
 * Up-converts a magic 0/1 message set (Produce v0-2) into one equivalent v2 batch for the log, as Kafka's
 * LogValidator does when the log's format is v2: every record (wrappers opened) in order with offsetDelta = its
 * index, key and value kept, no headers, timestamps kept (v0 → -1, NoTimestamp), CreateTime, no producer id.
 * Validation errors of the input are thrown as {@link RecordsError} (see readLegacyMessageSet).
 */
export async function convertLegacyToV2(messageSet: Buffer, options: ConvertLegacyOptions = {}): Promise<Buffer> {
  const set = await readLegacyMessageSet(messageSet, { maxBytes: options.maxBytes });
  return buildRecordBatch({
    baseOffset: options.baseOffset ?? 0n,
    partitionLeaderEpoch: options.partitionLeaderEpoch ?? -1,
    compression: options.compression ?? set.compression,
    records: set.records.map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp })),
  });
}

/** Options of {@link convertV2ToLegacy}. */
export interface ConvertToLegacyOptions {
  /**
   * Fetch offset: records of uncompressed batches below it are dropped (v0/v1 have no batches to return whole;
   * some librdkafka versions rely on this). Default: keep all.
   */
  firstOffset?: bigint;
  /** Cap on decompressed bytes per batch (see compression.ts). */
  maxBytes?: number;
}

function legacyTimestamp(batch: RecordBatch, record: DefaultRecord): bigint {
  return batch.isLogAppendTime ? batch.maxTimestamp : record.timestamp;
}

/**
 * Down-converts v2 batches to a magic 0/1 message set for Fetch v0-3 (Kafka's RecordsUtil.downConvert):
 * control batches are skipped, headers dropped; an uncompressed batch becomes one message per record
 * (absolute offsets); a compressed batch becomes one wrapper with the same codec whose offset is the last
 * record's, holding inner messages with relative offsets (magic 1) or absolute ones (magic 0), and a timestamp
 * of the LogAppendTime or the max record timestamp. LZ4 for magic 0 gets the KIP-57 header checksum.
 * Throws {@link RecordsError}: UNSUPPORTED_COMPRESSION_TYPE (76) for zstd, or the decode errors of the input.
 *
 * @param batches a buffer of concatenated v2 batches (a partial tail is ignored) or batch views.
 */
export async function convertV2ToLegacy(
  batches: Buffer | Iterable<RecordBatch>,
  magic: 0 | 1,
  options: ConvertToLegacyOptions = {},
): Promise<Buffer> {
  const parts: Buffer[] = [];
  const source = Buffer.isBuffer(batches) ? new BatchIterator(batches) : batches;
  for (const batch of source) {
    if (batch.isControl) continue;
    const codec = batch.compression;
    if (codec === CompressionType.zstd) {
      const message = 'down-conversion of zstandard-compressed batches is not supported';
      throw new RecordsError(RecordsErrorCode.UNSUPPORTED_COMPRESSION_TYPE, message);
    }
    const all = await readRecords(batch, { maxBytes: options.maxBytes });
    const firstOffset = options.firstOffset;
    const records =
      codec === CompressionType.none && firstOffset !== undefined ? all.filter((r) => r.offset >= firstOffset) : all;
    if (records.length === 0) continue;
    const logAppendTime = batch.isLogAppendTime;
    const innerAttributes = magic === MAGIC_VALUE_V1 && logAppendTime ? LegacyLayout.TIMESTAMP_TYPE_LOG_APPEND : 0;
    const baseOffset = records[0]!.offset;
    let size = 0;
    for (const r of records) size += sizeOfLegacyEntry(magic, r.key, r.value);
    const messages = Buffer.allocUnsafe(size);
    let pos = 0;
    let maxTimestamp = -1n;
    for (const r of records) {
      const ts = legacyTimestamp(batch, r);
      if (ts > maxTimestamp) maxTimestamp = ts;
      const offset = codec !== CompressionType.none && magic === MAGIC_VALUE_V1 ? r.offset - baseOffset : r.offset;
      pos = writeLegacyEntry(messages, pos, offset, magic, innerAttributes, ts, r.key, r.value);
    }
    if (codec === CompressionType.none) {
      parts.push(messages);
      continue;
    }
    const value = await compress(codec, messages, { magic });
    const wrapper = Buffer.allocUnsafe(sizeOfLegacyEntry(magic, null, value));
    const wrapperTimestamp = logAppendTime ? batch.maxTimestamp : maxTimestamp;
    const lastOffset = records[records.length - 1]!.offset;
    writeLegacyEntry(wrapper, 0, lastOffset, magic, codec | innerAttributes, wrapperTimestamp, null, value);
    parts.push(wrapper);
  }
  return Buffer.concat(parts);
}
