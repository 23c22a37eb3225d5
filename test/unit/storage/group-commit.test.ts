import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { GroupCommit } from '../../../src/storage/group-commit.ts';
import { logConfig } from '../../../src/storage/log-config.ts';
import { UnifiedLog } from '../../../src/storage/unified-log.ts';
import { buildBatch, simpleRecords } from './batches.ts';

/**
 * A flush the test completes by hand; records every target it was asked for. `finish` reports the target as
 * durable unless told a smaller durable offset (a truncation raced with the flush).
 */
function manualFlush(): { flush: (offset: number) => Promise<number>; targets: number[]; finish(err?: Error, durable?: number): void } {
  const targets: number[] = [];
  const pending: { target: number; resolve: (durable: number) => void; reject: (e: Error) => void }[] = [];
  return {
    targets,
    flush: (offset) => {
      targets.push(offset);
      return new Promise<number>((resolve, reject) => pending.push({ target: offset, resolve, reject }));
    },
    finish(err, durable) {
      const p = pending.shift();
      assert.ok(p !== undefined, 'a flush is running');
      if (err === undefined) p.resolve(durable ?? p.target);
      else p.reject(err);
    },
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('appends written while an fsync runs share the next one; each resolves once a flush covers it', async () => {
  const f = manualFlush();
  let logEnd = 10;
  const gc = new GroupCommit(f.flush, () => logEnd);
  const done: number[] = [];
  const wait = (offset: number): void => void gc.waitFor(offset).then(() => done.push(offset));
  wait(10);
  assert.deepEqual(f.targets, [10], 'the first append starts a flush at once');
  logEnd = 15;
  wait(12);
  logEnd = 20;
  wait(20);
  assert.deepEqual(f.targets, [10], 'one flush at a time');
  f.finish();
  await tick();
  assert.deepEqual(done, [10]);
  assert.deepEqual(f.targets, [10, 20], 'the appends written meanwhile share one flush to the log end');
  f.finish();
  await tick();
  assert.deepEqual(done, [10, 12, 20]);
  assert.equal(gc.waiting, 0);
});

test('a failed fsync rejects every waiting append; a waiter above a truncated log end is not flushed forever', async () => {
  const f = manualFlush();
  let logEnd = 5;
  const gc = new GroupCommit(f.flush, () => logEnd);
  const a = gc.waitFor(5);
  logEnd = 8;
  const b = gc.waitFor(8);
  f.finish(new Error('EIO'));
  await assert.rejects(a, /EIO/);
  await assert.rejects(b, /EIO/);

  const c = gc.waitFor(8);
  logEnd = 3; // truncated while the flush ran, which then covers only what is left
  f.finish(undefined, 3);
  await c;
  assert.equal(gc.waiting, 0);
});

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'group-commit-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('a flush that a truncation raced with releases only what it made durable; the rest wait for the next one', async () => {
  const f = manualFlush();
  let logEnd = 10;
  const gc = new GroupCommit(f.flush, () => logEnd);
  const done: number[] = [];
  void gc.waitFor(4).then(() => done.push(4));
  void gc.waitFor(10).then(() => done.push(10));
  f.finish(undefined, 5);
  await tick();
  assert.deepEqual(done, [4]);
  assert.deepEqual(f.targets, [10, 10], 'the next flush starts at once for the waiter left');
  f.finish();
  await tick();
  assert.deepEqual(done, [4, 10]);
});

/** Polls `cond` until it holds or `ms` pass. */
async function eventually(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A promise the test opens by hand. */
function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

test('flush.messages=1: every append is acknowledged only once an fdatasync of the .log covers it; the recovery point follows', async () => {
  const log = await UnifiedLog.open(join(root, 't-0'), { topic: 't', partition: 0 }, logConfig({ fileDeleteDelayMs: 0, flushMessages: 1, indexIntervalBytes: 256 }));
  // Test double around the segment's fdatasync: what was written before a sync started is durable once it ends.
  const file = log.activeSegment.log;
  const datasync = file.flush.bind(file);
  let durableEnd = 0n;
  let syncs = 0;
  file.flush = async () => {
    const written = log.logEndOffset;
    await datasync();
    syncs++;
    if (written > durableEnd) durableEnd = written;
  };
  const ackOrder: bigint[] = [];
  const acks = await Promise.all(Array.from({ length: 40 }, (_, i) =>
    log.appendAsLeader(buildBatch(simpleRecords(1 + (i % 3), 100)), 0).then(async (info) => {
      ackOrder.push(info.firstOffset);
      return { info, durableEnd, onDisk: (await stat(file.path)).size };
    })));
  for (const { info, durableEnd: durable } of acks) {
    assert.ok(durable > info.lastOffset, `offset ${info.lastOffset} acknowledged before an fdatasync covered it (${durable})`);
  }
  assert.ok(syncs < acks.length, `appends shared fdatasyncs (${syncs} for ${acks.length})`);
  assert.ok(acks.every((a) => a.onDisk > 0) && acks.at(-1)!.onDisk === file.sizeInBytes, 'the acknowledged bytes are in the file');
  assert.deepEqual(ackOrder, acks.map((a) => a.info.firstOffset), 'acknowledged in append order');
  await eventually(() => log.recoveryPoint === log.logEndOffset, 'the recovery point to reach the log end');
  await log.close();
});

test('flush.messages=1: the acknowledgement does not wait for the index flush, which alone holds back the recovery point', async () => {
  const log = await UnifiedLog.open(join(root, 't-1'), { topic: 't', partition: 0 }, logConfig({ fileDeleteDelayMs: 0, flushMessages: 1, indexIntervalBytes: 256 }));
  const index = log.activeSegment.offsetIndex;
  const flushIndex = index.flush.bind(index);
  const blocked = gate();
  let indexFlushes = 0;
  index.flush = async (sync) => {
    indexFlushes++;
    await blocked.wait;
    await flushIndex(sync);
  };
  for (let i = 0; i < 20; i++) await log.appendAsLeader(buildBatch(simpleRecords(2, 100)), 0);
  assert.equal(log.logEndOffset, 40n, 'every append acknowledged while the index flush is blocked');
  await eventually(() => indexFlushes > 0, 'a background index flush to start');
  assert.equal(indexFlushes, 1, 'coalesced: one index flush at a time');
  assert.equal(log.recoveryPoint, 0n, 'the recovery point waits for the indexes');
  blocked.open();
  await eventually(() => log.recoveryPoint === 40n, 'the recovery point to reach the log end');
  assert.equal(indexFlushes, 2, 'the 19 index flushes asked for meanwhile coalesced into one more');
  await log.close();
});
