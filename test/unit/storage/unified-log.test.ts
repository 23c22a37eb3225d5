import assert from 'node:assert/strict';
import { readdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { MockTime } from '../../../src/common/time.ts';
import { RecordBatch } from '../../../src/protocol/records/record-batch.ts';
import { logConfig, type LogConfig } from '../../../src/storage/log-config.ts';
import { UnifiedLog } from '../../../src/storage/unified-log.ts';
import { prng } from '../../fixtures/storage/crash-batch.ts';
import { batchOffsets, buildBatch, simpleRecords, splitBatches } from './batches.ts';

let root: string;
let n = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'unified-log-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const tp = { topic: 'topic', partition: 0 };
async function openLog(overrides: Partial<LogConfig> = {}, options: Parameters<typeof UnifiedLog.open>[3] = {}, dir?: string): Promise<UnifiedLog> {
  return UnifiedLog.open(dir ?? join(root, `topic-${n++}`), tp, logConfig({ fileDeleteDelayMs: 0, ...overrides }), options);
}

/** Reads the whole log from logStartOffset, returning its batches. */
async function readAll(log: UnifiedLog): Promise<Buffer[]> {
  const out: Buffer[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const info = await log.read(offset, 64 * 1024, null, true);
    const batches = splitBatches(await info.records.readInto());
    assert.ok(batches.length > 0);
    out.push(...batches);
    offset = BigInt(batchOffsets(batches.at(-1)!).lastOffset + 1);
  }
  return out;
}

test('appendAsLeader assigns offsets and the leader epoch in place; the CRC stays valid', async () => {
  const log = await openLog();
  const a = buildBatch(simpleRecords(3));
  const b = Buffer.concat([buildBatch(simpleRecords(2)), buildBatch(simpleRecords(4))]);
  const i1 = await log.appendAsLeader(a, 7);
  const i2 = await log.appendAsLeader(b, 7);
  assert.deepEqual([i1.firstOffset, i1.lastOffset, i2.firstOffset, i2.lastOffset], [0n, 2n, 3n, 8n]);
  assert.equal(i2.batchCount, 2);
  assert.equal(i2.recordCount, 6);
  assert.equal(log.logEndOffset, 9n);
  const stored = await readAll(log);
  assert.deepEqual(stored.map((s) => batchOffsets(s).baseOffset), [0, 3, 5]);
  for (const s of stored) {
    const view = new RecordBatch(s);
    assert.equal(view.partitionLeaderEpoch, 7);
    assert.ok(view.isValid());
  }
  assert.ok(stored[0]!.equals(a));
  assert.equal(log.latestEpoch, 7);
  await log.close();
});

test('concurrent appends complete in call order with contiguous offsets, across many rolls', async () => {
  const log = await openLog({ segmentBytes: 4096, indexIntervalBytes: 256 });
  const batches = Array.from({ length: 300 }, (_, i) => buildBatch(simpleRecords(1 + (i % 5), 50 + (i % 7) * 30)));
  const expected = batches.map((b) => Buffer.from(b));
  const infos = await Promise.all(batches.map((b) => log.appendAsLeader(b, 0)));
  let next = 0n;
  for (const info of infos) {
    assert.equal(info.firstOffset, next);
    next = info.lastOffset + 1n;
  }
  assert.ok(log.numberOfSegments > 10);
  log.highWatermark = log.logEndOffset;
  const stored = await readAll(log);
  assert.equal(stored.length, 300);
  stored.forEach((s, i) => {
    const e = Buffer.from(expected[i]!);
    e.writeBigInt64BE(infos[i]!.firstOffset, 0);
    e.writeInt32BE(0, 12);
    assert.ok(s.equals(e), `batch ${i}`);
  });
  await log.close();
});

test('read: OFFSET_OUT_OF_RANGE outside [logStartOffset, logEndOffset]; maxOffset bounds the slice; empty at the end', async () => {
  const log = await openLog({ segmentBytes: 2048 });
  for (let i = 0; i < 30; i++) await log.appendAsLeader(buildBatch(simpleRecords(2, 100)), 0);
  await assert.rejects(log.read(61n, 100), (e: { code?: number }) => e.code === 1);
  await assert.rejects(log.read(-1n, 100), (e: { code?: number }) => e.code === 1);
  const atEnd = await log.read(60n, 100);
  assert.equal(atEnd.records.sizeInBytes, 0);
  assert.equal(atEnd.fetchOffsetMetadata.messageOffset, 60n);
  const bounded = await log.read(10n, 1 << 20, 20n, true);
  const offsets = splitBatches(await bounded.records.readInto()).map((b) => batchOffsets(b).baseOffset);
  assert.ok(offsets.length > 0 && offsets.every((o) => o >= 10 && o < 20));
  assert.equal(offsets[0], 10);
  assert.equal((await log.read(20n, 100, 20n)).records.sizeInBytes, 0);
  // Reading from the middle of a batch starts at that batch.
  const mid = await log.read(11n, 1, null, true);
  assert.equal(batchOffsets(splitBatches(await mid.records.readInto())[0]!).baseOffset, 10);
  await log.close();
});

test('fetchOffsetByTimestamp agrees with a brute-force search across segments; -1, -2, -3', async () => {
  const log = await openLog({ segmentBytes: 3000 });
  const rnd = prng(42);
  const records: { offset: number; timestamp: number }[] = [];
  let ts = 1_700_000_000_000;
  for (let b = 0; b < 80; b++) {
    const count = 1 + Math.floor(rnd() * 4);
    const recs = Array.from({ length: count }, () => ({ key: 'k', value: Buffer.alloc(60), timestamp: (ts += Math.floor(rnd() * 100) - 30) }));
    const info = await log.appendAsLeader(buildBatch(recs), 2);
    recs.forEach((r, i) => records.push({ offset: Number(info.firstOffset) + i, timestamp: r.timestamp }));
  }
  const max = Math.max(...records.map((r) => r.timestamp));
  for (let i = 0; i < 200; i++) {
    const target = records[0]!.timestamp - 50 + Math.floor(rnd() * (max - records[0]!.timestamp + 100));
    const hit = records.find((r) => r.timestamp >= target);
    const found = await log.fetchOffsetByTimestamp(BigInt(target));
    if (hit === undefined) assert.equal(found, null);
    else assert.deepEqual(found, { timestamp: BigInt(hit.timestamp), offset: BigInt(hit.offset), leaderEpoch: 2 });
  }
  const maxHit = records.find((r) => r.timestamp === max)!;
  assert.deepEqual(await log.fetchOffsetByTimestamp(-3n), { timestamp: BigInt(max), offset: BigInt(maxHit.offset), leaderEpoch: 2 });
  assert.deepEqual(await log.fetchOffsetByTimestamp(-1n), { timestamp: -1n, offset: log.logEndOffset, leaderEpoch: 2 });
  assert.deepEqual(await log.fetchOffsetByTimestamp(-2n), { timestamp: -1n, offset: 0n, leaderEpoch: 2 });
  await log.close();
});

test('LogAppendTime topics stamp the append time and recompute the CRC', async () => {
  const time = new MockTime(1_800_000_000_000);
  const log = await openLog({ messageTimestampType: 'LogAppendTime' }, { time });
  const info = await log.appendAsLeader(buildBatch(simpleRecords(2, 10, 5)), 0);
  assert.equal(info.logAppendTime, 1_800_000_000_000n);
  const [stored] = await readAll(log);
  const view = new RecordBatch(stored!);
  assert.equal(view.isLogAppendTime, true);
  assert.equal(view.maxTimestamp, 1_800_000_000_000n);
  assert.ok(view.isValid());
  await log.close();
});

test('invalid appends are rejected with Kafka error codes and consume no offsets', async () => {
  const log = await openLog({ cleanupPolicy: 'compact', maxMessageBytes: 2000, segmentBytes: 50_000 });
  await assert.rejects(log.appendAsLeader(buildBatch([{ key: null, value: 'v' }]), 0), (e: { code?: number }) => e.code === 87);
  await assert.rejects(log.appendAsLeader(buildBatch([{ key: null, value: 'v' }], { compression: 1 }), 0), (e: { code?: number }) => e.code === 87);
  await assert.rejects(log.appendAsLeader(buildBatch([{ key: 'k', value: Buffer.alloc(3000) }]), 0), (e: { code?: number }) => e.code === 10);
  await assert.rejects(log.appendAsLeader(Buffer.alloc(30), 0), (e: { code?: number }) => e.code === 2);
  const big = Buffer.concat(Array.from({ length: 40 }, () => buildBatch([{ key: 'k', value: Buffer.alloc(1500) }])));
  await assert.rejects(log.appendAsLeader(big, 0), (e: { code?: number }) => e.code === 18);
  const ok = await log.appendAsLeader(buildBatch([{ key: 'k', value: 'v' }]), 0);
  assert.equal(ok.firstOffset, 0n);
  await log.close();
});

test('appendAsFollower keeps offsets (gaps allowed), records epochs, rejects offsets below the log end', async () => {
  const log = await openLog();
  await log.appendAsFollower(Buffer.concat([buildBatch(simpleRecords(2), { baseOffset: 0, partitionLeaderEpoch: 1 }), buildBatch(simpleRecords(2), { baseOffset: 5, partitionLeaderEpoch: 3 })]));
  assert.equal(log.logEndOffset, 7n);
  assert.deepEqual(log.leaderEpochCache.entries, [{ epoch: 1, startOffset: 0 }, { epoch: 3, startOffset: 5 }]);
  assert.deepEqual(log.endOffsetForEpoch(1), { leaderEpoch: 1, endOffset: 5n });
  assert.deepEqual(log.endOffsetForEpoch(2), { leaderEpoch: 1, endOffset: 5n });
  assert.deepEqual(log.endOffsetForEpoch(3), { leaderEpoch: 3, endOffset: 7n });
  assert.deepEqual(log.endOffsetForEpoch(4), { leaderEpoch: -1, endOffset: -1n });
  await assert.rejects(log.appendAsFollower(buildBatch(simpleRecords(1), { baseOffset: 6 })), /Unexpected offset/);
  const r = await log.read(3n, 100);
  assert.equal(batchOffsets(splitBatches(await r.records.readInto())[0]!).baseOffset, 5);
  await log.close();
});

test('truncateTo and truncateFullyAndStartAt', async () => {
  const log = await openLog({ segmentBytes: 1500 });
  for (let e = 0; e < 3; e++) for (let i = 0; i < 10; i++) await log.appendAsLeader(buildBatch(simpleRecords(3, 40)), e);
  log.highWatermark = log.logEndOffset;
  const segmentsBefore = log.numberOfSegments;
  assert.equal(await log.truncateTo(45n), true);
  assert.equal(log.logEndOffset, 45n);
  assert.equal(log.highWatermark, 45n);
  assert.ok(log.numberOfSegments < segmentsBefore);
  assert.deepEqual(log.leaderEpochCache.entries.map((e) => e.epoch), [0, 1]);
  assert.equal(await log.truncateTo(100n), false);
  const info = await log.appendAsLeader(buildBatch(simpleRecords(1)), 5);
  assert.equal(info.firstOffset, 45n);
  const all = await readAll(log);
  assert.equal(batchOffsets(all.at(-1)!).baseOffset, 45);
  await log.truncateFullyAndStartAt(1000n);
  assert.deepEqual([log.logStartOffset, log.logEndOffset, log.numberOfSegments], [1000n, 1000n, 1]);
  assert.equal((await log.appendAsLeader(buildBatch(simpleRecords(1)), 6)).firstOffset, 1000n);
  await log.close();
});

test('retention.ms deletes whole old segments below the high watermark, never the active one', async () => {
  const time = new MockTime(1_700_000_100_000);
  const log = await openLog({ segmentBytes: 1200, retentionMs: 60_000 }, { time });
  for (let i = 0; i < 20; i++) await log.appendAsLeader(buildBatch(simpleRecords(2, 100, 1_700_000_000_000 + i * 10_000)), 0);
  const segments = log.logSegments();
  assert.ok(segments.length > 4);
  assert.equal(await log.deleteOldSegments(), 0, 'nothing below the high watermark (0) may go');
  log.highWatermark = log.logEndOffset;
  const deleted = await log.deleteOldSegments();
  assert.ok(deleted > 0);
  for (const s of log.logSegments()) assert.ok(time.milliseconds() - s.maxTimestampSoFar <= 60_000 || s === log.activeSegment);
  assert.equal(log.logStartOffset, BigInt(log.logSegments()[0]!.baseOffset));
  await assert.rejects(log.read(0n, 100), (e: { code?: number }) => e.code === 1);
  time.sleep(10 * 60_000);
  await log.deleteOldSegments();
  assert.equal(log.numberOfSegments, 1, 'all expired: a fresh active segment was rolled first');
  assert.equal(log.activeSegment.size, 0);
  assert.equal(log.logStartOffset, log.logEndOffset);
  await log.close();
});

test('retention.bytes and DeleteRecords move logStartOffset; segment files are renamed .deleted then removed', async () => {
  const log = await openLog({ segmentBytes: 1200, retentionBytes: 3000, retentionMs: -1, fileDeleteDelayMs: 60_000 });
  for (let i = 0; i < 20; i++) await log.appendAsLeader(buildBatch(simpleRecords(2, 100)), 0);
  log.highWatermark = log.logEndOffset;
  const sizeBefore = log.size;
  await log.deleteOldSegments();
  assert.ok(log.size >= 3000 - 1200 && log.size < sizeBefore);
  const files = await readdir(log.dir);
  assert.ok(files.some((f) => f.endsWith('.log.deleted')), 'deleted segments wait for file.delete.delay.ms');
  await assert.rejects(log.deleteRecordsBefore(log.logEndOffset + 1n), (e: { code?: number }) => e.code === 1);
  const low = await log.deleteRecordsBefore(35n);
  assert.equal(low, 35n);
  const r = await log.read(35n, 10);
  assert.ok(r.records.sizeInBytes > 0);
  r.records.release();
  await assert.rejects(log.read(34n, 10), (e: { code?: number }) => e.code === 1);
  await log.close();
  assert.ok(!(await readdir(log.dir)).some((f) => f.endsWith('.deleted')), 'close removes pending deletions');
});

test('a slice keeps a deleted segment file open until released', async () => {
  const log = await openLog({ segmentBytes: 1000 });
  for (let i = 0; i < 10; i++) await log.appendAsLeader(buildBatch(simpleRecords(2, 100)), 0);
  log.highWatermark = log.logEndOffset;
  const slice = (await log.read(0n, 500)).records;
  const fd = slice.fd;
  await log.deleteRecordsBefore(log.logEndOffset);
  assert.equal(log.numberOfSegments, 1);
  assert.ok(!slice.released);
  const { fstatSync } = await import('node:fs');
  assert.ok(fstatSync(fd).size > 0, 'fd still open');
  const bytes = await slice.readInto();
  assert.equal(batchOffsets(splitBatches(bytes)[0]!).baseOffset, 0);
  // The close runs asynchronously after the release: poll for it.
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    try {
      fstatSync(fd);
    } catch {
      break;
    }
    await new Promise((r) => setImmediate(r));
  }
  assert.throws(() => fstatSync(fd), /EBADF/, 'closed once released');
  await log.close();
});

test('segment.ms rolls by batch timestamps', async () => {
  const time = new MockTime(1_700_000_000_000);
  const log = await openLog({ segmentMs: 1000 }, { time });
  await log.appendAsLeader(buildBatch(simpleRecords(1, 10, 1_700_000_000_000)), 0);
  await log.appendAsLeader(buildBatch(simpleRecords(1, 10, 1_700_000_000_500)), 0);
  assert.equal(log.numberOfSegments, 1);
  await log.appendAsLeader(buildBatch(simpleRecords(1, 10, 1_700_000_001_001)), 0);
  assert.equal(log.numberOfSegments, 2);
  await log.close();
});

test('flush advances the recovery point; flush.messages flushes on append; a clean reopen keeps everything', async () => {
  const dir = join(root, `reopen-${n++}`);
  const log = await openLog({ flushMessages: 5 }, {}, dir);
  await log.appendAsLeader(buildBatch(simpleRecords(3)), 0);
  assert.equal(log.recoveryPoint, 0n);
  await log.appendAsLeader(buildBatch(simpleRecords(3)), 0);
  // The append waited for the .log fdatasync; the indexes, then the recovery point, follow in the background.
  for (const deadline = Date.now() + 5000; (log.recoveryPoint as bigint) !== 6n && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 5));
  assert.equal(log.recoveryPoint, 6n);
  await log.appendAsLeader(buildBatch(simpleRecords(1)), 1);
  await log.flush();
  assert.equal(log.recoveryPoint, 7n);
  log.highWatermark = 7n;
  await log.close();
  const index = await stat(join(dir, '00000000000000000000.index'));
  assert.equal(index.size, 0, 'indexes trimmed on close');
  const again = await openLog({ flushMessages: 5 }, { hadCleanShutdown: true, recoveryPoint: 7, highWatermark: 7 }, dir);
  assert.deepEqual([again.logEndOffset, again.highWatermark, again.recoveryPoint, again.latestEpoch], [7n, 7n, 7n, 1]);
  assert.equal((await readAll(again)).length, 3);
  await again.close();
});
