import { RecordsError, RecordsErrorCode } from './records-error.ts';

const EMPTY = Buffer.alloc(0);

/**
 * A bounds-checked cursor over record bytes (the body of a v2 batch), reading Kafka's record primitives: int8,
 * zig-zag varint (<= 5 bytes) and varlong (<= 10 bytes), and byte views. Every failure is a {@link RecordsError}
 * with INVALID_RECORD (87), as Kafka's DefaultRecord.readFrom turns BufferUnderflow and "varint too long" into
 * InvalidRecordException. The reader is reusable (`reset`) so that a validator can walk records with no per-record
 * allocation.
 */
export class RecordReader {
  buf: Buffer = EMPTY;
  pos = 0;
  end = 0;
  /** Set by {@link varlong} when the value did not fit a double exactly (re-read it with {@link varlongBig}). */
  lossy = false;

  constructor(buf: Buffer = EMPTY, pos = 0, end: number = buf.length) {
    this.reset(buf, pos, end);
  }

  reset(buf: Buffer, pos: number, end: number): this {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    this.lossy = false;
    return this;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(message: string): never {
    throw new RecordsError(RecordsErrorCode.INVALID_RECORD, `${message} (at byte ${this.pos})`);
  }

  int8(): number {
    if (this.pos >= this.end) this.fail('truncated record');
    const b = this.buf[this.pos++]!;
    return (b << 24) >> 24;
  }

  /** Zig-zag varint of at most 5 bytes (an int32). */
  varint(): number {
    const buf = this.buf;
    let p = this.pos;
    const end = this.end;
    if (p >= end) this.fail('truncated varint');
    let b = buf[p++]!;
    let raw = b & 0x7f;
    if (b >= 0x80) {
      let shift = 7;
      for (;;) {
        if (p >= end) {
          this.pos = p;
          this.fail('truncated varint');
        }
        b = buf[p++]!;
        raw |= (b & 0x7f) << shift;
        if (b < 0x80) break;
        shift += 7;
        if (shift > 28) {
          this.pos = p;
          this.fail('varint longer than 5 bytes');
        }
      }
    }
    this.pos = p;
    return (raw >>> 1) ^ -(raw & 1);
  }

  /**
   * Zig-zag varlong of at most 10 bytes as a number. Exact for |v| < 2^52 (every real timestamp delta); from
   * there on the value may be rounded and {@link lossy} is set.
   */
  varlong(): number {
    const buf = this.buf;
    let p = this.pos;
    const end = this.end;
    if (p >= end) this.fail('truncated varlong');
    let b = buf[p++]!;
    let raw = b & 0x7f;
    if (b >= 0x80) {
      let mul = 128;
      for (let i = 1; ; i++) {
        if (p >= end) {
          this.pos = p;
          this.fail('truncated varlong');
        }
        b = buf[p++]!;
        raw += (b & 0x7f) * mul;
        if (b < 0x80) break;
        if (i === 9) {
          this.pos = p;
          this.fail('varlong longer than 10 bytes');
        }
        mul *= 128;
      }
    }
    this.pos = p;
    // From 2^53 on, the sum above may have rounded; the zig-zag value is then |v| >= 2^52.
    if (raw >= 2 ** 53) this.lossy = true;
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }

  /** Zig-zag varlong of at most 10 bytes, exact, as a bigint (int64). */
  varlongBig(): bigint {
    let raw = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varlong');
      const b = this.buf[this.pos++]!;
      raw |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) {
        raw = BigInt.asUintN(64, raw);
        return (raw >> 1n) ^ -(raw & 1n);
      }
      shift += 7n;
    }
    this.fail('varlong longer than 10 bytes');
  }

  /** Advances over `n` bytes (n >= 0). */
  skip(n: number): void {
    if (n > this.end - this.pos) this.fail(`need ${n} bytes, ${this.end - this.pos} left`);
    this.pos += n;
  }

  /** A view of `n` bytes (no copy). */
  bytes(n: number): Buffer {
    const at = this.pos;
    this.skip(n);
    return this.buf.subarray(at, at + n);
  }
}
