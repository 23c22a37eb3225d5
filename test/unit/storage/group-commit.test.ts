import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { GroupCommit } from '../../../src/storage/group-commit.ts';
import { logConfig } from '../../../src/storage/log-config.ts';
import { UnifiedLog } from '../../../src/storage/unified-log.ts';
import { buildBatch, simpleRecords } from './batches.ts';

/** A flush the test completes by hand; records every target it was asked for. */
function manualFlush(): { flush: (offset: number) => Promise<void>; targets: number[]; finish(err?: Error): void } {
  const targets: number[] = [];
  const pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
  return {
    targets,
    flush: (offset) => {
      targets.push(offset);
      return new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
    },
    finish(err) {
      const p = pending.shift();
      assert.ok(p !== undefined, 'a flush is running');
      if (err === undefined) p.resolve();
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
  logEnd = 3; // truncated while the flush ran
  f.finish();
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

test('flush.messages=1: every append is acknowledged only once fsynced, concurrent appends included', async () => {
  const log = await UnifiedLog.open(join(root, 't-0'), { topic: 't', partition: 0 }, logConfig({ fileDeleteDelayMs: 0, flushMessages: 1 }));
  const ackOrder: bigint[] = [];
  const acks = await Promise.all(Array.from({ length: 40 }, (_, i) =>
    log.appendAsLeader(buildBatch(simpleRecords(1 + (i % 3))), 0).then((info) => {
      ackOrder.push(info.firstOffset);
      return { info, recoveryPoint: log.recoveryPoint };
    })));
  for (const { info, recoveryPoint } of acks) {
    assert.ok(recoveryPoint > info.lastOffset, `offset ${info.lastOffset} acknowledged before the recovery point (${recoveryPoint}) passed it`);
  }
  assert.equal(log.recoveryPoint, log.logEndOffset);
  assert.deepEqual(ackOrder, acks.map((a) => a.info.firstOffset), 'acknowledged in append order');
  await log.close();
});
