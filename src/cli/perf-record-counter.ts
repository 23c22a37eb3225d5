import { iterateBatches } from '../protocol/records/batch-iterator.ts';
import { decompressRecords } from '../protocol/records/record-iterator.ts';

/**
 * A cursor over one batch's records: `varint()` reads the zig-zag varint at `at` and moves past it. A field rather
 * than a [value, position] pair per call: a 16 MiB fetch holds ~16,000 1 KiB records of 4 varints each, and the
 * pairs were most of what the counter allocated.
 */
class VarintCursor {
  readonly buf: Buffer;
  at = 0;

  constructor(buf: Buffer) {
    this.buf = buf;
  }

  varint(): number {
    const buf = this.buf;
    let raw = 0;
    let shift = 0;
    let b: number;
    do {
      b = buf[this.at++]!;
      raw |= (b & 0x7f) << shift;
      shift += 7;
    } while ((b & 0x80) !== 0 && shift < 35);
    return (raw >>> 1) ^ -(raw & 1);
  }

  /** Skips a varlong (timestampDelta). */
  skipVarlong(): void {
    while ((this.buf[this.at++]! & 0x80) !== 0);
  }
}

/**
 * What `consumer-perf-test` counts of a fetched partition's bytes from offset `from` on: the records (control
 * batches left out) and their key plus value bytes (Kafka's ConsumerPerformance counts `key.length + value.length`),
 * and the offset to fetch next. Records are read in place (DefaultRecord's layout, no objects per record);
 * compressed batches are decompressed first. At most `limit` records are counted; the next offset then follows the last
 * one counted. @throws CompressionError / RangeError on a corrupt batch.
 */
export async function countRecords(bytes: Buffer, from: bigint, limit = Number.MAX_SAFE_INTEGER): Promise<{ records: number; bytes: number; nextOffset: bigint }> {
  let records = 0;
  let total = 0;
  let next = from;
  for (const batch of iterateBatches(bytes)) {
    if (batch.lastOffset < from) continue;
    if (records >= limit) break;
    next = batch.nextOffset;
    if (batch.isControl) continue;
    const body = batch.compression === 0 ? batch.recordsBytes : await decompressRecords(batch);
    // Only a batch that starts before `from` holds records to skip.
    const firstDelta = batch.baseOffset < from ? Number(from - batch.baseOffset) : 0;
    const c = new VarintCursor(body);
    for (let i = 0; i < batch.recordCount; i++) {
      const length = c.varint();
      const end = c.at + length;
      c.at++; // attributes
      c.skipVarlong();
      const offsetDelta = c.varint();
      const keyLength = c.varint();
      if (keyLength > 0) c.at += keyLength;
      const valueLength = c.varint();
      if (offsetDelta >= firstDelta) {
        records++;
        total += Math.max(keyLength, 0) + Math.max(valueLength, 0);
        if (records === limit) return { records, bytes: total, nextOffset: batch.baseOffset + BigInt(offsetDelta) + 1n };
      }
      c.at = end;
    }
  }
  return { records, bytes: total, nextOffset: next };
}

/** The offset after the last batch of `bytes` (batch headers only), or `from` when it holds none. */
export function nextOffset(bytes: Buffer, from: bigint): bigint {
  let next = from;
  for (const batch of iterateBatches(bytes)) if (batch.nextOffset > next) next = batch.nextOffset;
  return next;
}
