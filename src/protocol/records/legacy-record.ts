import zlib from 'node:zlib';
import { MAGIC_VALUE_V0, MAGIC_VALUE_V1 } from './record-batch.ts';
import type { CompressionTypeId } from './record-batch.ts';
import { RecordsError, RecordsErrorCode } from './records-error.ts';

/**
 * Legacy message (magic 0/1) layout, Kafka's LegacyRecord, inside a message-set entry
 * `offset int64 | messageSize int32 | message`:
 * ```
 * crc uint32 (CRC-32 IEEE of magic..end) | magic int8 | attributes int8 | timestamp int64 (magic 1 only) |
 * keyLength int32 (-1 null) | key | valueLength int32 (-1 null) | value
 * ```
 * attributes: bits 0-2 codec, bit 3 timestamp type (magic 1: 0 CreateTime, 1 LogAppendTime).
 */
export const LegacyLayout = {
  /** offset + messageSize before each message. */
  LOG_OVERHEAD: 12,
  CRC: 0,
  MAGIC: 4,
  ATTRIBUTES: 5,
  TIMESTAMP: 6,
  KEY_SIZE_V0: 6,
  KEY_SIZE_V1: 14,
  /** Smallest message of each version (null key and value). */
  RECORD_OVERHEAD_V0: 14,
  RECORD_OVERHEAD_V1: 22,
  COMPRESSION_MASK: 0x07,
  TIMESTAMP_TYPE_LOG_APPEND: 0x08,
} as const;

export type LegacyTimestampType = 'NoTimestampType' | 'CreateTime' | 'LogAppendTime';

/** One message-set entry: the offset and the decoded message. Key and value are views into the input. */
export interface LegacyRecord {
  /** For a wrapper or an uncompressed entry, the offset field as written; for inner records, see LegacyMessageSet. */
  offset: bigint;
  magic: 0 | 1;
  attributes: number;
  compression: CompressionTypeId;
  /** ms; -1 (NoTimestamp) for magic 0. For inner records of a LogAppendTime wrapper, the wrapper's timestamp. */
  timestamp: bigint;
  timestampType: LegacyTimestampType;
  key: Buffer | null;
  value: Buffer | null;
  /** Bytes of the whole entry (12 + messageSize). */
  sizeInBytes: number;
}

function corrupt(message: string): never {
  throw new RecordsError(RecordsErrorCode.CORRUPT_MESSAGE, message);
}

function readSized(buf: Buffer, at: number, end: number): [Buffer | null, number] {
  if (at + 4 > end) corrupt('legacy message truncated in a length field');
  const length = buf.readInt32BE(at);
  at += 4;
  if (length < 0) return [null, at];
  if (length > end - at) corrupt(`legacy message field of ${length} bytes runs past the message`);
  return [buf.subarray(at, at + length), at + length];
}

/**
 * Decodes the message-set entry at `pos` (which must be complete within `end`), checking size, magic and the
 * CRC-32 (LegacyRecord.ensureValid). Throws {@link RecordsError} CORRUPT_MESSAGE (2) on any of them.
 */
export function readLegacyEntry(buf: Buffer, pos: number, end: number = buf.length): LegacyRecord {
  if (end - pos < LegacyLayout.LOG_OVERHEAD) corrupt('truncated message set entry');
  const offset = buf.readBigInt64BE(pos);
  const size = buf.readInt32BE(pos + 8);
  const start = pos + LegacyLayout.LOG_OVERHEAD;
  if (size < LegacyLayout.RECORD_OVERHEAD_V0) corrupt(`message size ${size} is less than the minimum overhead 14`);
  if (size > end - start) corrupt(`message of ${size} bytes but ${end - start} bytes left`);
  const msgEnd = start + size;
  const magic = buf.readInt8(start + LegacyLayout.MAGIC);
  if (magic !== MAGIC_VALUE_V0 && magic !== MAGIC_VALUE_V1) corrupt(`invalid legacy magic ${magic}`);
  if (magic === MAGIC_VALUE_V1 && size < LegacyLayout.RECORD_OVERHEAD_V1) {
    corrupt(`v1 message of ${size} bytes is too small`);
  }
  const crc = buf.readUInt32BE(start);
  const computed = zlib.crc32(buf.subarray(start + LegacyLayout.MAGIC, msgEnd)) >>> 0;
  if (crc !== computed) corrupt(`record is corrupt (stored crc = ${crc}, computed crc = ${computed})`);
  const attributes = buf.readInt8(start + LegacyLayout.ATTRIBUTES);
  let timestamp = -1n;
  let timestampType: LegacyTimestampType = 'NoTimestampType';
  let at = start + LegacyLayout.KEY_SIZE_V0;
  if (magic === MAGIC_VALUE_V1) {
    timestamp = buf.readBigInt64BE(start + LegacyLayout.TIMESTAMP);
    timestampType = (attributes & LegacyLayout.TIMESTAMP_TYPE_LOG_APPEND) !== 0 ? 'LogAppendTime' : 'CreateTime';
    at = start + LegacyLayout.KEY_SIZE_V1;
  }
  const [key, afterKey] = readSized(buf, at, msgEnd);
  const [value, afterValue] = readSized(buf, afterKey, msgEnd);
  if (afterValue !== msgEnd) corrupt(`legacy message has ${msgEnd - afterValue} bytes after its value`);
  return {
    offset,
    magic,
    attributes,
    compression: (attributes & LegacyLayout.COMPRESSION_MASK) as CompressionTypeId,
    timestamp,
    timestampType,
    key,
    value,
    sizeInBytes: LegacyLayout.LOG_OVERHEAD + size,
  };
}

/** Size in bytes of a message-set entry holding this key and value (LOG_OVERHEAD + message). */
export function sizeOfLegacyEntry(magic: 0 | 1, key: Buffer | null, value: Buffer | null): number {
  const overhead = magic === MAGIC_VALUE_V0 ? LegacyLayout.RECORD_OVERHEAD_V0 : LegacyLayout.RECORD_OVERHEAD_V1;
  return LegacyLayout.LOG_OVERHEAD + overhead + (key?.length ?? 0) + (value?.length ?? 0);
}

/**
 * Writes a message-set entry at `pos` (room for {@link sizeOfLegacyEntry} bytes needed) with its CRC-32; returns
 * the next position. `timestamp` is ignored for magic 0. As LegacyRecord.write.
 */
export function writeLegacyEntry(
  buf: Buffer,
  pos: number,
  offset: bigint,
  magic: 0 | 1,
  attributes: number,
  timestamp: bigint,
  key: Buffer | null,
  value: Buffer | null,
): number {
  const size = sizeOfLegacyEntry(magic, key, value) - LegacyLayout.LOG_OVERHEAD;
  buf.writeBigInt64BE(offset, pos);
  buf.writeInt32BE(size, pos + 8);
  const start = pos + LegacyLayout.LOG_OVERHEAD;
  buf.writeInt8(magic, start + LegacyLayout.MAGIC);
  buf.writeInt8((attributes << 24) >> 24, start + LegacyLayout.ATTRIBUTES);
  let at = start + LegacyLayout.KEY_SIZE_V0;
  if (magic === MAGIC_VALUE_V1) {
    buf.writeBigInt64BE(timestamp, start + LegacyLayout.TIMESTAMP);
    at = start + LegacyLayout.KEY_SIZE_V1;
  }
  for (const field of [key, value]) {
    if (field === null) {
      buf.writeInt32BE(-1, at);
      at += 4;
    } else {
      buf.writeInt32BE(field.length, at);
      at += 4;
      at += field.copy(buf, at);
    }
  }
  buf.writeUInt32BE(zlib.crc32(buf.subarray(start + LegacyLayout.MAGIC, at)) >>> 0, start);
  return at;
}
