import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { MockTime } from '../../../src/common/time.ts';
import { rootLogger } from '../../../src/observability/logger.ts';
import { RecordBatch } from '../../../src/protocol/records/record-batch.ts';
import { Cleaner, groupSegmentsBySize } from '../../../src/storage/cleaner.ts';
import { logConfig } from '../../../src/storage/log-config.ts';
import type { LogSegment } from '../../../src/storage/log-segment.ts';
import { UnifiedLog } from '../../../src/storage/unified-log.ts';
import { batchOffsets, buildBatch, readRecords, splitBatches } from './batches.ts';

let root: string;
let n = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'cleaner-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('groupSegmentsBySize groups consecutive segments within a segment worth of log and index bytes', () => {
  const seg = (baseOffset: number, size: number, index = 8): LogSegment => ({ baseOffset, size, offsetIndex: { sizeInBytes: index }, timeIndex: { sizeInBytes: index } }) as unknown as LogSegment;
  const segs = [seg(0, 400), seg(10, 400), seg(20, 400), seg(30, 100), seg(40, 900)];
  assert.deepEqual(groupSegmentsBySize(segs, 1000, 100, 50).map((g) => g.map((s) => s.baseOffset)), [[0, 10], [20, 30], [40]]);
  assert.deepEqual(groupSegmentsBySize(segs, 10_000, 16, 50).map((g) => g.map((s) => s.baseOffset)), [[0, 10], [20, 30], [40]]);
  const far = [seg(0, 10), seg(2 ** 31, 10)];
  assert.equal(groupSegmentsBySize(far, 10_000, 100, 2 ** 31 + 5).length, 2, 'offsets must fit int32 relative offsets');
});

test('a first clean stamps the delete horizon on tombstones, keeping record timestamps; a later one drops them', async () => {
  const time = new MockTime(1_700_000_000_000);
  const log = await UnifiedLog.open(join(root, `c${n++}`, 't-0'), { topic: 't', partition: 0 }, logConfig({ cleanupPolicy: 'compact', deleteRetentionMs: 1000 }), { time });
  await log.appendAsLeader(buildBatch([{ key: 'a', value: '1', timestamp: 10 }, { key: 'b', value: '2', timestamp: 20 }]), 0);
  await log.appendAsLeader(buildBatch([{ key: 'a', value: null, timestamp: 30 }, { key: 'c', value: '3', timestamp: 40 }]), 0);
  await log.roll();
  log.highWatermark = log.logEndOffset;
  const cleaner = new Cleaner({ time, logger: rootLogger, dedupeBufferSize: 1 << 20, ioBufferSize: 4096, isAborted: () => false });
  const first = await cleaner.clean(log, 0, 4);
  assert.equal(first.endOffset, 4);
  assert.equal(first.nextDeleteHorizonMs, 1_700_000_001_000);
  const batches = splitBatches(await (await log.read(0n, 1 << 20)).records.readInto());
  const withTombstone = new RecordBatch(batches.find((b) => batchOffsets(b).baseOffset === 2)!);
  assert.equal(withTombstone.hasDeleteHorizon, true);
  assert.equal(withTombstone.baseTimestamp, 1_700_000_001_000n);
  assert.ok(withTombstone.isValid());
  assert.deepEqual((await readRecords(batches)).map((r) => [r.offset, r.key, r.value, r.timestamp]), [[1, 'b', '2', 20], [2, 'a', null, 30], [3, 'c', '3', 40]]);
  time.sleep(1001);
  const second = await cleaner.clean(log, 4, 4);
  assert.equal(second.nextDeleteHorizonMs, -1);
  const after = await readRecords(splitBatches(await (await log.read(0n, 1 << 20)).records.readInto()));
  assert.deepEqual(after.map((r) => [r.offset, r.key]), [[1, 'b'], [3, 'c']]);
  await log.close();
});

test('a small dedupe buffer cleans up to the offset it could map; the rest is cleaned next time', async () => {
  const time = new MockTime();
  const log = await UnifiedLog.open(join(root, `c${n++}`, 't-0'), { topic: 't', partition: 0 }, logConfig({ cleanupPolicy: 'compact', segmentBytes: 2000 }), { time });
  for (let i = 0; i < 200; i++) await log.appendAsLeader(buildBatch([{ key: `k${i % 50}`, value: `v${i}` }]), 0);
  await log.roll();
  log.highWatermark = log.logEndOffset;
  const cleaner = new Cleaner({ time, logger: rootLogger, dedupeBufferSize: 64 * 20, ioBufferSize: 1000, isAborted: () => false });
  let dirty = 0;
  for (let round = 0; dirty < 200; round++) {
    assert.ok(round < 20, 'each round makes progress');
    const r = await cleaner.clean(log, dirty, 200);
    assert.ok(r.endOffset > dirty && r.endOffset <= 200);
    if (round === 0) assert.ok(r.endOffset < 200, 'the map filled before the end of the dirty range');
    dirty = r.endOffset;
  }
  const records = await readAllRecords(log);
  const seen = new Map<string, number>();
  for (const rec of records) seen.set(rec.key!, (seen.get(rec.key!) ?? 0) + 1);
  for (let k = 0; k < 50; k++) assert.ok(seen.has(`k${k}`));
  assert.ok(records.length < 200);
  const last = new Map(records.map((x) => [x.key!, x.value]));
  for (let k = 0; k < 50; k++) assert.equal(last.get(`k${k}`), `v${150 + k}`);
  await log.close();
});

async function readAllRecords(log: UnifiedLog): Promise<Awaited<ReturnType<typeof readRecords>>> {
  const batches: Buffer[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const bs = splitBatches(await (await log.read(offset, 1 << 20)).records.readInto());
    batches.push(...bs);
    offset = BigInt(batchOffsets(bs.at(-1)!).lastOffset + 1);
  }
  return readRecords(batches);
}
