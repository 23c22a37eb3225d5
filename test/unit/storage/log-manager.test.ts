import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { MockTime } from '../../../src/common/time.ts';
import { logConfig } from '../../../src/storage/log-config.ts';
import { CLEAN_SHUTDOWN_FILE, LogManager, logDeleteDirName } from '../../../src/storage/log-manager.ts';
import { buildBatch, simpleRecords } from './batches.ts';

let root: string;
let n = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'log-manager-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

function capture(): { logger: pino.Logger; messages: () => string[] } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.length > 0) out.push(JSON.parse(l).msg);
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, stream), messages: () => out };
}

function dirs(k: number): string[] {
  const base = join(root, `m${n++}`);
  return Array.from({ length: k }, (_, i) => join(base, `d${i}`));
}

const config = logConfig({ segmentBytes: 2000, fileDeleteDelayMs: 0 });

test('creates logs in the dir with the fewest logs; concurrent creation yields one log; partition.metadata', async () => {
  const logDirs = dirs(2);
  const m = await LogManager.create({ logDirs, defaultConfig: config, cleaner: false });
  await m.startup();
  const [a, b] = await Promise.all([m.getOrCreateLog({ topic: 'x', partition: 0 }, config, 'AAAAAAAAAAAAAAAAAAAAAA'), m.getOrCreateLog({ topic: 'x', partition: 0 })]);
  assert.equal(a, b);
  const c = await m.getOrCreateLog({ topic: 'x', partition: 1 });
  assert.notEqual(m.logDirOf({ topic: 'x', partition: 0 }), m.logDirOf({ topic: 'x', partition: 1 }));
  assert.equal(await readFile(join(a.dir, 'partition.metadata'), 'utf8'), 'version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA\n');
  assert.equal(m.allLogs().length, 2);
  assert.equal(m.getLog({ topic: 'x', partition: 1 }), c);
  await m.shutdown();
});

test('clean shutdown writes checkpoints and the marker; the next startup loads without recovery and removes the marker', async () => {
  const logDirs = dirs(1);
  const m = await LogManager.create({ logDirs, defaultConfig: config, cleaner: false });
  await m.startup();
  const log = await m.getOrCreateLog({ topic: 'y', partition: 3 });
  for (let i = 0; i < 20; i++) await log.appendAsLeader(buildBatch(simpleRecords(2, 100)), 4);
  log.highWatermark = 30n;
  await log.deleteRecordsBefore(10n);
  await m.shutdown();
  const d = logDirs[0]!;
  assert.ok((await readdir(d)).includes(CLEAN_SHUTDOWN_FILE));
  assert.equal(await readFile(join(d, 'recovery-point-offset-checkpoint'), 'utf8'), '0\n1\ny 3 40\n');
  assert.equal(await readFile(join(d, 'replication-offset-checkpoint'), 'utf8'), '0\n1\ny 3 30\n');
  assert.equal(await readFile(join(d, 'log-start-offset-checkpoint'), 'utf8'), '0\n1\ny 3 10\n');
  assert.equal(await readFile(join(log.dir, 'leader-epoch-checkpoint'), 'utf8'), '0\n1\n4 10\n', 'the epoch entry moved up with the log start');

  const { logger, messages } = capture();
  const m2 = await LogManager.create({ logDirs, defaultConfig: config, cleaner: false, logger });
  await m2.startup();
  const again = m2.getLog({ topic: 'y', partition: 3 })!;
  assert.deepEqual([again.logStartOffset, again.logEndOffset, again.highWatermark, again.recoveryPoint], [10n, 40n, 30n, 40n]);
  assert.ok(!messages().includes('Recovering unflushed segment'));
  assert.ok(!(await readdir(d)).includes(CLEAN_SHUTDOWN_FILE));
  await m2.shutdown();
});

test('the clean-shutdown marker names the broker epoch, which the next start reads back; after a crash or with dirs disagreeing it is -1 (KIP-966)', async () => {
  const logDirs = dirs(2);
  const m = await LogManager.create({ logDirs, defaultConfig: config, cleaner: false });
  await m.startup();
  assert.equal(m.cleanShutdownBrokerEpoch, -1n, 'a new dir has no marker');
  m.setBrokerEpoch(4242n);
  await m.shutdown();
  assert.deepEqual(JSON.parse(await readFile(join(logDirs[0]!, CLEAN_SHUTDOWN_FILE), 'utf8')), { version: 0, brokerEpoch: 4242 }, "Kafka's CleanShutdownFileHandler content");
  const m2 = await LogManager.create({ logDirs, defaultConfig: config, cleaner: false });
  await m2.startup();
  assert.equal(m2.cleanShutdownBrokerEpoch, 4242n);
  await m2.abandon();
  const m3 = await LogManager.create({ logDirs, defaultConfig: config, cleaner: false });
  await m3.startup();
  assert.equal(m3.cleanShutdownBrokerEpoch, -1n, 'a crash leaves no marker');
  m3.setBrokerEpoch(7n);
  await m3.shutdown();
  await writeFile(join(logDirs[1]!, CLEAN_SHUTDOWN_FILE), JSON.stringify({ version: 0, brokerEpoch: 8 }));
  const m4 = await LogManager.create({ logDirs, defaultConfig: config, cleaner: false });
  await m4.startup();
  assert.equal(m4.cleanShutdownBrokerEpoch, -1n, 'dirs that disagree');
  await m4.shutdown();
});

test('after an unclean shutdown only segments from the recovery point on are recovered', async () => {
  const logDirs = dirs(1);
  const m = await LogManager.create({ logDirs, defaultConfig: config, cleaner: false });
  await m.startup();
  const log = await m.getOrCreateLog({ topic: 'z', partition: 0 });
  for (let i = 0; i < 40; i++) await log.appendAsLeader(buildBatch(simpleRecords(2, 100)), 0);
  await log.flush();
  await m.checkpointAll();
  const flushedSegments = log.numberOfSegments;
  for (let i = 0; i < 3; i++) await log.appendAsLeader(buildBatch(simpleRecords(2, 100)), 0);
  await m.abandon(); // a crash: nothing more is written, no marker, the locks go with the process
  const { logger, messages } = capture();
  const m2 = await LogManager.create({ logDirs, defaultConfig: config, cleaner: false, logger });
  await m2.startup();
  const again = m2.getLog({ topic: 'z', partition: 0 })!;
  assert.equal(again.logEndOffset, 86n);
  const recovered = messages().filter((x) => x === 'Recovering unflushed segment').length;
  assert.ok(recovered >= 1 && recovered < flushedSegments, `recovered ${recovered} of ${again.numberOfSegments} segments`);
  await m2.shutdown();
});

test('deleteLog renames to <topic>-<partition>.<uuid>-delete and removes it; leftovers go at startup', async () => {
  const logDirs = dirs(1);
  const d = logDirs[0]!;
  const m = await LogManager.create({ logDirs, defaultConfig: config, cleaner: false });
  await m.startup();
  const log = await m.getOrCreateLog({ topic: 'gone', partition: 2 });
  await log.appendAsLeader(buildBatch(simpleRecords(2)), 0);
  await m.deleteLog({ topic: 'gone', partition: 2 });
  assert.equal(m.getLog({ topic: 'gone', partition: 2 }), undefined);
  await m.awaitPendingDeletes();
  assert.deepEqual((await readdir(d, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name), []);
  assert.match(logDeleteDirName({ topic: 'gone', partition: 2 }), /^gone-2\.[0-9a-f]{32}-delete$/);
  assert.ok(logDeleteDirName({ topic: 'x'.repeat(249), partition: 2 }).length <= 255);
  await m.shutdown();
  await mkdir(join(d, logDeleteDirName({ topic: 'old', partition: 0 })));
  const m2 = await LogManager.create({ logDirs, defaultConfig: config, cleaner: false });
  await m2.startup();
  await m2.awaitPendingDeletes();
  assert.deepEqual((await readdir(d, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name), []);
  await m2.shutdown();
});

test('a log dir locked by another LogManager is refused until it shuts down; a stale .lock file is no lock', async () => {
  const logDirs = dirs(1);
  await mkdir(logDirs[0]!, { recursive: true });
  // A pid file left by an earlier version, naming a live process: only the OS lock counts.
  await writeFile(join(logDirs[0]!, '.lock'), `${process.ppid}\n`);
  const m = await LogManager.create({ logDirs, defaultConfig: config, cleaner: false });
  await assert.rejects(LogManager.create({ logDirs, defaultConfig: config, cleaner: false }), {
    message: `Failed to acquire lock on file .lock in ${logDirs[0]}. A Kafka instance in another process or thread is using this directory.`,
  });
  await m.shutdown();
  const m2 = await LogManager.create({ logDirs, defaultConfig: config, cleaner: false });
  await m2.shutdown();
});

test('cleanupLogs applies retention; flushDirtyLogs honours flush.ms', async () => {
  const time = new MockTime(1_700_000_000_000);
  const logDirs = dirs(1);
  const m = await LogManager.create({ logDirs, defaultConfig: config, cleaner: false, time });
  await m.startup();
  const log = await m.getOrCreateLog({ topic: 'r', partition: 0 }, logConfig({ segmentBytes: 1000, retentionMs: 1000, flushMs: 500, fileDeleteDelayMs: 0 }));
  for (let i = 0; i < 10; i++) await log.appendAsLeader(buildBatch(simpleRecords(2, 100, 1_700_000_000_000)), 0);
  log.highWatermark = log.logEndOffset;
  await m.flushDirtyLogs();
  assert.ok(log.recoveryPoint < log.logEndOffset, 'flush.ms not yet elapsed (only rolled segments were flushed)');
  time.sleep(600);
  await m.flushDirtyLogs();
  assert.equal(log.recoveryPoint, log.logEndOffset);
  time.sleep(1000);
  assert.ok((await m.cleanupLogs()) > 0);
  assert.equal(log.logStartOffset, log.logEndOffset);
  assert.equal((await stat(log.dir)).isDirectory(), true);
  await m.shutdown();
});

test('concurrent creations spread over the log dirs by their log counts; a deleted log frees its place', async () => {
  const logDirs = dirs(3);
  const m = await LogManager.create({ logDirs, defaultConfig: config, cleaner: false });
  await m.startup();
  const logs = await Promise.all(Array.from({ length: 30 }, (_, p) => m.getOrCreateLog({ topic: 'spread', partition: p })));
  const perDir = (): number[] => logDirs.map((d) => m.allLogs().filter((l) => m.logDirOf(l.topicPartition) === d).length);
  assert.deepEqual(perDir(), [10, 10, 10]);
  const inFirst = logs.filter((l) => m.logDirOf(l.topicPartition) === logDirs[0]).slice(0, 2);
  for (const l of inFirst) await m.deleteLog(l.topicPartition);
  assert.deepEqual(perDir(), [8, 10, 10]);
  await m.getOrCreateLog({ topic: 'spread', partition: 100 });
  await m.getOrCreateLog({ topic: 'spread', partition: 101 });
  assert.deepEqual(perDir(), [10, 10, 10], 'new logs go to the dir that lost two');
  await m.shutdown();
});

test('logs created and never written come back empty after a crash right after their creation', async () => {
  const logDirs = dirs(1);
  const m = await LogManager.create({ logDirs, defaultConfig: config, cleaner: false });
  await m.startup();
  const created = await Promise.all(Array.from({ length: 20 }, (_, p) => m.getOrCreateLog({ topic: 'fresh', partition: p }, config, 'AAAAAAAAAAAAAAAAAAAAAA')));
  await Promise.all(created.map((l) => l.assignEpochStartOffset(0, 0n)));
  await m.abandon(); // kill -9: no checkpoint, no marker
  const { logger, messages } = capture();
  const m2 = await LogManager.create({ logDirs, defaultConfig: config, cleaner: false, logger });
  await m2.startup();
  assert.equal(m2.allLogs().length, 20);
  for (const l of m2.allLogs()) assert.deepEqual([l.logStartOffset, l.logEndOffset], [0n, 0n]);
  assert.equal(await readFile(join(m2.getLog({ topic: 'fresh', partition: 7 })!.dir, 'partition.metadata'), 'utf8'), 'version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA\n');
  assert.ok(messages().includes('No clean shutdown marker: recovering logs from their recovery points'));
  const log = m2.getLog({ topic: 'fresh', partition: 3 })!;
  log.assignEpochStartOffset(1, 0n);
  assert.equal((await log.appendAsLeader(buildBatch(simpleRecords(2)), 1)).lastOffset, 1n);
  await m2.shutdown();
});

test('the recovery points are checkpointed soon after a rolled segment is flushed, without waiting for the periodic checkpoint', async () => {
  const logDirs = dirs(1);
  // The periodic checkpoint task never fires during the test (one hour).
  const m = await LogManager.create({ logDirs, defaultConfig: config, cleaner: false, flushCheckpointIntervalMs: 3_600_000, flushStartOffsetCheckpointIntervalMs: 3_600_000 });
  await m.startup();
  const log = await m.getOrCreateLog({ topic: 'r', partition: 0 });
  for (let i = 0; i < 30; i++) await log.appendAsLeader(buildBatch(simpleRecords(2, 100)), 0);
  assert.ok(log.numberOfSegments > 2, 'segment.bytes=2000 rolled several times');
  const file = join(logDirs[0]!, 'recovery-point-offset-checkpoint');
  const checkpointed = async (): Promise<bigint> => {
    const text = await readFile(file, 'utf8').catch(() => '');
    const line = text.split('\n').find((l) => l.startsWith('r 0 '));
    return line === undefined ? -1n : BigInt(line.split(' ')[2]!);
  };
  const deadline = Date.now() + 10_000;
  while ((await checkpointed()) <= 0n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const point = await checkpointed();
  assert.ok(point > 0n && point <= log.recoveryPoint, `checkpointed recovery point ${point}, log's ${log.recoveryPoint}`);
  await m.abandon(); // a crash: no clean shutdown
  const { logger, messages } = capture();
  const m2 = await LogManager.create({ logDirs, defaultConfig: config, cleaner: false, logger });
  await m2.startup();
  assert.equal(m2.getLog({ topic: 'r', partition: 0 })!.logEndOffset, 60n);
  const recovered = messages().filter((x) => x === 'Recovering unflushed segment').length;
  assert.ok(recovered < m2.getLog({ topic: 'r', partition: 0 })!.numberOfSegments, `recovered ${recovered} segments`);
  await m2.shutdown();
});

test('retention runs every log.retention.check.interval.ms from log.initial.task.delay.ms; log start offsets are checkpointed on their own interval', async () => {
  const logDirs = dirs(1);
  const m = await LogManager.create({
    logDirs,
    defaultConfig: logConfig({ segmentBytes: 2000, retentionBytes: 2000, retentionMs: -1, fileDeleteDelayMs: 0 }),
    cleaner: false,
    retentionCheckIntervalMs: 20,
    initialTaskDelayMs: 0,
    flushCheckpointIntervalMs: 3_600_000,
    flushStartOffsetCheckpointIntervalMs: 20,
  });
  await m.startup();
  const log = await m.getOrCreateLog({ topic: 'kept', partition: 0 });
  for (let i = 0; i < 30; i++) await log.appendAsLeader(buildBatch(simpleRecords(2, 100)), 0);
  log.highWatermark = log.logEndOffset;
  const deadline = Date.now() + 10_000;
  while (log.logStartOffset === 0n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(log.logStartOffset > 0n, 'the retention task deleted the oldest segments by itself');
  // DeleteRecords moves the log start offset inside the remaining segment: the offset to checkpoint.
  for (let i = 0; i < 3; i++) await log.appendAsLeader(buildBatch(simpleRecords(2, 10)), 0);
  log.highWatermark = log.logEndOffset;
  await log.deleteRecordsBefore(log.logEndOffset - 1n);
  const file = join(logDirs[0]!, 'log-start-offset-checkpoint');
  const expected = `kept 0 ${log.logStartOffset}`;
  while (!(await readFile(file, 'utf8').catch(() => '')).includes(expected) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.match(await readFile(file, 'utf8'), new RegExp(expected));
  await m.shutdown();
});

test('log.cleaner.threads changes at run time: a cleaner with no threads starts cleaning once reconfigured', async () => {
  const logDirs = dirs(1);
  const m = await LogManager.create({ logDirs, defaultConfig: config, cleaner: { threads: 0, backoffMs: 10 } });
  await m.startup();
  const log = await m.getOrCreateLog({ topic: 'compacted', partition: 0 }, logConfig({ cleanupPolicy: 'compact', segmentBytes: 1500, fileDeleteDelayMs: 0 }));
  for (let i = 0; i < 60; i++) await log.appendAsLeader(buildBatch([{ key: `k${i % 5}`, value: `v${i}` }]), 0);
  log.highWatermark = log.logEndOffset;
  const before = log.size;
  assert.equal(m.cleaner!.manager.inProgress.size, 0);
  m.reconfigure({ cleaner: { threads: 1, backoffMs: 10 } });
  const deadline = Date.now() + 10_000;
  while (log.size >= before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(log.size < before, 'compacted after the update');
  await m.shutdown();
});
