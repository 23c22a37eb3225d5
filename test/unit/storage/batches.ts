// Test helper: builds v2 record batches (DefaultRecordBatch layout) without depending on the protocol layer's
// builder, so storage tests control every header field.
import { createRequire } from 'node:module';
import { crc32c } from '../../../src/protocol/records/crc32c.ts';
import { BatchLayout } from '../../../src/protocol/records/record-batch.ts';
import { readInt64 } from '../../../src/storage/int64.ts';
import { varintSize, varlongSize, writeVarint, writeVarlong } from '../../../src/storage/record-cursor.ts';

export interface TestRecord {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  timestamp?: number;
  offsetDelta?: number;
}

export interface BatchOptions {
  baseOffset?: number;
  baseTimestamp?: number;
  attributes?: number;
  compression?: 0 | 1 | 2 | 3 | 4;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  partitionLeaderEpoch?: number;
  /** Override lastOffsetDelta (default: the largest offsetDelta). */
  lastOffsetDelta?: number;
}

function bytes(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v) : v;
}

/** Encodes records (DefaultRecord) relative to `baseTimestamp`. */
export function encodeRecords(records: readonly TestRecord[], baseTimestamp: number): Buffer {
  const parts: Buffer[] = [];
  records.forEach((r, i) => {
    const key = bytes(r.key);
    const value = r.value === undefined ? Buffer.from(`value-${i}`) : bytes(r.value);
    const tsDelta = (r.timestamp ?? baseTimestamp) - baseTimestamp;
    const offsetDelta = r.offsetDelta ?? i;
    const keyLen = key === null ? -1 : key.length;
    const valLen = value === null ? -1 : value.length;
    const bodyLen = 1 + varlongSize(tsDelta) + varintSize(offsetDelta) + varintSize(keyLen) + Math.max(keyLen, 0) + varintSize(valLen) + Math.max(valLen, 0) + varintSize(0);
    const buf = Buffer.alloc(varintSize(bodyLen) + bodyLen);
    let p = writeVarint(buf, 0, bodyLen);
    buf[p++] = 0;
    p = writeVarlong(buf, p, tsDelta);
    p = writeVarint(buf, p, offsetDelta);
    p = writeVarint(buf, p, keyLen);
    if (key !== null) p += key.copy(buf, p);
    p = writeVarint(buf, p, valLen);
    if (value !== null) p += value.copy(buf, p);
    p = writeVarint(buf, p, 0);
    parts.push(buf);
  });
  return Buffer.concat(parts);
}

type CompressionModule = typeof import('../../../src/protocol/records/compression.ts');
let compression: CompressionModule | null = null;
/** The codecs, loaded on first use (their native bindings slow down the crash test's child start-up). */
function codecs(): CompressionModule {
  compression ??= createRequire(import.meta.url)('../../../src/protocol/records/compression.ts') as CompressionModule;
  return compression;
}

/** One v2 batch holding `records`, with a valid CRC-32C. */
export function buildBatch(records: readonly TestRecord[], opts: BatchOptions = {}): Buffer {
  const timestamps = records.map((r) => r.timestamp ?? opts.baseTimestamp ?? 1_700_000_000_000);
  const baseTimestamp = opts.baseTimestamp ?? (timestamps.length > 0 ? timestamps[0]! : 1_700_000_000_000);
  const maxTimestamp = timestamps.length > 0 ? Math.max(...timestamps) : baseTimestamp;
  const withTs = records.map((r, i) => ({ ...r, timestamp: timestamps[i] }));
  let body = encodeRecords(withTs, baseTimestamp);
  const compression = opts.compression ?? 0;
  if (compression !== 0) body = codecs().compressSync(compression, body);
  const lastOffsetDelta = opts.lastOffsetDelta ?? Math.max(0, ...records.map((r, i) => r.offsetDelta ?? i));
  const buf = Buffer.alloc(BatchLayout.HEADER_SIZE + body.length);
  buf.writeBigInt64BE(BigInt(opts.baseOffset ?? 0), BatchLayout.BASE_OFFSET);
  buf.writeInt32BE(buf.length - BatchLayout.LOG_OVERHEAD, BatchLayout.BATCH_LENGTH);
  buf.writeInt32BE(opts.partitionLeaderEpoch ?? -1, BatchLayout.PARTITION_LEADER_EPOCH);
  buf.writeInt8(2, BatchLayout.MAGIC);
  buf.writeInt16BE((opts.attributes ?? 0) | compression, BatchLayout.ATTRIBUTES);
  buf.writeInt32BE(lastOffsetDelta, BatchLayout.LAST_OFFSET_DELTA);
  buf.writeBigInt64BE(BigInt(baseTimestamp), BatchLayout.BASE_TIMESTAMP);
  buf.writeBigInt64BE(BigInt(maxTimestamp), BatchLayout.MAX_TIMESTAMP);
  buf.writeBigInt64BE(opts.producerId ?? -1n, BatchLayout.PRODUCER_ID);
  buf.writeInt16BE(opts.producerEpoch ?? -1, BatchLayout.PRODUCER_EPOCH);
  buf.writeInt32BE(opts.baseSequence ?? -1, BatchLayout.BASE_SEQUENCE);
  buf.writeInt32BE(records.length, BatchLayout.RECORD_COUNT);
  body.copy(buf, BatchLayout.RECORDS);
  buf.writeUInt32BE(crc32c(buf.subarray(BatchLayout.ATTRIBUTES)), BatchLayout.CRC);
  return buf;
}

/** `n` records with keys key-<i> and values of `valueBytes` bytes. */
export function simpleRecords(n: number, valueBytes = 16, timestamp = 1_700_000_000_000): TestRecord[] {
  return Array.from({ length: n }, (_, i) => ({ key: `key-${i}`, value: Buffer.alloc(valueBytes, i % 251), timestamp }));
}

/** Splits a buffer of consecutive batches into per-batch views. */
export function splitBatches(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at + BatchLayout.LOG_OVERHEAD <= buf.length) {
    const size = buf.readInt32BE(at + BatchLayout.BATCH_LENGTH) + BatchLayout.LOG_OVERHEAD;
    if (at + size > buf.length) break;
    out.push(buf.subarray(at, at + size));
    at += size;
  }
  return out;
}

/** baseOffset / lastOffset of a batch view. */
export function batchOffsets(batch: Buffer): { baseOffset: number; lastOffset: number } {
  const baseOffset = readInt64(batch, 0);
  return { baseOffset, lastOffset: baseOffset + batch.readInt32BE(BatchLayout.LAST_OFFSET_DELTA) };
}

/** Every record of a log's batches (decompressed), with absolute offsets. */
export async function readRecords(batches: readonly Buffer[]): Promise<{ offset: number; key: string | null; value: string | null; timestamp: number }[]> {
  const { RecordCursor, decompressRecords } = await import('../../../src/storage/record-cursor.ts');
  const out: { offset: number; key: string | null; value: string | null; timestamp: number }[] = [];
  const cursor = new RecordCursor();
  for (const b of batches) {
    const attributes = b.readInt16BE(BatchLayout.ATTRIBUTES);
    if ((attributes & 0x20) !== 0) continue;
    const codec = attributes & 0x07;
    const body = codec === 0 ? b.subarray(BatchLayout.RECORDS) : await decompressRecords(codec, b.subarray(BatchLayout.RECORDS));
    const base = readInt64(b, 0);
    const baseTs = readInt64(b, BatchLayout.BASE_TIMESTAMP);
    cursor.reset(body, 0, body.length, b.readInt32BE(BatchLayout.RECORD_COUNT));
    while (cursor.next()) {
      out.push({
        offset: base + cursor.offsetDelta,
        key: cursor.keyLength < 0 ? null : body.toString('utf8', cursor.keyStart, cursor.keyStart + cursor.keyLength),
        value: cursor.valueLength < 0 ? null : body.toString('utf8', cursor.valueStart, cursor.valueStart + cursor.valueLength),
        timestamp: baseTs + cursor.timestampDelta,
      });
    }
  }
  return out;
}
