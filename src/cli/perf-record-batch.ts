import { compress } from '../protocol/records/compression.ts';
import { crc32c } from '../protocol/records/crc32c.ts';
import { CompressionType, type CompressionTypeName } from '../protocol/records/record-batch.ts';
import { sizeOfVarint as varintBytes, writeVarint } from '../protocol/records/varint.ts';

// The v2 RecordBatch layout (Kafka's DefaultRecordBatch): baseOffset int64, batchLength int32, partitionLeaderEpoch
// int32, magic int8, crc uint32 (CRC-32C of attributes..end), attributes int16, lastOffsetDelta int32, baseTimestamp
// int64, maxTimestamp int64, producerId int64, producerEpoch int16, baseSequence int32, recordCount int32.
const HEADER_BYTES = 61;
const CRC_AT = 17;
const ATTRIBUTES_AT = 21;
/** A record's largest framing around key and value: length, attributes, deltas, key and value lengths, headers. */
const RECORD_OVERHEAD_MAX_BYTES = 5 + 1 + 10 + 5 + 5 + 5 + 1;

/** The producer identity an idempotent batch carries (KIP-98); producerId -1n for a plain batch. */
export interface BatchProducer {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly transactional: boolean;
}

/**
 * One partition's batch being filled by the perf producer: records (no headers) are encoded as they are appended,
 * straight into one buffer, so that a full batch costs no per-record objects; `close` writes the v2 header with
 * baseSequence and the CRC-32C, compressing the records section first when asked. Timestamps are CreateTime deltas
 * from the first record's. Kafka's DefaultRecord/DefaultRecordBatch formats (KIP-98).
 */
export class PerfRecordBatch {
  readonly partition: number;
  /** Create times (ms) of the records, for the latency of each once acknowledged. */
  readonly sendTimesMs: number[] = [];
  /** Sum of the value sizes in bytes (what Kafka's perf tool counts as bytes sent). */
  valueBytes = 0;
  #buf: Buffer;
  #at = HEADER_BYTES;
  #baseTimestampMs = -1;
  #maxTimestampMs = -1;
  readonly #capacityBytes: number;

  /** @param batchBytes batch.size: `hasRoomFor` is false past it (a first record always fits, as Kafka). */
  constructor(partition: number, batchBytes: number) {
    this.partition = partition;
    this.#capacityBytes = batchBytes;
    this.#buf = Buffer.allocUnsafe(Math.max(batchBytes, HEADER_BYTES + 64));
  }

  get recordCount(): number {
    return this.sendTimesMs.length;
  }

  /** Bytes the batch holds so far (header included). */
  get sizeBytes(): number {
    return this.#at;
  }

  /** Whether a record of this key and value still fits within batch.size (always, for an empty batch). */
  hasRoomFor(key: Buffer | null, value: Buffer): boolean {
    return this.recordCount === 0 || this.#at + RECORD_OVERHEAD_MAX_BYTES + (key?.length ?? 0) + value.length <= this.#capacityBytes;
  }

  /** Appends a record created at `timestampMs`. */
  append(key: Buffer | null, value: Buffer, timestampMs: number): void {
    if (this.#baseTimestampMs < 0) this.#baseTimestampMs = timestampMs;
    if (timestampMs > this.#maxTimestampMs) this.#maxTimestampMs = timestampMs;
    const timestampDelta = timestampMs - this.#baseTimestampMs;
    const offsetDelta = this.recordCount;
    const keyLength = key === null ? -1 : key.length;
    const bodyBytes = 1 + varintBytes(timestampDelta) + varintBytes(offsetDelta) + varintBytes(keyLength) + (key?.length ?? 0) + varintBytes(value.length) + value.length + 1;
    const need = this.#at + varintBytes(bodyBytes) + bodyBytes;
    if (need > this.#buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.#buf.length * 2));
      this.#buf.copy(grown, 0, 0, this.#at);
      this.#buf = grown;
    }
    const buf = this.#buf;
    let at = writeVarint(buf, this.#at, bodyBytes);
    buf[at++] = 0;
    at = writeVarint(buf, at, timestampDelta);
    at = writeVarint(buf, at, offsetDelta);
    at = writeVarint(buf, at, keyLength);
    // TypedArray set rather than Buffer.copy: half the cost for records of ~100 bytes (no argument checks in JS).
    if (key !== null) {
      buf.set(key, at);
      at += key.length;
    }
    at = writeVarint(buf, at, value.length);
    buf.set(value, at);
    at += value.length;
    buf[at++] = 0;
    this.#at = at;
    this.sendTimesMs.push(timestampMs);
    this.valueBytes += value.length;
  }

  /** The finished batch, with `baseSequence` (-1 without idempotence). @throws CompressionError from the codec. */
  async close(compression: CompressionTypeName, producer: BatchProducer, baseSequence: number): Promise<Buffer> {
    let batch = this.#buf.subarray(0, this.#at);
    if (compression !== 'none') {
      const compressed = await compress(compression, batch.subarray(HEADER_BYTES));
      batch = Buffer.allocUnsafe(HEADER_BYTES + compressed.length);
      compressed.copy(batch, HEADER_BYTES);
    }
    batch.writeBigInt64BE(0n, 0);
    batch.writeInt32BE(batch.length - 12, 8);
    batch.writeInt32BE(-1, 12);
    batch.writeInt8(2, 16);
    batch.writeInt16BE(CompressionType[compression] | (producer.transactional ? 0x10 : 0), ATTRIBUTES_AT);
    batch.writeInt32BE(this.recordCount - 1, 23);
    batch.writeBigInt64BE(BigInt(this.#baseTimestampMs), 27);
    batch.writeBigInt64BE(BigInt(this.#maxTimestampMs), 35);
    batch.writeBigInt64BE(producer.producerId, 43);
    batch.writeInt16BE(producer.producerEpoch, 51);
    batch.writeInt32BE(baseSequence, 53);
    batch.writeInt32BE(this.recordCount, 57);
    batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES_AT)), CRC_AT);
    return batch;
  }
}
