import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import pino from 'pino';
import { MockTime } from '../../../src/common/time.ts';
import { buildRecordBatchSync } from '../../../src/protocol/records/record-batch-builder.ts';
import { ControlRecordType } from '../../../src/protocol/records/control-record.ts';
import { RecordsError } from '../../../src/protocol/records/records-error.ts';
import { decodeBatches } from '../../../src/raft/batch.ts';
import { decodeSnapshotHeader } from '../../../src/raft/control-records.ts';
import { KafkaMetadataLog, type MetadataLogConfig } from '../../../src/raft/kafka-metadata-log.ts';
import { validateOffsetAndEpoch } from '../../../src/raft/replicated-log.ts';
import { SnapshotReader } from '../../../src/raft/snapshot-reader.ts';
import { SnapshotWriter } from '../../../src/raft/snapshot-writer.ts';
import { writeBootstrapCheckpoint } from '../../../src/raft/bootstrap-checkpoint.ts';
import { KRaftControlRecordStateMachine } from '../../../src/raft/kraft-control-record-state-machine.ts';
import { replicaKey } from '../../../src/raft/replica-key.ts';
import { VoterSet } from '../../../src/raft/voter-set.ts';

const CONFIG: MetadataLogConfig = { segmentBytes: 1024 * 1024, segmentMs: 7 * 24 * 3600 * 1000, retentionMaxBytes: -1, retentionMs: -1, maxBatchSizeBytes: 8 * 1024 * 1024 };
const time = new MockTime();
const logger = pino({ level: 'silent' });

function batch(epoch: number, ...values: string[]): Buffer {
  return buildRecordBatchSync({ baseOffset: 0n, partitionLeaderEpoch: epoch, defaultTimestamp: time.milliseconds(), records: values.map((v) => ({ key: null, value: Buffer.from(v) })) });
}

function followerBatch(baseOffset: bigint, epoch: number, ...values: string[]): Buffer {
  return buildRecordBatchSync({ baseOffset, partitionLeaderEpoch: epoch, defaultTimestamp: time.milliseconds(), records: values.map((v) => ({ key: null, value: Buffer.from(v) })) });
}

async function values(log: KafkaMetadataLog, from = 0n): Promise<string[]> {
  const { records } = await log.read(from, 'UNCOMMITTED', 1 << 20);
  return decodeBatches(records).batches.flatMap((b) => b.records.map(String));
}

async function writeSnapshot(log: KafkaMetadataLog, offset: bigint, epoch: number, ...records: string[]): Promise<void> {
  const raw = await log.createNewSnapshot({ offset, epoch });
  assert.ok(raw !== null);
  const w = new SnapshotWriter({ raw, lastContainedLogTimestamp: 1234, maxBatchSizeBytes: 1 << 20, wallClockMs: () => time.milliseconds() });
  await w.append(records.map((r) => Buffer.from(r)));
  await w.freeze();
}

describe('KafkaMetadataLog', () => {
  let dir: string;
  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'metadata-log-')), '__cluster_metadata-0');
  });
  afterEach(async () => {
    await rm(join(dir, '..'), { recursive: true, force: true });
  });

  test('appends as leader with its epoch, reads back, tracks epochs and the flushed offset', async () => {
    const log = await KafkaMetadataLog.open(dir, CONFIG, { time, logger });
    await log.initializeLeaderEpoch(1);
    assert.deepEqual(await log.appendAsLeader(batch(0, 'a', 'b'), 1), { firstOffset: 0n, lastOffset: 1n });
    assert.equal(log.lastFlushedOffset, 0n);
    await log.flush();
    assert.equal(log.lastFlushedOffset, 2n);
    await log.initializeLeaderEpoch(3);
    await log.appendAsLeader(batch(0, 'c'), 3);
    assert.deepEqual(await values(log), ['a', 'b', 'c']);
    assert.equal(log.lastFetchedEpoch, 3);
    assert.deepEqual(log.endOffsetForEpoch(1), { offset: 2n, epoch: 1 });
    assert.deepEqual(log.endOffsetForEpoch(2), { offset: 2n, epoch: 1 });
    assert.deepEqual(validateOffsetAndEpoch(log, 2n, 1), { kind: 'VALID', offsetAndEpoch: { offset: 2n, epoch: 1 } });
    assert.deepEqual(validateOffsetAndEpoch(log, 3n, 1), { kind: 'DIVERGING', offsetAndEpoch: { offset: 2n, epoch: 1 } });
    await log.close();
  });

  test('rejects a corrupt follower batch before writing anything, and truncation below the high watermark', async () => {
    const log = await KafkaMetadataLog.open(dir, CONFIG, { time, logger });
    const b = followerBatch(0n, 1, 'a', 'b');
    b[b.length - 1] ^= 0xff;
    await assert.rejects(log.appendAsFollower(b, 1), RecordsError);
    assert.equal(log.endOffset, 0n);
    await log.appendAsFollower(followerBatch(0n, 1, 'a', 'b'), 1);
    log.updateHighWatermark(2n);
    await assert.rejects(log.truncateTo(1n), /below the current high watermark/);
    await log.close();
  });

  test('a clean restart keeps everything, writes its own recovery point and does not need to scan', async () => {
    const log = await KafkaMetadataLog.open(dir, CONFIG, { time, logger });
    await log.initializeLeaderEpoch(1);
    await log.appendAsLeader(batch(0, 'a'), 1);
    await log.close();
    const files = await readdir(dir);
    assert.ok(files.includes('.kafka_cleanshutdown'));
    assert.match(await readFile(join(dir, 'recovery-point-offset-checkpoint'), 'utf8'), /^0\n1\n__cluster_metadata 0 1\n$/);
    const again = await KafkaMetadataLog.open(dir, CONFIG, { time, logger });
    assert.ok(!(await readdir(dir)).includes('.kafka_cleanshutdown'), 'the marker is consumed at open');
    assert.deepEqual(await values(again), ['a']);
    assert.equal(again.lastFetchedEpoch, 1);
    await again.close();
  });

  test('after a crash the unflushed tail is recovered or cut at the last whole batch', async () => {
    const log = await KafkaMetadataLog.open(dir, CONFIG, { time, logger });
    await log.appendAsFollower(followerBatch(0n, 1, 'a'), 1);
    await log.appendAsFollower(followerBatch(1n, 1, 'b'), 1);
    await log.closeHandlers();
    const segment = (await readdir(dir)).find((f) => f.endsWith('.log'))!;
    const bytes = await readFile(join(dir, segment));
    await writeFile(join(dir, segment), bytes.subarray(0, bytes.length - 5));
    const again = await KafkaMetadataLog.open(dir, CONFIG, { time, logger });
    assert.deepEqual(await values(again), ['a']);
    assert.equal(again.lastFlushedOffset, 1n);
    await again.close();
  });

  test('snapshots: Kafka file names and format, batch alignment, the log start moves and older snapshots go', async () => {
    const log = await KafkaMetadataLog.open(dir, CONFIG, { time, logger });
    await log.appendAsFollower(followerBatch(0n, 1, 'a', 'b'), 1);
    await log.appendAsFollower(followerBatch(2n, 2, 'c'), 2);
    await log.appendAsFollower(followerBatch(3n, 2, 'd'), 2);
    await assert.rejects(log.createNewSnapshot({ offset: 2n, epoch: 1 }), /greater than the high-watermark/);
    log.updateHighWatermark(4n);
    await assert.rejects(log.createNewSnapshot({ offset: 1n, epoch: 1 }), /not batch aligned/);
    await assert.rejects(log.createNewSnapshot({ offset: 2n, epoch: 3 }), /not valid according to the log/);
    await writeSnapshot(log, 2n, 1, 'state-at-2');
    await writeSnapshot(log, 3n, 2, 'state-at-3');
    const names = (await readdir(dir)).filter((f) => f.includes('.checkpoint')).sort();
    assert.deepEqual(names, ['00000000000000000002-0000000001.checkpoint', '00000000000000000003-0000000002.checkpoint']);
    assert.equal(((await stat(join(dir, names[0]!))).mode & 0o222), 0, 'frozen snapshots are read-only');
    const reader = new SnapshotReader((await log.readSnapshot({ offset: 3n, epoch: 2 }))!);
    const batches = [];
    for await (const b of reader.batches()) batches.push(b);
    assert.equal(batches[0]!.controlRecords[0]!.type, ControlRecordType.SNAPSHOT_HEADER);
    assert.equal(decodeSnapshotHeader(batches[0]!.controlRecords[0]!.value).lastContainedLogTimestamp, 1234n);
    assert.deepEqual(batches[1]!.records.map(String), ['state-at-3']);
    assert.equal(batches[1]!.epoch, 2);
    assert.equal(batches.at(-1)!.controlRecords[0]!.type, ControlRecordType.SNAPSHOT_FOOTER);
    assert.equal(await log.deleteBeforeSnapshot({ offset: 3n, epoch: 2 }), true);
    assert.equal(log.startOffset, 3n);
    assert.deepEqual(log.earliestSnapshotId(), { offset: 3n, epoch: 2 });
    assert.deepEqual(validateOffsetAndEpoch(log, 1n, 1), { kind: 'SNAPSHOT', offsetAndEpoch: { offset: 3n, epoch: 2 } });
    assert.ok((await readdir(dir)).includes('00000000000000000002-0000000001.checkpoint.deleted'));
    await log.maybeClean();
    assert.ok(!(await readdir(dir)).some((f) => f.endsWith('.deleted')), 'retired snapshot files go at the next clean');
    await log.close();
  });

  test('a downloaded snapshot ahead of the log replaces it; partial snapshot files are deleted at open', async () => {
    const log = await KafkaMetadataLog.open(dir, CONFIG, { time, logger });
    await log.appendAsFollower(followerBatch(0n, 1, 'a'), 1);
    const raw = await log.createNewSnapshotUnchecked({ offset: 10n, epoch: 3 });
    const w = new SnapshotWriter({ raw: raw!, lastContainedLogTimestamp: 1, maxBatchSizeBytes: 1 << 20, wallClockMs: () => 0 });
    await w.append([Buffer.from('s')]);
    await w.freeze();
    // A snapshot download cut by a crash leaves its partial file behind.
    await writeFile(join(dir, '00000000000000000020-0000000003-1-1.checkpoint.part'), 'half');
    assert.equal(await log.truncateToLatestSnapshot(), true);
    assert.equal(log.startOffset, 10n);
    assert.equal(log.endOffset, 10n);
    assert.equal(log.lastFetchedEpoch, 3);
    await log.closeHandlers();
    const again = await KafkaMetadataLog.open(dir, CONFIG, { time, logger });
    assert.ok(!(await readdir(dir)).some((f) => f.endsWith('.part')));
    assert.deepEqual(again.latestSnapshotId(), { offset: 10n, epoch: 3 });
    await again.close();
  });

  test('retention by size keeps the latest snapshot and drops older ones with the log before them', async () => {
    const log = await KafkaMetadataLog.open(dir, { ...CONFIG, retentionMaxBytes: 1 }, { time, logger });
    for (let i = 0n; i < 6n; i++) await log.appendAsFollower(followerBatch(i, 1, `v${i}`), 1);
    log.updateHighWatermark(6n);
    await writeSnapshot(log, 2n, 1, 's2');
    await writeSnapshot(log, 4n, 1, 's4');
    await writeSnapshot(log, 6n, 1, 's6');
    assert.equal(await log.maybeClean(), true);
    assert.deepEqual(log.earliestSnapshotId(), { offset: 6n, epoch: 1 });
    assert.equal(log.startOffset, 6n);
    await log.close();
  });

  test('the bootstrap checkpoint (KIP-853) is a 0-0 snapshot of an empty log that survives a restart; the voters are read from it', async () => {
    const voters = new VoterSet([{ voterKey: replicaKey(1, 'EAAAAAAAAAAAAAAAAAAAAQ'), listeners: new Map([['CONTROLLER', { host: 'h1', port: 9093 }]]), supportedKRaftVersion: { min: 0, max: 1 } }]);
    let log = await KafkaMetadataLog.open(dir, CONFIG, { time, logger });
    assert.equal(await writeBootstrapCheckpoint(log, voters, 1, time.milliseconds()), true);
    assert.ok((await readdir(dir)).includes('00000000000000000000-0000000000.checkpoint'));
    await log.close();
    log = await KafkaMetadataLog.open(dir, CONFIG, { time, logger });
    assert.deepEqual(log.latestSnapshotId(), { offset: 0n, epoch: 0 });
    assert.equal(log.startOffset, 0n);
    assert.equal(log.endOffset, 0n);
    const sm = new KRaftControlRecordStateMachine(VoterSet.empty(), log, logger);
    await sm.updateState();
    assert.ok(sm.lastVoterSet().equals(voters));
    assert.equal(sm.lastKraftVersion(), 1);
    await log.initializeLeaderEpoch(1);
    await log.appendAsLeader(batch(0, 'a'), 1);
    await assert.rejects(writeBootstrapCheckpoint(log, voters, 1, 0), /not empty/);
    await log.close();
  });
});
