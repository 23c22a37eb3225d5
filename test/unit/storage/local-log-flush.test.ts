import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { MockTime } from '../../../src/common/time.ts';
import { rootLogger } from '../../../src/observability/logger.ts';
import { INDEX_FLUSH_INTERVAL_MS, LocalLog } from '../../../src/storage/local-log.ts';
import { logConfig } from '../../../src/storage/log-config.ts';
import { LogSegment } from '../../../src/storage/log-segment.ts';
import { LogSegments } from '../../../src/storage/log-segments.ts';
import { buildBatch, simpleRecords } from './batches.ts';

let root: string;
let n = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'local-log-flush-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const config = logConfig({ fileDeleteDelayMs: 0, indexIntervalBytes: 128 });

/** The clock of each LocalLog made by {@link newLocal}. */
const clocks = new WeakMap<LocalLog, MockTime>();

/** A LocalLog over fresh segments at `bases`, each but the last holding `perSegment` one-record batches. */
async function newLocal(bases: readonly number[] = [0], perSegment = 0): Promise<LocalLog> {
  const dir = join(root, `t-${n++}`);
  await mkdir(dir);
  const segments = new LogSegments();
  for (const base of bases) {
    const segment = await LogSegment.open({ dir, baseOffset: base, config, now: () => 0, create: true });
    if (base !== bases.at(-1)) {
      for (let i = 0; i < perSegment; i++) {
        const b = buildBatch(simpleRecords(1, 100), { baseOffset: base + i });
        await segment.append([b], b.length);
      }
    }
    segments.add(segment);
  }
  const time = new MockTime();
  const local = new LocalLog(dir, { topic: 't', partition: 0 }, config, time, rootLogger, segments, bases[0]!, bases.at(-1)!);
  clocks.set(local, time);
  return local;
}

/** Lets the interval between two background index flushes pass on `local`'s clock. */
function afterIndexFlushInterval(local: LocalLog): void {
  clocks.get(local)!.sleep(INDEX_FLUSH_INTERVAL_MS);
}

async function appendN(local: LocalLog, from: number, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const b = buildBatch(simpleRecords(1, 100), { baseOffset: from + i });
    await local.append([b], b.length, from + i);
  }
}

/** A promise the test opens by hand. */
function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

/** Makes `segment`'s index flushes wait for `g`; counts the started and finished ones. */
function blockIndexFlushes(segment: LogSegment, g: { wait: Promise<void> }): { started: number; finished: number } {
  const counts = { started: 0, finished: 0 };
  const original = segment.flushIndexes.bind(segment);
  segment.flushIndexes = async () => {
    counts.started++;
    await g.wait;
    await original();
    counts.finished++;
  };
  return counts;
}

async function eventually(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('flushDataUpTo advances the data-durable offset at once, the recovery point after the background index flush', async () => {
  const local = await newLocal();
  await appendN(local, 0, 10);
  const g = gate();
  const counts = blockIndexFlushes(local.activeSegment, g);
  assert.equal(await local.flushDataUpTo(10), 10);
  assert.deepEqual([local.dataDurableOffset, local.recoveryPoint], [10, 0]);
  await eventually(() => counts.started === 1, 'the index flush to start');
  g.open();
  await eventually(() => local.recoveryPoint === 10, 'the recovery point');
  assert.equal(counts.finished, 1);

  await appendN(local, 10, 5);
  await local.flushUpTo(15);
  assert.deepEqual([local.dataDurableOffset, local.recoveryPoint], [15, 15], 'a full flush advances both at once');
  await local.close();
});

test('a burst of data flushes starts one background index flush, then one more covering the rest once INDEX_FLUSH_INTERVAL_MS has passed', async () => {
  const local = await newLocal();
  const g = gate();
  const counts = blockIndexFlushes(local.activeSegment, g);
  // A burst of group commits, as flush.messages=1 does under load: not one index flush per fdatasync.
  for (let i = 0; i < 20; i++) {
    await appendN(local, i, 1);
    assert.equal(await local.flushDataUpTo(i + 1), i + 1);
  }
  await eventually(() => counts.started === 1, 'the first index flush');
  assert.equal(local.dataDurableOffset, 20);
  afterIndexFlushInterval(local);
  g.open();
  await eventually(() => local.recoveryPoint === 20, 'the recovery point, by the index flush that follows');
  assert.equal(counts.started, 2, 'index flushes for 20 data flushes');
  await local.close();
});

test('a data flush within INDEX_FLUSH_INTERVAL_MS of the last index flush gets its index flush later, on a timer; close cancels a pending one', async () => {
  const local = await newLocal();
  await appendN(local, 0, 5);
  await local.flushDataUpTo(5);
  await eventually(() => local.recoveryPoint === 5, 'the first index flush');
  await appendN(local, 5, 5);
  await local.flushDataUpTo(10);
  assert.equal(local.recoveryPoint, 5, 'not at once: the clock has not moved');
  // The timer waits INDEX_FLUSH_INTERVAL_MS of real time (the MockTime does not move).
  await eventually(() => local.recoveryPoint === 10, 'the delayed index flush');

  await appendN(local, 10, 5);
  await local.flushDataUpTo(15);
  await local.close();
  // Nothing to poll for: wait past the moment the cancelled timer would have fired.
  await new Promise((r) => setTimeout(r, INDEX_FLUSH_INTERVAL_MS + 50));
  assert.equal(local.recoveryPoint, 10, 'no index flush after close');
});

test('the indexes reach the file only through the index flush', async () => {
  const local = await newLocal();
  await appendN(local, 0, 20);
  const index = local.activeSegment.offsetIndex;
  assert.ok(index.entries > 0);
  const g = gate();
  blockIndexFlushes(local.activeSegment, g);
  await local.flushDataUpTo(20);
  // First entry of the (preallocated, zero-filled) file: relative offset and position, both > 0 once written.
  const firstEntry = async (): Promise<number> => (await readFile(index.path)).readInt32BE(4);
  assert.equal(await firstEntry(), 0, 'no index entry on disk after the data flush');
  g.open();
  await eventually(() => local.recoveryPoint === 20, 'the recovery point');
  assert.ok((await firstEntry()) > 0, 'index entries on disk after the index flush');
  await local.close();
});

test('a truncation during the background index flush keeps the recovery point at or below the new log end', async () => {
  const local = await newLocal();
  await appendN(local, 0, 10);
  const g = gate();
  const counts = blockIndexFlushes(local.activeSegment, g);
  await local.flushDataUpTo(10);
  await eventually(() => counts.started === 1, 'the index flush to start');
  await local.truncateTo(4);
  assert.deepEqual([local.logEndOffset, local.dataDurableOffset, local.recoveryPoint], [4, 4, 0]);
  await appendN(local, 4, 8);
  g.open();
  await eventually(() => counts.finished === 1, 'the stale index flush to end');
  assert.equal(local.recoveryPoint, 0, 'the stale flush (target 10) did not advance the recovery point');
  afterIndexFlushInterval(local);
  assert.equal(await local.flushDataUpTo(12), 12);
  await eventually(() => local.recoveryPoint === 12, 'the recovery point after a fresh flush');
  await local.close();
});

test('a truncation during the data flush: the flush reports only the old durable offset, the next one covers the rest', async () => {
  const local = await newLocal();
  await appendN(local, 0, 10);
  const file = local.activeSegment.log;
  const sync = file.flush.bind(file);
  const g = gate();
  file.flush = async () => {
    await g.wait;
    await sync();
  };
  const flushing = local.flushDataUpTo(10);
  await local.truncateTo(5);
  await appendN(local, 5, 7);
  g.open();
  assert.equal(await flushing, 0, 'bytes 5..12 were written after the fdatasync was asked for');
  assert.equal(local.dataDurableOffset, 0);
  assert.equal(await local.flushDataUpTo(12), 12);
  await local.close();
});

test('a segment deleted while its data or index flush waits: no error, no file recreated', async () => {
  const local = await newLocal([0, 5], 5);
  await appendN(local, 5, 3);
  const old = local.segments.first!;
  const g = gate();
  const counts = blockIndexFlushes(old, g);
  await local.flushDataUpTo(8);
  await eventually(() => counts.started === 1, 'the index flush of the old segment to start');
  await local.removeAndDeleteSegments([old]);
  g.open();
  await eventually(() => local.recoveryPoint === 8, 'the recovery point');
  assert.ok(!(await readdir(local.dir)).some((f) => f.startsWith('00000000000000000000.')), 'the deleted segment left no file');
  await local.close();

  const other = await newLocal([0, 5], 5);
  await appendN(other, 5, 3);
  const first = other.segments.first!;
  const sync = first.log.flush.bind(first.log);
  const g2 = gate();
  first.log.flush = async () => {
    await g2.wait;
    await sync();
  };
  const flushing = other.flushDataUpTo(8);
  await other.removeAndDeleteSegments([first]);
  g2.open();
  assert.equal(await flushing, 8, 'the fdatasync of a deleted file is skipped');
  await other.close();
});

test('close waits for the background index flush, which then leaves the recovery point alone; a closed log is not flushed', async () => {
  const local = await newLocal();
  await appendN(local, 0, 10);
  const g = gate();
  const counts = blockIndexFlushes(local.activeSegment, g);
  await local.flushDataUpTo(10);
  await eventually(() => counts.started === 1, 'the index flush to start');
  let closed = false;
  const closing = local.close().then(() => (closed = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(closed, false, 'close waits for the index flush in flight');
  g.open();
  await closing;
  assert.equal(local.recoveryPoint, 0);
  assert.equal(await local.flushDataUpTo(10), 10, 'a closed log releases its waiters without flushing');
  await local.flushUpTo(10);
  assert.equal(local.recoveryPoint, 0);
});

test('after a roll, one data flush covers the .log files of both segments; the recovery point follows', async () => {
  const local = await newLocal();
  await appendN(local, 0, 5);
  await local.roll(5);
  await appendN(local, 5, 5);
  assert.equal(await local.flushDataUpTo(10), 10);
  assert.deepEqual(local.segments.inRange(0, 10).map((s) => s.baseOffset), [0, 5]);
  await eventually(() => local.recoveryPoint === 10, 'the recovery point');
  await local.close();
});
