import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import type { BeginQuorumEpochResponse } from '../../../src/protocol/generated/messages/begin-quorum-epoch-response.ts';
import type { DescribeQuorumResponse } from '../../../src/protocol/generated/messages/describe-quorum-response.ts';
import type { EndQuorumEpochRequest } from '../../../src/protocol/generated/messages/end-quorum-epoch-request.ts';
import type { FetchResponse } from '../../../src/protocol/generated/messages/fetch-response.ts';
import type { VoteRequest } from '../../../src/protocol/generated/messages/vote-request.ts';
import type { VoteResponse } from '../../../src/protocol/generated/messages/vote-response.ts';
import { ControlRecordType } from '../../../src/protocol/records/control-record.ts';
import { decodeBatches } from '../../../src/raft/batch.ts';
import { decodeLeaderChange } from '../../../src/raft/control-records.ts';
import { ElectionState } from '../../../src/raft/election-state.ts';
import { NotLeaderError } from '../../../src/raft/not-leader-error.ts';
import {
  METADATA_PARTITION,
  METADATA_TOPIC_NAME,
  beginQuorumEpochRequest,
  endQuorumEpochRequest,
  fetchRequest,
  voteResponse,
} from '../../../src/raft/raft-messages.ts';
import { replicaKey } from '../../../src/raft/replica-key.ts';
import { buildVoteRequest, readVoteRequest } from '../../../src/raft/vote-messages.ts';
import { ApiKeys, RaftTestContext } from '../../raft/raft-test-context.ts';

const V3 = [1, 2, 3];

function vote(candidate: number, epoch: number, lastEpoch: number, lastOffset: bigint, options: { preVote?: boolean; clusterId?: string | null; voterId?: number } = {}): VoteRequest {
  return buildVoteRequest({
    clusterId: options.clusterId === undefined ? 'test-cluster' : options.clusterId,
    topicName: METADATA_TOPIC_NAME,
    partitionIndex: METADATA_PARTITION,
    voterId: options.voterId ?? 1,
    voterDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA',
    replicaId: candidate,
    replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA',
    replicaEpoch: epoch,
    lastOffsetEpoch: lastEpoch,
    lastOffset,
    preVote: options.preVote ?? false,
  });
}

function votePartition(r: VoteResponse): { errorCode: number; voteGranted: boolean; leaderEpoch: number } {
  assert.equal(r.errorCode, Errors.NONE);
  return r.topics[0]!.partitions[0]!;
}

function fetch(replicaId: number, epoch: number, fetchOffset: bigint, lastFetchedEpoch: number, maxWaitMs = 0) {
  return fetchRequest({ clusterId: 'test-cluster', replicaId, replicaDirectoryId: null, currentLeaderEpoch: epoch, fetchOffset, lastFetchedEpoch, maxWaitMs, maxBytes: 1 << 20 });
}

function fetchPartition(r: FetchResponse) {
  assert.equal(r.errorCode, Errors.NONE);
  return r.responses[0]!.partitions[0]!;
}

/** Answers every Vote the client sent with a grant in the response epoch. */
function grantVotes(c: RaftTestContext, epoch: number): number {
  const votes = c.take(ApiKeys.Vote);
  for (const v of votes) {
    c.sent.length;
    v.respond(voteResponse({ apiVersion: 1, listenerName: 'CONTROLLER', errorCode: Errors.NONE, epoch, leaderId: -1, leaderEndpoints: new Map() }, true));
  }
  return votes.length;
}

/** A 3-voter context where node 1 won the election of epoch `epoch` (pre-vote, vote, LeaderChange appended). */
async function electedLeader(options: Parameters<typeof RaftTestContext.create>[0] = {}): Promise<RaftTestContext> {
  const c = await RaftTestContext.create({ voters: V3, ...options });
  await c.advance(2000);
  assert.equal(c.client.stateName, 'Prospective');
  await c.poll();
  assert.equal(grantVotes(c, c.client.epoch), 2);
  await c.poll();
  assert.equal(c.client.stateName, 'Candidate');
  await c.poll();
  assert.equal(grantVotes(c, c.client.epoch), 2);
  await c.poll();
  assert.equal(c.client.stateName, 'Leader');
  await c.poll();
  return c;
}

describe('a single voter', () => {
  test('elects itself in a new epoch persisted first, writes LeaderChange first, and commits once flushed', async () => {
    const c = await RaftTestContext.create();
    assert.equal(c.client.stateName, 'Leader');
    assert.equal(c.client.epoch, 1);
    assert.ok(c.durable?.isLeader(1));
    await c.poll(3);
    const [first] = c.log.batches();
    assert.equal(first!.baseOffset, 0n);
    const [control] = decodeBatches(first!.data).batches;
    assert.equal(control!.controlRecords[0]!.type, ControlRecordType.LEADER_CHANGE);
    assert.equal(decodeLeaderChange(control!.controlRecords[0]!.value).leaderId, 1);
    assert.equal(c.client.highWatermark, 1n);
    assert.equal(c.listener.commits[0]!.controlRecords.length, 1);
    assert.deepEqual(c.listener.leaders.at(-1), { leaderId: 1, epoch: 1 }, 'announced after the listener had the LeaderChange');
  });

  test('an append is one batch after the linger, committed and handed to the listener before its wait resolves', async () => {
    const c = await RaftTestContext.create();
    await c.poll(2);
    const offset = c.client.scheduleAppend(1, [Buffer.from('a'), Buffer.from('b')]);
    assert.equal(offset, 2n);
    let done = false;
    const wait = c.client.waitForCommit(1, offset).then(() => (done = true));
    await c.poll();
    assert.equal(c.log.endOffset, 1n, 'still lingering');
    await c.advance(25);
    await c.poll();
    await wait;
    assert.equal(done, true);
    assert.deepEqual(c.listener.values(), ['a', 'b']);
    assert.throws(() => c.client.scheduleAppend(0, [Buffer.from('x')]), NotLeaderError);
  });

  test('append rate and commit latency are reported (their windows run on the monotonic clock they are recorded with)', async () => {
    const c = await RaftTestContext.create();
    await c.poll(2);
    const offset = c.client.scheduleAppend(1, [Buffer.from('a'), Buffer.from('b')]);
    const wait = c.client.waitForCommit(1, offset);
    await c.advance(25);
    await c.poll();
    await wait;
    const m = c.client.metrics();
    assert.ok(m['append-records-rate'] > 0, `append-records-rate ${m['append-records-rate']}`);
    assert.ok(m['commit-latency-avg'] >= 0, `commit-latency-avg ${m['commit-latency-avg']}`);
    assert.ok(m['commit-latency-max'] >= m['commit-latency-avg']);
  });

  test('restarts as leader of a new epoch over its log and replays it', async () => {
    const c = await RaftTestContext.create({ election: ElectionState.withElectedLeader(3, 1, null, new Set([1])), batches: [[2, 'x'], [3, 'y', 'z']] });
    assert.equal(c.client.epoch, 4);
    await c.poll(3);
    assert.deepEqual(c.listener.values(), ['x', 'y', 'z']);
    assert.equal(c.client.highWatermark, 4n);
  });
});

describe('Vote requests', () => {
  test('bad requests change nothing: wrong cluster, stale epoch, unknown voter, illegal epochs', async () => {
    const c = await RaftTestContext.create({ voters: V3, election: ElectionState.withUnknownLeader(5, new Set(V3)) });
    const before = c.store.writes.length;
    const wrongCluster = await c.request<VoteResponse>(ApiKeys.Vote, 1, vote(2, 6, 5, 0n, { clusterId: 'other' }));
    assert.equal(wrongCluster.errorCode, Errors.INCONSISTENT_CLUSTER_ID);
    assert.equal(votePartition(await c.request<VoteResponse>(ApiKeys.Vote, 1, vote(2, 4, 3, 0n))).errorCode, Errors.FENCED_LEADER_EPOCH);
    assert.equal(votePartition(await c.request<VoteResponse>(ApiKeys.Vote, 1, vote(7, 6, 5, 0n))).errorCode, Errors.INCONSISTENT_VOTER_SET);
    assert.equal(votePartition(await c.request<VoteResponse>(ApiKeys.Vote, 1, vote(2, 6, 6, 0n))).errorCode, Errors.INVALID_REQUEST);
    assert.equal(votePartition(await c.request<VoteResponse>(ApiKeys.Vote, 1, vote(2, 6, 5, -1n))).errorCode, Errors.INVALID_REQUEST);
    assert.equal(c.client.epoch, 5);
    assert.equal(c.store.writes.length, before);
  });

  test('a vote is persisted before it is granted, and only one candidate gets it in an epoch', async () => {
    const c = await RaftTestContext.create({ voters: V3, election: ElectionState.withUnknownLeader(5, new Set(V3)) });
    const r = votePartition(await c.request<VoteResponse>(ApiKeys.Vote, 1, vote(2, 6, 5, 0n)));
    assert.equal(r.voteGranted, true);
    assert.equal(r.leaderEpoch, 6);
    assert.ok(c.durable?.isVotedCandidate(replicaKey(2)));
    assert.equal(c.durable?.epoch, 6);
    assert.equal(votePartition(await c.request<VoteResponse>(ApiKeys.Vote, 1, vote(3, 6, 5, 0n))).voteGranted, false);
    assert.equal(votePartition(await c.request<VoteResponse>(ApiKeys.Vote, 1, vote(2, 6, 5, 0n))).voteGranted, true, 'a retry of the same candidate');
  });

  test('a candidate whose log is behind is refused', async () => {
    const c = await RaftTestContext.create({ voters: V3, election: ElectionState.withUnknownLeader(3, new Set(V3)), batches: [[2, 'a'], [3, 'b']] });
    assert.equal(votePartition(await c.request<VoteResponse>(ApiKeys.Vote, 1, vote(2, 4, 2, 5n))).voteGranted, false, 'older last epoch, longer log');
    assert.equal(votePartition(await c.request<VoteResponse>(ApiKeys.Vote, 1, vote(3, 4, 3, 1n))).voteGranted, false, 'same epoch, shorter log');
    assert.equal(votePartition(await c.request<VoteResponse>(ApiKeys.Vote, 1, vote(3, 4, 3, 2n))).voteGranted, true);
  });

  test('a pre-vote changes nothing and is refused by a follower that hears from its leader', async () => {
    const c = await RaftTestContext.create({ voters: V3, election: ElectionState.withElectedLeader(5, 3, null, new Set(V3)) });
    assert.equal(c.client.stateName, 'Follower');
    const writes = c.store.writes.length;
    assert.equal(votePartition(await c.request<VoteResponse>(ApiKeys.Vote, 1, vote(2, 5, 5, 0n, { preVote: true }))).voteGranted, true, 'no fetch from the leader yet');
    assert.equal(c.store.writes.length, writes);
    assert.equal(c.client.epoch, 5);
    const [f] = c.take(ApiKeys.Fetch);
    f!.respond({ throttleTimeMs: 0, errorCode: 0, sessionId: 0, nodeEndpoints: [], responses: [{ topic: METADATA_TOPIC_NAME, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 0n, lastStableOffset: -1n, logStartOffset: 0n, divergingEpoch: { epoch: -1, endOffset: -1n }, currentLeader: { leaderId: 3, leaderEpoch: 5 }, snapshotId: { endOffset: -1n, epoch: -1 }, abortedTransactions: null, preferredReadReplica: -1, records: Buffer.alloc(0) }] }] });
    await c.poll();
    assert.equal(votePartition(await c.request<VoteResponse>(ApiKeys.Vote, 1, vote(2, 5, 5, 0n, { preVote: true }))).voteGranted, false);
  });

  test('the vote body keeps the pre-vote flag and Kafka 4 field names in one adapter', () => {
    const body = vote(2, 6, 5, 9n, { preVote: true });
    assert.deepEqual(readVoteRequest(body), { clusterId: 'test-cluster', topicName: METADATA_TOPIC_NAME, partitionIndex: 0, voterId: 1, voterDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA', replicaId: 2, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA', replicaEpoch: 6, lastOffsetEpoch: 5, lastOffset: 9n, preVote: true });
  });
});

describe('elections', () => {
  test('pre-vote, then vote in epoch + 1, then leader with the LeaderChange record naming the granting voters', async () => {
    const c = await electedLeader();
    assert.equal(c.client.epoch, 1);
    const [b] = decodeBatches(c.log.batches()[0]!.data).batches;
    const lc = decodeLeaderChange(b!.controlRecords[0]!.value);
    assert.deepEqual(lc.voters.map((v) => v.voterId), [1, 2, 3]);
    assert.deepEqual(lc.grantingVoters.map((v) => v.voterId), [1, 2], 'the majority that elected it (the third vote came after)');
    assert.equal(c.take(ApiKeys.BeginQuorumEpoch).length, 2);
  });

  test('a lost pre-vote does not bump the epoch; a voter without Vote v2 (UNSUPPORTED_VERSION) skips the pre-vote', async () => {
    const c = await RaftTestContext.create({ voters: V3 });
    await c.advance(2000);
    await c.poll();
    const votes = c.take(ApiKeys.Vote);
    for (const v of votes) v.respond(voteResponse({ apiVersion: 1, listenerName: 'CONTROLLER', errorCode: Errors.NONE, epoch: 0, leaderId: -1, leaderEndpoints: new Map() }, false));
    await c.poll();
    assert.equal(c.client.stateName, 'Unattached');
    assert.equal(c.client.epoch, 0);
    await c.advance(2000);
    assert.equal(c.client.stateName, 'Prospective');
    await c.poll();
    c.take(ApiKeys.Vote)[0]!.fail(Errors.UNSUPPORTED_VERSION);
    await c.poll();
    assert.equal(c.client.stateName, 'Candidate');
    assert.equal(c.client.epoch, 1);
  });

  test('BeginQuorumEpoch of a new leader makes a voter its follower; a stale one is fenced', async () => {
    const c = await RaftTestContext.create({ voters: V3, election: ElectionState.withUnknownLeader(2, new Set(V3)) });
    const ok = await c.request<BeginQuorumEpochResponse>(ApiKeys.BeginQuorumEpoch, 1, beginQuorumEpochRequest('test-cluster', 3, 2, new Map([['CONTROLLER', { host: 'host2', port: 9093 }]]), replicaKey(1)));
    assert.equal(ok.topics[0]!.partitions[0]!.errorCode, Errors.NONE);
    assert.equal(c.client.stateName, 'Follower');
    assert.deepEqual(c.client.leaderAndEpoch, { leaderId: 2, epoch: 3 });
    const stale = await c.request<BeginQuorumEpochResponse>(ApiKeys.BeginQuorumEpoch, 1, beginQuorumEpochRequest('test-cluster', 2, 3, new Map(), replicaKey(1)));
    assert.equal(stale.topics[0]!.partitions[0]!.errorCode, Errors.FENCED_LEADER_EPOCH);
  });

  test('EndQuorumEpoch shortens the fetch timeout by the rank among the preferred successors', async () => {
    for (const [successors, expectedMs] of [[[1, 3], 0], [[3, 1], 1000 >> 1], [[3], 1000]] as const) {
      const c = await RaftTestContext.create({ voters: V3, election: ElectionState.withElectedLeader(4, 2, null, new Set(V3)) });
      await c.request(ApiKeys.EndQuorumEpoch, 1, endQuorumEpochRequest('test-cluster', 4, 2, new Map(), successors.map((id) => replicaKey(id))) as EndQuorumEpochRequest);
      await c.advance(Math.max(0, expectedMs - 1));
      assert.equal(c.client.stateName, expectedMs === 0 ? 'Prospective' : 'Follower', `successors ${successors}`);
      if (expectedMs > 0) {
        await c.advance(1);
        assert.equal(c.client.stateName, 'Prospective', `successors ${successors}`);
      }
    }
  });
});

describe('Fetch on the leader', () => {
  test('returns records from the fetch offset and moves the high watermark with a majority', async () => {
    const c = await electedLeader();
    assert.equal(c.client.highWatermark, null);
    const r = fetchPartition(await c.request<FetchResponse>(ApiKeys.Fetch, 17, fetch(2, 1, 0n, 0)));
    assert.equal((r.records as Buffer).length > 0, true);
    assert.equal(r.highWatermark, -1n);
    const r2 = fetchPartition(await c.request<FetchResponse>(ApiKeys.Fetch, 17, fetch(2, 1, 1n, 1)));
    assert.equal(r2.highWatermark, 1n);
    assert.equal(c.client.highWatermark, 1n);
  });

  test('answers a diverging position with the epoch end, and a fetch past the log end too', async () => {
    const c = await electedLeader({ batches: [[1, 'a', 'b'], [2, 'c']], election: ElectionState.withUnknownLeader(2, new Set(V3)) });
    assert.equal(c.client.epoch, 3);
    const diverging = fetchPartition(await c.request<FetchResponse>(ApiKeys.Fetch, 17, fetch(2, 3, 5n, 1)));
    assert.deepEqual(diverging.divergingEpoch, { epoch: 1, endOffset: 2n });
    const pastEnd = fetchPartition(await c.request<FetchResponse>(ApiKeys.Fetch, 17, fetch(2, 3, 50n, 3)));
    assert.deepEqual(pastEnd.divergingEpoch, { epoch: 3, endOffset: c.log.endOffset });
    const invalid = fetchPartition(await c.request<FetchResponse>(ApiKeys.Fetch, 17, fetch(2, 3, 0n, 4)));
    assert.equal(invalid.errorCode, Errors.INVALID_REQUEST);
  });

  test('fences old epochs and refuses future ones; non-leaders answer NOT_LEADER_OR_FOLLOWER with the leader', async () => {
    const c = await electedLeader({ election: ElectionState.withUnknownLeader(4, new Set(V3)) });
    assert.equal(fetchPartition(await c.request<FetchResponse>(ApiKeys.Fetch, 17, fetch(2, 4, 0n, 0))).errorCode, Errors.FENCED_LEADER_EPOCH);
    assert.equal(fetchPartition(await c.request<FetchResponse>(ApiKeys.Fetch, 17, fetch(2, 6, 0n, 0))).errorCode, Errors.UNKNOWN_LEADER_EPOCH);
    const f = await RaftTestContext.create({ voters: V3, election: ElectionState.withElectedLeader(5, 3, null, new Set(V3)) });
    const p = fetchPartition(await f.request<FetchResponse>(ApiKeys.Fetch, 17, fetch(2, 5, 0n, 0)));
    assert.equal(p.errorCode, Errors.NOT_LEADER_OR_FOLLOWER);
    assert.deepEqual(p.currentLeader, { leaderId: 3, leaderEpoch: 5 });
    const wrongCluster = await f.request<FetchResponse>(ApiKeys.Fetch, 17, { ...fetch(2, 5, 0n, 0), clusterId: 'x' });
    assert.equal(wrongCluster.errorCode, Errors.INCONSISTENT_CLUSTER_ID);
  });

  test('a long poll is parked until new records arrive', async () => {
    const c = await electedLeader();
    await c.request(ApiKeys.Fetch, 17, fetch(2, 1, 1n, 1));
    let answer: FetchResponse | undefined;
    void c.client.handleInboundRequest(ApiKeys.Fetch, 17, fetch(2, 1, 1n, 1, 500)).then((r) => (answer = r));
    await c.poll();
    assert.equal(answer, undefined);
    c.client.scheduleAppend(1, [Buffer.from('new')]);
    await c.advance(25);
    await c.poll();
    assert.ok(answer !== undefined);
    assert.ok((fetchPartition(answer).records as Buffer).length > 0);
  });

  test('a long poll that sees nothing returns empty after maxWaitMs', async () => {
    const c = await electedLeader();
    await c.request(ApiKeys.Fetch, 17, fetch(2, 1, 1n, 1));
    let answer: FetchResponse | undefined;
    void c.client.handleInboundRequest(ApiKeys.Fetch, 17, fetch(2, 1, 1n, 1, 500)).then((r) => (answer = r));
    await c.poll();
    assert.ok(c.client.nextPollDeadlineMs <= c.time.hiResClockMs() + 500);
    await c.advance(499);
    assert.equal(answer, undefined);
    await c.advance(1);
    assert.equal((fetchPartition(answer!).records as Buffer).length, 0);
  });
});

describe('Fetch on a follower', () => {
  test('truncates a diverging log to where the leader says, never below its high watermark, then appends', async () => {
    const c = await RaftTestContext.create({ voters: V3, election: ElectionState.withElectedLeader(4, 2, null, new Set(V3)), batches: [[1, 'a', 'b'], [2, 'x'], [2, 'y', 'z']] });
    await c.poll();
    const [f] = c.take(ApiKeys.Fetch);
    const p = f!.request.data as ReturnType<typeof fetch>;
    assert.equal(p.topics[0]!.partitions[0]!.fetchOffset, 5n);
    assert.equal(p.topics[0]!.partitions[0]!.lastFetchedEpoch, 2);
    f!.respond(leaderFetchResponse({ divergingEpoch: { epoch: 2, endOffset: 3n } }));
    await c.poll();
    assert.equal(c.log.endOffset, 3n);
    assert.equal(c.log.lastFetchedEpoch, 2);
  });

  test('a leader asking to truncate below the high watermark is an invariant break (fatal)', async () => {
    const c = await RaftTestContext.create({ voters: V3, election: ElectionState.withElectedLeader(4, 2, null, new Set(V3)), batches: [[1, 'a', 'b'], [2, 'c']] });
    await c.poll();
    c.take(ApiKeys.Fetch)[0]!.respond(leaderFetchResponse({ highWatermark: 3n }));
    await c.poll();
    assert.equal(c.client.highWatermark, 3n);
    await c.poll();
    c.take(ApiKeys.Fetch)[0]!.respond(leaderFetchResponse({ divergingEpoch: { epoch: 1, endOffset: 1n } }));
    await assert.rejects(c.poll(), /below the current high watermark/);
    assert.equal(c.log.endOffset, 3n);
  });

  test('takes the high watermark from the leader, capped at its log end, and hands committed batches to its listener', async () => {
    const c = await RaftTestContext.create({ voters: V3, election: ElectionState.withElectedLeader(4, 2, null, new Set(V3)), batches: [[1, 'a', 'b'], [2, 'c']] });
    await c.poll();
    c.take(ApiKeys.Fetch)[0]!.respond(leaderFetchResponse({ highWatermark: 10n }));
    await c.poll(2);
    assert.equal(c.client.highWatermark, 3n);
    assert.deepEqual(c.listener.values(), ['a', 'b', 'c']);
  });
});

describe('DescribeQuorum', () => {
  test('the leader describes voters with their log end offsets; others answer NOT_LEADER_OR_FOLLOWER', async () => {
    const c = await electedLeader();
    await c.request(ApiKeys.Fetch, 17, fetch(2, 1, 1n, 1));
    const d = await c.request<DescribeQuorumResponse>(ApiKeys.DescribeQuorum, 2, { topics: [{ topicName: METADATA_TOPIC_NAME, partitions: [{ partitionIndex: 0 }] }] });
    const p = d.topics[0]!.partitions[0]!;
    assert.equal(p.leaderId, 1);
    assert.equal(p.highWatermark, 1n);
    assert.deepEqual(p.currentVoters.map((v) => [v.replicaId, v.logEndOffset]).sort(), [[1, 1n], [2, 1n], [3, -1n]]);
    assert.equal(d.nodes.length, 3);
    const f = await RaftTestContext.create({ voters: V3, election: ElectionState.withElectedLeader(5, 3, null, new Set(V3)) });
    const nf = await f.request<DescribeQuorumResponse>(ApiKeys.DescribeQuorum, 2, { topics: [{ topicName: METADATA_TOPIC_NAME, partitions: [{ partitionIndex: 0 }] }] });
    assert.equal(nf.topics[0]!.partitions[0]!.errorCode, Errors.NOT_LEADER_OR_FOLLOWER);
    const unknown = await f.request<DescribeQuorumResponse>(ApiKeys.DescribeQuorum, 2, { topics: [{ topicName: 'other', partitions: [{ partitionIndex: 0 }] }] });
    assert.equal(unknown.topics[0]!.partitions[0]!.errorCode, Errors.UNKNOWN_TOPIC_OR_PARTITION);
  });
});

describe('graceful shutdown', () => {
  test('a leader resigns, sends EndQuorumEpoch with its successors, fails uncommitted waits, and completes when another leads', async () => {
    const c = await electedLeader();
    c.take(ApiKeys.BeginQuorumEpoch);
    await c.request(ApiKeys.Fetch, 17, fetch(3, 1, 1n, 1));
    const offset = c.client.scheduleAppend(1, [Buffer.from('late')]);
    const wait = c.client.waitForCommit(1, offset);
    let done: boolean | undefined;
    void c.client.shutdown(5000).then((v) => (done = v));
    await c.poll();
    assert.equal(c.client.stateName, 'Resigned');
    await assert.rejects(wait, NotLeaderError);
    await c.poll();
    const ends = c.take(ApiKeys.EndQuorumEpoch);
    assert.equal(ends.length, 2);
    const p = (ends[0]!.request.data as EndQuorumEpochRequest).topics[0]!.partitions[0]!;
    assert.deepEqual(p.preferredCandidates.map((x) => x.candidateId), [3, 2], 'most replicated first');
    assert.equal(done, undefined);
    await c.request(ApiKeys.BeginQuorumEpoch, 1, beginQuorumEpochRequest('test-cluster', 2, 3, new Map([['CONTROLLER', { host: 'host3', port: 9093 }]]), replicaKey(1)));
    await c.poll();
    assert.equal(done, true);
  });
});

function leaderFetchResponse(p: { divergingEpoch?: { epoch: number; endOffset: bigint }; highWatermark?: bigint; records?: Buffer }): FetchResponse {
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    nodeEndpoints: [],
    responses: [
      {
        topic: METADATA_TOPIC_NAME,
        topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
        partitions: [
          {
            partitionIndex: 0,
            errorCode: 0,
            highWatermark: p.highWatermark ?? 0n,
            lastStableOffset: -1n,
            logStartOffset: 0n,
            divergingEpoch: p.divergingEpoch ?? { epoch: -1, endOffset: -1n },
            currentLeader: { leaderId: 2, leaderEpoch: 4 },
            snapshotId: { endOffset: -1n, epoch: -1 },
            abortedTransactions: null,
            preferredReadReplica: -1,
            records: p.records ?? Buffer.alloc(0),
          },
        ],
      },
    ],
  };
}

describe('responses at every version the codecs know', () => {
  test('DescribeQuorum, Vote, BeginQuorumEpoch and EndQuorumEpoch answers encode at each of their versions', async () => {
    const { Writer } = await import('../../../src/protocol/writer.ts');
    const { encodeDescribeQuorumResponse } = await import('../../../src/protocol/generated/messages/describe-quorum-response.ts');
    const { encodeVoteResponse } = await import('../../../src/protocol/generated/messages/vote-response.ts');
    const c = await electedLeader();
    await c.request(ApiKeys.Fetch, 17, fetch(2, 1, 1n, 1));
    for (const v of [0, 1, 2]) {
      const d = await c.request<DescribeQuorumResponse>(ApiKeys.DescribeQuorum, v, { topics: [{ topicName: METADATA_TOPIC_NAME, partitions: [{ partitionIndex: 0 }] }] });
      encodeDescribeQuorumResponse(new Writer(), v, d);
    }
    for (const v of [0, 1]) encodeVoteResponse(new Writer(), v, await c.request<VoteResponse>(ApiKeys.Vote, v, vote(2, 1, 0, 0n)));
  });
});
