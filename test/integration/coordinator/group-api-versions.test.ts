// Every version of the group APIs on the wire (raw client with the generated codecs), as old and new clients
// send them: FindCoordinator v0-6, a full classic membership cycle per JoinGroup version (v0-9, two-step from
// v4) with SyncGroup, Heartbeat, OffsetCommit/OffsetFetch, LeaveGroup, DescribeGroups, ListGroups, OffsetDelete
// and DeleteGroups at each of their versions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import { Writer } from '../../../src/protocol/writer.ts';
import { encodeConsumerProtocolSubscription } from '../../../src/protocol/generated/messages/consumer-protocol-subscription.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { startBroker } from '../../helpers/broker.ts';
import { requireGroupApis } from './coordinator-test-kit.ts';

type Body = Record<string, any>;

function subscription(topics: string[]): Buffer {
  const w = new Writer(64);
  w.writeInt16(0);
  encodeConsumerProtocolSubscription(w, 0, { topics, userData: null });
  return w.toBuffer();
}

test('group APIs answer correctly at every version', { timeout: 60_000 }, async (t) => {
  const broker = await startBroker();
  if (!(await requireGroupApis(t, broker.port))) return broker.cleanup();
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const client = await RawKafkaClient.connect(broker.port);
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 't', numPartitions: 2 }] });
    const req = (key: number, v: number, body: object) => client.request<Body>(key, v, body);

    // FindCoordinator: single key (v0-3) and batched keys (v4-6), groups and transactional ids.
    for (let v = 0; v <= 6; v++) {
      if (v < 4) {
        const r = await req(ApiKeys.FindCoordinator, v, { key: `g${v}`, keyType: 0 });
        assert.equal(r.errorCode, Errors.NONE, `FindCoordinator v${v}`);
        assert.equal(r.port, broker.port);
      } else {
        const r = await req(ApiKeys.FindCoordinator, v, { keyType: 0, coordinatorKeys: ['a', 'b'] });
        assert.deepEqual(r.coordinators.map((c: Body) => [c.key, c.errorCode, c.port]), [['a', 0, broker.port], ['b', 0, broker.port]]);
      }
    }
    const txn = await req(ApiKeys.FindCoordinator, 1, { key: 'my-txn', keyType: 1 });
    assert.equal(txn.errorCode, Errors.NONE);
    assert.equal((await req(ApiKeys.FindCoordinator, 6, { keyType: 2, coordinatorKeys: ['x'] })).coordinators[0].errorCode, Errors.INVALID_REQUEST);

    for (let jv = 0; jv <= 9; jv++) {
      const groupId = `group-v${jv}`;
      const protocols = [{ name: 'range', metadata: subscription(['t']) }];
      const joinBody = (memberId: string) => ({ groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId, groupInstanceId: null, protocolType: 'consumer', protocols, reason: null });
      let join = await req(ApiKeys.JoinGroup, jv, joinBody(''));
      if (jv >= 4) {
        assert.equal(join.errorCode, Errors.MEMBER_ID_REQUIRED, `JoinGroup v${jv} two-step`);
        join = await req(ApiKeys.JoinGroup, jv, joinBody(join.memberId));
      }
      assert.equal(join.errorCode, Errors.NONE, `JoinGroup v${jv}`);
      assert.equal(join.generationId, 1);
      assert.equal(join.protocolName, 'range');
      assert.equal(join.leader, join.memberId);
      const memberId = join.memberId as string;
      const sv = Math.min(jv, 5);
      const assignment = Buffer.from([0, 0, 0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff]);
      const sync = await req(ApiKeys.SyncGroup, sv, { groupId, generationId: 1, memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId, assignment }] });
      assert.equal(sync.errorCode, Errors.NONE, `SyncGroup v${sv}`);
      assert.deepEqual(Buffer.from(sync.assignment), assignment);
      const hv = Math.min(jv, 4);
      assert.equal((await req(ApiKeys.Heartbeat, hv, { groupId, generationId: 1, memberId, groupInstanceId: null })).errorCode, Errors.NONE, `Heartbeat v${hv}`);
      assert.equal((await req(ApiKeys.Heartbeat, hv, { groupId, generationId: 2, memberId, groupInstanceId: null })).errorCode, Errors.ILLEGAL_GENERATION);

      const cv = Math.max(1, jv);
      const commit = await req(ApiKeys.OffsetCommit, cv, {
        groupId, generationIdOrMemberEpoch: 1, memberId, groupInstanceId: null, retentionTimeMs: -1n,
        topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: `meta-${cv}` }, { partitionIndex: 9, committedOffset: 1n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }, { name: 'nope', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null }] }],
      });
      const codes = Object.fromEntries(commit.topics.flatMap((t: Body) => t.partitions.map((p: Body) => [`${t.name}-${p.partitionIndex}`, p.errorCode])));
      assert.deepEqual(codes, { 't-0': Errors.NONE, 't-9': Errors.UNKNOWN_TOPIC_OR_PARTITION, 'nope-0': Errors.UNKNOWN_TOPIC_OR_PARTITION }, `OffsetCommit v${cv}`);
      const fv = Math.max(1, jv);
      if (fv >= 8) {
        const f = await req(ApiKeys.OffsetFetch, fv, { groups: [{ groupId, memberId: null, memberEpoch: -1, topics: [{ name: 't', partitionIndexes: [0, 1] }] }, { groupId: 'unknown-group', memberId: null, memberEpoch: -1, topics: null }], requireStable: true });
        assert.deepEqual(f.groups[0].topics[0].partitions.map((p: Body) => [p.partitionIndex, p.committedOffset, p.metadata]), [[0, 42n, `meta-${cv}`], [1, -1n, '']], `OffsetFetch v${fv}`);
        assert.deepEqual(f.groups[1].topics, []);
      } else {
        const f = await req(ApiKeys.OffsetFetch, fv, { groupId, topics: [{ name: 't', partitionIndexes: [0, 1] }], requireStable: false });
        assert.deepEqual(f.topics[0].partitions.map((p: Body) => [p.partitionIndex, p.committedOffset, p.metadata, p.errorCode]), [[0, 42n, `meta-${cv}`, 0], [1, -1n, '', 0]], `OffsetFetch v${fv}`);
        if (fv >= 2) {
          const all = await req(ApiKeys.OffsetFetch, fv, { groupId, topics: null, requireStable: false });
          assert.deepEqual(all.topics.map((t: Body) => t.name), ['t']);
        }
      }

      const dv = Math.min(jv, 5);
      const described = await req(ApiKeys.DescribeGroups, dv, { groups: [groupId, 'never-seen'], includeAuthorizedOperations: dv >= 3 });
      assert.equal(described.groups[0].groupState, 'Stable', `DescribeGroups v${dv}`);
      assert.equal(described.groups[0].members[0].memberId, memberId);
      assert.equal(described.groups[0].members[0].clientId, 'e2e-raw');
      assert.equal(described.groups[0].members[0].clientHost, '/127.0.0.1');
      assert.equal(described.groups[1].groupState, 'Dead');

      const lv = Math.min(jv, 5);
      const leaveBody = (reason: string | null) => (lv >= 3 ? { groupId, members: [{ memberId, groupInstanceId: null, reason: lv >= 5 ? reason : null }] } : { groupId, memberId });
      const leave = await req(ApiKeys.LeaveGroup, lv, leaveBody('done'));
      assert.equal(leave.errorCode, Errors.NONE, `LeaveGroup v${lv}`);
      const again = await req(ApiKeys.LeaveGroup, lv, leaveBody(null));
      if (lv >= 3) assert.equal(again.members[0].errorCode, Errors.UNKNOWN_MEMBER_ID);
      else assert.equal(again.errorCode, Errors.UNKNOWN_MEMBER_ID, `LeaveGroup v${lv} reports the member's error at top level`);
    }

    for (let v = 0; v <= 5; v++) {
      const listed = await req(ApiKeys.ListGroups, v, { statesFilter: v >= 4 ? ['empty'] : [], typesFilter: [] });
      assert.equal(listed.errorCode, Errors.NONE);
      assert.equal(listed.groups.filter((g: Body) => g.groupId.startsWith('group-v')).length, 10, `ListGroups v${v}`);
    }
    const od = await req(ApiKeys.OffsetDelete, 0, { groupId: 'group-v9', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] });
    assert.equal(od.errorCode, Errors.NONE);
    assert.equal(od.topics[0].partitions[0].errorCode, Errors.NONE);
    for (let v = 0; v <= 2; v++) {
      const del = await req(ApiKeys.DeleteGroups, v, { groupsNames: [`group-v${v}`, `group-v${v}`, 'never-seen'] });
      assert.deepEqual(del.results.map((r: Body) => [r.groupId, r.errorCode]), [[`group-v${v}`, Errors.NONE], ['never-seen', Errors.GROUP_ID_NOT_FOUND]], `DeleteGroups v${v}`);
    }
  } finally {
    client.socket.destroy();
    await admin.disconnect();
    await broker.cleanup();
  }
});
