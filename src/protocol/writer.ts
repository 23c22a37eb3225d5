import type { TaggedField } from './reader.ts';

/**
 * Record bytes that live outside the JS heap's encode buffer: typically slices of segment files that the
 * network layer sends with sendfile(2). The encoder writes only their length prefix; the bytes themselves are
 * placed in the output chunk list at the right position (see {@link Writer.chunks}).
 */
export interface ExternalRecords {
  /** Exact number of bytes the network layer will send for these records (the sum of the region lengths). */
  readonly sizeInBytes: number;
  /** The file ranges that hold these bytes, in order. */
  readonly regions: readonly FileRegion[];
  /**
   * Called exactly once when the bytes have been sent or the response was dropped, so the owner (a log
   * segment) may close a file whose deletion was deferred while the send was in flight.
   */
  release?(): void;
}

/** A byte range of an open file: `length` bytes at `position` of file descriptor `fd`. */
export interface FileRegion {
  readonly fd: number;
  readonly position: number;
  readonly length: number;
}

/** The value of a `records` field: bytes in memory, or a reference to bytes elsewhere (file slices). */
export type RecordsData = Buffer | ExternalRecords;

/** One piece of an encoded message: in-memory bytes, or external record bytes to be streamed in place. */
export type OutputChunk = Buffer | ExternalRecords;

export function recordsSize(records: RecordsData | null): number {
  if (records === null) return 0;
  return Buffer.isBuffer(records) ? records.length : records.sizeInBytes;
}

function uvarintSize(v: number): number {
  v >>>= 0;
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

/**
 * Growable big-endian encoder for Kafka's primitive types (protocol guide, "Protocol Primitive Types").
 *
 * Writes into one Buffer that doubles as needed. A `records` field holding {@link ExternalRecords} splits the
 * output: everything written so far becomes a chunk, the external reference follows it, and encoding goes on in
 * a fresh region. {@link chunks} returns the ordered pieces; {@link toBuffer} is for messages with no external
 * records. Strings are measured with `Buffer.byteLength` and written once, without an intermediate copy.
 */
export class Writer {
  #buf: Buffer;
  /** DataView over #buf: its BigInt accessors are far faster than Buffer's writeBigInt64BE. */
  #view: DataView;
  #pos = 0;
  #chunkStart = 0;
  #chunks: OutputChunk[] = [];
  readonly #referenceRecordsFrom: number;

  /**
   * @param initialBytes starting capacity (grows by doubling).
   * @param options.referenceRecordsFromBytes in-memory `records` of at least this many bytes are not copied: they
   *   become a chunk of their own (see {@link chunks}), which the caller writes in place (a client's Produce request:
   *   its ~1 MB of batches would otherwise be copied once more per request). Default: always copied.
   */
  constructor(initialBytes = 256, options: { referenceRecordsFromBytes?: number } = {}) {
    this.#referenceRecordsFrom = options.referenceRecordsFromBytes ?? Number.POSITIVE_INFINITY;
    this.#buf = Buffer.allocUnsafe(initialBytes);
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
  }

  /** Bytes written so far (in-memory and external), i.e. the encoded length. */
  get length(): number {
    let n = this.#pos - this.#chunkStart;
    for (const c of this.#chunks) n += Buffer.isBuffer(c) ? c.length : c.sizeInBytes;
    return n;
  }

  #ensure(n: number): void {
    const need = this.#pos + n;
    if (need <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < need) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.#buf.copy(next, 0, this.#chunkStart, this.#pos);
    this.#pos -= this.#chunkStart;
    this.#chunkStart = 0;
    this.#buf = next;
    this.#view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  writeInt8(v: number): this {
    this.#ensure(1);
    this.#buf.writeInt8(v, this.#pos);
    this.#pos += 1;
    return this;
  }

  writeBool(v: boolean): this {
    this.#ensure(1);
    this.#buf[this.#pos++] = v ? 1 : 0;
    return this;
  }

  writeInt16(v: number): this {
    this.#ensure(2);
    this.#buf.writeInt16BE(v, this.#pos);
    this.#pos += 2;
    return this;
  }

  writeUInt16(v: number): this {
    this.#ensure(2);
    this.#buf.writeUInt16BE(v, this.#pos);
    this.#pos += 2;
    return this;
  }

  writeInt32(v: number): this {
    this.#ensure(4);
    this.#buf.writeInt32BE(v, this.#pos);
    this.#pos += 4;
    return this;
  }

  writeUInt32(v: number): this {
    this.#ensure(4);
    this.#buf.writeUInt32BE(v, this.#pos);
    this.#pos += 4;
    return this;
  }

  writeInt64(v: bigint): this {
    this.#ensure(8);
    this.#view.setBigInt64(this.#pos, v);
    this.#pos += 8;
    return this;
  }

  writeFloat64(v: number): this {
    this.#ensure(8);
    this.#buf.writeDoubleBE(v, this.#pos);
    this.#pos += 8;
    return this;
  }

  /** @param v Uuid in Kafka's string form (URL-safe base64, 22 characters, 16 bytes decoded). */
  writeUuid(v: string): this {
    this.#ensure(16);
    const n = this.#buf.write(v, this.#pos, 16, 'base64url');
    if (n !== 16) throw new RangeError(`invalid uuid ${JSON.stringify(v)}`);
    this.#pos += 16;
    return this;
  }

  writeUnsignedVarint(v: number): this {
    this.#ensure(5);
    v >>>= 0;
    while (v >= 0x80) {
      this.#buf[this.#pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.#buf[this.#pos++] = v;
    return this;
  }

  writeVarint(v: number): this {
    return this.writeUnsignedVarint((v << 1) ^ (v >> 31));
  }

  writeVarlong(v: bigint): this {
    this.#ensure(10);
    let z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    while (z >= 0x80n) {
      this.#buf[this.#pos++] = Number(z & 0x7fn) | 0x80;
      z >>= 7n;
    }
    this.#buf[this.#pos++] = Number(z);
    return this;
  }

  writeRaw(b: Buffer | Uint8Array): this {
    this.#ensure(b.length);
    this.#buf.set(b, this.#pos);
    this.#pos += b.length;
    return this;
  }

  #utf8(s: string, len: number): void {
    this.#ensure(len);
    this.#buf.write(s, this.#pos, len, 'utf8');
    this.#pos += len;
  }

  writeString(s: string): this {
    const len = Buffer.byteLength(s, 'utf8');
    if (len > 0x7fff) throw new RangeError(`string of ${len} bytes is longer than 32767`);
    this.writeInt16(len);
    this.#utf8(s, len);
    return this;
  }

  writeNullableString(s: string | null): this {
    if (s === null) return this.writeInt16(-1);
    return this.writeString(s);
  }

  writeCompactString(s: string): this {
    const len = Buffer.byteLength(s, 'utf8');
    this.writeUnsignedVarint(len + 1);
    this.#utf8(s, len);
    return this;
  }

  writeCompactNullableString(s: string | null): this {
    if (s === null) return this.writeUnsignedVarint(0);
    return this.writeCompactString(s);
  }

  writeBytes(b: Buffer | Uint8Array): this {
    this.writeInt32(b.length);
    return this.writeRaw(b);
  }

  writeNullableBytes(b: Buffer | Uint8Array | null): this {
    if (b === null) return this.writeInt32(-1);
    return this.writeBytes(b);
  }

  writeCompactBytes(b: Buffer | Uint8Array): this {
    this.writeUnsignedVarint(b.length + 1);
    return this.writeRaw(b);
  }

  writeCompactNullableBytes(b: Buffer | Uint8Array | null): this {
    if (b === null) return this.writeUnsignedVarint(0);
    return this.writeCompactBytes(b);
  }

  /**
   * Appends record bytes without a length prefix: in-memory bytes are copied (unless as large as the constructor's
   * referenceRecordsFromBytes), external ones become a chunk.
   */
  #recordsBody(r: RecordsData): void {
    if (Buffer.isBuffer(r) && r.length < this.#referenceRecordsFrom) {
      this.writeRaw(r);
      return;
    }
    if (this.#pos > this.#chunkStart) this.#chunks.push(this.#buf.subarray(this.#chunkStart, this.#pos));
    this.#chunks.push(r);
    this.#chunkStart = this.#pos;
  }

  /** `records` field, non-flexible: int32 length (-1 for null) then the bytes. */
  writeRecords(r: RecordsData | null): this {
    if (r === null) return this.writeInt32(-1);
    this.writeInt32(recordsSize(r));
    this.#recordsBody(r);
    return this;
  }

  /** `records` field, flexible: uvarint (length + 1), 0 for null, then the bytes. */
  writeCompactRecords(r: RecordsData | null): this {
    if (r === null) return this.writeUnsignedVarint(0);
    this.writeUnsignedVarint(recordsSize(r) + 1);
    this.#recordsBody(r);
    return this;
  }

  writeArrayLength(n: number): this {
    return this.writeInt32(n);
  }

  /** @param n element count, or -1 for a null array. */
  writeCompactArrayLength(n: number): this {
    return this.writeUnsignedVarint(n + 1);
  }

  /** Writes raw unknown tagged fields (already sorted with the known ones by the caller). */
  writeTaggedField(f: TaggedField): this {
    this.writeUnsignedVarint(f.tag);
    this.writeUnsignedVarint(f.data.length);
    return this.writeRaw(f.data);
  }

  /** Overwrites an int32 at an absolute in-memory position of the current chunk (size prefixes). */
  patchInt32(position: number, v: number): void {
    this.#buf.writeInt32BE(v, this.#chunkStart + position);
  }

  /** Position within the current in-memory chunk, for {@link patchInt32}. */
  get chunkPosition(): number {
    return this.#pos - this.#chunkStart;
  }

  /** The encoded message as ordered chunks: Buffers (views, valid until the next write) and external records. */
  chunks(): OutputChunk[] {
    const out = this.#chunks.slice();
    if (this.#pos > this.#chunkStart) out.push(this.#buf.subarray(this.#chunkStart, this.#pos));
    return out;
  }

  /** The encoded message as one Buffer view; throws if it contains external records. */
  toBuffer(): Buffer {
    if (this.#chunks.length > 0) {
      throw new Error('message holds external records; use chunks()');
    }
    return this.#buf.subarray(this.#chunkStart, this.#pos);
  }
}

/** Encoded sizes of primitives, for the generated `size*` functions. */
export const Sizes = {
  uvarint: uvarintSize,
  varint(v: number): number {
    return uvarintSize((v << 1) ^ (v >> 31));
  },
  varlong(v: bigint): number {
    let z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    let n = 1;
    while (z >= 0x80n) {
      z >>= 7n;
      n++;
    }
    return n;
  },
  utf8(s: string): number {
    return Buffer.byteLength(s, 'utf8');
  },
  string(s: string): number {
    return 2 + Buffer.byteLength(s, 'utf8');
  },
  nullableString(s: string | null): number {
    return s === null ? 2 : 2 + Buffer.byteLength(s, 'utf8');
  },
  compactString(s: string): number {
    const len = Buffer.byteLength(s, 'utf8');
    return uvarintSize(len + 1) + len;
  },
  compactNullableString(s: string | null): number {
    if (s === null) return 1;
    const len = Buffer.byteLength(s, 'utf8');
    return uvarintSize(len + 1) + len;
  },
  bytes(b: Uint8Array | null): number {
    return 4 + (b === null ? 0 : b.length);
  },
  compactBytes(b: Uint8Array | null): number {
    return b === null ? 1 : uvarintSize(b.length + 1) + b.length;
  },
  records(r: RecordsData | null): number {
    return 4 + recordsSize(r);
  },
  compactRecords(r: RecordsData | null): number {
    return r === null ? 1 : uvarintSize(recordsSize(r) + 1) + recordsSize(r);
  },
  taggedField(f: TaggedField): number {
    return uvarintSize(f.tag) + uvarintSize(f.data.length) + f.data.length;
  },
} as const;
