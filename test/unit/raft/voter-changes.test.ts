import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import type { AddRaftVoterRequest } from '../../../src/protocol/generated/messages/add-raft-voter-request.ts';
import type { AddRaftVoterResponse } from '../../../src/protocol/generated/messages/add-raft-voter-response.ts';
import type { ApiVersionsResponse } from '../../../src/protocol/generated/messages/api-versions-response.ts';
import type { FetchResponse } from '../../../src/protocol/generated/messages/fetch-response.ts';
import type { RemoveRaftVoterResponse } from '../../../src/protocol/generated/messages/remove-raft-voter-response.ts';
import type { UpdateRaftVoterRequest } from '../../../src/protocol/generated/messages/update-raft-voter-request.ts';
import type { UpdateRaftVoterResponse } from '../../../src/protocol/generated/messages/update-raft-voter-response.ts';
import { ControlRecordType } from '../../../src/protocol/records/control-record.ts';
import { decodeBatches } from '../../../src/raft/batch.ts';
import { writeBootstrapCheckpoint } from '../../../src/raft/bootstrap-checkpoint.ts';
import { buildControlBatch, decodeVoters, votersRecord } from '../../../src/raft/control-records.ts';
import { KRaftControlRecordStateMachine } from '../../../src/raft/kraft-control-record-state-machine.ts';
import { fetchRequest, voteResponse } from '../../../src/raft/raft-messages.ts';
import { replicaKey } from '../../../src/raft/replica-key.ts';
import { SnapshotReader } from '../../../src/raft/snapshot-reader.ts';
import { VoterSet } from '../../../src/raft/voter-set.ts';
import { MockLog } from '../../raft/mock-log.ts';
import { ApiKeys, RaftTestContext, testDirectoryId } from '../../raft/raft-test-context.ts';

const D = [testDirectoryId(1), testDirectoryId(2), testDirectoryId(3), testDirectoryId(4)];
const SILENT = pino({ level: 'silent' });

function apiVersions(min: number, max: number): ApiVersionsResponse {
  return { errorCode: Errors.NONE, apiKeys: [], throttleTimeMs: 0, supportedFeatures: [{ name: 'kraft.version', minVersion: min, maxVersion: max }], finalizedFeaturesEpoch: -1n, finalizedFeatures: [], zkMigrationReady: false };
}

function addVoter(id: number, dir: string, clusterId = 'test-cluster') {
  return { clusterId, timeoutMs: 2000, voterId: id, voterDirectoryId: dir, listeners: [{ name: 'CONTROLLER', host: `host${id}`, port: 9093 }] };
}

/** Replica `id` (directory `dir`) fetches from the leader at its log end; polls until answered. */
async function fetchAtEnd(c: RaftTestContext, id: number, dir: string, fetchOffset = c.log.endOffset, lastFetchedEpoch = c.log.lastFetchedEpoch): Promise<FetchResponse> {
  return c.request<FetchResponse>(ApiKeys.Fetch, 17, fetchRequest({ clusterId: 'test-cluster', replicaId: id, replicaDirectoryId: dir, currentLeaderEpoch: c.client.epoch, fetchOffset, lastFetchedEpoch, maxWaitMs: 0, maxBytes: 1 << 20 }));
}

/** Sends a request and polls until it is answered or `polls` ran out (voter changes wait for commits). */
async function pending<T>(c: RaftTestContext, promise: Promise<unknown>): Promise<{ answer: () => T | undefined }> {
  let answer: T | undefined;
  void promise.then((r) => (answer = r as T));
  await c.poll(3);
  return { answer: () => answer };
}

/** Node 1 of a multi-voter context wins the pre-vote and the vote (every voter grants both). */
async function electLeader(c: RaftTestContext): Promise<void> {
  await c.advance(2000);
  for (let round = 0; round < 2; round++) {
    await c.poll();
    for (const v of c.take(ApiKeys.Vote)) v.respond(voteResponse({ apiVersion: 1, listenerName: 'CONTROLLER', errorCode: Errors.NONE, epoch: c.client.epoch, leaderId: -1, leaderEndpoints: new Map() }, true));
    await c.poll();
  }
  assert.equal(c.client.stateName, 'Leader');
}

/** The voters of the last Voters record in the leader's log. */
function lastVotersInLog(c: RaftTestContext): VoterSet | null {
  let voters: VoterSet | null = null;
  for (const b of c.log.batches()) {
    for (const d of decodeBatches(b.data).batches) for (const r of d.controlRecords) if (r.type === ControlRecordType.KRAFT_VOTERS) voters = VoterSet.fromVotersRecord(decodeVoters(r.value));
  }
  return voters;
}

describe('KRaftControlRecordStateMachine', () => {
  test('reads the bootstrap checkpoint, then Voters records of the log; forgets truncated ones', async () => {
    const log = new MockLog();
    const initial = RaftTestContext.dynamicVoters([1, 2, 3], D);
    await writeBootstrapCheckpoint(log, initial, 1, 0);
    const sm = new KRaftControlRecordStateMachine(VoterSet.empty(), log, SILENT);
    await sm.updateState();
    assert.ok(sm.lastVoterSet().equals(initial));
    assert.equal(sm.lastVoterSetEntry()?.offset, -1n);
    assert.equal(sm.lastKraftVersion(), 1);

    const v12 = RaftTestContext.dynamicVoters([1, 2], D);
    await log.appendAsFollower(buildControlBatch({ baseOffset: 0n, epoch: 1, timestampMs: 0, records: [votersRecord(v12.toVotersRecord())] }), 1);
    await sm.updateState();
    assert.ok(sm.lastVoterSet().equals(v12));
    assert.equal(sm.lastVoterSetEntry()?.offset, 0n);
    assert.ok(sm.voterSetAtOffset(-1n)?.equals(initial));
    assert.ok(sm.voterSetAtOffset(0n)?.equals(v12));
    assert.throws(() => sm.voterSetAtOffset(1n), /largest known offset/);

    await log.truncateTo(0n);
    sm.truncateNewEntries(0n);
    assert.ok(sm.lastVoterSet().equals(initial));
    await sm.updateState();
    assert.ok(sm.lastVoterSet().equals(initial));
  });

  test('a static quorum has kraft.version 0 and the configured voters', async () => {
    const statics = VoterSet.fromStaticVoters('CONTROLLER', [{ id: 1, host: 'h', port: 1 }]);
    const sm = new KRaftControlRecordStateMachine(statics, new MockLog(), SILENT);
    await sm.updateState();
    assert.equal(sm.lastVoterSet(), statics);
    assert.equal(sm.lastKraftVersion(), 0);
    assert.equal(sm.lastVoterSetEntry(), undefined);
  });
});

describe('a dynamic quorum (KIP-853)', () => {
  test('the first leader writes KRaftVersion and Voters after its LeaderChange: the voters of the bootstrap checkpoint are not replicated', async () => {
    const c = await RaftTestContext.create({ voters: [1], directoryIds: D });
    assert.equal(c.client.stateName, 'Leader');
    await c.poll(3);
    const [control] = decodeBatches(c.log.batches()[0]!.data).batches;
    assert.deepEqual(control!.controlRecords.map((r) => r.type), [ControlRecordType.LEADER_CHANGE, ControlRecordType.KRAFT_VERSION, ControlRecordType.KRAFT_VOTERS]);
    assert.deepEqual(c.client.latestVoters().offset, 2n);
    assert.equal(c.client.latestVoters().kraftVersion, 1);
    assert.equal(c.client.highWatermark, 3n);
    // The listener gets the log from offset 0: the bootstrap checkpoint is no state of its.
    assert.equal(c.listener.snapshots.length, 0);
    assert.equal(c.listener.commits[0]!.baseOffset, 0n);
  });

  test('a snapshot carries the kraft.version and voters in effect at its end', async () => {
    const c = await RaftTestContext.create({ voters: [1], directoryIds: D });
    await c.poll(3);
    const writer = (await c.client.createSnapshot({ offset: 3n, epoch: c.client.epoch }, 0))!;
    await writer.append([Buffer.from('state')]);
    await writer.freeze();
    const reader = new SnapshotReader((await c.log.readSnapshot({ offset: 3n, epoch: c.client.epoch }))!);
    const types: number[] = [];
    for await (const b of reader.batches()) for (const r of b.controlRecords) types.push(r.type);
    assert.deepEqual(types, [ControlRecordType.SNAPSHOT_HEADER, ControlRecordType.KRAFT_VERSION, ControlRecordType.KRAFT_VOTERS, ControlRecordType.SNAPSHOT_FOOTER]);
  });

  test('AddRaftVoter: the ApiVersions check, then a Voters record; answered once it commits', async () => {
    const c = await RaftTestContext.create({ voters: [1], directoryIds: D });
    await c.poll(3);
    await fetchAtEnd(c, 2, D[1]!);
    assert.equal(c.client.metrics()['number-of-observers'], 1);
    const add = await pending<AddRaftVoterResponse>(c, c.client.handleInboundRequest(ApiKeys.AddRaftVoter, 0, addVoter(2, D[1]!)));
    const [check] = c.take(ApiKeys.ApiVersions);
    assert.equal(check!.request.destination.host, 'host2');
    check!.respond(apiVersions(0, 1));
    await c.poll(3);
    assert.deepEqual([...c.client.latestVoters().voters.voterIds()].sort(), [1, 2]);
    assert.deepEqual([...lastVotersInLog(c)!.voterIds()].sort(), [1, 2]);
    const votersOffset = c.client.latestVoters().offset!;
    assert.ok(c.client.highWatermark! <= votersOffset, 'the new voter must have it before it commits');
    assert.equal(add.answer(), undefined);
    assert.equal(c.client.metrics()['uncommitted-voter-change'], 1);
    assert.equal(c.client.metrics()['number-of-voters'], 2);
    await fetchAtEnd(c, 2, D[1]!);
    await c.poll(2);
    assert.ok(c.client.highWatermark! > votersOffset);
    assert.equal(add.answer()?.errorCode, Errors.NONE);
    assert.equal(c.client.metrics()['uncommitted-voter-change'], 0);
  });

  test('AddRaftVoter errors: no directory id, a duplicate, a lagging replica, an old kraft.version range, a pending change', async () => {
    const c = await RaftTestContext.create({ voters: [1], directoryIds: D });
    await c.poll(3);
    const noDir = await c.request<AddRaftVoterResponse>(ApiKeys.AddRaftVoter, 0, addVoter(2, 'AAAAAAAAAAAAAAAAAAAAAA'));
    assert.equal(noDir.errorCode, Errors.INVALID_REQUEST);
    const dup = await c.request<AddRaftVoterResponse>(ApiKeys.AddRaftVoter, 0, addVoter(1, D[0]!));
    assert.equal(dup.errorCode, Errors.DUPLICATE_VOTER);
    const cluster = await c.request<AddRaftVoterResponse>(ApiKeys.AddRaftVoter, 0, addVoter(2, D[1]!, 'other'));
    assert.equal(cluster.errorCode, Errors.INCONSISTENT_CLUSTER_ID);

    // Never fetched: not caught up.
    const lagging = await pending<AddRaftVoterResponse>(c, c.client.handleInboundRequest(ApiKeys.AddRaftVoter, 0, addVoter(3, D[2]!)));
    const second = await c.request<AddRaftVoterResponse>(ApiKeys.AddRaftVoter, 0, addVoter(4, D[3]!));
    assert.equal(second.errorCode, Errors.REQUEST_TIMED_OUT, 'one change at a time');
    c.take(ApiKeys.ApiVersions)[0]!.respond(apiVersions(0, 1));
    await c.poll(2);
    assert.equal(lagging.answer()?.errorCode, Errors.REQUEST_TIMED_OUT);
    assert.equal(c.client.latestVoters().voters.size, 1);

    await fetchAtEnd(c, 2, D[1]!);
    const old = await pending<AddRaftVoterResponse>(c, c.client.handleInboundRequest(ApiKeys.AddRaftVoter, 0, addVoter(2, D[1]!)));
    c.take(ApiKeys.ApiVersions)[0]!.respond(apiVersions(0, 0));
    await c.poll(2);
    assert.equal(old.answer()?.errorCode, Errors.INVALID_REQUEST);
    assert.equal(c.client.latestVoters().voters.size, 1);
  });

  test('a static quorum refuses voter changes (kraft.version 0)', async () => {
    const c = await RaftTestContext.create();
    await c.poll(3);
    const r = await c.request<AddRaftVoterResponse>(ApiKeys.AddRaftVoter, 0, addVoter(2, D[1]!));
    assert.equal(r.errorCode, Errors.UNSUPPORTED_VERSION);
    const rm = await c.request<RemoveRaftVoterResponse>(ApiKeys.RemoveRaftVoter, 0, { clusterId: 'test-cluster', voterId: 1, voterDirectoryId: D[0]! });
    assert.equal(rm.errorCode, Errors.UNSUPPORTED_VERSION);
  });

  test('RemoveRaftVoter of the leader itself: answered when committed by the remaining voters, then the leader resigns', async () => {
    const c = await RaftTestContext.create({ voters: [1, 2, 3], directoryIds: D });
    await electLeader(c);
    await c.poll(2);
    await fetchAtEnd(c, 2, D[1]!);
    await c.poll(2);
    assert.notEqual(c.client.highWatermark, null);
    const rm = await pending<RemoveRaftVoterResponse>(c, c.client.handleInboundRequest(ApiKeys.RemoveRaftVoter, 0, { clusterId: 'test-cluster', voterId: 1, voterDirectoryId: D[0]! }));
    await c.poll(2);
    assert.deepEqual([...c.client.latestVoters().voters.voterIds()].sort(), [2, 3]);
    assert.equal(c.client.isLeader, true, 'it leads until the removal commits');
    await fetchAtEnd(c, 2, D[1]!);
    assert.equal(rm.answer(), undefined, 'one of the two remaining voters is not a majority of them');
    await fetchAtEnd(c, 3, D[2]!);
    await c.poll(2);
    assert.equal(rm.answer()?.errorCode, Errors.NONE);
    assert.equal(c.client.stateName, 'Resigned');
  });

  test('UpdateRaftVoter: new endpoints of a voter go into a Voters record', async () => {
    const c = await RaftTestContext.create({ voters: [1, 2], directoryIds: D });
    await electLeader(c);
    await c.poll(2);
    await fetchAtEnd(c, 2, D[1]!);
    await c.poll(2);
    const update: UpdateRaftVoterRequest = {
      clusterId: 'test-cluster',
      currentLeaderEpoch: c.client.epoch,
      voterId: 2,
      voterDirectoryId: D[1]!,
      listeners: [{ name: 'CONTROLLER', host: 'moved2', port: 19093 }],
      kRaftVersionFeature: { minSupportedVersion: 0, maxSupportedVersion: 1 },
    };
    const r = await c.request<UpdateRaftVoterResponse>(ApiKeys.UpdateRaftVoter, 0, update);
    assert.equal(r.errorCode, Errors.NONE);
    assert.equal(r.currentLeader.leaderId, 1);
    await c.poll(2);
    assert.deepEqual(c.client.latestVoters().voters.listeners(2).get('CONTROLLER'), { host: 'moved2', port: 19093 });
    const unknown = await c.request<UpdateRaftVoterResponse>(ApiKeys.UpdateRaftVoter, 0, { ...update, voterId: 3, voterDirectoryId: D[2]! });
    assert.equal(unknown.errorCode, Errors.REQUEST_TIMED_OUT, 'the previous Voters record is not committed yet');
  });

  test('with auto-join, an observer that may become a voter finds the leader through the bootstrap servers and asks it to add it', async () => {
    const c = await RaftTestContext.create({ localId: 4, voters: [1], directoryIds: [D[0]!], localDirectoryId: D[3]!, config: { autoJoin: true } });
    assert.equal(c.client.stateName, 'Unattached');
    await c.poll();
    const [fetch] = c.take(ApiKeys.Fetch);
    assert.equal(fetch!.request.destination.host, 'host1');
    fetch!.respond({
      throttleTimeMs: 0,
      errorCode: Errors.NONE,
      sessionId: 0,
      responses: [{ topic: '__cluster_metadata', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: [{ partitionIndex: 0, errorCode: Errors.NOT_LEADER_OR_FOLLOWER, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, divergingEpoch: { epoch: -1, endOffset: -1n }, currentLeader: { leaderId: 1, leaderEpoch: 1 }, snapshotId: { endOffset: -1n, epoch: -1 }, abortedTransactions: null, preferredReadReplica: -1, records: null }] }],
      nodeEndpoints: [{ nodeId: 1, host: 'host1', port: 9093, rack: null }],
    });
    await c.poll(2);
    assert.equal(c.client.stateName, 'Follower');
    await c.advance(2000);
    await c.poll();
    const [join] = c.take(ApiKeys.AddRaftVoter);
    assert.ok(join !== undefined, 'AddRaftVoter sent after the update period');
    const data = join.request.data as AddRaftVoterRequest;
    assert.deepEqual(replicaKey(data.voterId, data.voterDirectoryId), replicaKey(4, D[3]!));
  });
});
