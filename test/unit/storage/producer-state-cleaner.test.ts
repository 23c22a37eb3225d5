// The log cleaner and producer state (Kafka's Cleaner with CleanedTransactionMetadata and
// lastRecordsOfActiveProducers): an active producer's last batch survives compaction (emptied), and transaction
// markers go once their transaction has no data left and their delete horizon passed.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { MockTime } from '../../../src/common/time.ts';
import { rootLogger } from '../../../src/observability/logger.ts';
import { buildRecordBatchSync } from '../../../src/protocol/records/record-batch-builder.ts';
import { encodeControlBatch } from '../../../src/protocol/records/control-record.ts';
import { iterateBatches } from '../../../src/protocol/records/batch-iterator.ts';
import { logConfig } from '../../../src/storage/log-config.ts';
import { LogCleaner } from '../../../src/storage/log-cleaner.ts';
import { UnifiedLog } from '../../../src/storage/unified-log.ts';

let root: string;
let n = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'producer-cleaner-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const DELETE_RETENTION_MS = 60_000;
const tp = { topic: 'compacted', partition: 0 };

const producerStateConfig = { producerIdExpirationMs: 3_600_000, transactionVerificationEnabled: false };

async function openLog(time: MockTime, dir = join(root, `d${n++}`, 'compacted-0')): Promise<UnifiedLog> {
  const config = logConfig({ cleanupPolicy: 'compact', deleteRetentionMs: DELETE_RETENTION_MS, fileDeleteDelayMs: 0 });
  return UnifiedLog.open(dir, tp, config, { time, producerStateConfig });
}

function batch(key: string, opts: { pid?: bigint; seq?: number; txn?: boolean; ts: number }): Buffer {
  return buildRecordBatchSync({
    producerId: opts.pid ?? -1n,
    producerEpoch: opts.pid === undefined ? -1 : 0,
    baseSequence: opts.seq ?? -1,
    isTransactional: opts.txn ?? false,
    records: [{ key, value: `${key}@${opts.ts}`, timestamp: opts.ts }],
  });
}

function marker(pid: bigint, commit: boolean, ts: number): Buffer {
  return encodeControlBatch({ producerId: pid, producerEpoch: 0, type: commit ? 'COMMIT' : 'ABORT', coordinatorEpoch: 0, timestamp: ts });
}

interface Seen {
  offset: bigint;
  pid: bigint;
  control: boolean;
  records: number;
  horizon: boolean;
  baseSequence: number;
}

async function batches(log: UnifiedLog): Promise<Seen[]> {
  const out: Seen[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const info = await log.read(offset, 1 << 20, null, true);
    for (const b of iterateBatches(await info.records.readInto())) {
      out.push({ offset: b.baseOffset, pid: b.producerId, control: b.isControl, records: b.recordCount, horizon: b.hasDeleteHorizon, baseSequence: b.baseSequence });
      offset = b.nextOffset;
    }
  }
  return out;
}

async function clean(log: UnifiedLog, time: MockTime): Promise<void> {
  log.highWatermark = log.logEndOffset;
  const cleaner = new LogCleaner({ time, logger: rootLogger, logs: () => [log] });
  assert.ok((await cleaner.cleanLog(log)) !== null);
}

test("an active producer's last batch survives compaction emptied; once the producer expires it goes", async () => {
  const time = new MockTime(Date.now());
  const log = await openLog(time);
  const t = time.milliseconds();
  await log.appendAsLeader(batch('a', { pid: 7n, seq: 0, ts: t }), 0); // 0: superseded
  await log.appendAsLeader(batch('b', { pid: 7n, seq: 1, ts: t }), 0); // 1: superseded, producer 7's last batch
  await log.appendAsLeader(batch('a', { ts: t }), 0); // 2
  await log.appendAsLeader(batch('b', { ts: t }), 0); // 3
  await log.roll();
  await log.appendAsLeader(batch('z', { ts: t }), 0);
  await clean(log, time);
  const after1 = (await batches(log)).filter((b) => b.pid === 7n);
  assert.deepEqual(after1.map((b) => [b.offset, b.records, b.baseSequence]), [[1n, 0, 1]], 'only the last batch, emptied, sequence kept');

  // The producer's sequence survives a restart that must replay the cleaned segment.
  await log.closeHandlers();
  const reopened = await openLog(time, log.dir);
  const dup = await reopened.appendAsLeader(batch('b', { pid: 7n, seq: 1, ts: t }), 0);
  assert.equal(dup.firstOffset, 1n, 'a retry of the emptied batch is still a duplicate');
  time.sleep(3_600_000);
  reopened.removeExpiredProducers();
  await reopened.roll();
  await clean(reopened, time);
  assert.deepEqual((await batches(reopened)).filter((b) => b.pid === 7n), [], 'an expired producer keeps nothing');
  await reopened.close();
});

test('markers go once their transaction has no data left and their delete horizon passed; aborted data goes first', async () => {
  const time = new MockTime(Date.now());
  const log = await openLog(time);
  const t = time.milliseconds();
  await log.appendAsLeader(batch('c', { pid: 21n, seq: 0, txn: true, ts: t }), 0, { origin: 'coordinator' }); // 0
  await log.appendAsLeader(marker(21n, true, t), 0, { origin: 'coordinator' }); // 1 COMMIT txn 1
  await log.appendAsLeader(batch('x', { pid: 33n, seq: 0, txn: true, ts: t }), 0, { origin: 'coordinator' }); // 2 aborted data
  await log.appendAsLeader(marker(33n, false, t), 0, { origin: 'coordinator' }); // 3 ABORT
  await log.appendAsLeader(batch('d', { pid: 21n, seq: 1, txn: true, ts: t }), 0, { origin: 'coordinator' }); // 4
  await log.appendAsLeader(marker(21n, true, t), 0, { origin: 'coordinator' }); // 5 COMMIT txn 2
  await log.appendAsLeader(batch('c', { ts: t }), 0); // 6 supersedes 0
  await log.appendAsLeader(batch('y', { pid: 33n, seq: 1, ts: t }), 0); // 7 producer 33's last batch
  await log.roll();
  await log.appendAsLeader(batch('z', { ts: t }), 0);

  const view = async (): Promise<string[]> => (await batches(log)).filter((b) => b.offset < 8n).map((b) => `${b.offset}${b.control ? 'M' : 'D'}${b.records}${b.horizon ? 'h' : ''}`);
  await clean(log, time);
  // Pass 1: superseded and aborted data go; both markers stay (their transactions had data in this pass).
  assert.deepEqual(await view(), ['1M1', '3M1', '4D1', '5M1', '6D1', '7D1']);
  assert.deepEqual(log.collectAbortedTransactions(0n, 100n).map((a) => [a.producerId, a.firstOffset, a.lastOffset]), [[33n, 2n, 3n]]);
  await clean(log, time);
  // Pass 2: markers without data get a delete horizon; the ABORT entry leaves the transaction index.
  assert.deepEqual(await view(), ['1M1h', '3M1h', '4D1', '5M1', '6D1', '7D1']);
  assert.deepEqual(log.collectAbortedTransactions(0n, 100n), []);
  await clean(log, time);
  assert.deepEqual(await view(), ['1M1h', '3M1h', '4D1', '5M1', '6D1', '7D1'], 'not before the horizon');
  time.sleep(DELETE_RETENTION_MS + 1);
  await clean(log, time);
  assert.deepEqual(await view(), ['4D1', '5M1', '6D1', '7D1']);
  await log.close();
});
