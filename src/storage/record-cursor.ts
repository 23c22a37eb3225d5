import { CorruptRecordError } from './errors.ts';

/**
 * A small, private reader of v2 records (DefaultRecord layout) for the storage engine's own needs: record keys
 * (compaction, keyless-record checks on compacted topics) and timestamps/offsets (ListOffsets by timestamp).
 * It walks the records region of an uncompressed batch, or the decompressed blob of a compressed one, without
 * allocating per record: fields of the current record are plain properties of the cursor.
 *
 * Record: `length varint | attributes int8 | timestampDelta varlong | offsetDelta varint | keyLen varint | key |
 * valueLen varint | value | headerCount varint | headers`. Lengths of -1 mean null.
 */
export class RecordCursor {
  #buf: Buffer = Buffer.alloc(0);
  #pos = 0;
  #end = 0;
  #remaining = 0;
  /** Position of the current record's length varint. */
  start = 0;
  /** Position just after the current record. */
  recordEnd = 0;
  /** Position of the current record's attributes byte (just after the length varint). */
  bodyStart = 0;
  timestampDelta = 0;
  /** Position of the timestampDelta varlong, and just after it. */
  timestampDeltaStart = 0;
  timestampDeltaEnd = 0;
  offsetDelta = 0;
  /** Key position and length (-1 for a null key). */
  keyStart = 0;
  keyLength = -1;
  /** Value position and length (-1 for a null value: a tombstone). */
  valueStart = 0;
  valueLength = -1;

  /** Starts over on `count` records in `buf[start, end)`. */
  reset(buf: Buffer, start: number, end: number, count: number): this {
    this.#buf = buf;
    this.#pos = start;
    this.#end = end;
    this.#remaining = count;
    return this;
  }

  get buffer(): Buffer {
    return this.#buf;
  }

  /**
   * Moves to the next record.
   * @returns false after the last one.
   * @throws CorruptRecordError when a record does not fit or its fields overrun its length.
   */
  next(): boolean {
    if (this.#remaining <= 0) return false;
    this.#remaining--;
    this.start = this.#pos;
    const length = this.#varint();
    this.bodyStart = this.#pos;
    this.recordEnd = this.#pos + length;
    if (length < 0 || this.recordEnd > this.#end) throw new CorruptRecordError(`record of ${length} bytes overruns its batch`);
    this.#pos++; // attributes (unused since magic 2)
    this.timestampDeltaStart = this.#pos;
    this.timestampDelta = this.#varlong();
    this.timestampDeltaEnd = this.#pos;
    this.offsetDelta = this.#varint();
    this.keyLength = this.#varint();
    this.keyStart = this.#pos;
    if (this.keyLength > 0) this.#pos += this.keyLength;
    this.valueLength = this.#varint();
    this.valueStart = this.#pos;
    if (this.valueLength > 0) this.#pos += this.valueLength;
    if (this.#pos > this.recordEnd) throw new CorruptRecordError('record fields overrun the record length');
    this.#pos = this.recordEnd;
    return true;
  }

  /** The key as a Map key: its bytes as a latin1 string (one char per byte, so distinct keys stay distinct). */
  keyString(): string {
    return this.#buf.toString('latin1', this.keyStart, this.keyStart + this.keyLength);
  }

  #varint(): number {
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      if (this.#pos >= this.#end) throw new CorruptRecordError('varint overruns the batch');
      b = this.#buf[this.#pos++]!;
      if (shift < 32) result |= (b & 0x7f) << shift;
      shift += 7;
    } while ((b & 0x80) !== 0 && shift < 35);
    if ((b & 0x80) !== 0) throw new CorruptRecordError('varint longer than 5 bytes');
    return (result >>> 1) ^ -(result & 1);
  }

  #varlong(): number {
    let result = 0;
    let mul = 1;
    let b: number;
    let n = 0;
    do {
      if (this.#pos >= this.#end) throw new CorruptRecordError('varlong overruns the batch');
      b = this.#buf[this.#pos++]!;
      result += (b & 0x7f) * mul;
      mul *= 128;
      n++;
    } while ((b & 0x80) !== 0 && n < 10);
    if ((b & 0x80) !== 0) throw new CorruptRecordError('varlong longer than 10 bytes');
    return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
  }
}

/** Bytes of `v` as a zig-zag varlong (|v| < 2^52). */
export function varlongSize(v: number): number {
  let z = v >= 0 ? v * 2 : -v * 2 - 1;
  let n = 1;
  while (z >= 128) {
    z = Math.floor(z / 128);
    n++;
  }
  return n;
}

/** Bytes of `v` as a zig-zag varint (int32). */
export function varintSize(v: number): number {
  let z = ((v << 1) ^ (v >> 31)) >>> 0;
  let n = 1;
  while (z >= 128) {
    z >>>= 7;
    n++;
  }
  return n;
}

/** Writes `v` as a zig-zag varlong at `pos`; returns the position after it. */
export function writeVarlong(buf: Buffer, pos: number, v: number): number {
  let z = v >= 0 ? v * 2 : -v * 2 - 1;
  while (z >= 128) {
    buf[pos++] = (z % 128) | 0x80;
    z = Math.floor(z / 128);
  }
  buf[pos++] = z;
  return pos;
}

/** Writes `v` as a zig-zag varint at `pos`; returns the position after it. */
export function writeVarint(buf: Buffer, pos: number, v: number): number {
  let z = ((v << 1) ^ (v >> 31)) >>> 0;
  while (z >= 128) {
    buf[pos++] = (z & 0x7f) | 0x80;
    z >>>= 7;
  }
  buf[pos++] = z;
  return pos;
}

type CompressionModule = typeof import('../protocol/records/compression.ts');
let compression: Promise<CompressionModule> | null = null;

/**
 * The compression codecs (src/protocol/records/compression.ts), loaded on first use: the native codec bindings
 * cost a noticeable part of process start-up, and most logs never need them here.
 */
export function compressionCodecs(): Promise<CompressionModule> {
  compression ??= import('../protocol/records/compression.ts');
  return compression;
}

/** Decompresses the records blob of a batch compressed with `codec` (1 gzip, 2 snappy, 3 lz4, 4 zstd). */
export async function decompressRecords(codec: number, blob: Buffer): Promise<Buffer> {
  const { decompress } = await compressionCodecs();
  return decompress(codec as 1 | 2 | 3 | 4, blob);
}
