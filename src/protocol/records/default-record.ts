import type { RecordReader } from './record-reader.ts';
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint.ts';

/** A record header: a UTF-8 key (never null) and an optional value. */
export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/**
 * One decoded record of a v2 batch (Kafka's DefaultRecord). `key`, `value` and header values are views into the
 * batch (or into the decompressed records buffer): no copies. `offset` = baseOffset + offsetDelta; `timestamp` =
 * baseTimestamp + timestampDelta in ms, or the batch's maxTimestamp for LogAppendTime batches; `sequence` is
 * baseSequence + offsetDelta wrapping at int32 max, or -1 when the batch has no sequence.
 */
export interface DefaultRecord {
  offset: bigint;
  offsetDelta: number;
  timestamp: bigint;
  sequence: number;
  /** Record attributes byte (unused by Kafka so far; always 0 from real clients). */
  attributes: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: readonly RecordHeader[];
  /** Encoded size of the record including its length varint, in bytes. */
  sizeInBytes: number;
}

/** The batch header fields a record needs to turn its deltas into absolute values. */
export interface RecordContext {
  baseOffset: bigint;
  baseTimestamp: bigint;
  baseSequence: number;
  /** The batch's maxTimestamp when it is a LogAppendTime batch (every record then carries it), else null. */
  logAppendTime: bigint | null;
}

const NO_HEADERS: readonly RecordHeader[] = Object.freeze([]);

/** Kafka's DefaultRecordBatch.incrementSequence: sequences wrap from int32 max to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > 0x7fffffff - increment) return increment - (0x7fffffff - sequence) - 1;
  return sequence + increment;
}

/**
 * Decodes one record at the reader's position and advances past it (Kafka's DefaultRecord.readFrom).
 *
 * Layout: `length varint | attributes int8 | timestampDelta varlong | offsetDelta varint | keyLength varint | key |
 * valueLength varint | value | headerCount varint | (headerKeyLength varint, key, headerValueLength varint, value)*`.
 * A negative key/value length is null (as Kafka's Utils.readBytes); a negative header key length, a negative
 * header count, or a length that disagrees with the bytes read throw {@link RecordsError} INVALID_RECORD (87).
 */
export function readDefaultRecord(r: RecordReader, ctx: RecordContext): DefaultRecord {
  const recordStart = r.pos;
  const bodySize = r.varint();
  if (bodySize < 0 || bodySize > r.remaining) r.fail(`invalid record size ${bodySize}, ${r.remaining} bytes left`);
  const start = r.pos;
  const outerEnd = r.end;
  // Bound every field by the record's own declared size, so one bad record cannot read into the next.
  r.end = start + bodySize;
  const attributes = r.int8();
  const tsStart = r.pos;
  let timestamp: bigint;
  const timestampDelta = r.varlong();
  if (r.lossy) {
    r.lossy = false;
    r.pos = tsStart;
    timestamp = BigInt.asIntN(64, ctx.baseTimestamp + r.varlongBig());
  } else {
    timestamp =
      timestampDelta === 0 ? ctx.baseTimestamp : BigInt.asIntN(64, ctx.baseTimestamp + BigInt(timestampDelta));
  }
  if (ctx.logAppendTime !== null) timestamp = ctx.logAppendTime;
  const offsetDelta = r.varint();
  const keyLength = r.varint();
  const key = keyLength < 0 ? null : r.bytes(keyLength);
  const valueLength = r.varint();
  const value = valueLength < 0 ? null : r.bytes(valueLength);
  const headerCount = r.varint();
  if (headerCount < 0) r.fail(`invalid number of record headers ${headerCount}`);
  if (headerCount > r.remaining) r.fail(`header count ${headerCount} exceeds remaining ${r.remaining} bytes`);
  let headers = NO_HEADERS;
  if (headerCount > 0) {
    const list: RecordHeader[] = new Array(headerCount);
    for (let i = 0; i < headerCount; i++) {
      const keySize = r.varint();
      if (keySize < 0) r.fail(`invalid negative header key size ${keySize}`);
      const keyAt = r.pos;
      r.skip(keySize);
      const headerKey = r.buf.toString('utf8', keyAt, keyAt + keySize);
      const valueSize = r.varint();
      list[i] = { key: headerKey, value: valueSize < 0 ? null : r.bytes(valueSize) };
    }
    headers = list;
  }
  if (r.pos !== start + bodySize) r.fail(`record size ${bodySize} but fields took ${r.pos - start} bytes`);
  r.end = outerEnd;
  return {
    offset: ctx.baseOffset + BigInt(offsetDelta),
    offsetDelta,
    timestamp,
    sequence: ctx.baseSequence >= 0 ? incrementSequence(ctx.baseSequence, offsetDelta) : -1,
    attributes,
    key,
    value,
    headers,
    sizeInBytes: r.pos - recordStart,
  };
}

/** A header ready to encode: key already UTF-8 encoded. */
export interface EncodedHeader {
  key: Buffer;
  value: Buffer | null;
}

/** Size of a record body (everything after its length varint), in bytes (Kafka's DefaultRecord.sizeOfBodyInBytes). */
export function sizeOfRecordBody(
  offsetDelta: number,
  timestampDelta: number | bigint,
  key: Buffer | null,
  value: Buffer | null,
  headers: readonly EncodedHeader[],
): number {
  let size = 1 + sizeOfVarlong(timestampDelta) + sizeOfVarint(offsetDelta);
  size += key === null ? 1 : sizeOfVarint(key.length) + key.length;
  size += value === null ? 1 : sizeOfVarint(value.length) + value.length;
  size += sizeOfVarint(headers.length);
  for (const h of headers) {
    size += sizeOfVarint(h.key.length) + h.key.length;
    size += h.value === null ? 1 : sizeOfVarint(h.value.length) + h.value.length;
  }
  return size;
}

/**
 * Writes one record at `pos` (attributes 0) given its precomputed body size; returns the next position. `buf`
 * must have `sizeOfVarint(bodySize) + bodySize` bytes of room.
 */
export function writeDefaultRecord(
  buf: Buffer,
  pos: number,
  bodySize: number,
  offsetDelta: number,
  timestampDelta: number | bigint,
  key: Buffer | null,
  value: Buffer | null,
  headers: readonly EncodedHeader[],
): number {
  pos = writeVarint(buf, pos, bodySize);
  buf[pos++] = 0;
  pos = writeVarlong(buf, pos, timestampDelta);
  pos = writeVarint(buf, pos, offsetDelta);
  if (key === null) {
    buf[pos++] = 1; // varint -1
  } else {
    pos = writeVarint(buf, pos, key.length);
    pos += key.copy(buf, pos);
  }
  if (value === null) {
    buf[pos++] = 1;
  } else {
    pos = writeVarint(buf, pos, value.length);
    pos += value.copy(buf, pos);
  }
  pos = writeVarint(buf, pos, headers.length);
  for (const h of headers) {
    pos = writeVarint(buf, pos, h.key.length);
    pos += h.key.copy(buf, pos);
    if (h.value === null) {
      buf[pos++] = 1;
    } else {
      pos = writeVarint(buf, pos, h.value.length);
      pos += h.value.copy(buf, pos);
    }
  }
  return pos;
}
