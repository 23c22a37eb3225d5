import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PerfRecordBatch } from '../../../src/cli/perf-record-batch.ts';
import { countRecords, nextOffset } from '../../../src/cli/perf-record-counter.ts';
import { RecordBatch } from '../../../src/protocol/records/record-batch.ts';
import { readRecords } from '../../../src/protocol/records/record-iterator.ts';

// The perf tools' own record paths: the batches producer-perf-test writes are read back by the broker's batch reader
// (CRC, header fields, every record), and consumer-perf-test's in-place counter agrees with that reader.

const PRODUCER = { producerId: 42n, producerEpoch: 3, transactional: false };

async function filled(compression: 'none' | 'lz4' | 'zstd', count: number): Promise<{ bytes: Buffer; batch: PerfRecordBatch }> {
  const batch = new PerfRecordBatch(0, 1 << 20);
  for (let i = 0; i < count; i++) batch.append(i % 3 === 0 ? null : Buffer.from(`k${i}`), Buffer.from('v'.repeat(i % 200)), 1_700_000_000_000 + i * 1000);
  return { bytes: await batch.close(compression, PRODUCER, 17), batch };
}

for (const compression of ['none', 'lz4', 'zstd'] as const) {
  test(`a ${compression} batch of 300 records reads back with a valid CRC, its header and every record`, async () => {
    const { bytes, batch } = await filled(compression, 300);
    const read = new RecordBatch(bytes);
    assert.equal(read.isValid(), true);
    assert.equal(read.sizeInBytes, bytes.length);
    assert.equal(read.recordCount, 300);
    assert.equal(read.lastOffsetDelta, 299);
    assert.equal(read.producerId, 42n);
    assert.equal(read.producerEpoch, 3);
    assert.equal(read.baseSequence, 17);
    assert.equal(read.baseTimestamp, 1_700_000_000_000n);
    assert.equal(read.maxTimestamp, 1_700_000_000_000n + 299_000n);
    const records = await readRecords(read);
    records.forEach((r, i) => {
      assert.equal(r.offset, BigInt(i));
      assert.equal(r.timestamp, 1_700_000_000_000n + BigInt(i) * 1000n);
      assert.equal(r.key === null ? null : Buffer.from(r.key).toString(), i % 3 === 0 ? null : `k${i}`);
      assert.equal(Buffer.from(r.value!).toString(), 'v'.repeat(i % 200));
    });
    assert.equal(batch.valueBytes, records.reduce((n, r) => n + r.value!.length, 0));
    const counted = await countRecords(bytes, 0n);
    assert.deepEqual(counted, { records: 300, bytes: records.reduce((n, r) => n + (r.key?.length ?? 0) + r.value!.length, 0), nextOffset: 300n });
  });
}

test('a batch grows past batch.size for a first record bigger than it, and hasRoomFor stops at batch.size', () => {
  const batch = new PerfRecordBatch(0, 100);
  assert.equal(batch.hasRoomFor(null, Buffer.alloc(500)), true);
  batch.append(null, Buffer.alloc(500), 1);
  assert.equal(batch.hasRoomFor(null, Buffer.alloc(1)), false);
});

test('the counter starts inside a batch at the fetch offset, stops at a limit and follows the last batch', async () => {
  const { bytes } = await filled('none', 50);
  assert.deepEqual(await countRecords(bytes, 10n), { records: 40, bytes: (await countRecords(bytes, 0n)).bytes - (await countRecords(bytes, 0n, 10)).bytes, nextOffset: 50n });
  assert.equal((await countRecords(bytes, 10n, 5)).nextOffset, 15n);
  assert.equal(nextOffset(bytes, 0n), 50n);
  assert.equal(nextOffset(Buffer.alloc(0), 7n), 7n);
});
