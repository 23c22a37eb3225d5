// Produce hot path of protocol/records: validating and decoding a 1 MB uncompressed v2 batch (1000 x 1 KB
// records), against the raw limit measured in the same run: CRC-32C over the same bytes (which any validation must
// do). Also each CRC-32C implementation against the portable one, and decompression of the same records per codec, against a plain copy. Prints medians of 7 runs.
// Run: node bench/records.bench.ts
import { compressSync, decompress } from '../src/protocol/records/compression.ts';
import { CRC32C_IMPLEMENTATIONS, crc32c } from '../src/protocol/records/crc32c.ts';
import { buildRecordBatchSync } from '../src/protocol/records/record-batch-builder.ts';
import { RecordBatch } from '../src/protocol/records/record-batch.ts';
import { RecordIterator } from '../src/protocol/records/record-iterator.ts';
import { validateBatch } from '../src/protocol/records/validate-batch.ts';

const records = Array.from({ length: 1000 }, (_, i) => ({
  key: `key-${i}`,
  value: Buffer.from(JSON.stringify({ id: i, payload: 'p'.repeat(950) }).slice(0, 1000)),
  timestamp: 1_700_000_000_000 + i,
}));
const batchBytes = buildRecordBatchSync({ records });
const batch = new RecordBatch(batchBytes);
const recordsBytes = batch.recordsBytes;

/** Median MB/s of `runs` timed runs of `iterations` calls each, over `bytes` bytes per call. */
async function mbps(bytes: number, iterations: number, fn: () => unknown): Promise<number> {
  const results: number[] = [];
  for (let run = 0; run < 8; run++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) await fn();
    const ns = Number(process.hrtime.bigint() - start);
    if (run > 0) results.push((bytes * iterations * 1e3) / ns); // run 0 warms up
  }
  results.sort((a, b) => a - b);
  return results[Math.floor(results.length / 2)]!;
}

const rows: [string, number, string, number][] = [];
const crcBaseline = await mbps(batchBytes.length, 200, () => crc32c(batchBytes.subarray(21)));
// The broker's CRC-32C (crc32c.ts picks the first available) beside every other implementation it could fall back to.
const portable = CRC32C_IMPLEMENTATIONS.at(-1)!;
const portableMbps = await mbps(batchBytes.length, 200, () => portable.crc32c(batchBytes.subarray(21)));
for (const impl of CRC32C_IMPLEMENTATIONS.slice(0, -1)) {
  rows.push([`CRC-32C ${impl.name} (native/crc32c.c)`, await mbps(batchBytes.length, 200, () => impl.crc32c(batchBytes.subarray(21))), 'CRC-32C portable (@node-rs/crc32)', portableMbps]);
}
rows.push(['validateBatch (header + CRC)', await mbps(batchBytes.length, 200, () => validateBatch(batch, { checkRecords: false })), 'CRC-32C alone', crcBaseline]);
rows.push(['validateBatch (+ record walk)', await mbps(batchBytes.length, 200, () => validateBatch(batch)), 'CRC-32C alone', crcBaseline]);
const copyBaseline = await mbps(recordsBytes.length, 200, () => Buffer.from(recordsBytes));
rows.push(['RecordIterator (decode all)', await mbps(recordsBytes.length, 100, () => {
  for (const r of new RecordIterator(batch)) void r;
}), 'Buffer copy', copyBaseline]);
for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
  const packed = compressSync(codec, recordsBytes);
  rows.push([`decompress ${codec} (output MB/s)`, await mbps(recordsBytes.length, 30, () => decompress(codec, packed)), 'Buffer copy', copyBaseline]);
}

process.stdout.write('| figure | MB/s | baseline | MB/s | ratio |\n|---|---|---|---|---|\n');
for (const [name, v, base, b] of rows) {
  process.stdout.write(`| ${name} | ${v.toFixed(0)} | ${base} | ${b.toFixed(0)} | ${(v / b).toFixed(2)} |\n`);
}
