import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApiError } from '../../../src/common/api-error.ts';
import { MockTime } from '../../../src/common/time.ts';
import type { TopicPartition } from '../../../src/common/topic-partition.ts';
import { EMPTY_IMAGE, type BrokerRegistration, type MetadataImage, type PartitionRegistration } from '../../../src/metadata/metadata-image.ts';
import { rootLogger } from '../../../src/observability/logger.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import { Partition, type AlterPartitionSubmitter, type PartitionContext } from '../../../src/replication/partition.ts';
import type { CommittedLeaderAndIsr, LeaderAndIsr } from '../../../src/replication/partition-state.ts';
import { CorruptRecordError } from '../../../src/storage/errors.ts';
import { logConfig } from '../../../src/storage/log-config.ts';
import { UnifiedLog } from '../../../src/storage/unified-log.ts';
import { buildBatch, simpleRecords } from '../storage/batches.ts';

// Kafka's Partition as leader and follower over a real UnifiedLog: the high watermark is the smallest log end
// offset of the ISR, acks=all waits for it, min.insync.replicas refuses or flags, the ISR shrinks and grows through
// AlterPartition (the submitter here records what the leader sends and answers as the controller would), a follower
// refuses produce, and a follower's fetch from a diverging epoch is answered with the epoch's end (KIP-320).

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAw';
const LAG_MS = 10_000;
let root: string;
let n = 0;
const logs: UnifiedLog[] = [];
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'partition-'));
});
after(async () => {
  for (const log of logs) await log.close();
  await rm(root, { recursive: true, force: true });
});

/** Records each AlterPartition; the test settles it as the controller would. */
class RecordingSubmitter implements AlterPartitionSubmitter {
  readonly sent: { leaderAndIsr: LeaderAndIsr; resolve: (c: CommittedLeaderAndIsr) => void; reject: (e: ApiError) => void }[] = [];
  submit(_topicId: string, _partition: number, leaderAndIsr: LeaderAndIsr): Promise<CommittedLeaderAndIsr> {
    return new Promise((resolve, reject) => this.sent.push({ leaderAndIsr, resolve, reject }));
  }
}

function broker(id: number, epoch: bigint): BrokerRegistration {
  return { id, epoch, incarnationId: `inc-${id}`, endpoints: [], supportedFeatures: [], rack: null, fenced: false, inControlledShutdown: false, isMigratingZkBroker: false, directories: [] };
}

function registration(leader: number, leaderEpoch: number, isr: number[], partitionEpoch = leaderEpoch): PartitionRegistration {
  return { replicas: [1, 2, 3], isr, removingReplicas: [], addingReplicas: [], directories: [], elr: [], lastKnownElr: [], leader, leaderRecoveryState: 0, leaderEpoch, partitionEpoch };
}

async function partitionOf(nodeId: number, minIsr = 2): Promise<{ partition: Partition; time: MockTime; submitter: RecordingSubmitter; woken: TopicPartition[] }> {
  const tp = { topic: 't', partition: n };
  const log = await UnifiedLog.open(join(root, `t-${n++}`), tp, logConfig({}));
  logs.push(log);
  const time = new MockTime();
  const submitter = new RecordingSubmitter();
  const image: MetadataImage = { ...EMPTY_IMAGE, brokers: new Map([1, 2, 3].map((id) => [id, broker(id, BigInt(id * 10))])) };
  const woken: TopicPartition[] = [];
  const ctx: PartitionContext = {
    nodeId,
    time,
    logger: rootLogger,
    replicaLagTimeMaxMs: LAG_MS,
    alterPartitionManager: submitter,
    minInsyncReplicas: () => minIsr,
    metadata: () => image,
    brokerEpoch: () => BigInt(nodeId * 10),
    tryCompleteDelayedRequests: (t) => woken.push(t),
  };
  return { partition: new Partition(tp, TOPIC_ID, log, ctx), time, submitter, woken };
}

const records = (count: number): Buffer => buildBatch(simpleRecords(count));

test('the leader\'s high watermark is the smallest log end offset of the ISR; acks=all is answered once it passed the records', async () => {
  const { partition, time } = await partitionOf(1);
  assert.equal(await partition.makeLeader(registration(1, 3, [1, 2, 3])), true);
  assert.equal(partition.log.latestEpoch, 3, 'the new leader epoch is in the leader epoch cache');
  const appended = await partition.appendRecordsToLeader(records(5), -1);
  assert.equal(appended.lastOffset, 4n);
  assert.equal(partition.highWatermark, 0n);
  assert.equal(partition.checkEnoughReplicasReachOffset(5n), null, 'acks=all waits');

  partition.updateFollowerFetchState(2, 5n, 0n, time.milliseconds(), 5n, 20n);
  assert.equal(partition.highWatermark, 0n, 'follower 3 of the ISR has nothing yet');
  partition.updateFollowerFetchState(3, 3n, 0n, time.milliseconds(), 5n, 30n);
  assert.equal(partition.highWatermark, 3n);
  partition.updateFollowerFetchState(3, 5n, 0n, time.milliseconds(), 5n, 30n);
  assert.equal(partition.highWatermark, 5n);
  assert.equal(partition.checkEnoughReplicasReachOffset(5n), Errors.NONE);
});

test('min.insync.replicas: acks=all with a smaller ISR is refused NOT_ENOUGH_REPLICAS, acks=1 is appended', async () => {
  const { partition } = await partitionOf(1, 2);
  await partition.makeLeader(registration(1, 0, [1]));
  await assert.rejects(partition.appendRecordsToLeader(records(1), -1), (e: unknown) => e instanceof ApiError && e.code === Errors.NOT_ENOUGH_REPLICAS);
  const info = await partition.appendRecordsToLeader(records(1), 1);
  assert.equal(info.firstOffset, 0n);
  assert.equal(partition.log.logEndOffset, 1n);
});

test('a follower refuses produce with NOT_LEADER_OR_FOLLOWER and knows its leader and epoch', async () => {
  const { partition } = await partitionOf(2);
  assert.equal(partition.makeFollower(registration(1, 4, [1, 2, 3])), true);
  assert.equal(partition.isLeader, false);
  assert.equal(partition.leaderId, 1);
  assert.equal(partition.leaderEpoch, 4);
  await assert.rejects(partition.appendRecordsToLeader(records(1), 1), (e: unknown) => e instanceof ApiError && e.code === Errors.NOT_LEADER_OR_FOLLOWER);
  assert.equal(partition.makeFollower(registration(1, 4, [1, 2])), false, 'same leader epoch: the fetcher keeps going');
});

test('a follower appends the leader\'s batches with their offsets and epochs; a fetch from a diverging epoch gets the end of that epoch', async () => {
  const leader = await partitionOf(1);
  await leader.partition.makeLeader(registration(1, 0, [1, 2, 3]));
  await leader.partition.appendRecordsToLeader(records(3), 1);
  await leader.partition.makeLeader(registration(1, 2, [1, 2, 3]));
  await leader.partition.appendRecordsToLeader(records(2), 1);

  const follower = await partitionOf(2);
  follower.partition.makeFollower(registration(1, 2, [1, 2, 3]));
  // What the leader's log holds: offsets 0-2 in epoch 0, 3-4 in epoch 2.
  const bytes = Buffer.concat([
    buildBatch(simpleRecords(3), { baseOffset: 0, partitionLeaderEpoch: 0 }),
    buildBatch(simpleRecords(2), { baseOffset: 3, partitionLeaderEpoch: 2 }),
  ]);
  const info = await follower.partition.appendRecordsToFollower(bytes);
  assert.equal(info?.lastOffset, 4n);
  assert.equal(follower.partition.log.logEndOffset, 5n);
  assert.equal(follower.partition.log.latestEpoch, 2);
  assert.deepEqual(follower.partition.log.endOffsetForEpoch(0), leader.partition.log.endOffsetForEpoch(0));

  // A bad CRC is refused (CorruptRecordError: the fetcher retries), nothing appended.
  const corrupt = buildBatch(simpleRecords(1), { baseOffset: 5, partitionLeaderEpoch: 2 });
  corrupt[corrupt.length - 1]! ^= 0xff;
  await assert.rejects(follower.partition.appendRecordsToFollower(corrupt), (e: unknown) => e instanceof CorruptRecordError);
  assert.equal(follower.partition.log.logEndOffset, 5n);

  // A follower that fetched last in epoch 1 at offset 4 (it never saw epoch 2) diverges: epoch 0 ends at 3.
  assert.deepEqual(leader.partition.validateFollowerFetch(3, 4n, 1, 2), { epoch: 0, endOffset: 3n });
  // In step: no divergence.
  assert.equal(leader.partition.validateFollowerFetch(3, 5n, 2, 2), null);
  // Not a replica: UNKNOWN_LEADER_EPOCH (the fetcher retries until the metadata names it).
  assert.throws(() => leader.partition.validateFollowerFetch(4, 0n, -1, 2), (e: unknown) => e instanceof ApiError && e.code === Errors.UNKNOWN_LEADER_EPOCH);
});

test('the ISR shrinks by a follower not caught up within replica.lag.time.max.ms and grows back once it caught up, each through AlterPartition', async () => {
  const { partition, time, submitter } = await partitionOf(1, 1);
  await partition.makeLeader(registration(1, 1, [1, 2, 3], 5));
  await partition.appendRecordsToLeader(records(4), 1);
  partition.updateFollowerFetchState(2, 4n, 0n, time.milliseconds(), 4n, 20n);
  time.sleep(LAG_MS + 1);
  partition.updateFollowerFetchState(2, 4n, 0n, time.milliseconds(), 4n, 20n);
  partition.maybeShrinkIsr();
  assert.equal(submitter.sent.length, 1);
  const shrink = submitter.sent[0]!;
  assert.deepEqual(shrink.leaderAndIsr.isr, [{ brokerId: 1, brokerEpoch: 10n }, { brokerId: 2, brokerEpoch: 20n }]);
  assert.equal(shrink.leaderAndIsr.partitionEpoch, 5);
  assert.deepEqual(partition.maximalIsr, [1, 2, 3], 'a shrink counts the old ISR until committed');
  shrink.resolve({ leaderId: 1, leaderEpoch: 1, isr: [1, 2], leaderRecoveryState: 0, partitionEpoch: 6 });
  await waitUntil(() => partition.isr.length === 2);
  assert.equal(partition.partitionEpoch, 6);
  assert.equal(partition.highWatermark, 4n, 'without 3, the ISR is at the log end');

  // Follower 3 catches up: it is added, with its broker epoch.
  partition.updateFollowerFetchState(3, 4n, 0n, time.milliseconds(), 4n, 30n);
  assert.equal(submitter.sent.length, 2);
  const expand = submitter.sent[1]!;
  assert.deepEqual(expand.leaderAndIsr.isr.map((m) => m.brokerId), [1, 2, 3]);
  assert.deepEqual(partition.maximalIsr, [1, 2, 3], 'an addition counts at once for the high watermark');
  // The controller refuses (e.g. the broker is fenced meanwhile): back to the committed ISR.
  expand.reject(new ApiError(Errors.INELIGIBLE_REPLICA, 'fenced'));
  await waitUntil(() => partition.partitionState.kind === 'committed');
  assert.deepEqual(partition.isr, [1, 2]);
});

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(check());
}
