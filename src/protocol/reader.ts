import { DecodeError } from './decode-error.ts';

/** A tagged field that this version of the schema does not know: kept as raw bytes so it can be written back. */
export interface TaggedField {
  tag: number;
  data: Buffer;
}

/** Kafka's all-zero Uuid (`Uuid.ZERO_UUID`) in its string form (URL-safe base64, no padding). */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

/**
 * Cursor over a Buffer for Kafka's big-endian primitive types (protocol guide, "Protocol Primitive Types").
 *
 * Byte fields (`bytes`, `records`) are returned as `subarray` views of the input: no copies. int64 values are
 * `bigint`. Every read checks the remaining length first and throws {@link DecodeError} on truncated input; no
 * read allocates more than the bytes actually present (array counts are checked against the remaining bytes,
 * as Kafka's generated readers do), so a hostile length field cannot cause a large allocation.
 */
export class Reader {
  readonly buf: Buffer;
  offset: number;
  readonly end: number;
  #view: DataView | undefined;

  /** @param buf input bytes; @param offset first byte to read; @param end one past the last readable byte. */
  constructor(buf: Buffer, offset = 0, end = buf.length) {
    this.buf = buf;
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  #need(n: number): number {
    const at = this.offset;
    if (n < 0 || at + n > this.end) throw new DecodeError(`need ${n} bytes, ${this.end - at} left`, at);
    this.offset = at + n;
    return at;
  }

  fail(message: string): never {
    throw new DecodeError(message, this.offset);
  }

  readInt8(): number {
    return this.buf.readInt8(this.#need(1));
  }

  readBool(): boolean {
    return this.buf[this.#need(1)] !== 0;
  }

  readInt16(): number {
    return this.buf.readInt16BE(this.#need(2));
  }

  readUInt16(): number {
    return this.buf.readUInt16BE(this.#need(2));
  }

  readInt32(): number {
    return this.buf.readInt32BE(this.#need(4));
  }

  readUInt32(): number {
    return this.buf.readUInt32BE(this.#need(4));
  }

  readInt64(): bigint {
    // DataView's BigInt accessor is several times faster than Buffer.readBigInt64BE.
    this.#view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    return this.#view.getBigInt64(this.#need(8));
  }

  readFloat64(): number {
    return this.buf.readDoubleBE(this.#need(8));
  }

  /** A 16-byte Uuid, returned in Kafka's string form (URL-safe base64 without padding, 22 characters). */
  readUuid(): string {
    const at = this.#need(16);
    return this.buf.toString('base64url', at, at + 16);
  }

  /** Unsigned LEB128 varint of at most 5 bytes (a uint32). */
  readUnsignedVarint(): number {
    let value = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      if (this.offset >= this.end) throw new DecodeError('truncated varint', this.offset);
      const b = this.buf[this.offset++]!;
      value |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value >>> 0;
      shift += 7;
    }
    throw new DecodeError('varint longer than 5 bytes', this.offset);
  }

  /** Zig-zag encoded signed varint (int32), as used in record fields. */
  readVarint(): number {
    const raw = this.readUnsignedVarint();
    return (raw >>> 1) ^ -(raw & 1);
  }

  /** Zig-zag encoded signed varlong (int64) of at most 10 bytes, returned as a bigint. */
  readVarlong(): bigint {
    let value = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.offset >= this.end) throw new DecodeError('truncated varlong', this.offset);
      const b = this.buf[this.offset++]!;
      value |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return (value >> 1n) ^ -(value & 1n);
      shift += 7n;
    }
    throw new DecodeError('varlong longer than 10 bytes', this.offset);
  }

  /** Zig-zag varlong that must fit a JS number exactly (timestamps deltas, offsets deltas). */
  readVarlongNumber(): number {
    const v = this.readVarlong();
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) this.fail('varlong out of range');
    return Number(v);
  }

  #utf8(len: number): string {
    const at = this.#need(len);
    return this.buf.toString('utf8', at, at + len);
  }

  /** int16 length + UTF-8; -1 is an error here (use {@link readNullableString}). */
  readString(): string {
    const len = this.readInt16();
    if (len < 0) this.fail('non-nullable string is null');
    return this.#utf8(len);
  }

  readNullableString(): string | null {
    const len = this.readInt16();
    if (len < 0) {
      if (len !== -1) this.fail(`invalid string length ${len}`);
      return null;
    }
    return this.#utf8(len);
  }

  /** uvarint (length + 1) + UTF-8. */
  readCompactString(): string {
    const n = this.readUnsignedVarint();
    if (n === 0) this.fail('non-nullable compact string is null');
    return this.#utf8(n - 1);
  }

  readCompactNullableString(): string | null {
    const n = this.readUnsignedVarint();
    return n === 0 ? null : this.#utf8(n - 1);
  }

  /** Returns a view of `len` bytes at the cursor (no copy). */
  readRaw(len: number): Buffer {
    const at = this.#need(len);
    return this.buf.subarray(at, at + len);
  }

  /** int32 length + bytes (view, no copy). */
  readBytes(): Buffer {
    const len = this.readInt32();
    if (len < 0) this.fail('non-nullable bytes is null');
    return this.readRaw(len);
  }

  readNullableBytes(): Buffer | null {
    const len = this.readInt32();
    if (len < 0) {
      if (len !== -1) this.fail(`invalid bytes length ${len}`);
      return null;
    }
    return this.readRaw(len);
  }

  readCompactBytes(): Buffer {
    const n = this.readUnsignedVarint();
    if (n === 0) this.fail('non-nullable compact bytes is null');
    return this.readRaw(n - 1);
  }

  readCompactNullableBytes(): Buffer | null {
    const n = this.readUnsignedVarint();
    return n === 0 ? null : this.readRaw(n - 1);
  }

  /** int32 array count; -1 means null. Counts larger than the remaining bytes are rejected before allocation. */
  readArrayLength(): number {
    const n = this.readInt32();
    if (n < -1) this.fail(`invalid array length ${n}`);
    if (n > this.remaining) this.fail(`array length ${n} exceeds remaining ${this.remaining} bytes`);
    return n;
  }

  /** uvarint (count + 1); returns -1 for null. */
  readCompactArrayLength(): number {
    const n = this.readUnsignedVarint() - 1;
    if (n > this.remaining) this.fail(`array length ${n} exceeds remaining ${this.remaining} bytes`);
    return n;
  }

  /**
   * Tagged-field section of a flexible struct: uvarint count, then (uvarint tag, uvarint size, bytes) each.
   * `onTag` returns true when it consumed a known tag (it must read exactly `size` bytes); unknown tags are
   * returned as raw views so an encoder can write them back unchanged.
   */
  readTaggedFields(onTag?: (tag: number, size: number) => boolean): TaggedField[] | undefined {
    const count = this.readUnsignedVarint();
    let unknown: TaggedField[] | undefined;
    let lastTag = -1;
    for (let i = 0; i < count; i++) {
      const tag = this.readUnsignedVarint();
      if (tag <= lastTag) this.fail(`tagged fields out of order: ${tag} after ${lastTag}`);
      lastTag = tag;
      const size = this.readUnsignedVarint();
      if (size > this.remaining) this.fail(`tagged field size ${size} exceeds remaining ${this.remaining}`);
      const start = this.offset;
      if (onTag !== undefined && onTag(tag, size)) {
        if (this.offset !== start + size) this.fail(`tagged field ${tag} size mismatch`);
      } else {
        (unknown ??= []).push({ tag, data: this.readRaw(size) });
      }
    }
    return unknown;
  }
}
