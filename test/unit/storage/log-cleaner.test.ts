import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { MockTime } from '../../../src/common/time.ts';
import { rootLogger } from '../../../src/observability/logger.ts';
import { logConfig, type LogConfig } from '../../../src/storage/log-config.ts';
import { LogCleaner } from '../../../src/storage/log-cleaner.ts';
import { UnifiedLog } from '../../../src/storage/unified-log.ts';
import { buildBatch } from './batches.ts';

let root: string;
let n = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'log-cleaner-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function compactedLog(time: MockTime, overrides: Partial<LogConfig> = {}, name = 't'): Promise<UnifiedLog> {
  const dir = join(root, `d${n++}`);
  const log = await UnifiedLog.open(join(dir, `${name}-0`), { topic: name, partition: 0 }, logConfig({ cleanupPolicy: 'compact', segmentBytes: 1500, fileDeleteDelayMs: 0, ...overrides }), { time });
  for (let i = 0; i < 60; i++) await log.appendAsLeader(buildBatch([{ key: `k${i % 5}`, value: `v${i}`, timestamp: time.milliseconds() }]), 0);
  return log;
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
