import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRecordBatchSync } from '../../../src/protocol/records/record-batch-builder.ts';
import { encodeControlBatch } from '../../../src/protocol/records/control-record.ts';
import { rootLogger } from '../../../src/observability/logger.ts';
import { ProducerStateManager, type AppendAnalysis } from '../../../src/storage/producer-state-manager.ts';
import { ProducerSnapshotFile } from '../../../src/storage/producer-snapshot-file.ts';
import type { AppendOrigin } from '../../../src/storage/producer-append-info.ts';

const logger = rootLogger.child({ test: 'producer-state-manager' });
const T0 = 1_700_000_000_000;

interface DataOpts {
  pid?: bigint;
  epoch?: number;
  seq: number;
  count?: number;
  offset: number;
  txn?: boolean;
  ts?: number;
}

function data(o: DataOpts): Buffer {
  const count = o.count ?? 1;
  return buildRecordBatchSync({
    baseOffset: BigInt(o.offset),
    producerId: o.pid ?? 1n,
    producerEpoch: o.epoch ?? 0,
    baseSequence: o.seq,
    isTransactional: o.txn ?? false,
    records: Array.from({ length: count }, (_, i) => ({ value: `v${i}`, timestamp: o.ts ?? T0 })),
  });
}

function marker(o: { pid?: bigint; epoch?: number; abort?: boolean; coordinatorEpoch?: number; offset: number; ts?: number }): Buffer {
  return encodeControlBatch({
    producerId: o.pid ?? 1n,
    producerEpoch: o.epoch ?? 0,
    type: o.abort === true ? 'ABORT' : 'COMMIT',
    coordinatorEpoch: o.coordinatorEpoch ?? 0,
    baseOffset: BigInt(o.offset),
    timestamp: o.ts ?? T0,
  });
}

async function withManager(fn: (m: ProducerStateManager, dir: string) => Promise<void>, config = { producerIdExpirationMs: 60_000, transactionVerificationEnabled: false }): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'psm-'));
  try {
    await fn(await ProducerStateManager.create('t-0', dir, config, logger), dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Analyse and apply one append, as UnifiedLog does. */
function append(m: ProducerStateManager, records: Buffer, origin: AppendOrigin = 'client', guard: object | null = null): AppendAnalysis & { aborted: ReturnType<ProducerStateManager['applyAppend']> } {
  const analysis = m.analyzeAppend(records, origin, guard);
  const aborted = analysis.duplicate === null ? m.applyAppend(analysis) : [];
  return { ...analysis, aborted };
}

function code(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    return (e as { code: number }).code;
  }
  return 0;
}

test('in-sequence batches are accepted; a gap is OUT_OF_ORDER_SEQUENCE_NUMBER and changes nothing', () => withManager(async (m) => {
  append(m, data({ seq: 0, count: 3, offset: 0 }));
  append(m, data({ seq: 3, count: 2, offset: 3 }));
  assert.equal(m.lastEntry(1n)!.lastSeq, 4);
  assert.equal(m.lastEntry(1n)!.lastDataOffset, 4);
  assert.equal(code(() => m.analyzeAppend(data({ seq: 6, offset: 5 }), 'client', null)), 45);
  assert.equal(code(() => m.analyzeAppend(data({ seq: 4, offset: 5 }), 'client', null)), 45);
  assert.equal(m.lastEntry(1n)!.lastSeq, 4);
  append(m, data({ seq: 5, offset: 5 }));
  assert.equal(m.lastEntry(1n)!.lastSeq, 5);
}));

test('a retry of any of the last 5 batches is a duplicate carrying its original offsets; older ones are out of order', () => withManager(async (m) => {
  for (let i = 0; i < 7; i++) append(m, data({ seq: i * 2, count: 2, offset: 100 + i * 2, ts: T0 + i }));
  const dup = m.analyzeAppend(data({ seq: 6, count: 2, offset: 999 }), 'client', null).duplicate;
  assert.deepEqual(dup, { lastSeq: 7, lastOffset: 107, offsetDelta: 1, timestamp: T0 + 3 });
  assert.notEqual(m.analyzeAppend(data({ seq: 12, count: 2, offset: 999 }), 'client', null).duplicate, null);
  assert.equal(code(() => m.analyzeAppend(data({ seq: 2, count: 2, offset: 999 }), 'client', null)), 45, 'the 6th newest batch is forgotten');
  // Same first sequence but another range is not a duplicate.
  assert.equal(code(() => m.analyzeAppend(data({ seq: 6, count: 3, offset: 999 }), 'client', null)), 45);
  // Duplicate detection is for client appends only.
  assert.equal(m.analyzeAppend(data({ seq: 6, count: 2, offset: 999 }), 'replication', null).duplicate, null);
}));

test('stale epochs are INVALID_PRODUCER_EPOCH; a bumped epoch must restart at sequence 0 and forgets the batches', () => withManager(async (m) => {
  append(m, data({ epoch: 3, seq: 0, count: 5, offset: 0 }));
  assert.equal(code(() => m.analyzeAppend(data({ epoch: 2, seq: 5, offset: 5 }), 'client', null)), 47);
  assert.equal(code(() => m.analyzeAppend(data({ epoch: 2, seq: 5, offset: 5 }), 'coordinator', null)), 47);
  assert.equal(code(() => m.analyzeAppend(data({ epoch: 4, seq: 5, offset: 5 }), 'client', null)), 45);
  append(m, data({ epoch: 4, seq: 0, count: 2, offset: 5 }));
  const e = m.lastEntry(1n)!;
  assert.equal(e.producerEpoch, 4);
  assert.equal(e.batchMetadata.length, 1);
  assert.equal(m.analyzeAppend(data({ epoch: 3, seq: 0, count: 5, offset: 7 }), 'replication', null).duplicate, null, 'followers only log stale epochs');
}));

test('an unknown producer is accepted at any sequence (Kafka 2.5+, KIP-360); coordinator appends skip sequence checks', () => withManager(async (m) => {
  append(m, data({ pid: 5n, epoch: 2, seq: 17, offset: 0 }));
  assert.equal(m.lastEntry(5n)!.lastSeq, 17);
  append(m, data({ pid: 5n, epoch: 2, seq: 18, offset: 1 }));
  append(m, data({ pid: 6n, epoch: 0, seq: 40, offset: 2, txn: true }), 'coordinator');
  append(m, data({ pid: 6n, epoch: 0, seq: 3, offset: 3, txn: true }), 'coordinator');
  assert.equal(m.lastEntry(6n)!.lastSeq, 3);
}));

test('sequences wrap from int32 max to 0', () => withManager(async (m) => {
  append(m, data({ seq: 0x7ffffffe, count: 2, offset: 0 }));
  assert.equal(m.lastEntry(1n)!.lastSeq, 0x7fffffff);
  append(m, data({ seq: 0, count: 1, offset: 2 }));
  const wrapped = data({ seq: 0x7fffffff, count: 2, offset: 3 });
  assert.equal(code(() => m.analyzeAppend(wrapped, 'client', null)), 45);
  assert.equal(m.lastEntry(1n)!.lastSeq, 0);
}));

test('transactions: open, extend, non-transactional write rejected, markers complete them and move the first unstable offset', () => withManager(async (m) => {
  assert.equal(m.firstUnstableOffset, null);
  append(m, data({ pid: 1n, seq: 0, count: 2, offset: 10, txn: true }));
  append(m, data({ pid: 2n, seq: 0, count: 1, offset: 12, txn: true }));
  append(m, data({ pid: 1n, seq: 2, count: 1, offset: 13, txn: true }));
  assert.equal(m.firstUnstableOffset, 10);
  assert.equal(m.lastEntry(1n)!.currentTxnFirstOffset, 10);
  assert.equal(code(() => m.analyzeAppend(data({ pid: 1n, seq: 3, offset: 14 }), 'client', null)), 48);

  const commit = append(m, marker({ pid: 1n, offset: 14, coordinatorEpoch: 3 }), 'coordinator');
  assert.deepEqual(commit.completedTxns, [{ producerId: 1n, firstOffset: 10, lastOffset: 14, isAborted: false }]);
  assert.deepEqual(commit.aborted, []);
  // Completed, but its marker is not below the high watermark yet.
  assert.equal(m.firstUnstableOffset, 10);
  m.onHighWatermarkUpdated(15);
  assert.equal(m.firstUnstableOffset, 12);
  assert.equal(m.lastEntry(1n)!.currentTxnFirstOffset, null);
  assert.equal(m.lastEntry(1n)!.coordinatorEpoch, 3);

  const abort = append(m, marker({ pid: 2n, abort: true, offset: 15, coordinatorEpoch: 3 }), 'coordinator');
  assert.deepEqual(abort.aborted, [{ txn: { producerId: 2n, firstOffset: 12, lastOffset: 15, isAborted: true }, lastStableOffset: 16 }]);
  m.onHighWatermarkUpdated(16);
  assert.equal(m.firstUnstableOffset, null);
}));

test('the LSO recorded with an aborted transaction is the first offset of another open transaction', () => withManager(async (m) => {
  append(m, data({ pid: 1n, seq: 0, offset: 0, txn: true }));
  append(m, data({ pid: 2n, seq: 0, offset: 1, txn: true }));
  const abort = append(m, marker({ pid: 2n, abort: true, offset: 2 }), 'coordinator');
  assert.equal(abort.aborted[0]!.lastStableOffset, 0);
}));

test('markers: older coordinator epoch is TRANSACTION_COORDINATOR_FENCED, older producer epoch INVALID_PRODUCER_EPOCH, no transaction completes nothing', () => withManager(async (m) => {
  append(m, data({ pid: 1n, epoch: 1, seq: 0, offset: 0, txn: true }));
  append(m, marker({ pid: 1n, epoch: 1, offset: 1, coordinatorEpoch: 5 }), 'coordinator');
  append(m, data({ pid: 1n, epoch: 1, seq: 1, offset: 2, txn: true }));
  assert.equal(code(() => m.analyzeAppend(marker({ pid: 1n, epoch: 1, offset: 3, coordinatorEpoch: 4 }), 'coordinator', null)), 52);
  assert.equal(code(() => m.analyzeAppend(marker({ pid: 1n, epoch: 0, offset: 3, coordinatorEpoch: 5 }), 'coordinator', null)), 47);
  // A fencing abort with a bumped epoch (the coordinator's) ends the transaction and moves the producer's epoch.
  const fenced = append(m, marker({ pid: 1n, epoch: 2, abort: true, offset: 3, coordinatorEpoch: 5 }), 'coordinator');
  assert.equal(fenced.completedTxns.length, 1);
  assert.equal(m.lastEntry(1n)!.producerEpoch, 2);
  assert.equal(code(() => m.analyzeAppend(data({ pid: 1n, epoch: 1, seq: 2, offset: 4, txn: true }), 'client', null)), 47);
  const empty = append(m, marker({ pid: 9n, epoch: 0, offset: 4, coordinatorEpoch: 1 }), 'coordinator');
  assert.deepEqual(empty.completedTxns, []);
  assert.equal(m.lastEntry(9n)!.coordinatorEpoch, 1);
  assert.equal(m.lastEntry(9n)!.isEmpty, true);
}));

test('KIP-890: a transaction starts only with the verification guard; a later sequence cannot overtake the verified one', () => withManager(async (m) => {
  assert.equal(code(() => m.analyzeAppend(data({ seq: 0, offset: 0, txn: true }), 'client', null)), 48);
  const guard = m.maybeStartTransactionVerification(1n, 0, 0, T0);
  assert.notEqual(guard, null);
  assert.equal(code(() => m.analyzeAppend(data({ seq: 0, offset: 0, txn: true }), 'client', {})), 48, 'another guard');
  assert.equal(m.maybeStartTransactionVerification(1n, 1, 0, T0), guard, 'concurrent verifications share the guard');
  assert.equal(code(() => m.analyzeAppend(data({ seq: 1, offset: 0, txn: true }), 'client', guard)), 45);
  append(m, data({ seq: 0, offset: 0, txn: true }), 'client', guard);
  assert.equal(m.maybeStartTransactionVerification(1n, 1, 0, T0), null, 'the transaction is open here');
  append(m, data({ seq: 1, offset: 1, txn: true }), 'client', null);
  append(m, marker({ offset: 2 }), 'coordinator');
  assert.equal(code(() => m.analyzeAppend(data({ seq: 2, offset: 3, txn: true }), 'client', guard)), 48, 'a guard does not outlive its transaction');
  append(m, data({ epoch: 1, seq: 0, offset: 3 }));
  assert.equal(code(() => m.maybeStartTransactionVerification(1n, 0, 0, T0)), 47);
  // Coordinator appends (transactional offset commits) are trusted.
  append(m, data({ pid: 3n, seq: -1, offset: 4, txn: true }), 'coordinator');
}, { producerIdExpirationMs: 60_000, transactionVerificationEnabled: true }));

test('producer.id.expiration.ms forgets idle producers but never one in a transaction', () => withManager(async (m) => {
  append(m, data({ pid: 1n, seq: 0, offset: 0, ts: T0 }));
  append(m, data({ pid: 2n, seq: 0, offset: 1, ts: T0, txn: true }));
  append(m, data({ pid: 3n, seq: 0, offset: 2, ts: T0 + 30_000 }));
  assert.equal(m.removeExpiredProducers(T0 + 59_999), 0);
  assert.equal(m.removeExpiredProducers(T0 + 60_000), 1);
  assert.deepEqual([...m.activeProducers.keys()].sort(), [2n, 3n]);
  // An expired producer is unknown: any sequence is accepted again.
  append(m, data({ pid: 1n, seq: 50, offset: 3, ts: T0 + 60_000 }));
}));

test('snapshots: taken at the map end offset, reloaded from the latest valid one, corrupt and out-of-range ones deleted', () => withManager(async (m, dir) => {
  append(m, data({ pid: 1n, seq: 0, count: 3, offset: 0 }));
  m.updateMapEndOffset(3);
  assert.equal(await m.takeSnapshot(), ProducerSnapshotFile.path(dir, 3));
  assert.equal(await m.takeSnapshot(), null, 'nothing new');
  append(m, data({ pid: 2n, seq: 0, offset: 3, txn: true }));
  m.updateMapEndOffset(4);
  await m.takeSnapshot();
  append(m, data({ pid: 1n, seq: 3, offset: 4 }));
  m.updateMapEndOffset(5);
  await m.takeSnapshot();
  assert.deepEqual(m.snapshotOffsets, [3, 4, 5]);
  await writeFile(ProducerSnapshotFile.path(dir, 5), Buffer.from('garbage that fails the CRC check'));

  const reloaded = await ProducerStateManager.create('t-0', dir, m.config, logger);
  await reloaded.truncateAndReload(0, 5, T0);
  assert.equal(reloaded.mapEndOffset, 4, 'fell back to the snapshot at 4');
  assert.deepEqual(reloaded.snapshotOffsets, [3, 4]);
  assert.equal(reloaded.lastEntry(1n)!.lastSeq, 2);
  assert.equal(reloaded.firstUnstableOffset, 3, 'the open transaction is back');
  assert.equal((await readdir(dir)).includes('00000000000000000005.snapshot'), false);

  await reloaded.truncateAndReload(0, 3, T0);
  assert.equal(reloaded.mapEndOffset, 3);
  assert.deepEqual(reloaded.snapshotOffsets, [3]);
  assert.equal(reloaded.lastEntry(2n), undefined);
  assert.equal(reloaded.firstUnstableOffset, null);
}));

test('removeStraySnapshots keeps segment snapshots and the newest one past the last segment', () => withManager(async (m, dir) => {
  for (const o of [0, 5, 7, 10, 12, 20]) await ProducerSnapshotFile.write(ProducerSnapshotFile.path(dir, o), ProducerSnapshotFile.encode([]), false);
  const fresh = await ProducerStateManager.create('t-0', dir, m.config, logger);
  await fresh.removeStraySnapshots([0, 10, 15]);
  assert.deepEqual(fresh.snapshotOffsets, [0, 10, 20]);
  await fresh.removeStraySnapshots([0, 10, 25]);
  assert.deepEqual(fresh.snapshotOffsets, [0, 10]);
  assert.deepEqual(await ProducerSnapshotFile.list(dir), [0, 10]);
}));
