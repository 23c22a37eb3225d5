// Limit: raw append. Appends the record batches of a segment the broker wrote (the very batches of a produce
// run) to a new file with one fs.writeSync per batch, the page-cache write every broker append pays, without
// any Kafka work. No fsync: the broker does not fsync on produce either (log.flush.interval.messages = MAX).
import { closeSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface RawAppend {
  /** Wall seconds to append every batch. */
  seconds: number;
  /** Bytes written (the segments' size). */
  bytes: number;
  batches: number;
  /** Records in those batches (sum of lastOffsetDelta + 1): lets the caller check that a run stored them all. */
  records: number;
  /** Compression codec id of the first batch (attributes & 7: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd). */
  firstCodec: number;
}

/**
 * Reads the .log segments of the partition directory `partitionDir` (Kafka v2 batches: baseOffset int64,
 * batchLength int32, partitionLeaderEpoch int32, magic int8, crc int32, attributes int16, lastOffsetDelta int32)
 * and appends their batches one write each to a scratch file in `scratchDir` (same filesystem as the log),
 * removed afterwards. @throws on I/O errors or a malformed batch length.
 */
export function measureRawAppend(partitionDir: string, scratchDir: string): RawAppend {
  const segments = readdirSync(partitionDir).filter((f) => f.endsWith('.log')).sort();
  const data = segments.length === 1 ? readFileSync(join(partitionDir, segments[0]!)) : Buffer.concat(segments.map((f) => readFileSync(join(partitionDir, f))));
  const bounds: number[] = [];
  let records = 0;
  for (let pos = 0; pos + 12 <= data.length; ) {
    const size = 12 + data.readInt32BE(pos + 8);
    if (size === 12) break; // zero fill after the last batch (a preallocated segment)
    if (size < 61 || pos + size > data.length) throw new Error(`bad batch at ${pos} in ${partitionDir}`);
    records += data.readInt32BE(pos + 23) + 1;
    bounds.push(pos);
    pos += size;
  }
  bounds.push(bounds.length === 0 ? 0 : bounds[bounds.length - 1]! + 12 + data.readInt32BE(bounds[bounds.length - 1]! + 8));
  const scratch = join(scratchDir, `raw-append-${process.pid}.log`);
  const fd = openSync(scratch, 'w');
  try {
    const t0 = performance.now();
    for (let i = 0; i + 1 < bounds.length; i++) writeSync(fd, data, bounds[i]!, bounds[i + 1]! - bounds[i]!);
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, bytes: bounds[bounds.length - 1]!, batches: bounds.length - 1, records, firstCodec: data.length >= 23 ? data.readInt16BE(21) & 7 : 0 };
  } finally {
    closeSync(fd);
    rmSync(scratch, { force: true });
  }
}
