import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../../src/common/api-error.ts';
import { BatchAccumulator } from '../../../src/raft/batch-accumulator.ts';
import { decodeBatches } from '../../../src/raft/batch.ts';
import { leaderChangeRecord } from '../../../src/raft/control-records.ts';
import { NotLeaderError } from '../../../src/raft/not-leader-error.ts';
import { ControlRecordType } from '../../../src/protocol/records/control-record.ts';

function acc(now: { ms: number }, maxBatchSizeBytes = 1 << 20): BatchAccumulator {
  return new BatchAccumulator({ epoch: 4, baseOffset: 100n, lingerMs: 25, maxBatchSizeBytes, maxNumberOfBatches: 10, nowMs: () => now.ms, wallClockMs: () => 1_000 + now.ms });
}

test('appends get consecutive offsets and share a batch until the linger ends', () => {
  const now = { ms: 0 };
  const a = acc(now);
  assert.equal(a.append(4, [Buffer.from('a'), Buffer.from('b')]), 101n);
  now.ms = 10;
  assert.equal(a.append(4, [Buffer.from('c')]), 102n);
  assert.equal(a.timeUntilDrain(10), 15);
  assert.equal(a.timeUntilDrain(25), 0);
  const batches = a.drain();
  assert.equal(batches.length, 1);
  const [b] = decodeBatches(batches[0]!.data).batches;
  assert.equal(b!.baseOffset, 100n);
  assert.equal(b!.lastOffset, 102n);
  assert.equal(b!.epoch, 4);
  assert.deepEqual(b!.records.map(String), ['a', 'b', 'c']);
  assert.equal(a.timeUntilDrain(30), Infinity);
});

test('an append that does not fit starts a new batch; its records are never split', () => {
  const now = { ms: 0 };
  const a = acc(now, 200);
  a.append(4, [Buffer.alloc(60)]);
  a.append(4, [Buffer.alloc(60), Buffer.alloc(10)]);
  assert.equal(a.timeUntilDrain(0), 0, 'a completed batch drains at once');
  const batches = a.drain();
  assert.deepEqual(batches.map((b) => [b.baseOffset, b.lastOffset]), [[100n, 100n], [101n, 102n]]);
  assert.throws(() => a.append(4, [Buffer.alloc(300)]), (e: unknown) => e instanceof ApiError && e.code === 18);
});

test('a control batch completes the lingering batch and drains at once', () => {
  const now = { ms: 0 };
  const a = acc(now);
  a.append(4, [Buffer.from('x')]);
  assert.equal(a.appendControlBatch([leaderChangeRecord({ leaderId: 1, voters: [{ voterId: 1 }], grantingVoters: [{ voterId: 1 }] })]), 101n);
  assert.equal(a.timeUntilDrain(0), 0);
  const [data, control] = a.drain();
  assert.equal(data!.isControl, false);
  assert.equal(control!.isControl, true);
  assert.equal(decodeBatches(control!.data).batches[0]!.controlRecords[0]!.type, ControlRecordType.LEADER_CHANGE);
});

test('a stale epoch or a closed accumulator refuses with NotLeaderError', () => {
  const a = acc({ ms: 0 });
  assert.throws(() => a.append(3, [Buffer.from('x')]), NotLeaderError);
  assert.throws(() => a.append(5, [Buffer.from('x')]), /larger than the current epoch/);
  a.close();
  assert.throws(() => a.append(4, [Buffer.from('x')]), NotLeaderError);
});
