import assert from 'node:assert/strict';
import { mkdtemp, open, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import { MockTime } from '../../../src/common/time.ts';
import { rootLogger } from '../../../src/observability/logger.ts';
import { logConfig, type LogConfig } from '../../../src/storage/log-config.ts';
import { LogCleaner } from '../../../src/storage/log-cleaner.ts';
import { UnifiedLog } from '../../../src/storage/unified-log.ts';
import { BatchLayout } from '../../../src/protocol/records/record-batch.ts';
import { buildBatch } from './batches.ts';

let root: string;
let n = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'log-cleaner-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function compactedLog(time: MockTime, overrides: Partial<LogConfig> = {}, name = 't', dir = join(root, `d${n++}`), compression: 0 | 1 = 0): Promise<UnifiedLog> {
  const log = await UnifiedLog.open(join(dir, `${name}-0`), { topic: name, partition: 0 }, logConfig({ cleanupPolicy: 'compact', segmentBytes: 1500, fileDeleteDelayMs: 0, ...overrides }), { time });
  for (let i = 0; i < 60; i++) await log.appendAsLeader(buildBatch([{ key: `k${i % 5}`, value: `v${i}`, timestamp: time.milliseconds() }], { compression }), 0);
  return log;
}

async function waitUntil(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('cleanableOffsets: never beyond the high watermark or into the active segment; ratio of dirty bytes', async () => {
  const time = new MockTime(1_700_000_000_000);
  const log = await compactedLog(time);
  const cleaner = new LogCleaner({ time, logger: rootLogger, logs: () => [log] });
  let o = await cleaner.cleanableOffsets(log);
  assert.equal(o.firstDirtyOffset, 0);
  assert.equal(o.firstUncleanableOffset, 0, 'high watermark 0');
  assert.equal(o.cleanableRatio, 0);
  log.highWatermark = log.logEndOffset;
  o = await cleaner.cleanableOffsets(log);
  assert.equal(o.firstUncleanableOffset, log.activeSegment.baseOffset);
  assert.equal(o.cleanBytes, 0);
  assert.equal(o.cleanableRatio, 1);
  assert.ok(await cleaner.cleanFilthiestLog());
  o = await cleaner.cleanableOffsets(log);
  assert.equal(o.firstDirtyOffset, log.activeSegment.baseOffset, 'checkpointed');
  assert.equal(o.cleanableRatio, 0);
  assert.equal(await readFile(join(log.dir, '..', 'cleaner-offset-checkpoint'), 'utf8'), `0\n1\nt 0 ${o.firstDirtyOffset}\n`);
  await cleaner.removeCheckpoint(log);
  assert.equal(await readFile(join(log.dir, '..', 'cleaner-offset-checkpoint'), 'utf8'), '0\n0\n');
  await log.close();
});

test('min.compaction.lag.ms keeps recent segments out; max.compaction.lag.ms forces a clean below the ratio', async () => {
  const time = new MockTime(1_700_000_000_000);
  const log = await compactedLog(time, { minCompactionLagMs: 10_000 });
  log.highWatermark = log.logEndOffset;
  const cleaner = new LogCleaner({ time, logger: rootLogger, logs: () => [log] });
  assert.equal((await cleaner.cleanableOffsets(log)).firstUncleanableOffset, 0);
  time.sleep(10_001);
  assert.equal((await cleaner.cleanableOffsets(log)).firstUncleanableOffset, log.activeSegment.baseOffset);
  const lazy = await compactedLog(time, { minCleanableDirtyRatio: 1, maxCompactionLagMs: 5000 }, 'lazy');
  lazy.highWatermark = lazy.logEndOffset;
  const c2 = new LogCleaner({ time, logger: rootLogger, logs: () => [lazy] });
  assert.equal((await c2.cleanableOffsets(lazy)).needCompactionNow, false);
  time.sleep(5001);
  assert.equal((await c2.cleanableOffsets(lazy)).needCompactionNow, true);
  assert.ok(await c2.cleanFilthiestLog());
  await log.close();
  await lazy.close();
});

test('the background loop cleans eligible logs and stops on shutdown', async () => {
  const time = new MockTime(1_700_000_000_000);
  const log = await compactedLog(time);
  log.highWatermark = log.logEndOffset;
  const sizeBefore = log.size;
  const cleaner = new LogCleaner({ time, logger: rootLogger, logs: () => [log], backoffMs: 10 });
  cleaner.startup();
  const deadline = Date.now() + 10_000;
  while (log.size >= sizeBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  await cleaner.shutdown();
  assert.ok(log.size < sizeBefore);
  await log.close();
});

test('a log the cleaner fails on is marked uncleanable and the other logs are still compacted', async () => {
  const time = new MockTime(1_700_000_000_000);
  const dir = join(root, `d${n++}`);
  // A gzip log whose first batch is damaged on disk (its compressed records no longer inflate), and a sound one.
  const bad = await compactedLog(time, {}, 'bad', dir, 1);
  const good = await compactedLog(time, {}, 'good', dir);
  for (const log of [bad, good]) log.highWatermark = log.logEndOffset;
  const fh = await open(join(bad.dir, '00000000000000000000.log'), 'r+');
  await fh.write(Buffer.alloc(8, 0xff), 0, 8, BatchLayout.HEADER_SIZE + 4);
  await fh.close();
  const badSize = bad.size;
  const goodSize = good.size;
  const cleaner = new LogCleaner({ time, logger: rootLogger, logs: () => [bad, good], backoffMs: 5 });
  const registry = new Registry();
  cleaner.registerMetrics(registry, [dir]);
  cleaner.startup();
  try {
    await waitUntil('the sound log to be compacted', () => good.size < goodSize);
  } finally {
    await cleaner.shutdown();
  }
  assert.equal(cleaner.manager.isUncleanable(bad), true);
  assert.deepEqual([...(cleaner.manager.uncleanablePartitions().get(dir) ?? [])], ['bad-0']);
  assert.equal(bad.size, badSize, 'the failed log is left as it was');
  assert.deepEqual((await readdir(bad.dir)).filter((f) => f.includes('.cleaned') || f.includes('.swap')), [], 'no half-written segment is left');
  assert.match(await registry.metrics(), new RegExp(`kafka_log_logcleanermanager_uncleanable_partitions_count\\{logDirectory="${dir}"\\} 1`));
  // Once the log is gone (deleted), its partition leaves the set.
  cleaner.manager.maintainUncleanablePartitions([good]);
  assert.match(await registry.metrics(), new RegExp(`kafka_log_logcleanermanager_uncleanable_partitions_count\\{logDirectory="${dir}"\\} 0`));
  await bad.close();
  await good.close();
});

test('log.cleaner.threads logs are cleaned at once, each by one thread', async () => {
  const time = new MockTime(1_700_000_000_000);
  const logs = await Promise.all(['a', 'b', 'c'].map((name) => compactedLog(time, {}, name)));
  for (const log of logs) log.highWatermark = log.logEndOffset;
  let waiting = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const cleaner = new LogCleaner({
    time, logger: rootLogger, logs: () => logs, backoffMs: 5, threads: 2,
    hooks: { afterCleanedWritten: async () => { waiting++; await gate; } },
  });
  const sizes = logs.map((l) => l.size);
  cleaner.startup();
  try {
    await waitUntil('two cleans to run at once', () => waiting === 2);
    assert.equal(cleaner.manager.inProgress.size, 2, 'two threads, two logs in progress, the third waits');
    release();
    await waitUntil('every log to be compacted', () => logs.every((l, i) => l.size < sizes[i]!));
  } finally {
    release();
    await cleaner.shutdown();
  }
  for (const log of logs) await log.close();
});

test('a dedupe buffer too small for one batch fails the clean (and the log becomes uncleanable) instead of spinning', async () => {
  const time = new MockTime(1_700_000_000_000);
  const log = await UnifiedLog.open(join(root, `d${n++}`, 'wide-0'), { topic: 'wide', partition: 0 }, logConfig({ cleanupPolicy: 'compact', segmentBytes: 1500, fileDeleteDelayMs: 0 }), { time });
  for (let i = 0; i < 20; i++) await log.appendAsLeader(buildBatch(Array.from({ length: 5 }, (_, k) => ({ key: `k${k}`, value: `v${i}` }))), 0);
  log.highWatermark = log.logEndOffset;
  // Room for about one key (a key costs 64 bytes plus its length): a batch of five distinct keys never fits.
  const cleaner = new LogCleaner({ time, logger: rootLogger, logs: () => [log], dedupeBufferSize: 100, dedupeBufferLoadFactor: 1 });
  await assert.rejects(cleaner.cleanLog(log), /dedupe buffer \(100 bytes\) cannot hold the keys of one batch/);
  assert.equal(await cleaner.cleanFilthiestLog(), false);
  assert.equal(cleaner.manager.isUncleanable(log), true);
  await log.close();
});
