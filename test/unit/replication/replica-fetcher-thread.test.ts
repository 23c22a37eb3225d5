import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SystemTime } from '../../../src/common/time.ts';
import { EMPTY_IMAGE, type PartitionRegistration } from '../../../src/metadata/metadata-image.ts';
import { rootLogger } from '../../../src/observability/logger.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import type { FetchRequest } from '../../../src/protocol/generated/messages/fetch-request.ts';
import type { FetchResponse, PartitionData } from '../../../src/protocol/generated/messages/fetch-response.ts';
import type { Input } from '../../../src/protocol/message-input.ts';
import { Partition } from '../../../src/replication/partition.ts';
import type { LeaderEndPoint } from '../../../src/replication/leader-end-point.ts';
import { ReplicaFetcherThread } from '../../../src/replication/replica-fetcher-thread.ts';
import { SYSTEM_TIMER } from '../../../src/replication/timer.ts';
import { logConfig } from '../../../src/storage/log-config.ts';
import { UnifiedLog } from '../../../src/storage/unified-log.ts';
import { waitFor } from '../../helpers/broker.ts';
import { buildBatch, simpleRecords } from '../storage/batches.ts';

// The follower side (Kafka's ReplicaFetcherThread) over a real log, against a leader that answers as a Kafka leader
// does: the follower fetched last in an epoch the new leader never had, so the leader answers with the end of the
// last common epoch (KIP-320 diverging epoch); the follower truncates to it, fetches again, and appends the new
// leader's batches with their offsets and epochs, taking the leader's high watermark.

const TP = { topic: 't', partition: 0 };
let root: string;
const logs: UnifiedLog[] = [];
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'fetcher-'));
});
after(async () => {
  for (const log of logs) await log.close();
  await rm(root, { recursive: true, force: true });
});

function registration(leader: number, leaderEpoch: number): PartitionRegistration {
  return { replicas: [1, 2, 3], isr: [1, 2, 3], removingReplicas: [], addingReplicas: [], directories: [], elr: [], lastKnownElr: [], leader, leaderRecoveryState: 0, leaderEpoch, partitionEpoch: leaderEpoch };
}

/** A Partition of broker 2 over a new log in `dir` (under the test's root), not yet given a role. */
async function followerPartition(tp: { topic: string; partition: number }, dir: string): Promise<{ log: UnifiedLog; follower: Partition }> {
  const log = await UnifiedLog.open(join(root, dir), tp, logConfig({}));
  logs.push(log);
  const follower = new Partition(tp, 'AAAAAAAAAAAAAAAAAAAABQ', log, {
    nodeId: 2,
    time: SystemTime,
    logger: rootLogger,
    replicaLagTimeMaxMs: 30_000,
    alterPartitionManager: { submit: () => Promise.reject(new Error('unused')) },
    minInsyncReplicas: () => 1,
    metadata: () => EMPTY_IMAGE,
    brokerEpoch: () => 2n,
    tryCompleteDelayedRequests: () => undefined,
  });
  return { log, follower };
}

function partitionData(partial: Partial<PartitionData>): PartitionData {
  return {
    partitionIndex: 0,
    errorCode: Errors.NONE,
    highWatermark: -1n,
    lastStableOffset: -1n,
    logStartOffset: 0n,
    divergingEpoch: { epoch: -1, endOffset: -1n },
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
    snapshotId: { endOffset: -1n, epoch: -1 },
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: null,
    ...partial,
  };
}

test('a follower whose last epoch the new leader never had truncates to the diverging epoch\'s end, then appends the leader\'s batches', async () => {
  const { log, follower } = await followerPartition(TP, 't-0');
  // From the old leader: offsets 0-2 in epoch 0 (committed: the high watermark is 3), 3-5 in epoch 1 (never
  // replicated to the new leader).
  follower.makeFollower(registration(1, 1));
  await follower.appendRecordsToFollower(Buffer.concat([
    buildBatch(simpleRecords(3), { baseOffset: 0, partitionLeaderEpoch: 0 }),
    buildBatch(simpleRecords(3), { baseOffset: 3, partitionLeaderEpoch: 1 }),
  ]));
  log.updateHighWatermark(3n);
  follower.makeFollower(registration(3, 2));

  // The new leader (3): epoch 0 for 0-2, then epoch 2 for 3-4.
  const requests: { fetchOffset: bigint; lastFetchedEpoch: number; currentLeaderEpoch: number }[] = [];
  const leader: LeaderEndPoint = {
    leader: { nodeId: 3, host: '127.0.0.1', port: 1 },
    async fetch(request: Input<FetchRequest>): Promise<FetchResponse> {
      assert.equal(request.replicaId, 2);
      const p = request.topics![0]!.partitions![0]!;
      requests.push({ fetchOffset: p.fetchOffset!, lastFetchedEpoch: p.lastFetchedEpoch!, currentLeaderEpoch: p.currentLeaderEpoch! });
      let data: PartitionData;
      if (p.lastFetchedEpoch === 1) data = partitionData({ highWatermark: 3n, divergingEpoch: { epoch: 0, endOffset: 3n } });
      else if (p.fetchOffset === 3n) data = partitionData({ highWatermark: 5n, records: buildBatch(simpleRecords(2), { baseOffset: 3, partitionLeaderEpoch: 2 }) });
      else data = partitionData({ highWatermark: 5n });
      if (p.fetchOffset === 5n) await new Promise((r) => setTimeout(r, 20));
      return { throttleTimeMs: 0, errorCode: Errors.NONE, sessionId: 0, responses: [{ topic: TP.topic, topicId: '', partitions: [data] }], nodeEndpoints: [] };
    },
    async listOffset() {
      throw new Error('unused');
    },
    close() {},
  };
  const thread = new ReplicaFetcherThread({
    name: 'ReplicaFetcherThread-0-3',
    leader,
    replicaId: 2,
    config: { maxWaitMs: 100, minBytes: 1, maxBytes: 1 << 20, partitionMaxBytes: 1 << 20, backoffMs: 20 },
    partition: () => follower,
    time: SystemTime,
    timer: SYSTEM_TIMER,
    logger: rootLogger,
  });
  thread.addPartitions([{ topicPartition: TP, topicId: follower.topicId, leader: leader.leader, currentLeaderEpoch: 2, initOffset: log.logEndOffset }]);
  thread.start();
  try {
    await waitFor('the follower to catch up with the new leader', () => log.logEndOffset === 5n && log.highWatermark === 5n, 5000, 5);
  } finally {
    await thread.shutdown();
  }
  assert.deepEqual(requests[0], { fetchOffset: 6n, lastFetchedEpoch: 1, currentLeaderEpoch: 2 });
  assert.deepEqual(requests[1], { fetchOffset: 3n, lastFetchedEpoch: 0, currentLeaderEpoch: 2 }, 'truncated to the end of epoch 0');
  assert.equal(log.latestEpoch, 2);
  assert.deepEqual(log.endOffsetForEpoch(1), log.endOffsetForEpoch(0), 'epoch 1 is gone from the leader epoch cache');
  assert.equal(log.endOffsetForEpoch(0).endOffset, 3n);
});

test('the truncation offset: the diverging epoch\'s end bounded by this log\'s own end of it and its log end', async () => {
  const log = await UnifiedLog.open(join(root, 't-1'), { topic: 't', partition: 1 }, logConfig({}));
  logs.push(log);
  await log.appendAsFollower(Buffer.concat([
    buildBatch(simpleRecords(3), { baseOffset: 0, partitionLeaderEpoch: 0 }),
    buildBatch(simpleRecords(3), { baseOffset: 3, partitionLeaderEpoch: 2 }),
  ]));
  // Same epoch, the leader's end is earlier.
  assert.equal(ReplicaFetcherThread.truncationOffset(log, 2, 4n), 4n);
  // Same epoch, the leader's end is later than this log's end.
  assert.equal(ReplicaFetcherThread.truncationOffset(log, 2, 9n), 6n);
  // An epoch this log does not have (1): the end of its largest epoch below it (0 ends at 3).
  assert.equal(ReplicaFetcherThread.truncationOffset(log, 1, 5n), 3n);
});

test('each fetch response is released once, after its records are in the log: poisoning it then leaves the log intact', async () => {
  const tp = { topic: 't', partition: 2 };
  const { log, follower } = await followerPartition(tp, 't-2');
  follower.makeFollower(registration(1, 0));
  // The leader's log: 20 batches of 50 records; each answer carries the next batch, in a frame of its own that
  // releaseResponse poisons (as FramePool({ poison: true }) does) before the next fetch may reuse it.
  const batches = Array.from({ length: 20 }, (_, i) => buildBatch(simpleRecords(50), { baseOffset: i * 50, partitionLeaderEpoch: 0 }));
  const frames = new Map<FetchResponse, Buffer>();
  let released = 0;
  let doubleReleases = 0;
  const leader: LeaderEndPoint = {
    leader: { nodeId: 1, host: '127.0.0.1', port: 1 },
    async fetch(request: Input<FetchRequest>): Promise<FetchResponse> {
      const offset = Number(request.topics![0]!.partitions![0]!.fetchOffset!);
      const batch = batches[offset / 50];
      const frame = batch === undefined ? null : Buffer.from(batch);
      const data = partitionData({ partitionIndex: 2, highWatermark: 1000n, records: frame });
      const response = { throttleTimeMs: 0, errorCode: Errors.NONE, sessionId: 0, responses: [{ topic: tp.topic, topicId: '', partitions: [data] }], nodeEndpoints: [] };
      if (frame !== null) frames.set(response, frame);
      if (frame === null) await new Promise((r) => setTimeout(r, 5));
      return response;
    },
    releaseResponse(response: FetchResponse): void {
      const frame = frames.get(response);
      if (frame === undefined) return;
      if (frame[0] === 0xee) doubleReleases++;
      frame.fill(0xee);
      released++;
    },
    async listOffset() {
      throw new Error('unused');
    },
    close() {},
  };
  const thread = new ReplicaFetcherThread({
    name: 'ReplicaFetcherThread-0-1',
    leader,
    replicaId: 2,
    config: { maxWaitMs: 100, minBytes: 1, maxBytes: 1 << 20, partitionMaxBytes: 1 << 20, backoffMs: 20 },
    partition: () => follower,
    time: SystemTime,
    timer: SYSTEM_TIMER,
    logger: rootLogger,
  });
  thread.addPartitions([{ topicPartition: tp, topicId: follower.topicId, leader: leader.leader, currentLeaderEpoch: 0, initOffset: 0n }]);
  thread.start();
  try {
    await waitFor('the follower to replicate the 1,000 records', () => log.logEndOffset === 1000n, 5000, 5);
  } finally {
    await thread.shutdown();
  }
  assert.equal(released, 20, 'every response with records was released');
  assert.equal(doubleReleases, 0);
  const read = await log.read(0n, 1 << 22, null, true);
  assert.deepEqual(await read.records.readInto(), Buffer.concat(batches), 'the log holds the leader\'s bytes, not poison');
});
