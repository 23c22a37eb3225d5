// Log dir failure (Kafka's LogDirFailureChannel + handleLogDirFailure): an fsync or flush error takes the whole
// log dir offline and never moves a recovery point past unsynced data. fsync errors are injected through the
// storage layer's FileSync seam (EIO on chosen paths), since a real device does not fail an fsync on demand.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { RecordingFaultHandler } from '../../../src/common/fault-handler.ts';
import { KafkaStorageError } from '../../../src/storage/errors.ts';
import { logConfig, type LogConfig } from '../../../src/storage/log-config.ts';
import { CLEAN_SHUTDOWN_FILE, LogManager, RECOVERY_POINT_CHECKPOINT_FILE, type LogManagerOptions } from '../../../src/storage/log-manager.ts';
import type { UnifiedLog } from '../../../src/storage/unified-log.ts';
import { failSyncs as injectSyncFailures } from '../../fixtures/storage/fail-syncs.ts';
import { buildBatch, simpleRecords } from './batches.ts';

let root: string;
let n = 0;
let restoreSync: (() => void) | null = null;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'log-dir-failure-'));
});
afterEach(() => {
  restoreSync?.();
  restoreSync = null;
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** EIO for the syncs of the paths matching `fails`, until the test ends (or restoreSync is called). */
function failSyncs(fails: (path: string) => boolean): { failedPaths: string[] } {
  const injected = injectSyncFailures(fails);
  restoreSync = injected.restore;
  return injected;
}

function dirs(k: number): string[] {
  const base = join(root, `m${n++}`);
  return Array.from({ length: k }, (_, i) => join(base, `d${i}`));
}

/** Every append is acknowledged only once fsynced (flush.messages=1), so the fsync is on the append's path. */
const durable = logConfig({ segmentBytes: 4000, fileDeleteDelayMs: 0, flushMessages: 1 });

async function manager(logDirs: string[], options: Partial<LogManagerOptions> = {}): Promise<{ m: LogManager; faults: RecordingFaultHandler }> {
  const faults = new RecordingFaultHandler();
  const m = await LogManager.create({ logDirs, defaultConfig: durable, cleaner: false, faultHandler: faults, ...options });
  await m.startup();
  return { m, faults };
}

function append(log: UnifiedLog, records = 2, size = 100): Promise<unknown> {
  return log.appendAsLeader(buildBatch(simpleRecords(records, size)), 0);
}

async function waitUntil(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const inDir = (dir: string) => (path: string): boolean => path === dir || path.startsWith(dir + sep);

test('an fdatasync error of a segment takes its whole log dir offline: KAFKA_STORAGE_ERROR for every log in it, the other dir goes on', async () => {
  const logDirs = dirs(2);
  const { m, faults } = await manager(logDirs);
  const a0 = await m.getOrCreateLog({ topic: 'a', partition: 0 }, durable);
  const b0 = await m.getOrCreateLog({ topic: 'b', partition: 0 }, durable);
  const a1 = await m.getOrCreateLog({ topic: 'a', partition: 1 }, durable);
  assert.deepEqual([a0, b0, a1].map((l) => m.logDirOf(l.topicPartition)), [logDirs[0], logDirs[1], logDirs[0]]);
  for (const log of [a0, b0, a1]) await append(log);
  await m.checkpointAll();
  const checkpointBefore = await readFile(join(logDirs[0]!, RECOVERY_POINT_CHECKPOINT_FILE), 'utf8');
  const recoveryPointBefore = a0.recoveryPoint;

  const { failedPaths } = failSyncs((path) => inDir(a0.dir)(path) && path.endsWith('.log'));
  await assert.rejects(append(a0), (e: unknown) => e instanceof KafkaStorageError && e.code === 56);
  assert.ok(failedPaths.length > 0);
  // The dir is offline: the other log of that dir refuses too, though nothing failed in it.
  assert.equal(m.isLogDirOnline(logDirs[0]!), false);
  assert.deepEqual(m.liveLogDirs, [logDirs[1]]);
  await assert.rejects(append(a1), (e: unknown) => e instanceof KafkaStorageError && e.code === 56);
  await assert.rejects(a1.read(0n, 1000), KafkaStorageError);
  assert.ok(a0.isOffline && a1.isOffline && !b0.isOffline);
  await append(b0);
  assert.equal(b0.logEndOffset, 4n);
  assert.equal(faults.faults.length, 0, 'a log dir is left: the broker goes on');

  // No recovery point of the failed dir moves any more, in memory or on disk.
  assert.equal(a0.recoveryPoint, recoveryPointBefore);
  await m.checkpointAll();
  assert.equal(await readFile(join(logDirs[0]!, RECOVERY_POINT_CHECKPOINT_FILE), 'utf8'), checkpointBefore);
  // New logs go to the live dir only.
  const c0 = await m.getOrCreateLog({ topic: 'c', partition: 0 }, durable);
  assert.equal(m.logDirOf(c0.topicPartition), logDirs[1]);
  restoreSync!();
  await m.shutdown();
});

test('the last log dir failing ends the broker through the fault handler (Kafka halts)', async () => {
  const logDirs = dirs(1);
  const { m, faults } = await manager(logDirs);
  const log = await m.getOrCreateLog({ topic: 'only', partition: 0 }, durable);
  await append(log);
  failSyncs(inDir(log.dir));
  await assert.rejects(append(log), KafkaStorageError);
  assert.equal(faults.faults.length, 1);
  assert.equal(faults.firstFault!.message, `Shutdown broker because all log dirs in ${logDirs[0]} have failed`);
  assert.match((faults.firstFault!.cause as Error).message, /offline after an I\/O error: EIO: i\/o error, fdatasync/);
  restoreSync!();
  await m.abandon();
});

test('the metadata log dir failing ends the broker even when another log dir is left', async () => {
  const logDirs = dirs(2);
  const { m, faults } = await manager(logDirs, { metadataLogDir: logDirs[0]! });
  const log = await m.getOrCreateLog({ topic: 'meta-dir', partition: 0 }, durable);
  assert.equal(m.logDirOf(log.topicPartition), logDirs[0]);
  failSyncs(inDir(log.dir));
  await assert.rejects(append(log), KafkaStorageError);
  assert.deepEqual(faults.faults.map((f) => f.message), [`Shutdown broker because the metadata log dir ${logDirs[0]} has failed`]);
  restoreSync!();
  await m.abandon();
});

test('a failed background index flush takes the log offline and leaves its recovery point where it was', async () => {
  const logDirs = dirs(2);
  const { m } = await manager(logDirs);
  const log = await m.getOrCreateLog({ topic: 'idx', partition: 0 }, durable);
  await append(log);
  await waitUntil('the first index flush', () => log.recoveryPoint === 2n);
  const { failedPaths } = failSyncs((path) => inDir(log.dir)(path) && path.endsWith('.index'));
  // The append is acknowledged on the .log fdatasync alone; the indexes follow in the background, and fail.
  await append(log);
  await waitUntil('the log to go offline', () => log.isOffline);
  assert.ok(failedPaths.some((p) => p.endsWith('.index')));
  assert.equal(log.recoveryPoint, 2n, 'the recovery point never passes indexes that were not synced');
  assert.equal(m.isLogDirOnline(logDirs[0]!), false);
  restoreSync!();
  await m.shutdown();
});

test('a failed flush after a segment roll takes the log offline; the checkpointed recovery point stays below the unsynced segment', async () => {
  const logDirs = dirs(2);
  // No flush.messages: the background flush of the rolled segment is the first fsync of its records.
  const config: LogConfig = logConfig({ segmentBytes: 1000, fileDeleteDelayMs: 0 });
  const { m, faults } = await manager(logDirs, { defaultConfig: config });
  const log = await m.getOrCreateLog({ topic: 'roll', partition: 0 }, config);
  failSyncs((path) => inDir(log.dir)(path) && path.endsWith('00000000000000000000.log'));
  // The append that rolls may already find the log offline (the background flush fails at once).
  while (log.numberOfSegments < 2 && !log.isOffline) await append(log, 2, 200).catch(() => undefined);
  await waitUntil('the log to go offline', () => log.isOffline);
  await assert.rejects(append(log), KafkaStorageError);
  assert.equal(log.recoveryPoint, 0n);
  await m.checkpointAll();
  const checkpoint = await readFile(join(logDirs[0]!, RECOVERY_POINT_CHECKPOINT_FILE), 'utf8').catch(() => '');
  assert.ok(!checkpoint.includes('roll 0 '), `the failed dir's checkpoint never lists the log: ${JSON.stringify(checkpoint)}`);
  assert.equal(faults.faults.length, 0);
  restoreSync!();
  await m.shutdown();
});

test('a failed fsync of a producer snapshot at a roll takes the log offline', async () => {
  const logDirs = dirs(2);
  const config: LogConfig = logConfig({ segmentBytes: 1000, fileDeleteDelayMs: 0 });
  const { m } = await manager(logDirs, { defaultConfig: config });
  const log = await m.getOrCreateLog({ topic: 'snap', partition: 0 }, config);
  const { failedPaths } = failSyncs((path) => inDir(log.dir)(path) && path.endsWith('.snapshot'));
  while (log.numberOfSegments < 2 && !log.isOffline) await append(log, 2, 200).catch(() => undefined);
  await waitUntil('the log to go offline', () => log.isOffline);
  assert.ok(failedPaths.every((p) => p.endsWith('.snapshot')) && failedPaths.length > 0);
  restoreSync!();
  await m.shutdown();
});

test('a failed checkpoint write takes its log dir offline', async () => {
  const logDirs = dirs(2);
  const { m, faults } = await manager(logDirs);
  const log = await m.getOrCreateLog({ topic: 'cp', partition: 0 }, durable);
  await append(log);
  failSyncs((path) => path === join(logDirs[0]!, `${RECOVERY_POINT_CHECKPOINT_FILE}.tmp`));
  await assert.rejects(m.checkpointAll(), (e: unknown) => e instanceof KafkaStorageError && /Writing the recovery point checkpoints in log dir/.test(e.message));
  assert.equal(m.isLogDirOnline(logDirs[0]!), false);
  assert.equal(m.isLogDirOnline(logDirs[1]!), true);
  await waitUntil('the log of that dir to be offline', () => log.isOffline);
  assert.equal(faults.faults.length, 0);
  restoreSync!();
  await m.shutdown();
});

test('shutdown skips a failed dir (no marker, checkpoints left as they were) and releases every lock; the next start recovers it', async () => {
  const logDirs = dirs(2);
  const { m } = await manager(logDirs);
  const a = await m.getOrCreateLog({ topic: 'x', partition: 0 }, durable);
  const b = await m.getOrCreateLog({ topic: 'y', partition: 0 }, durable);
  for (let i = 0; i < 5; i++) {
    await append(a);
    await append(b);
  }
  failSyncs(inDir(a.dir));
  await assert.rejects(append(a), KafkaStorageError);
  restoreSync!();
  await m.shutdown();
  await assert.rejects(stat(join(logDirs[0]!, CLEAN_SHUTDOWN_FILE)), { code: 'ENOENT' });
  await stat(join(logDirs[1]!, CLEAN_SHUTDOWN_FILE));

  const { m: m2 } = await manager(logDirs);
  // Every acknowledged record is back: the failed append was never acknowledged.
  assert.equal(m2.getLog({ topic: 'x', partition: 0 })!.logEndOffset >= 10n, true);
  assert.equal(m2.getLog({ topic: 'y', partition: 0 })!.logEndOffset, 10n);
  await m2.shutdown();
});

test('I/O errors during a shutdown neither fail it nor end the process; the dir is left unclean and unlocked', async () => {
  const logDirs = dirs(1);
  const { m, faults } = await manager(logDirs, { defaultConfig: logConfig({ segmentBytes: 4000, fileDeleteDelayMs: 0 }) });
  const log = await m.getOrCreateLog({ topic: 'late', partition: 0 });
  await append(log);
  failSyncs(inDir(logDirs[0]!));
  await m.shutdown();
  assert.equal(faults.faults.length, 0);
  await assert.rejects(stat(join(logDirs[0]!, CLEAN_SHUTDOWN_FILE)), { code: 'ENOENT' });
  restoreSync!();
  const { m: m2 } = await manager(logDirs);
  assert.equal(m2.getLog({ topic: 'late', partition: 0 })!.logEndOffset, 2n);
  await m2.shutdown();
});
