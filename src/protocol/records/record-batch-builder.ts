import { crc32c } from './crc32c.ts';
import { compress, compressSync } from './compression.ts';
import { sizeOfRecordBody, writeDefaultRecord } from './default-record.ts';
import type { EncodedHeader } from './default-record.ts';
import {
  BatchAttributes,
  BatchLayout,
  CompressionType,
  MAGIC_VALUE_V2,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  NO_TIMESTAMP,
} from './record-batch.ts';
import type { CompressionTypeId, CompressionTypeName } from './record-batch.ts';
import { sizeOfVarint } from './varint.ts';

/** One record to write. Strings are UTF-8 encoded. */
export interface RecordInput {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: readonly { key: string; value: Buffer | string | null }[];
  /** Create time in ms; defaults to the builder's `defaultTimestamp`. -1 is NoTimestamp. */
  timestamp?: bigint | number;
  /** Offset relative to the batch's baseOffset; defaults to the record's index. Compaction keeps gaps. */
  offsetDelta?: number;
}

/** Header fields and flags of the batch to build; every field has Kafka's "unset" default. */
export interface RecordBatchHeaderOptions {
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  compression?: CompressionTypeId | CompressionTypeName;
  /** gzip / zstd level (see compression.ts). */
  compressionLevel?: number;
  timestampType?: 'CreateTime' | 'LogAppendTime';
  /** For LogAppendTime: the broker's append time in ms, stored as maxTimestamp (defaults to now). */
  logAppendTimeMs?: bigint | number;
  isTransactional?: boolean;
  isControl?: boolean;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  /** Sets the delete-horizon bit; baseTimestamp then holds this time in ms (KIP-534) and deltas are from it. */
  deleteHorizonMs?: bigint | number;
  /** Timestamp in ms for records that have none; default Date.now() at build time. */
  defaultTimestamp?: bigint | number;
  /** lastOffsetDelta of an empty batch (compaction keeps empty batches to preserve producer state); default 0. */
  emptyLastOffsetDelta?: number;
}

/** Everything {@link buildRecordBatch} needs: the header options plus the records. */
export interface RecordBatchOptions extends RecordBatchHeaderOptions {
  records: readonly RecordInput[];
}

interface PreparedRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: readonly EncodedHeader[];
  offsetDelta: number;
  timestampDelta: number | bigint;
  bodySize: number;
}

const NO_HEADERS: readonly EncodedHeader[] = [];

function toBuffer(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

function delta(ts: bigint | number, base: bigint | number): number | bigint {
  if (typeof ts === 'number' && typeof base === 'number' && Number.isSafeInteger(ts - base)) return ts - base;
  return BigInt.asIntN(64, BigInt(ts) - BigInt(base));
}

/**
 * Writes v2 RecordBatches (Kafka's MemoryRecordsBuilder + DefaultRecordBatch.writeHeader): header, records
 * (optionally compressed as one blob), CRC-32C over attributes..end. baseTimestamp is the first record's
 * timestamp (or the delete horizon), maxTimestamp the largest record timestamp (or the LogAppendTime),
 * lastOffsetDelta the last record's offsetDelta. The output is one exactly sized Buffer.
 *
 * ```ts
 * const b = new RecordBatchBuilder({ compression: 'lz4', producerId: 7n, producerEpoch: 0, baseSequence: 0 });
 * b.append({ key: 'k', value: 'v', headers: [{ key: 'h', value: null }] });
 * const bytes = await b.build();
 * ```
 * Throws RangeError on invalid options (offset deltas not increasing, a record count above int32).
 */
export class RecordBatchBuilder {
  readonly #options: RecordBatchHeaderOptions;
  readonly #records: RecordInput[] = [];

  constructor(options: RecordBatchHeaderOptions = {}) {
    this.#options = options;
  }

  /** Adds a record (not copied: its buffers must stay unchanged until build). */
  append(record: RecordInput): this {
    this.#records.push(record);
    return this;
  }

  get numRecords(): number {
    return this.#records.length;
  }

  /** Builds the batch, compressing in the thread pool when a codec is set. */
  async build(): Promise<Buffer> {
    const { prepared, recordsSize, header } = this.#prepare();
    const codec = header.compression;
    if (codec === CompressionType.none) return this.#finish(header, prepared, recordsSize, null);
    const raw = Buffer.allocUnsafe(recordsSize);
    writeRecords(raw, 0, prepared);
    const blob = await compress(codec, raw, { level: this.#options.compressionLevel });
    return this.#finish(header, prepared, blob.length, blob);
  }

  /** Builds the batch synchronously (compression on the calling thread). */
  buildSync(): Buffer {
    const { prepared, recordsSize, header } = this.#prepare();
    const codec = header.compression;
    if (codec === CompressionType.none) return this.#finish(header, prepared, recordsSize, null);
    const raw = Buffer.allocUnsafe(recordsSize);
    writeRecords(raw, 0, prepared);
    const blob = compressSync(codec, raw, { level: this.#options.compressionLevel });
    return this.#finish(header, prepared, blob.length, blob);
  }

  #prepare(): { prepared: PreparedRecord[]; recordsSize: number; header: ResolvedHeader } {
    const o = this.#options;
    const records = this.#records;
    const defaultTimestamp = o.defaultTimestamp ?? Date.now();
    const firstTs = records.length > 0 ? (records[0]!.timestamp ?? defaultTimestamp) : NO_TIMESTAMP;
    const baseTimestamp = o.deleteHorizonMs ?? firstTs;
    let maxTimestamp: bigint | number = NO_TIMESTAMP;
    const prepared: PreparedRecord[] = new Array(records.length);
    let recordsSize = 0;
    let lastDelta = -1;
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      const ts = r.timestamp ?? defaultTimestamp;
      if (ts > maxTimestamp) maxTimestamp = ts;
      const offsetDelta = r.offsetDelta ?? i;
      if (offsetDelta <= lastDelta) throw new RangeError(`offsetDelta ${offsetDelta} after ${lastDelta}`);
      lastDelta = offsetDelta;
      const key = toBuffer(r.key);
      const value = toBuffer(r.value);
      const headers =
        r.headers === undefined || r.headers.length === 0
          ? NO_HEADERS
          : r.headers.map((h) => ({ key: Buffer.from(h.key, 'utf8'), value: toBuffer(h.value) }));
      const timestampDelta = delta(ts, baseTimestamp);
      const bodySize = sizeOfRecordBody(offsetDelta, timestampDelta, key, value, headers);
      recordsSize += sizeOfVarint(bodySize) + bodySize;
      prepared[i] = { key, value, headers, offsetDelta, timestampDelta, bodySize };
    }
    const logAppendTime = o.timestampType === 'LogAppendTime';
    if (logAppendTime) maxTimestamp = o.logAppendTimeMs ?? Date.now();
    const compression = codecOf(o.compression);
    let attributes = compression;
    if (logAppendTime) attributes |= BatchAttributes.TIMESTAMP_TYPE_LOG_APPEND;
    if (o.isTransactional === true) attributes |= BatchAttributes.TRANSACTIONAL;
    if (o.isControl === true) attributes |= BatchAttributes.CONTROL;
    if (o.deleteHorizonMs !== undefined) attributes |= BatchAttributes.DELETE_HORIZON;
    return {
      prepared,
      recordsSize,
      header: {
        compression,
        attributes,
        baseTimestamp: BigInt(baseTimestamp),
        maxTimestamp: BigInt(maxTimestamp),
        lastOffsetDelta: records.length > 0 ? lastDelta : (o.emptyLastOffsetDelta ?? 0),
      },
    };
  }

  #finish(header: ResolvedHeader, prepared: PreparedRecord[], bodySize: number, blob: Buffer | null): Buffer {
    const o = this.#options;
    const out = Buffer.allocUnsafe(BatchLayout.HEADER_SIZE + bodySize);
    out.writeBigInt64BE(o.baseOffset ?? 0n, BatchLayout.BASE_OFFSET);
    out.writeInt32BE(out.length - BatchLayout.LOG_OVERHEAD, BatchLayout.BATCH_LENGTH);
    out.writeInt32BE(o.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, BatchLayout.PARTITION_LEADER_EPOCH);
    out.writeInt8(MAGIC_VALUE_V2, BatchLayout.MAGIC);
    out.writeInt16BE(header.attributes, BatchLayout.ATTRIBUTES);
    out.writeInt32BE(header.lastOffsetDelta, BatchLayout.LAST_OFFSET_DELTA);
    out.writeBigInt64BE(header.baseTimestamp, BatchLayout.BASE_TIMESTAMP);
    out.writeBigInt64BE(header.maxTimestamp, BatchLayout.MAX_TIMESTAMP);
    out.writeBigInt64BE(o.producerId ?? NO_PRODUCER_ID, BatchLayout.PRODUCER_ID);
    out.writeInt16BE(o.producerEpoch ?? NO_PRODUCER_EPOCH, BatchLayout.PRODUCER_EPOCH);
    out.writeInt32BE(o.baseSequence ?? NO_SEQUENCE, BatchLayout.BASE_SEQUENCE);
    out.writeInt32BE(prepared.length, BatchLayout.RECORD_COUNT);
    if (blob === null) writeRecords(out, BatchLayout.RECORDS, prepared);
    else blob.copy(out, BatchLayout.RECORDS);
    out.writeUInt32BE(crc32c(out.subarray(BatchLayout.ATTRIBUTES)), BatchLayout.CRC);
    return out;
  }
}

interface ResolvedHeader {
  compression: CompressionTypeId;
  attributes: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  lastOffsetDelta: number;
}

function codecOf(c: CompressionTypeId | CompressionTypeName | undefined): CompressionTypeId {
  if (c === undefined) return CompressionType.none;
  if (typeof c === 'number') {
    if (c < 0 || c > 4) throw new RangeError(`unknown compression type ${c}`);
    return c;
  }
  if (!Object.hasOwn(CompressionType, c)) throw new RangeError(`unknown compression type ${c}`);
  return CompressionType[c];
}

function writeRecords(buf: Buffer, pos: number, prepared: readonly PreparedRecord[]): number {
  for (const r of prepared) {
    pos = writeDefaultRecord(buf, pos, r.bodySize, r.offsetDelta, r.timestampDelta, r.key, r.value, r.headers);
  }
  return pos;
}

/** Builds one v2 batch from `options` (see {@link RecordBatchBuilder}); async when compressing. */
export function buildRecordBatch(options: RecordBatchOptions): Promise<Buffer> {
  const builder = new RecordBatchBuilder(options);
  for (const r of options.records) builder.append(r);
  return builder.build();
}

/** Synchronous {@link buildRecordBatch}. */
export function buildRecordBatchSync(options: RecordBatchOptions): Buffer {
  const builder = new RecordBatchBuilder(options);
  for (const r of options.records) builder.append(r);
  return builder.buildSync();
}
