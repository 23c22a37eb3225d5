import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { MockTime } from '../../../src/common/time.ts';
import { rootLogger } from '../../../src/observability/logger.ts';
import { LocalLog } from '../../../src/storage/local-log.ts';
import { logConfig } from '../../../src/storage/log-config.ts';
import { LogSegment } from '../../../src/storage/log-segment.ts';
import { LogSegments } from '../../../src/storage/log-segments.ts';
import { batchOffsets, buildBatch, simpleRecords, splitBatches } from './batches.ts';

let root: string;
let n = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'local-log-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const config = logConfig({ fileDeleteDelayMs: 0 });
async function newLocal(): Promise<LocalLog> {
  const dir = join(root, `t-${n++}`);
  await import('node:fs/promises').then((fs) => fs.mkdir(dir));
  const segments = new LogSegments();
  segments.add(await LogSegment.open({ dir, baseOffset: 0, config, now: () => 0, create: true }));
  return new LocalLog(dir, { topic: 't', partition: 0 }, config, new MockTime(), rootLogger, segments, 0, 0);
}

async function appendN(local: LocalLog, from: number, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const b = buildBatch(simpleRecords(1), { baseOffset: from + i });
    await local.append([b], b.length, from + i);
  }
}

test('read spans to the next segment when the first has nothing at the offset; upper bounds the slice', async () => {
  const local = await newLocal();
  await appendN(local, 0, 5);
  await local.roll(local.logEndOffset);
  await appendN(local, 5, 5);
  const r = await local.read(3, 1 << 20, 10, true);
  assert.deepEqual(splitBatches(await r!.info.records.readInto()).map((b) => batchOffsets(b).baseOffset), [3, 4], 'one segment per read');
  const bounded = await local.read(5, 1 << 20, 7, true);
  assert.deepEqual(splitBatches(await bounded!.info.records.readInto()).map((b) => batchOffsets(b).baseOffset), [5, 6]);
  assert.equal(await local.read(10, 100, 10, true), null);
  await local.close();
});

test('replaceSegments swaps a .cleaned segment in with the .swap protocol; refuses when the segments changed', async () => {
  const local = await newLocal();
  await appendN(local, 0, 3);
  await local.roll(3);
  await appendN(local, 3, 3);
  await local.roll(6);
  const [s0, s1] = local.segments.toArray();
  const cleaned = await LogSegment.open({ dir: local.dir, baseOffset: 0, config, now: () => 0, create: true, suffix: '.cleaned' });
  const b = buildBatch(simpleRecords(1), { baseOffset: 5 });
  await cleaned.append([b], b.length);
  let seenDuringSwap: string[] = [];
  assert.equal(await local.replaceSegments(cleaned, [s0!, s1!], async () => void (seenDuringSwap = await readdir(local.dir))), true);
  assert.ok(seenDuringSwap.includes('00000000000000000000.log.swap'));
  assert.deepEqual(local.segments.toArray().map((s) => s.baseOffset), [0, 6]);
  assert.equal(local.segments.first, cleaned);
  assert.ok((await readdir(local.dir)).includes('00000000000000000000.log'));
  const stale = await LogSegment.open({ dir: local.dir, baseOffset: 0, config, now: () => 0, create: true, suffix: '.cleaned' });
  assert.equal(await local.replaceSegments(stale, [s0!], undefined), false);
  assert.ok(!(await readdir(local.dir)).some((f) => f.endsWith('.cleaned')));
  await local.close();
});
