import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatQuorumReplication, formatQuorumStatus, type QuorumInfo, type QuorumReplica } from '../../../src/cli/quorum-describe-format.ts';

// The expected texts are what Apache Kafka 4.4.0's kafka-metadata-quorum.sh printed for the same quorums (a
// combined node formatted --standalone, then a controller formatted --no-initial-controllers, added with
// add-controller and removed with remove-controller), run against real Kafka processes.

const DIR_1 = 'c9aQdbJTSAmcrd0DvCtWpA';
const DIR_2 = 'DAV7bi_wpYgec33OJ-a_0Q';

function replica(replicaId: number, replicaDirectoryId: string, logEndOffset: number, lastFetch: number, lastCaughtUp: number): QuorumReplica {
  return { replicaId, replicaDirectoryId, logEndOffset: BigInt(logEndOffset), lastFetchTimestamp: BigInt(lastFetch), lastCaughtUpTimestamp: BigInt(lastCaughtUp) };
}

const NODE_1 = [{ listener: 'CONTROLLER', host: 'localhost', port: 29093 }];
const NODE_2 = [{ listener: 'CONTROLLER', host: 'localhost', port: 29095 }];

test('describe --status of a standalone voter with an observer: Kafka 4.4 text', () => {
  const info: QuorumInfo = {
    leaderId: 1,
    leaderEpoch: 1,
    highWatermark: 174n,
    voters: [replica(1, DIR_1, 176, 1796668787594, 1796668787594)],
    observers: [replica(2, DIR_2, 176, 1796668787526, 1796668787526)],
    nodes: new Map([[1, NODE_1]]),
  };
  assert.equal(formatQuorumStatus('MkU3OEVBNTcwNTJENDM2Qg', info), [
    'ClusterId:              MkU3OEVBNTcwNTJENDM2Qg',
    'LeaderId:               1',
    'LeaderEpoch:            1',
    'HighWatermark:          174',
    'MaxFollowerLag:         0',
    'MaxFollowerLagTimeMs:   0',
    'CurrentVoters:          [{"id": 1, "directoryId": "c9aQdbJTSAmcrd0DvCtWpA", "endpoints": ["CONTROLLER://localhost:29093"]}]',
    'CurrentObservers:       [{"id": 2, "directoryId": "DAV7bi_wpYgec33OJ-a_0Q"}]',
    '',
  ].join('\n'));
});

test('describe --status of two voters, the follower one offset behind', () => {
  const info: QuorumInfo = {
    leaderId: 1,
    leaderEpoch: 1,
    highWatermark: 192n,
    voters: [replica(1, DIR_1, 195, 1796668796552, 1796668796552), replica(2, DIR_2, 194, 1796668796521, 1796668796070)],
    observers: [],
    nodes: new Map([[1, NODE_1], [2, NODE_2]]),
  };
  assert.equal(formatQuorumStatus('MkU3OEVBNTcwNTJENDM2Qg', info), [
    'ClusterId:              MkU3OEVBNTcwNTJENDM2Qg',
    'LeaderId:               1',
    'LeaderEpoch:            1',
    'HighWatermark:          192',
    'MaxFollowerLag:         1',
    'MaxFollowerLagTimeMs:   482',
    'CurrentVoters:          [{"id": 1, "directoryId": "c9aQdbJTSAmcrd0DvCtWpA", "endpoints": ["CONTROLLER://localhost:29093"]}, {"id": 2, "directoryId": "DAV7bi_wpYgec33OJ-a_0Q", "endpoints": ["CONTROLLER://localhost:29095"]}]',
    'CurrentObservers:       []',
    '',
  ].join('\n'));
});

test('describe --status of a static quorum: no directory ids; unknown caught-up times give -1; IPv6 hosts in brackets', () => {
  const zero = 'AAAAAAAAAAAAAAAAAAAAAA';
  const info: QuorumInfo = {
    leaderId: 2,
    leaderEpoch: 7,
    highWatermark: 10n,
    voters: [replica(1, zero, 8, -1, -1), replica(2, zero, 10, 5, 5)],
    observers: [],
    nodes: new Map([[2, [{ listener: 'CONTROLLER', host: '::1', port: 9093 }]]]),
  };
  const text = formatQuorumStatus('c', info);
  assert.match(text, /^MaxFollowerLag: {9}2$/m);
  assert.match(text, /^MaxFollowerLagTimeMs: {3}-1$/m);
  assert.match(text, /^CurrentVoters: {10}\[\{"id": 1\}, \{"id": 2, "endpoints": \["CONTROLLER:\/\/\[::1\]:9093"\]\}\]$/m);
});

test('describe --replication: Kafka 4.4 table (padded cells, a tab after each), leader first, then followers and observers', () => {
  const info: QuorumInfo = {
    leaderId: 1,
    leaderEpoch: 1,
    highWatermark: 174n,
    voters: [replica(1, DIR_1, 176, 1796668787594, 1796668787594)],
    observers: [replica(2, DIR_2, 176, 1796668787526, 1796668787526)],
    nodes: new Map(),
  };
  assert.equal(formatQuorumReplication(info, false, 0), [
    'NodeId\tDirectoryId           \tLogEndOffset\tLag\tLastFetchTimestamp\tLastCaughtUpTimestamp\tStatus  \t',
    '1     \tc9aQdbJTSAmcrd0DvCtWpA\t176         \t0  \t1796668787594     \t1796668787594        \tLeader  \t',
    '2     \tDAV7bi_wpYgec33OJ-a_0Q\t176         \t0  \t1796668787526     \t1796668787526        \tObserver\t',
    '',
  ].join('\n'));
  const two: QuorumInfo = { ...info, voters: [replica(2, DIR_2, 194, 1796668796521, 1796668796070), replica(1, DIR_1, 195, 1796668796552, 1796668796552)], observers: [] };
  assert.equal(formatQuorumReplication(two, false, 0), [
    'NodeId\tDirectoryId           \tLogEndOffset\tLag\tLastFetchTimestamp\tLastCaughtUpTimestamp\tStatus  \t',
    '1     \tc9aQdbJTSAmcrd0DvCtWpA\t195         \t0  \t1796668796552     \t1796668796552        \tLeader  \t',
    '2     \tDAV7bi_wpYgec33OJ-a_0Q\t194         \t1  \t1796668796521     \t1796668796070        \tFollower\t',
    '',
  ].join('\n'));
});

test('describe --replication --human-readable: times as "<n> ms ago"; a time in the future is an error, as Kafka', () => {
  const info: QuorumInfo = {
    leaderId: 1,
    leaderEpoch: 1,
    highWatermark: 137n,
    voters: [replica(1, DIR_1, 137, 1796668767888, 1796668767888), replica(3, DIR_2, 100, -1, -1)],
    observers: [],
    nodes: new Map(),
  };
  assert.equal(formatQuorumReplication(info, true, 1796668767897), [
    'NodeId\tDirectoryId           \tLogEndOffset\tLag\tLastFetchTimestamp\tLastCaughtUpTimestamp\tStatus  \t',
    '1     \tc9aQdbJTSAmcrd0DvCtWpA\t137         \t0  \t9 ms ago          \t9 ms ago             \tLeader  \t',
    '3     \tDAV7bi_wpYgec33OJ-a_0Q\t100         \t37 \t-1                \t-1                   \tFollower\t',
    '',
  ].join('\n'));
  assert.throws(() => formatQuorumReplication(info, true, 1796668767000), {
    message: 'Error while computing relative time, possible drift in system clock.\nCurrent timestamp is 1796668767000, last fetch timestamp is 1796668767888',
  });
});

test('a quorum without a known leader is an error, not a table', () => {
  const info: QuorumInfo = { leaderId: -1, leaderEpoch: 3, highWatermark: -1n, voters: [replica(1, DIR_1, 5, -1, -1)], observers: [], nodes: new Map() };
  assert.throws(() => formatQuorumStatus('c', info), /no leader/);
  assert.throws(() => formatQuorumReplication(info, false, 0), /no leader/);
});
