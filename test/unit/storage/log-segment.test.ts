import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { rootLogger } from '../../../src/observability/logger.ts';
import { BatchAttributes } from '../../../src/protocol/records/record-batch.ts';
import { LogSegment } from '../../../src/storage/log-segment.ts';
import { prng } from '../../fixtures/storage/crash-batch.ts';
import { batchOffsets, buildBatch, splitBatches, type TestRecord } from './batches.ts';

let dir: string;
let n = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'log-segment-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const config = { segmentIndexBytes: 64 * 1024, indexIntervalBytes: 512, segmentJitterMs: 0, segmentMs: 7 * 24 * 3600 * 1000 };
const now = (): number => 1_700_000_000_000;

async function newSegment(baseOffset: number, overrides: Partial<typeof config> = {}): Promise<LogSegment> {
  const sub = join(dir, `s${n++}`);
  await import('node:fs/promises').then((fs) => fs.mkdir(sub));
  return LogSegment.open({ dir: sub, baseOffset, config: { ...config, ...overrides }, now, create: true });
}

interface Written {
  baseOffset: number;
  lastOffset: number;
  records: { offset: number; timestamp: number }[];
  bytes: Buffer;
}

/** Appends random batches (random sizes, timestamps that go up and down, offset gaps) one append at a time. */
async function fillRandom(segment: LogSegment, seed: number, batches: number, opts: { gaps?: boolean; compression?: 0 | 3 } = {}): Promise<Written[]> {
  const rnd = prng(seed);
  const out: Written[] = [];
  let offset = segment.baseOffset;
  let ts = 1_700_000_000_000;
  for (let b = 0; b < batches; b++) {
    const count = 1 + Math.floor(rnd() * 8);
    const records: TestRecord[] = [];
    const meta: { offset: number; timestamp: number }[] = [];
    for (let i = 0; i < count; i++) {
      ts += Math.floor(rnd() * 200) - 60;
      records.push({ key: `k${i}`, value: Buffer.alloc(Math.floor(rnd() * 400)), timestamp: ts });
      meta.push({ offset: offset + i, timestamp: ts });
    }
    const bytes = buildBatch(records, { baseOffset: offset, compression: opts.compression ?? 0 });
    await segment.append([bytes], bytes.length);
    out.push({ baseOffset: offset, lastOffset: offset + count - 1, records: meta, bytes });
    offset += count + (opts.gaps === true ? Math.floor(rnd() * 3) : 0);
  }
  return out;
}

test('translateOffset agrees with a linear scan, from the tail cache, the index and after a reload', async () => {
  for (let seed = 1; seed <= 4; seed++) {
    const segment = await newSegment(seed * 100);
    const written = await fillRandom(segment, seed, 400, { gaps: seed % 2 === 0 });
    const positions: number[] = [];
    let p = 0;
    for (const w of written) {
      positions.push(p);
      p += w.bytes.length;
    }
    const expect = (target: number): { lastOffset: number; position: number; size: number } | null => {
      const i = written.findIndex((w) => w.lastOffset >= target);
      return i < 0 ? null : { lastOffset: written[i]!.lastOffset, position: positions[i]!, size: written[i]!.bytes.length };
    };
    const last = written.at(-1)!.lastOffset;
    for (let target = segment.baseOffset; target <= last + 2; target++) assert.deepEqual(await segment.translateOffset(target), expect(target));
    assert.ok(segment.offsetIndex.entries > 10, 'the index was used');
    await segment.onBecomeInactiveSegment();
    await segment.close();
    const reopened = await LogSegment.open({ dir: segment.log.path.replace(/\/[^/]+$/, ''), baseOffset: segment.baseOffset, config, now, create: false });
    await reopened.loadIndexes();
    for (let target = segment.baseOffset; target <= last + 2; target += 3) assert.deepEqual(await reopened.translateOffset(target), expect(target));
    assert.equal(await reopened.readNextOffset(), last + 1);
    await reopened.close();
  }
});

test('findOffsetByTimestamp agrees with a brute-force search over records, plain and compressed', async () => {
  for (const compression of [0, 3] as const) {
    const segment = await newSegment(0);
    const written = await fillRandom(segment, 7 + compression, 300, { compression });
    const all = written.flatMap((w) => w.records.map((r) => ({ ...r })));
    const minTs = Math.min(...all.map((r) => r.timestamp));
    const maxTs = Math.max(...all.map((r) => r.timestamp));
    const rnd = prng(99);
    for (let i = 0; i < 300; i++) {
      const target = minTs - 10 + Math.floor(rnd() * (maxTs - minTs + 20));
      const startingOffset = Math.floor(rnd() * 4) === 0 ? Math.floor(rnd() * all.length) : 0;
      const hit = all.find((r) => r.timestamp >= target && r.offset >= startingOffset);
      const found = await segment.findOffsetByTimestamp(target, startingOffset);
      if (hit === undefined) assert.equal(found, null);
      else assert.deepEqual(found && { offset: found.offset, timestamp: found.timestamp }, { offset: hit.offset, timestamp: hit.timestamp }, `target ${target}`);
    }
    assert.equal(segment.maxTimestampSoFar, Math.max(...written.map((w) => Math.max(...w.records.map((r) => r.timestamp)))));
    await segment.close();
  }
});

test('LogAppendTime batches: every record has the batch timestamp', async () => {
  const segment = await newSegment(0);
  const b = buildBatch([{ key: 'a', timestamp: 5 }, { key: 'b', timestamp: 6 }], { attributes: BatchAttributes.TIMESTAMP_TYPE_LOG_APPEND });
  b.writeBigInt64BE(1000n, 35);
  await segment.append([b], b.length);
  assert.deepEqual(await segment.findOffsetByTimestamp(1000, 0), { timestamp: 1000, offset: 0, leaderEpoch: -1 });
  assert.equal(await segment.findOffsetByTimestamp(1001, 0), null);
  await segment.close();
});

test('read starts at the batch holding the offset, honours maxPosition and minOneMessage', async () => {
  const segment = await newSegment(10);
  const written = await fillRandom(segment, 3, 20);
  const third = written[2]!;
  const r = (await segment.read(third.baseOffset + (third.lastOffset > third.baseOffset ? 1 : 0), 1, segment.size, true))!;
  assert.equal(r.records.sizeInBytes, third.bytes.length, 'one whole batch although maxSize is 1');
  assert.ok((await r.records.readInto()).equals(third.bytes));
  const partial = (await segment.read(third.baseOffset, 10, segment.size, false))!;
  assert.equal(partial.records.sizeInBytes, 10);
  assert.equal(partial.firstEntryIncomplete, true);
  partial.records.release();
  const bounded = (await segment.read(written[0]!.baseOffset, 1 << 20, written[0]!.bytes.length + written[1]!.bytes.length, true))!;
  assert.deepEqual(splitBatches(await bounded.records.readInto()).map((b) => batchOffsets(b).baseOffset), [written[0]!.baseOffset, written[1]!.baseOffset]);
  assert.equal(await segment.read(written.at(-1)!.lastOffset + 1, 100, segment.size, true), null);
  await segment.close();
});

test('recover rebuilds the indexes and cuts a torn tail', async () => {
  const segment = await newSegment(0);
  const written = await fillRandom(segment, 11, 100);
  const entriesBefore = segment.offsetIndex.entries;
  await appendFile(segment.log.path, written[5]!.bytes.subarray(0, 40));
  await segment.close();
  const reopened = await LogSegment.open({ dir: segment.log.path.replace(/\/[^/]+$/, ''), baseOffset: 0, config, now, create: false });
  const truncated = await reopened.recover(rootLogger);
  assert.equal(truncated, 40);
  assert.equal(reopened.offsetIndex.entries, entriesBefore);
  assert.equal(await reopened.readNextOffset(), written.at(-1)!.lastOffset + 1);
  await reopened.close();
});

test('truncateTo removes the batch holding the offset and everything after it', async () => {
  const segment = await newSegment(0);
  const written = await fillRandom(segment, 5, 50);
  const cut = written[30]!;
  const bytes = await segment.truncateTo(cut.baseOffset);
  assert.equal(bytes, written.slice(30).reduce((s, w) => s + w.bytes.length, 0));
  assert.equal(await segment.readNextOffset(), cut.baseOffset);
  assert.equal(await segment.translateOffset(cut.baseOffset), null);
  assert.equal(segment.maxTimestampSoFar, Math.max(...written.slice(0, 30).flatMap((w) => w.records.map((r) => r.timestamp))));
  await segment.close();
});

test('shouldRoll: by size, by segment.ms from the first batch timestamp, by a full index, by offset overflow', async () => {
  const segment = await newSegment(0, { segmentIndexBytes: 8 * 4, indexIntervalBytes: 1 });
  const p = { maxSegmentBytes: 10_000, maxSegmentMs: 1000, messagesSize: 100, pendingBytes: 0, maxTimestampInMessages: 1_700_000_000_000, maxOffsetInMessages: 5, now: now() };
  assert.equal(segment.shouldRoll(p), false);
  const b = buildBatch([{ key: 'a', timestamp: 1_700_000_000_000 }]);
  await segment.append([b], b.length);
  assert.equal(segment.shouldRoll({ ...p, messagesSize: 10_000 }), true);
  assert.equal(segment.shouldRoll({ ...p, maxTimestampInMessages: 1_700_000_001_001 }), true);
  assert.equal(segment.shouldRoll({ ...p, maxOffsetInMessages: 2 ** 31 }), true);
  for (let i = 1; i <= 4; i++) {
    const x = buildBatch([{ key: 'a', timestamp: 1_700_000_000_000 }], { baseOffset: i });
    await segment.append([x], x.length);
  }
  assert.equal(segment.offsetIndex.isFull, true);
  assert.equal(segment.shouldRoll(p), true);
  await segment.close();
});

test('flushLog syncs only the .log; flushIndexes writes the index entries; both are no-ops once the segment is deleted', async () => {
  const segment = await newSegment(0);
  await fillRandom(segment, 7, 40);
  assert.ok(segment.offsetIndex.entries > 0);
  const firstEntry = async (): Promise<number> => (await readFile(segment.offsetIndex.path)).readInt32BE(4);
  await segment.flushLog();
  assert.equal(await firstEntry(), 0, 'flushLog leaves the preallocated index untouched');
  await segment.flushIndexes();
  assert.ok((await firstEntry()) > 0, 'flushIndexes wrote the entries');
  const dir = join(segment.log.path, '..');
  const racing = Promise.all([segment.flushLog(), segment.flushIndexes()]);
  await segment.deleteIfExists();
  await racing;
  await segment.flushLog();
  await segment.flushIndexes();
  assert.deepEqual(await readdir(dir), [], 'no file recreated by a flush after deletion');
});
