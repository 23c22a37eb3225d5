import { crc32c, crc32cAsync } from './crc32c.ts';

/**
 * RecordBatch v2 (magic 2) layout, as in Kafka's DefaultRecordBatch. All offsets are bytes from the batch start.
 *
 * ```
 * baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 | crc uint32 | attributes int16 |
 * lastOffsetDelta int32 | baseTimestamp int64 | maxTimestamp int64 | producerId int64 | producerEpoch int16 |
 * baseSequence int32 | recordCount int32 | records...
 * ```
 * The CRC-32C covers `attributes` to the end of the batch, so baseOffset and partitionLeaderEpoch can be
 * rewritten by the broker without recomputing it.
 */
export const BatchLayout = {
  BASE_OFFSET: 0,
  BATCH_LENGTH: 8,
  PARTITION_LEADER_EPOCH: 12,
  MAGIC: 16,
  CRC: 17,
  ATTRIBUTES: 21,
  LAST_OFFSET_DELTA: 23,
  BASE_TIMESTAMP: 27,
  MAX_TIMESTAMP: 35,
  PRODUCER_ID: 43,
  PRODUCER_EPOCH: 51,
  BASE_SEQUENCE: 53,
  RECORD_COUNT: 57,
  RECORDS: 61,
  /** Size of the batch header; also the smallest valid v2 batch. */
  HEADER_SIZE: 61,
  /** baseOffset + batchLength: the bytes not counted by batchLength. */
  LOG_OVERHEAD: 12,
} as const;

/** Attribute bits of a v2 batch. */
export const BatchAttributes = {
  COMPRESSION_MASK: 0x07,
  TIMESTAMP_TYPE_LOG_APPEND: 0x08,
  TRANSACTIONAL: 0x10,
  CONTROL: 0x20,
  DELETE_HORIZON: 0x40,
} as const;

/** Compression codec ids (attributes bits 0-2). */
export const CompressionType = {
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
} as const;
export type CompressionTypeName = keyof typeof CompressionType;
export type CompressionTypeId = (typeof CompressionType)[CompressionTypeName];

/**
 * A view over one v2 RecordBatch in a Buffer (no copy). Getters read the header fields in place; the setters
 * that exist are the ones a broker uses on append (baseOffset, partitionLeaderEpoch, and maxTimestamp with the
 * timestamp type: the latter recomputes the CRC). `buf` must hold the whole batch starting at `offset`.
 */
export class RecordBatch {
  readonly buf: Buffer;
  readonly offset: number;

  constructor(buf: Buffer, offset = 0) {
    this.buf = buf;
    this.offset = offset;
  }

  get baseOffset(): bigint {
    return this.buf.readBigInt64BE(this.offset);
  }
  set baseOffset(v: bigint) {
    this.buf.writeBigInt64BE(v, this.offset);
  }
  /** Bytes after the batchLength field; the whole batch is `batchLength + 12` bytes. */
  get batchLength(): number {
    return this.buf.readInt32BE(this.offset + BatchLayout.BATCH_LENGTH);
  }
  /** Total size in bytes of this batch, header included. */
  get sizeInBytes(): number {
    return this.batchLength + BatchLayout.LOG_OVERHEAD;
  }
  get partitionLeaderEpoch(): number {
    return this.buf.readInt32BE(this.offset + BatchLayout.PARTITION_LEADER_EPOCH);
  }
  set partitionLeaderEpoch(v: number) {
    this.buf.writeInt32BE(v, this.offset + BatchLayout.PARTITION_LEADER_EPOCH);
  }
  get magic(): number {
    return this.buf.readInt8(this.offset + BatchLayout.MAGIC);
  }
  get crc(): number {
    return this.buf.readUInt32BE(this.offset + BatchLayout.CRC);
  }
  get attributes(): number {
    return this.buf.readInt16BE(this.offset + BatchLayout.ATTRIBUTES);
  }
  get compression(): CompressionTypeId {
    return (this.attributes & BatchAttributes.COMPRESSION_MASK) as CompressionTypeId;
  }
  get isLogAppendTime(): boolean {
    return (this.attributes & BatchAttributes.TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  }
  get isTransactional(): boolean {
    return (this.attributes & BatchAttributes.TRANSACTIONAL) !== 0;
  }
  get isControl(): boolean {
    return (this.attributes & BatchAttributes.CONTROL) !== 0;
  }
  get hasDeleteHorizon(): boolean {
    return (this.attributes & BatchAttributes.DELETE_HORIZON) !== 0;
  }
  get lastOffsetDelta(): number {
    return this.buf.readInt32BE(this.offset + BatchLayout.LAST_OFFSET_DELTA);
  }
  get lastOffset(): bigint {
    return this.baseOffset + BigInt(this.lastOffsetDelta);
  }
  /** The offset after this batch. */
  get nextOffset(): bigint {
    return this.lastOffset + 1n;
  }
  get baseTimestamp(): bigint {
    return this.buf.readBigInt64BE(this.offset + BatchLayout.BASE_TIMESTAMP);
  }
  get maxTimestamp(): bigint {
    return this.buf.readBigInt64BE(this.offset + BatchLayout.MAX_TIMESTAMP);
  }
  get producerId(): bigint {
    return this.buf.readBigInt64BE(this.offset + BatchLayout.PRODUCER_ID);
  }
  get producerEpoch(): number {
    return this.buf.readInt16BE(this.offset + BatchLayout.PRODUCER_EPOCH);
  }
  get baseSequence(): number {
    return this.buf.readInt32BE(this.offset + BatchLayout.BASE_SEQUENCE);
  }
  /** Sequence of the last record, wrapping at int32 max as Kafka's DefaultRecordBatch.incrementSequence does. */
  get lastSequence(): number {
    const base = this.baseSequence;
    if (base < 0) return -1;
    const delta = this.lastOffsetDelta;
    return base > 0x7fffffff - delta ? delta - (0x7fffffff - base) - 1 : base + delta;
  }
  get recordCount(): number {
    return this.buf.readInt32BE(this.offset + BatchLayout.RECORD_COUNT);
  }
  /** The bytes after the header: the records, or one compressed blob of them. A view, no copy. */
  get recordsBytes(): Buffer {
    return this.buf.subarray(this.offset + BatchLayout.RECORDS, this.offset + this.sizeInBytes);
  }
  /** The whole batch as a view. */
  get bytes(): Buffer {
    return this.buf.subarray(this.offset, this.offset + this.sizeInBytes);
  }

  /** CRC-32C of the bytes from `attributes` to the end of the batch. */
  computeChecksum(): number {
    return crc32c(this.buf.subarray(this.offset + BatchLayout.ATTRIBUTES, this.offset + this.sizeInBytes)) >>> 0;
  }

  /**
   * {@link computeChecksum} in the libuv threadpool for a large batch (see crc32cAsync), so validating a 1 MB
   * batch does not hold the event loop. The batch must not change until the promise settles.
   */
  computeChecksumAsync(): Promise<number> {
    return crc32cAsync(this.buf.subarray(this.offset + BatchLayout.ATTRIBUTES, this.offset + this.sizeInBytes));
  }

  /** True when the stored CRC matches the bytes it covers. */
  isValid(): boolean {
    return this.computeChecksum() === this.crc;
  }

  /**
   * Sets the LogAppendTime timestamp type and maxTimestamp (Kafka does this for topics with
   * `message.timestamp.type=LogAppendTime`), then rewrites the CRC (see {@link setMaxTimestamp}).
   */
  setLogAppendTime(timestampMs: bigint): void {
    this.setMaxTimestamp('LogAppendTime', timestampMs);
  }

  /**
   * Kafka's `DefaultRecordBatch.setMaxTimestamp`: stores the timestamp type bit and `maxTimestampMs`, and
   * recomputes the CRC, unless both are already what the header holds (then nothing is written and the batch
   * stays byte-for-byte as it was). @returns whether the header changed.
   */
  setMaxTimestamp(timestampType: 'CreateTime' | 'LogAppendTime', maxTimestampMs: bigint): boolean {
    const logAppendTime = timestampType === 'LogAppendTime';
    if (this.isLogAppendTime === logAppendTime && this.maxTimestamp === maxTimestampMs) return false;
    const attributes = logAppendTime
      ? this.attributes | BatchAttributes.TIMESTAMP_TYPE_LOG_APPEND
      : this.attributes & ~BatchAttributes.TIMESTAMP_TYPE_LOG_APPEND;
    this.buf.writeInt16BE(attributes, this.offset + BatchLayout.ATTRIBUTES);
    this.buf.writeBigInt64BE(maxTimestampMs, this.offset + BatchLayout.MAX_TIMESTAMP);
    this.writeChecksum();
    return true;
  }

  /** Recomputes and stores the CRC (after an encoder filled the header). */
  writeChecksum(): void {
    this.buf.writeUInt32BE(this.computeChecksum(), this.offset + BatchLayout.CRC);
  }
}

/**
 * Size of the batch starting at `position` in `buf`, or -1 when fewer than 12 bytes (offset + length) are
 * available. Does not validate the batch.
 */
export function peekBatchSize(buf: Buffer, position: number): number {
  if (buf.length - position < BatchLayout.LOG_OVERHEAD) return -1;
  return buf.readInt32BE(position + BatchLayout.BATCH_LENGTH) + BatchLayout.LOG_OVERHEAD;
}

/** Magic values (Kafka's RecordBatch.MAGIC_VALUE_V0/V1/V2): v0/v1 are legacy message sets, v2 is RecordBatch. */
export const MAGIC_VALUE_V0 = 0;
export const MAGIC_VALUE_V1 = 1;
export const MAGIC_VALUE_V2 = 2;
/** Sentinels of Kafka's RecordBatch interface: a timestamp, producer id/epoch, sequence or epoch that is unset. */
export const NO_TIMESTAMP = -1n;
export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;
