/**
 * Varint helpers for record encoding (Kafka's ByteUtils: zig-zag varint for int32, varlong for int64, LEB128).
 * Writers take `(buf, pos, value)` and return the position after the written bytes, so an encoder that has sized
 * its output exactly can write straight into one Buffer with no intermediate objects.
 */

/** Bytes taken by a zig-zag varint of the int32 `v`. */
export function sizeOfVarint(v: number): number {
  let z = ((v << 1) ^ (v >> 31)) >>> 0;
  let n = 1;
  while (z >= 0x80) {
    z >>>= 7;
    n++;
  }
  return n;
}

/** Zig-zag encoding of an int64 given as a number (exact while |v| <= 2^52) as a non-negative double. */
function zigZagNumber(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

const SAFE_VARLONG = 2 ** 52;

/** Bytes taken by a zig-zag varlong of `v` (a number exact to 2^52, or a bigint). */
export function sizeOfVarlong(v: number | bigint): number {
  if (typeof v === 'bigint' || v > SAFE_VARLONG || v < -SAFE_VARLONG) {
    let z = BigInt.asUintN(64, (BigInt(v) << 1n) ^ (BigInt(v) >> 63n));
    let n = 1;
    while (z >= 0x80n) {
      z >>= 7n;
      n++;
    }
    return n;
  }
  let z = zigZagNumber(v);
  let n = 1;
  while (z >= 0x80) {
    z = Math.floor(z / 128);
    n++;
  }
  return n;
}

/** Writes the int32 `v` as a zig-zag varint at `pos`; returns the next position. `buf` must have room (<= 5). */
export function writeVarint(buf: Buffer, pos: number, v: number): number {
  let z = ((v << 1) ^ (v >> 31)) >>> 0;
  while (z >= 0x80) {
    buf[pos++] = (z & 0x7f) | 0x80;
    z >>>= 7;
  }
  buf[pos++] = z;
  return pos;
}

/** Writes `v` as a zig-zag varlong at `pos`; returns the next position. `buf` must have room (<= 10 bytes). */
export function writeVarlong(buf: Buffer, pos: number, v: number | bigint): number {
  if (typeof v === 'bigint' || v > SAFE_VARLONG || v < -SAFE_VARLONG) {
    let z = BigInt.asUintN(64, (BigInt(v) << 1n) ^ (BigInt(v) >> 63n));
    while (z >= 0x80n) {
      buf[pos++] = Number(z & 0x7fn) | 0x80;
      z >>= 7n;
    }
    buf[pos++] = Number(z);
    return pos;
  }
  let z = zigZagNumber(v);
  while (z >= 0x80) {
    buf[pos++] = (z % 128) | 0x80;
    z = Math.floor(z / 128);
  }
  buf[pos++] = z;
  return pos;
}
