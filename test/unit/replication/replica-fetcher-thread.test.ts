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
import type { FileRecordsSlice } from '../../../src/storage/file-records-slice.ts';
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

function followerPartition(log: UnifiedLog): Partition<UnifiedLog> {
  return new Partition(TP, 'AAAAAAAAAAAAAAAAAAAABQ', log, {
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

/** What the fake leader of {@link fetcherFrom} was asked: each Fetch's partition, and how many ListOffsets. */
interface LeaderCalls {
  readonly fetches: { fetchOffset: bigint; lastFetchedEpoch: number; currentLeaderEpoch: number }[];
  listOffsets: number;
}

/**
 * A fetcher of replica 2 for `follower` from a leader (node 3) that answers each Fetch of TP with `answer(fetch
 * offset, last fetched epoch)`, after 20 ms once the follower reached `endOffset` (a long poll with nothing new).
 */
function fetcherFrom(follower: Partition<UnifiedLog>, endOffset: bigint, answer: (fetchOffset: bigint, lastFetchedEpoch: number) => PartitionData): { thread: ReplicaFetcherThread<UnifiedLog>; leader: LeaderEndPoint; calls: LeaderCalls } {
  const calls: LeaderCalls = { fetches: [], listOffsets: 0 };
  const leader: LeaderEndPoint = {
    leader: { nodeId: 3, host: '127.0.0.1', port: 1 },
    async fetch(request: Input<FetchRequest>): Promise<FetchResponse> {
      assert.equal(request.replicaId, 2);
      const p = request.topics![0]!.partitions![0]!;
      calls.fetches.push({ fetchOffset: p.fetchOffset!, lastFetchedEpoch: p.lastFetchedEpoch!, currentLeaderEpoch: p.currentLeaderEpoch! });
      const data = answer(p.fetchOffset!, p.lastFetchedEpoch!);
      if (p.fetchOffset === endOffset) await new Promise((r) => setTimeout(r, 20));
      return { throttleTimeMs: 0, errorCode: Errors.NONE, sessionId: 0, responses: [{ topic: TP.topic, topicId: '', partitions: [data] }], nodeEndpoints: [] };
    },
    async listOffset() {
      calls.listOffsets++;
      throw new Error('unused');
    },
    close() {},
  };
  return { thread: fetcherThread(follower, leader), leader, calls };
}

/** The fetcher of broker 2 for `follower`, fetching from `leader`. */
function fetcherThread(follower: Partition<UnifiedLog>, leader: LeaderEndPoint): ReplicaFetcherThread<UnifiedLog> {
  return new ReplicaFetcherThread<UnifiedLog>({
    name: `ReplicaFetcherThread-0-${leader.leader.nodeId}`,
    leader,
    replicaId: 2,
    config: { maxWaitMs: 100, minBytes: 1, maxBytes: 1 << 20, partitionMaxBytes: 1 << 20, backoffMs: 20 },
    partition: () => follower,
    time: SystemTime,
    timer: SYSTEM_TIMER,
    logger: rootLogger,
  });
}

test('a follower whose last epoch the new leader never had truncates to the diverging epoch\'s end, then appends the leader\'s batches', async () => {
  const log = await UnifiedLog.open(join(root, 't-0'), TP, logConfig({}));
  logs.push(log);
  const follower = followerPartition(log);
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
  const { thread, leader, calls } = fetcherFrom(follower, 5n, (fetchOffset, lastFetchedEpoch) => {
    if (lastFetchedEpoch === 1) return partitionData({ highWatermark: 3n, divergingEpoch: { epoch: 0, endOffset: 3n } });
    if (fetchOffset === 3n) return partitionData({ highWatermark: 5n, records: buildBatch(simpleRecords(2), { baseOffset: 3, partitionLeaderEpoch: 2 }) });
    return partitionData({ highWatermark: 5n });
  });
  thread.addPartitions([{ topicPartition: TP, topicId: follower.topicId, leader: leader.leader, currentLeaderEpoch: 2, initOffset: log.logEndOffset }]);
  thread.start();
  try {
    await waitFor('the follower to catch up with the new leader', () => log.logEndOffset === 5n && log.highWatermark === 5n, 5000, 5);
  } finally {
    await thread.shutdown();
  }
  assert.deepEqual(calls.fetches[0], { fetchOffset: 6n, lastFetchedEpoch: 1, currentLeaderEpoch: 2 });
  assert.deepEqual(calls.fetches[1], { fetchOffset: 3n, lastFetchedEpoch: 0, currentLeaderEpoch: 2 }, 'truncated to the end of epoch 0');
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

// Kafka 4.x (AbstractFetcherThread.partitionFetchState and fetchTruncatingPartitions, with truncation on fetch
// supported by every metadata version it runs): a follower whose log has no leader epoch to send as its last fetched
// epoch (records written without epochs) starts in the Truncating state and truncates to its high watermark, the
// offset the ReplicaManager adds it with; only a Truncating partition that has a latest epoch would ask the leader
// with OffsetForLeaderEpoch, which no follower of a leader with truncation on fetch reaches (it starts Fetching and
// truncates through the diverging epoch). Nothing is asked of the leader before the first Fetch.
test('a follower log without leader epochs truncates to its high watermark, never below, before its first fetch; the truncation is on disk', async () => {
  const dir = join(root, 't-2');
  const log = await UnifiedLog.open(dir, TP, logConfig({}));
  // Six records written without a leader epoch (partitionLeaderEpoch -1), the first three committed.
  await log.appendAsFollower(Buffer.concat([
    buildBatch(simpleRecords(3), { baseOffset: 0 }),
    buildBatch(simpleRecords(3), { baseOffset: 3 }),
  ]));
  log.updateHighWatermark(3n);
  assert.equal(log.latestEpoch, undefined, 'no leader epoch in the cache');
  const committed = (await log.read(0n, 1 << 20, 3n, true)).records!;
  const committedBytes = await (committed as FileRecordsSlice).readInto();
  const follower = followerPartition(log);
  follower.makeFollower(registration(3, 5));

  const { thread, leader, calls } = fetcherFrom(follower, 5n, (fetchOffset) => (fetchOffset === 3n
    ? partitionData({ highWatermark: 5n, records: buildBatch(simpleRecords(2), { baseOffset: 3, partitionLeaderEpoch: 5 }) })
    : partitionData({ highWatermark: 5n })));
  // What the ReplicaManager passes for a log without epochs: its high watermark.
  thread.addPartitions([{ topicPartition: TP, topicId: follower.topicId, leader: leader.leader, currentLeaderEpoch: 5, initOffset: log.highWatermark }]);
  assert.equal(thread.fetchState(TP)?.state, 'truncating');
  thread.start();
  try {
    await waitFor('the follower to catch up with the leader', () => log.logEndOffset === 5n && log.highWatermark === 5n, 5000, 5);
  } finally {
    await thread.shutdown();
  }
  assert.deepEqual(calls.fetches[0], { fetchOffset: 3n, lastFetchedEpoch: -1, currentLeaderEpoch: 5 }, 'the first fetch starts at the high watermark, without a last fetched epoch');
  assert.equal(calls.listOffsets, 0);
  await log.close();

  const reopened = await UnifiedLog.open(dir, TP, logConfig({}), { hadCleanShutdown: true, highWatermark: 5 });
  logs.push(reopened);
  assert.equal(reopened.logEndOffset, 5n);
  assert.equal(reopened.latestEpoch, 5);
  // An epoch below the first known one ends where the first starts (Kafka's LeaderEpochFileCache.endOffsetFor).
  assert.deepEqual(reopened.endOffsetForEpoch(4), { leaderEpoch: 4, endOffset: 3n }, 'epoch 5 starts at the high watermark');
  const kept = (await reopened.read(0n, 1 << 20, 3n, true)).records!;
  assert.deepEqual(await (kept as FileRecordsSlice).readInto(), committedBytes, 'the records below the high watermark are kept as they were');
});

test('each fetch response is released once, after its records are in the log: poisoning it then leaves the log intact', async () => {
  const tp = TP;
  const log = await UnifiedLog.open(join(root, 't-release'), tp, logConfig({}));
  logs.push(log);
  const follower = followerPartition(log);
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
      const data = partitionData({ partitionIndex: tp.partition, highWatermark: 1000n, records: frame });
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
  const thread = fetcherThread(follower, leader);
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
