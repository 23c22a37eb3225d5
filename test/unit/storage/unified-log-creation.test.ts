import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { KafkaStorageError } from '../../../src/storage/errors.ts';
import { logConfig } from '../../../src/storage/log-config.ts';
import { UnifiedLog } from '../../../src/storage/unified-log.ts';
import { buildBatch, simpleRecords } from './batches.ts';

// A log whose directory open() creates takes the no-fsync creation path (see UnifiedLog's class doc).

let root: string;
let n = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'unified-log-creation-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const tp = { topic: 'created', partition: 0 };
const config = logConfig({ fileDeleteDelayMs: 0 });

test("a new directory gets Kafka's files of an empty log; the epoch checkpoint comes with the first records", async () => {
  const dir = join(root, `created-${n++}`);
  const log = await UnifiedLog.open(dir, tp, config);
  assert.deepEqual([log.logStartOffset, log.logEndOffset, log.highWatermark, log.recoveryPoint], [0n, 0n, 0n, 0n]);
  const segmentFiles = ['00000000000000000000.index', '00000000000000000000.log', '00000000000000000000.timeindex'];
  assert.deepEqual((await readdir(dir)).sort(), segmentFiles);
  // The active segment's indexes are preallocated to segment.index.bytes, as Kafka's.
  assert.equal((await stat(join(dir, '00000000000000000000.index'))).size, config.segmentIndexBytes - (config.segmentIndexBytes % 8));
  await log.assignEpochStartOffset(3, 0n);
  assert.equal(log.latestEpoch, 3);
  assert.deepEqual(log.endOffsetForEpoch(3), { leaderEpoch: 3, endOffset: 0n });
  // An epoch starting at the end of an empty log is dropped by any load: not written until records come.
  assert.deepEqual((await readdir(dir)).sort(), segmentFiles);
  assert.equal(log.producerStateManager.activeProducers.size, 0);
  await log.closeHandlers(); // a crash right after creation

  const again = await UnifiedLog.open(dir, tp, config);
  // As Kafka's LogLoader: an epoch starting at the log end holds no record and is dropped (the leader assigns it again).
  assert.deepEqual([again.logEndOffset, again.latestEpoch], [0n, undefined]);
  await again.assignEpochStartOffset(3, 0n);
  const info = await again.appendAsLeader(buildBatch(simpleRecords(2)), 3);
  assert.equal(info.firstOffset, 0n);
  assert.equal(await readFile(join(dir, 'leader-epoch-checkpoint'), 'utf8'), '0\n1\n3 0\n');
  await again.close();
});

test('the first append of a new log writes its epoch checkpoint first; concurrent appends keep their order', async () => {
  const dir = join(root, `created-${n++}`);
  const log = await UnifiedLog.open(dir, tp, config);
  await log.assignEpochStartOffset(0, 0n);
  const infos = await Promise.all(Array.from({ length: 20 }, () => log.appendAsLeader(buildBatch(simpleRecords(3)), 0)));
  assert.deepEqual(infos.map((i) => i.firstOffset), Array.from({ length: 20 }, (_, i) => BigInt(i * 3)));
  assert.equal(await readFile(join(dir, 'leader-epoch-checkpoint'), 'utf8'), '0\n1\n0 0\n');
  await log.assignEpochStartOffset(2, log.logEndOffset);
  assert.equal(await readFile(join(dir, 'leader-epoch-checkpoint'), 'utf8'), '0\n2\n0 0\n2 60\n', 'later epochs are written at once');
  const follower = await UnifiedLog.open(join(root, `created-${n++}`), tp, config);
  const copied = await follower.appendAsFollower(buildBatch(simpleRecords(2), { baseOffset: 0, partitionLeaderEpoch: 0 }));
  assert.equal(copied.lastOffset, 1n);
  assert.equal(follower.latestEpoch, 0);
  await log.close();
  await follower.close();
});

test('a new log whose directory cannot be synced before its first append goes offline instead of acknowledging', async () => {
  const dir = join(root, `created-${n++}`);
  const log = await UnifiedLog.open(dir, tp, config);
  await rm(dir, { recursive: true, force: true });
  await assert.rejects(log.appendAsLeader(buildBatch(simpleRecords(1)), 0), KafkaStorageError);
  assert.equal(log.isOffline, true);
  await assert.rejects(log.appendAsLeader(buildBatch(simpleRecords(1)), 0), KafkaStorageError);
  await log.closeHandlers();
});

test('an existing directory is loaded, not re-created: its records stay', async () => {
  const dir = join(root, `created-${n++}`);
  await mkdir(dir);
  const log = await UnifiedLog.open(dir, tp, config);
  await log.appendAsLeader(buildBatch(simpleRecords(4)), 1);
  await log.flush();
  await log.close();
  const again = await UnifiedLog.open(dir, tp, config, { hadCleanShutdown: true, recoveryPoint: 4 });
  assert.deepEqual([again.logEndOffset, again.latestEpoch], [4n, 1]);
  await again.close();
});
