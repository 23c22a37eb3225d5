// Limit: raw append. Appends the record batches of a segment the broker wrote (the very batches of a produce
// run) to a new file with one fs.writeSync per batch, the page-cache write every broker append pays, without
// any Kafka work. No fsync: the broker does not fsync on produce either (log.flush.interval.messages = MAX).
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface RawAppend {
  /** Wall seconds to append every batch. */
  seconds: number;
  /** Bytes written (the segment's size). */
  bytes: number;
  batches: number;
}

/**
 * Reads `segmentPath` (a Kafka .log file of v2 batches: baseOffset int64, batchLength int32, ...) and appends
 * its batches one write each to a scratch file in `scratchDir` (same filesystem as the log), removed afterwards.
 * @throws on I/O errors or a malformed batch length.
 */
export function measureRawAppend(segmentPath: string, scratchDir: string): RawAppend {
  const data = readFileSync(segmentPath);
  const bounds: number[] = [];
  for (let pos = 0; pos + 12 <= data.length; ) {
    const size = 12 + data.readInt32BE(pos + 8);
    if (size < 61 || pos + size > data.length) throw new Error(`bad batch at ${pos} in ${segmentPath}`);
    bounds.push(pos);
    pos += size;
  }
  bounds.push(data.length);
  const scratch = join(scratchDir, `raw-append-${process.pid}.log`);
  const fd = openSync(scratch, 'w');
  try {
    const t0 = performance.now();
    for (let i = 0; i + 1 < bounds.length; i++) writeSync(fd, data, bounds[i]!, bounds[i + 1]! - bounds[i]!);
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, bytes: data.length, batches: bounds.length - 1 };
  } finally {
    closeSync(fd);
    rmSync(scratch, { force: true });
  }
}
