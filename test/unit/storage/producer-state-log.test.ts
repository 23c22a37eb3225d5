// Producer state inside UnifiedLog: duplicates, errors, transaction index, last stable offset, snapshots at roll
// and close, recovery by replay, retention and truncation.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildRecordBatchSync } from '../../../src/protocol/records/record-batch-builder.ts';
import { encodeControlBatch } from '../../../src/protocol/records/control-record.ts';
import { logConfig, type LogConfig } from '../../../src/storage/log-config.ts';
import { UnifiedLog, type UnifiedLogOptions } from '../../../src/storage/unified-log.ts';

let root: string;
let n = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'producer-state-log-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const tp = { topic: 'topic', partition: 0 };
// Recent timestamps: a snapshot load drops producers idle longer than producer.id.expiration.ms (1 day).
const T0 = Date.now();

function newDir(): string {
  return join(root, `topic-${n++}`);
}

function open(dir: string, overrides: Partial<LogConfig> = {}, options: UnifiedLogOptions = {}): Promise<UnifiedLog> {
  return UnifiedLog.open(dir, tp, logConfig({ fileDeleteDelayMs: 0, ...overrides }), options);
}

function data(pid: bigint, seq: number, count = 1, opts: { epoch?: number; txn?: boolean } = {}): Buffer {
  return buildRecordBatchSync({
    producerId: pid,
    producerEpoch: opts.epoch ?? 0,
    baseSequence: seq,
    isTransactional: opts.txn ?? false,
    records: Array.from({ length: count }, (_, i) => ({ value: `p${pid}-s${seq + i}`, timestamp: T0 })),
  });
}

function marker(pid: bigint, abort: boolean, epoch = 0): Buffer {
  return encodeControlBatch({ producerId: pid, producerEpoch: epoch, type: abort ? 'ABORT' : 'COMMIT', coordinatorEpoch: 0, timestamp: T0 });
}

async function errorCode(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    return (e as { code: number }).code;
  }
  return 0;
}

test('a retried batch is not written again: the append resolves with its original offsets', async () => {
  const log = await open(newDir());
  await log.appendAsLeader(data(1n, 0, 3), 0);
  await log.appendAsLeader(data(2n, 0, 2), 0);
  const dup = await log.appendAsLeader(data(1n, 0, 3), 0);
  assert.deepEqual([dup.firstOffset, dup.lastOffset, dup.recordCount], [0n, 2n, 0]);
  assert.equal(log.logEndOffset, 5n);
  assert.equal(await errorCode(log.appendAsLeader(data(1n, 4), 0)), 45);
  assert.equal(await errorCode(log.appendAsLeader(data(1n, 3), 0)), 0);
  assert.equal(log.logEndOffset, 6n);
  // A follower append is trusted (the leader already validated it).
  await log.appendAsFollower(Buffer.from(buildRecordBatchSync({ baseOffset: 6n, producerId: 1n, producerEpoch: 0, baseSequence: 9, records: [{ value: 'x' }] })));
  assert.equal(log.producerStateManager.lastEntry(1n)!.lastSeq, 9);
  await log.close();
});

test('ABORT markers write the transaction index; the last stable offset stops at open transactions and at the high watermark', async () => {
  const log = await open(newDir());
  await log.appendAsLeader(data(9n, 0, 2), 0);
  log.highWatermark = log.logEndOffset;
  assert.equal(log.lastStableOffset, 2n);
  await log.appendAsLeader(data(1n, 0, 2, { txn: true }), 0);
  await log.appendAsLeader(data(2n, 0, 1, { txn: true }), 0);
  log.highWatermark = log.logEndOffset;
  assert.equal(log.lastStableOffset, 2n);
  assert.equal(log.firstUnstableOffset, 2n);
  const abort = await log.appendAsLeader(marker(1n, true), 0, { origin: 'coordinator' });
  assert.equal(abort.firstOffset, 5n);
  // The marker is not below the high watermark yet: transaction 1 still holds back the LSO.
  assert.equal(log.lastStableOffset, 2n);
  log.highWatermark = log.logEndOffset;
  assert.equal(log.lastStableOffset, 4n, 'now the open transaction of producer 2');
  assert.deepEqual(log.activeSegment.txnIndex.entries, [{ producerId: 1n, firstOffset: 2n, lastOffset: 5n, lastStableOffset: 4n }]);
  await log.appendAsLeader(marker(2n, false), 0, { origin: 'coordinator' });
  log.highWatermark = log.logEndOffset;
  assert.equal(log.lastStableOffset, 7n);
  assert.equal(log.firstUnstableOffset, null);
  assert.deepEqual(log.collectAbortedTransactions(0n, 7n).map((t) => t.producerId), [1n]);
  assert.deepEqual(log.collectAbortedTransactions(6n, 7n), [], 'ended before the fetch offset');
  const read = await log.read(0n, 1 << 20, log.lastStableOffset);
  assert.deepEqual(log.abortedTransactionsForRead(read).map((t) => [t.producerId, t.firstOffset]), [[1n, 2n]]);
  read.records.release?.();
  await log.close();
});

test('snapshots are written at every roll and at close; a clean reopen keeps deduplicating without replay', async () => {
  const dir = newDir();
  const log = await open(dir, { segmentBytes: 300 });
  for (let i = 0; i < 8; i++) await log.appendAsLeader(data(1n, i * 2, 2), 0);
  const bases = log.logSegments().map((s) => s.baseOffset);
  assert.ok(bases.length >= 3, `rolled: ${bases}`);
  const snapshotsAtRoll = (await readdir(dir)).filter((f) => f.endsWith('.snapshot')).map((f) => Number(f.slice(0, 20)));
  assert.deepEqual(snapshotsAtRoll, bases.slice(1));
  await log.close();
  assert.ok((await readdir(dir)).includes('00000000000000000016.snapshot'), 'snapshot at the log end');

  const reopened = await open(dir, { segmentBytes: 300 }, { hadCleanShutdown: true });
  assert.equal(reopened.producerStateManager.mapEndOffset, 16);
  const dup = await reopened.appendAsLeader(data(1n, 14, 2), 0);
  assert.deepEqual([dup.firstOffset, dup.lastOffset], [14n, 15n]);
  assert.equal(await errorCode(reopened.appendAsLeader(data(1n, 17), 0)), 45);
  await reopened.appendAsLeader(data(1n, 16), 0);
  assert.equal(reopened.logEndOffset, 17n);
  await reopened.close();
});

test('after a crash the state is rebuilt from the roll snapshot plus a replay, which also restores a lost .txnindex entry', async () => {
  const dir = newDir();
  const log = await open(dir, { segmentBytes: 400 });
  for (let i = 0; i < 6; i++) await log.appendAsLeader(data(1n, i, 1), 0);
  await log.appendAsLeader(data(2n, 0, 2, { txn: true }), 0);
  await log.appendAsLeader(data(3n, 0, 1, { txn: true }), 0);
  const abort = await log.appendAsLeader(marker(2n, true), 0, { origin: 'coordinator' });
  await log.appendAsLeader(data(1n, 6, 1), 0);
  const active = log.activeSegment;
  const leo = log.logEndOffset;
  assert.equal(active.txnIndex.entries.length, 1);
  const txnIndexPath = active.txnIndex.path;
  await log.closeHandlers();
  await unlink(txnIndexPath);

  const reopened = await open(dir, { segmentBytes: 400 });
  assert.equal(reopened.logEndOffset, leo);
  assert.deepEqual(reopened.activeSegment.txnIndex.entries.map((e) => e.lastOffset), [abort.firstOffset]);
  assert.equal(reopened.producerStateManager.lastEntry(1n)!.lastSeq, 6);
  assert.equal(reopened.producerStateManager.lastEntry(3n)!.currentTxnFirstOffset !== null, true, 'producer 3 is still in its transaction');
  reopened.highWatermark = reopened.logEndOffset;
  assert.equal(reopened.firstUnstableOffset !== null, true);
  const dup = await reopened.appendAsLeader(data(1n, 6, 1), 0);
  assert.equal(dup.firstOffset, leo - 1n);
  assert.equal(reopened.logEndOffset, leo);
  await reopened.close();
});

test('retention deletes the snapshots of deleted segments; truncation rebuilds the state below the truncation point', async () => {
  const dir = newDir();
  const log = await open(dir, { segmentBytes: 300, retentionBytes: 400 });
  for (let i = 0; i < 10; i++) await log.appendAsLeader(data(1n, i * 2, 2), 0);
  log.highWatermark = log.logEndOffset;
  const deleted = await log.deleteOldSegments();
  assert.ok(deleted > 0);
  const bases = new Set(log.logSegments().map((s) => s.baseOffset));
  for (const o of log.producerStateManager.snapshotOffsets) assert.ok(bases.has(o), `snapshot ${o} has its segment`);

  await log.truncateTo(16n);
  assert.equal(log.logEndOffset, 16n);
  assert.equal(log.producerStateManager.lastEntry(1n)!.lastSeq, 15);
  assert.equal(log.producerStateManager.mapEndOffset, 16);
  await log.appendAsLeader(data(1n, 16, 2), 0);
  await log.close();
});

test('producer.id.expiration.ms: an idle producer is forgotten and then accepted at any sequence', async () => {
  const log = await open(newDir(), {}, { producerStateConfig: { producerIdExpirationMs: 1000, transactionVerificationEnabled: false } });
  await log.appendAsLeader(data(1n, 0), 0);
  assert.equal(log.removeExpiredProducers(T0 + 999), 0);
  assert.equal(log.removeExpiredProducers(T0 + 1000), 1);
  await log.appendAsLeader(data(1n, 77), 0);
  assert.equal(log.producerStateManager.lastEntry(1n)!.lastSeq, 77);
  await log.close();
});
