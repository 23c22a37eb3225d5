/**
 * int64 fields read and written as JS numbers, exact for |v| < 2^53 (offsets and millisecond timestamps).
 * The storage engine keeps offsets as numbers internally because BigInt arithmetic on every batch of the
 * append/read path costs an allocation each; the public API converts at its edge.
 */
const TWO_32 = 4294967296;

/** The big-endian int64 at `offset` of `buf`, as a number. */
export function readInt64(buf: Buffer, offset: number): number {
  return buf.readInt32BE(offset) * TWO_32 + buf.readUInt32BE(offset + 4);
}

/** Writes `value` (an integer, |value| < 2^53) as a big-endian int64 at `offset` of `buf`. */
export function writeInt64(buf: Buffer, offset: number, value: number): void {
  const hi = Math.floor(value / TWO_32);
  buf.writeInt32BE(hi, offset);
  buf.writeUInt32BE(value - hi * TWO_32, offset + 4);
}
