import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { MockTime } from '../../../src/common/time.ts';
import { rootLogger } from '../../../src/observability/logger.ts';
import { RecordBatch } from '../../../src/protocol/records/record-batch.ts';
import { logConfig, type LogConfig } from '../../../src/storage/log-config.ts';
import { LogCleaner } from '../../../src/storage/log-cleaner.ts';
import { UnifiedLog } from '../../../src/storage/unified-log.ts';
import { prng } from '../../fixtures/storage/crash-batch.ts';
import { batchOffsets, buildBatch, readRecords, splitBatches, type TestRecord } from '../../unit/storage/batches.ts';

let root: string;
let n = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'compaction-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const DELETE_RETENTION_MS = 60_000;
const tp = { topic: 'compacted', partition: 0 };

function compactConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  return logConfig({ cleanupPolicy: 'compact', segmentBytes: 1024 * 1024, deleteRetentionMs: DELETE_RETENTION_MS, fileDeleteDelayMs: 0, ...overrides });
}

async function readAll(log: UnifiedLog): Promise<Buffer[]> {
  const out: Buffer[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const batches = splitBatches(await (await log.read(offset, 4 * 1024 * 1024)).records.readInto());
    assert.ok(batches.length > 0);
    out.push(...batches);
    offset = BigInt(batchOffsets(batches.at(-1)!).lastOffset + 1);
  }
  return out;
}

/**
 * Appends `records` keyed records over `keys` keys (values name their own offset, ~5% tombstones; every 8th
 * batch lz4-compressed) and returns the latest offset and kind per key.
 */
async function fill(log: UnifiedLog, records: number, keys: number, perBatch: number, seed: number): Promise<Map<string, { offset: number; tombstone: boolean }>> {
  const rnd = prng(seed);
  const latest = new Map<string, { offset: number; tombstone: boolean }>();
  let offset = Number(log.logEndOffset);
  for (let b = 0; offset < records; b++) {
    const batch: TestRecord[] = [];
    for (let i = 0; i < perBatch && offset + i < records; i++) {
      const key = `key-${Math.floor(rnd() * keys)}`;
      const tombstone = rnd() < 0.05;
      batch.push({ key, value: tombstone ? null : `v${offset + i}`, timestamp: 1_700_000_000_000 + offset + i });
      latest.set(key, { offset: offset + i, tombstone });
    }
    const info = await log.appendAsLeader(buildBatch(batch, { compression: b % 8 === 7 ? 3 : 0 }), 0);
    assert.equal(Number(info.firstOffset), offset);
    offset = Number(info.lastOffset) + 1;
  }
  return latest;
}

test('1 million keyed records over 10,000 keys: the latest value per key survives with its offset; tombstones go after delete.retention.ms', { timeout: 120_000 }, async () => {
  const time = new MockTime(1_700_000_000_000);
  const log = await UnifiedLog.open(join(root, `d${n++}`, 'compacted-0'), tp, compactConfig(), { time });
  const latest = await fill(log, 1_000_000, 10_000, 1000, 7);
  await log.roll();
  log.highWatermark = log.logEndOffset;
  const sizeBefore = log.size;
  const segmentsBefore = log.numberOfSegments;
  const cleaner = new LogCleaner({ time, logger: rootLogger, logs: () => [log] });
  assert.ok((await cleaner.cleanableOffsets(log)).cleanableRatio > 0.99);

  const first = await cleaner.cleanLog(log);
  assert.ok(first !== null);
  assert.equal(first.recordsRead, 1_000_000);
  assert.ok(log.size < sizeBefore / 20, `compacted from ${sizeBefore} to ${log.size} bytes`);
  assert.equal(log.logEndOffset, 1_000_000n);

  const check = async (expectTombstones: boolean): Promise<void> => {
    const batches = await readAll(log);
    let prev = -1;
    for (const b of batches) {
      assert.ok(new RecordBatch(b).isValid(), 'valid CRC after cleaning');
      const { baseOffset } = batchOffsets(b);
      assert.ok(baseOffset > prev, 'offsets increase');
      prev = batchOffsets(b).lastOffset;
    }
    const seen = new Map<string, number>();
    for (const r of await readRecords(batches)) {
      assert.ok(r.key !== null);
      assert.ok(!seen.has(r.key), `key ${r.key} appears twice`);
      seen.set(r.key, r.offset);
      const want = latest.get(r.key)!;
      assert.equal(r.offset, want.offset, `key ${r.key}: the latest record, at its original offset`);
      if (want.tombstone) assert.equal(r.value, null);
      else assert.equal(r.value, `v${r.offset}`);
    }
    for (const [key, want] of latest) {
      if (!want.tombstone || expectTombstones) assert.ok(seen.has(key), `key ${key} lost`);
      else assert.ok(!seen.has(key), `tombstone of ${key} kept past delete.retention.ms`);
    }
  };
  await check(true);
  assert.equal(await cleaner.cleanFilthiestLog(), false, 'nothing to clean before the delete horizon');

  time.sleep(DELETE_RETENTION_MS + 1);
  assert.equal(await cleaner.cleanFilthiestLog(), true, 'expired tombstones make the log eligible');
  await check(false);
  assert.ok(log.numberOfSegments < segmentsBefore, 'small cleaned segments are merged by the next clean');
  await log.close();
});

test('keyless records are dropped, aborted transaction data goes, markers and empty last batches stay', async () => {
  const time = new MockTime(1_700_000_000_000);
  const log = await UnifiedLog.open(join(root, `d${n++}`, 'compacted-0'), tp, compactConfig({ cleanupPolicy: 'compact,delete', retentionMs: -1 }), { time });
  // Follower appends so that keyless records (written before the topic became compacted) and transactions exist.
  const pid = 42n;
  await log.appendAsFollower(buildBatch([{ key: 'a', value: 'a0' }, { key: null, value: 'nokey' }], { baseOffset: 0 }));
  await log.appendAsFollower(buildBatch([{ key: 'b', value: 'b-aborted' }], { baseOffset: 2, producerId: pid, producerEpoch: 0, attributes: 0x10 }));
  await log.appendAsFollower(buildBatch([{ key: Buffer.from([0, 0, 0, 0]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }], { baseOffset: 3, producerId: pid, producerEpoch: 0, attributes: 0x30 }));
  // The ABORT marker's append wrote the transaction index entry (producer state).
  assert.deepEqual(log.activeSegment.txnIndex.entries, [{ producerId: pid, firstOffset: 2n, lastOffset: 3n, lastStableOffset: 4n }]);
  await log.appendAsFollower(buildBatch([{ key: 'a', value: 'a1' }], { baseOffset: 4 }));
  await log.appendAsFollower(buildBatch([{ key: 'a', value: 'a2' }], { baseOffset: 5 }));
  await log.roll();
  await log.appendAsFollower(buildBatch([{ key: 'z', value: 'z' }], { baseOffset: 6 }));
  log.highWatermark = log.logEndOffset;
  const cleaner = new LogCleaner({ time, logger: rootLogger, logs: () => [log] });
  assert.ok((await cleaner.cleanLog(log)) !== null);
  const batches = await readAll(log);
  const records = await readRecords(batches);
  assert.deepEqual(records.map((r) => [r.offset, r.key, r.value]), [[5, 'a', 'a2'], [6, 'z', 'z']]);
  const control = batches.filter((b) => new RecordBatch(b).isControl);
  assert.equal(control.length, 1, 'the ABORT marker is kept');
  const last = batches.find((b) => batchOffsets(b).baseOffset === 5)!;
  assert.equal(new RecordBatch(last).recordCount, 1);
  assert.deepEqual(log.collectAbortedTransactions(0n, 10n).map((t) => t.producerId), [pid], 'transaction index carried over');
  await log.close();
});

test('a crash in the middle of a clean leaves a consistent log, and the next clean completes', async () => {
  for (const phase of ['afterCleanedWritten', 'beforeFinalRename'] as const) {
    const time = new MockTime(1_700_000_000_000);
    const dir = join(root, `d${n++}`, 'compacted-0');
    const config = compactConfig({ segmentBytes: 16 * 1024 });
    const log = await UnifiedLog.open(dir, tp, config, { time });
    const latest = await fill(log, 5000, 100, 50, 11);
    await log.roll();
    log.highWatermark = log.logEndOffset;
    const crash = new LogCleaner({
      time,
      logger: rootLogger,
      logs: () => [log],
      hooks: {
        [phase]: async () => {
          throw new Error(`simulated crash ${phase}`);
        },
      },
    });
    await assert.rejects(crash.cleanLog(log), /simulated crash/);
    await log.closeHandlers(); // the process dies: nothing else is written
    const files = await readdir(dir);
    assert.ok(files.some((f) => f.endsWith(phase === 'afterCleanedWritten' ? '.cleaned' : '.swap')), `left ${phase} files`);

    const reopened = await UnifiedLog.open(dir, tp, config, { time });
    assert.ok(!(await readdir(dir)).some((f) => f.endsWith('.cleaned') || f.endsWith('.swap') || f.endsWith('.deleted')));
    reopened.highWatermark = reopened.logEndOffset;
    const verify = async (): Promise<void> => {
      const records = await readRecords(await readAll(reopened));
      let prev = -1;
      for (const r of records) {
        assert.ok(r.offset > prev, 'offsets strictly increase: no segment is there twice');
        prev = r.offset;
      }
      const byKey = new Map(records.map((r) => [r.key!, r]));
      for (const [key, want] of latest) assert.equal(byKey.get(key)?.offset, want.offset, `latest record of ${key} survives the crash`);
    };
    await verify();
    const cleaner = new LogCleaner({ time, logger: rootLogger, logs: () => [reopened] });
    assert.ok((await cleaner.cleanLog(reopened)) !== null);
    await verify();
    assert.equal((await readRecords(await readAll(reopened))).length, latest.size);
    await reopened.close();
  }
});
