import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Errors } from '../../../../../src/protocol/generated/errors.ts';
import { ConsumerProtocol } from '../../../../../src/coordinator/group/consumer-protocol.ts';
import { advance, assignment, ctx, formGroup, harness, hbReq, isSettled, joinReq, restart, settle, subscription, syncReq } from '../group-test-kit.ts';

test('JoinGroup v4+ answers MEMBER_ID_REQUIRED with a member id, then the member joins with it', async () => {
  const h = await harness({ classicGroupInitialRebalanceDelayMs: 3000 });
  const first = await h.coordinator.joinGroup(ctx(5, 'my-client'), joinReq('g'));
  assert.equal(first.errorCode, Errors.MEMBER_ID_REQUIRED);
  assert.match(first.memberId!, /^my-client-[0-9a-f-]{36}$/);
  const join = h.coordinator.joinGroup(ctx(5, 'my-client'), joinReq('g', { memberId: first.memberId! }));
  await advance(h, 2999);
  assert.equal(await isSettled(join), false, 'the initial rebalance delay holds the first generation');
  await advance(h, 1);
  const r = await join;
  assert.equal(r.errorCode, Errors.NONE);
  assert.equal(r.generationId, 1);
  assert.equal(r.leader, first.memberId);
  assert.equal(r.protocolName, 'range');
  assert.deepEqual(r.members!.map((m) => m.memberId), [first.memberId]);
});

test('JoinGroup v0-3 adds a member at once without the two-step join', async () => {
  const h = await harness();
  const join = h.coordinator.joinGroup(ctx(3), joinReq('g'));
  await advance(h, 0);
  const r = await join;
  assert.equal(r.errorCode, Errors.NONE);
  assert.notEqual(r.memberId, '');
  assert.equal(r.generationId, 1);
});

test('three members get one generation; the leader assigns and every member receives its share', async () => {
  const h = await harness();
  const { memberIds, generationId, leader } = await formGroup(h, 'g', 3, (ids) => new Map(ids.map((id, i) => [id, assignment([{ topic: 't', partitions: [2 * i, 2 * i + 1] }])])));
  assert.equal(generationId, 1);
  assert.equal(memberIds[0], leader);
  const [described] = await h.coordinator.describeGroups(ctx(), ['g']);
  assert.equal(described!.groupState, 'Stable');
  assert.equal(described!.protocolData, 'range');
  const all = described!.members!.flatMap((m) => ConsumerProtocol.deserializeAssignment(m.memberAssignment as Buffer).assignedPartitions.flatMap((tp) => tp.partitions)).sort();
  assert.deepEqual(all, [0, 1, 2, 3, 4, 5]);
  // A follower syncing again in Stable gets its assignment back.
  const again = await h.coordinator.syncGroup(ctx(), syncReq('g', memberIds[1]!, 1));
  assert.equal(again.errorCode, Errors.NONE);
  assert.deepEqual(ConsumerProtocol.deserializeAssignment(again.assignment as Buffer).assignedPartitions, [{ topic: 't', partitions: [2, 3] }]);
});

test('a new member triggers a rebalance: heartbeats get REBALANCE_IN_PROGRESS, rejoins form generation 2', async () => {
  const h = await harness();
  const { memberIds } = await formGroup(h, 'g', 2);
  const newcomer = await h.coordinator.joinGroup(ctx(5), joinReq('g'));
  const join3 = h.coordinator.joinGroup(ctx(5), joinReq('g', { memberId: newcomer.memberId! }));
  await settle(h);
  const hb = await h.coordinator.heartbeat(ctx(), hbReq('g', memberIds[0]!, 1));
  assert.equal(hb.errorCode, Errors.REBALANCE_IN_PROGRESS);
  const rejoins = memberIds.map((id) => h.coordinator.joinGroup(ctx(5), joinReq('g', { memberId: id })));
  const results = await Promise.all([join3, ...rejoins]);
  for (const r of results) {
    assert.equal(r.errorCode, Errors.NONE);
    assert.equal(r.generationId, 2);
  }
  assert.equal(results.filter((r) => r.members!.length === 3).length, 1, 'only the leader gets the member list');
});

test('a member that stops heartbeating is removed after its session timeout and the others rebalance', async () => {
  const h = await harness();
  const { memberIds } = await formGroup(h, 'g', 2);
  const [alive, dead] = memberIds as [string, string];
  for (let i = 0; i < 2; i++) {
    await advance(h, 4000);
    assert.equal((await h.coordinator.heartbeat(ctx(), hbReq('g', alive, 1))).errorCode, Errors.NONE);
  }
  // 12 s without a heartbeat from `dead` (session timeout 10 s): it was removed.
  await advance(h, 4000);
  const hb = await h.coordinator.heartbeat(ctx(), hbReq('g', alive, 1));
  assert.equal(hb.errorCode, Errors.REBALANCE_IN_PROGRESS);
  assert.equal((await h.coordinator.heartbeat(ctx(), hbReq('g', dead, 1))).errorCode, Errors.UNKNOWN_MEMBER_ID);
  const rejoin = await h.coordinator.joinGroup(ctx(5), joinReq('g', { memberId: alive }));
  assert.equal(rejoin.generationId, 2);
  assert.deepEqual(rejoin.members!.map((m) => m.memberId), [alive]);
});

test('a member that does not rejoin within the rebalance timeout is dropped from the generation', async () => {
  const h = await harness();
  const { memberIds } = await formGroup(h, 'g', 2);
  const [a, b] = memberIds as [string, string];
  const join = h.coordinator.joinGroup(ctx(5), joinReq('g', { memberId: a, protocols: [{ name: 'range', metadata: subscription(['t', 'u']) }] }));
  await settle(h);
  // b keeps heartbeating but never rejoins (a consumer stuck in poll beyond max.poll.interval.ms).
  for (let i = 0; i < 8; i++) {
    await advance(h, 4000);
    await h.coordinator.heartbeat(ctx(), hbReq('g', b, 1));
  }
  const r = await join;
  assert.equal(r.generationId, 2);
  assert.deepEqual(r.members!.map((m) => m.memberId), [a]);
});

test('LeaveGroup removes members in a batch and the remaining member forms a new generation', async () => {
  const h = await harness();
  const { memberIds } = await formGroup(h, 'g', 3);
  const leave = await h.coordinator.leaveGroup(ctx(), 'g', [
    { memberId: memberIds[1]!, groupInstanceId: null, reason: 'bye' },
    { memberId: memberIds[2]!, groupInstanceId: null, reason: null },
    { memberId: 'unknown', groupInstanceId: null, reason: null },
  ]);
  assert.deepEqual(leave.members!.map((m) => m.errorCode), [Errors.NONE, Errors.NONE, Errors.UNKNOWN_MEMBER_ID]);
  const r = await h.coordinator.joinGroup(ctx(5), joinReq('g', { memberId: memberIds[0]! }));
  assert.equal(r.generationId, 2);
  assert.equal(r.members!.length, 1);
  const all = await h.coordinator.leaveGroup(ctx(), 'g', [{ memberId: memberIds[0]!, groupInstanceId: null, reason: null }]);
  assert.equal(all.members![0]!.errorCode, Errors.NONE);
  await settle(h);
  const [d] = await h.coordinator.describeGroups(ctx(), ['g']);
  assert.equal(d!.groupState, 'Empty');
  assert.equal((await h.coordinator.leaveGroup(ctx(), 'nope', [{ memberId: 'x', groupInstanceId: null, reason: null }])).members![0]!.errorCode, Errors.UNKNOWN_MEMBER_ID);
});

test('a restarted static member gets its assignment back without a rebalance; the old member id is fenced', async () => {
  const h = await harness();
  const join = (instance: string, memberId = '') => h.coordinator.joinGroup(ctx(5, instance), joinReq('g', { groupInstanceId: instance, memberId }));
  const pa = join('a');
  const pb = join('b');
  await advance(h, 0);
  const [ra, rb] = await Promise.all([pa, pb]);
  assert.equal(ra.generationId, 1);
  const leader = ra.leader!;
  const asg = new Map([[ra.memberId!, assignment([{ topic: 't', partitions: [0, 1, 2] }])], [rb.memberId!, assignment([{ topic: 't', partitions: [3, 4, 5] }])]]);
  const syncs = [ra, rb].map((r) => h.coordinator.syncGroup(ctx(), syncReq('g', r.memberId!, 1, r.memberId === leader ? [...asg].map(([memberId, a]) => ({ memberId, assignment: a })) : [], { groupInstanceId: r === ra ? 'a' : 'b' })));
  await settle(h);
  await Promise.all(syncs);

  // Instance b restarts: unknown member id, same group.instance.id.
  const rb2 = await join('b');
  assert.equal(rb2.errorCode, Errors.NONE);
  assert.equal(rb2.generationId, 1, 'no new generation');
  assert.notEqual(rb2.memberId, rb.memberId);
  const sync = await h.coordinator.syncGroup(ctx(), syncReq('g', rb2.memberId!, 1, [], { groupInstanceId: 'b' }));
  assert.deepEqual(ConsumerProtocol.deserializeAssignment(sync.assignment as Buffer).assignedPartitions, [{ topic: 't', partitions: [3, 4, 5] }]);
  assert.equal((await h.coordinator.heartbeat(ctx(), hbReq('g', ra.memberId!, 1, 'a'))).errorCode, Errors.NONE, 'the other member is not disturbed');
  assert.equal((await h.coordinator.heartbeat(ctx(), hbReq('g', rb.memberId!, 1, 'b'))).errorCode, Errors.FENCED_INSTANCE_ID);
  const [d] = await h.coordinator.describeGroups(ctx(), ['g']);
  assert.equal(d!.groupState, 'Stable');
  assert.equal(h.coordinator.metrics.classicRebalances, 1);
});

test('a static member that does not come back is removed at session timeout; one leaving by instance id rebalances', async () => {
  const h = await harness();
  const pa = h.coordinator.joinGroup(ctx(5), joinReq('g', { groupInstanceId: 'a' }));
  const pb = h.coordinator.joinGroup(ctx(5), joinReq('g', { groupInstanceId: 'b' }));
  await advance(h, 0);
  const [ra, rb] = await Promise.all([pa, pb]);
  const leave = await h.coordinator.leaveGroup(ctx(), 'g', [{ memberId: '', groupInstanceId: 'b', reason: 'admin' }]);
  assert.equal(leave.members![0]!.errorCode, Errors.NONE);
  assert.equal((await h.coordinator.heartbeat(ctx(), hbReq('g', rb.memberId!, 1, 'b'))).errorCode, Errors.UNKNOWN_MEMBER_ID);
  assert.equal((await h.coordinator.heartbeat(ctx(), hbReq('g', ra.memberId!, 1, 'a'))).errorCode, Errors.REBALANCE_IN_PROGRESS);
  await advance(h, 10_001);
  const [d] = await h.coordinator.describeGroups(ctx(), ['g']);
  assert.equal(d!.members!.length, 0, 'the silent static member expired too');
});

test('protocol type and protocol selection: a protocol every member supports is chosen, a mismatch is refused', async () => {
  const h = await harness();
  const p1 = h.coordinator.joinGroup(ctx(3), joinReq('g', { protocols: [{ name: 'roundrobin', metadata: subscription(['t']) }, { name: 'range', metadata: subscription(['t']) }] }));
  const p2 = h.coordinator.joinGroup(ctx(3), joinReq('g', { protocols: [{ name: 'range', metadata: subscription(['t']) }, { name: 'sticky', metadata: subscription(['t']) }] }));
  await advance(h, 0);
  const [r1] = await Promise.all([p1, p2]);
  assert.equal(r1.protocolName, 'range');
  const bad = await h.coordinator.joinGroup(ctx(3), joinReq('g', { protocols: [{ name: 'sticky', metadata: subscription(['t']) }] }));
  assert.equal(bad.errorCode, Errors.INCONSISTENT_GROUP_PROTOCOL);
  const badType = await h.coordinator.joinGroup(ctx(3), joinReq('g', { protocolType: 'connect' }));
  assert.equal(badType.errorCode, Errors.INCONSISTENT_GROUP_PROTOCOL);
});

test('request validation: empty group id, session timeout bounds, unknown member, wrong generation', async () => {
  const h = await harness();
  assert.equal((await h.coordinator.joinGroup(ctx(), joinReq(''))).errorCode, Errors.INVALID_GROUP_ID);
  assert.equal((await h.coordinator.joinGroup(ctx(), joinReq('g', { sessionTimeoutMs: 5999 }))).errorCode, Errors.INVALID_SESSION_TIMEOUT);
  assert.equal((await h.coordinator.joinGroup(ctx(), joinReq('g', { sessionTimeoutMs: 1_800_001 }))).errorCode, Errors.INVALID_SESSION_TIMEOUT);
  assert.equal((await h.coordinator.joinGroup(ctx(), joinReq('nope', { memberId: 'ghost' }))).errorCode, Errors.UNKNOWN_MEMBER_ID);
  assert.equal((await h.coordinator.heartbeat(ctx(), hbReq('nope', 'ghost', 1))).errorCode, Errors.UNKNOWN_MEMBER_ID);
  assert.equal((await h.coordinator.syncGroup(ctx(), syncReq('nope', 'ghost', 1))).errorCode, Errors.UNKNOWN_MEMBER_ID);
  const { memberIds } = await formGroup(h, 'g', 1);
  assert.equal((await h.coordinator.heartbeat(ctx(), hbReq('g', memberIds[0]!, 7))).errorCode, Errors.ILLEGAL_GENERATION);
  assert.equal((await h.coordinator.syncGroup(ctx(), syncReq('g', memberIds[0]!, 7))).errorCode, Errors.ILLEGAL_GENERATION);
  assert.equal((await h.coordinator.syncGroup(ctx(), syncReq('g', memberIds[0]!, 1, [], { protocolName: 'roundrobin' }))).errorCode, Errors.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal((await h.coordinator.heartbeat(ctx(), hbReq('g', 'ghost', 1))).errorCode, Errors.UNKNOWN_MEMBER_ID);
});

test('group.max.size refuses members beyond the limit with GROUP_MAX_SIZE_REACHED', async () => {
  const h = await harness({ classicGroupMaxSize: 2 });
  await formGroup(h, 'g', 2);
  const r = await h.coordinator.joinGroup(ctx(3), joinReq('g'));
  assert.equal(r.errorCode, Errors.GROUP_MAX_SIZE_REACHED);
});

test('the initial rebalance delay is extended while members keep joining, bounded by the rebalance timeout', async () => {
  const h = await harness({ classicGroupInitialRebalanceDelayMs: 3000 });
  const joins = [h.coordinator.joinGroup(ctx(3), joinReq('g', { rebalanceTimeoutMs: 7000 }))];
  await advance(h, 2000);
  joins.push(h.coordinator.joinGroup(ctx(3), joinReq('g', { rebalanceTimeoutMs: 7000 })));
  await advance(h, 1500);
  assert.equal(await isSettled(joins[0]!), false, 'a member joined during the delay: it is extended');
  joins.push(h.coordinator.joinGroup(ctx(3), joinReq('g', { rebalanceTimeoutMs: 7000 })));
  await advance(h, 3000);
  await advance(h, 1000);
  const results = await Promise.all(joins);
  assert.ok(results.every((r) => r.generationId === 1 && r.errorCode === Errors.NONE));
  assert.equal(results.find((r) => r.members!.length > 0)!.members!.length, 3);
});

test('a SyncGroup from a member of a rebalancing group gets REBALANCE_IN_PROGRESS; a pending sync is answered on rebalance', async () => {
  const h = await harness();
  const p1 = h.coordinator.joinGroup(ctx(3), joinReq('g'));
  const p2 = h.coordinator.joinGroup(ctx(3), joinReq('g'));
  await advance(h, 0);
  const [r1, r2] = await Promise.all([p1, p2]);
  const follower = r1.memberId === r1.leader ? r2 : r1;
  const followerSync = h.coordinator.syncGroup(ctx(), syncReq('g', follower.memberId!, 1));
  await settle(h);
  assert.equal(await isSettled(followerSync), false, 'followers wait for the leader');
  // A third member joins before the leader syncs: the pending follower sync is told to rejoin.
  const p3 = h.coordinator.joinGroup(ctx(3), joinReq('g'));
  assert.equal((await followerSync).errorCode, Errors.REBALANCE_IN_PROGRESS);
  assert.equal((await h.coordinator.syncGroup(ctx(), syncReq('g', follower.memberId!, 1))).errorCode, Errors.REBALANCE_IN_PROGRESS);
  void p3;
});

test('members that never send SyncGroup are removed at the rebalance timeout and the group rebalances', async () => {
  const h = await harness();
  const p1 = h.coordinator.joinGroup(ctx(3), joinReq('g', { rebalanceTimeoutMs: 20_000 }));
  const p2 = h.coordinator.joinGroup(ctx(3), joinReq('g', { rebalanceTimeoutMs: 20_000 }));
  await advance(h, 0);
  const [r1, r2] = await Promise.all([p1, p2]);
  const leaderResp = r1.memberId === r1.leader ? r1 : r2;
  const leaderSync = h.coordinator.syncGroup(ctx(), syncReq('g', leaderResp.memberId!, 1, [{ memberId: leaderResp.memberId!, assignment: assignment([{ topic: 't', partitions: [0] }]) }]));
  await settle(h);
  assert.equal((await leaderSync).errorCode, Errors.NONE);
  for (let i = 0; i < 5; i++) {
    await advance(h, 4000);
    await h.coordinator.heartbeat(ctx(), hbReq('g', leaderResp.memberId!, 1));
  }
  await advance(h, 1);
  const hb = await h.coordinator.heartbeat(ctx(), hbReq('g', leaderResp.memberId!, 1));
  assert.equal(hb.errorCode, Errors.REBALANCE_IN_PROGRESS, 'the member that never synced was removed');
});

test('a failed write of the assignment answers the syncs with NOT_COORDINATOR and starts a new rebalance', async () => {
  const h = await harness();
  const p1 = h.coordinator.joinGroup(ctx(3), joinReq('g'));
  await advance(h, 0);
  const r1 = await p1;
  h.writer.failNextAppends(h.coordinator.topicPartitionFor('g'), 1);
  const sync = await h.coordinator.syncGroup(ctx(), syncReq('g', r1.memberId!, 1, [{ memberId: r1.memberId!, assignment: assignment([{ topic: 't', partitions: [0] }]) }]));
  assert.equal(sync.errorCode, Errors.NOT_COORDINATOR);
  const [d] = await h.coordinator.describeGroups(ctx(), ['g']);
  assert.equal(d!.groupState, 'PreparingRebalance');
});

test('a classic group survives a coordinator restart: members, generation and assignment are reloaded', async () => {
  const h = await harness();
  const { memberIds } = await formGroup(h, 'g', 2);
  const h2 = await restart(h);
  const [d] = await h2.coordinator.describeGroups(ctx(), ['g']);
  assert.equal(d!.groupState, 'Stable');
  assert.deepEqual(d!.members!.map((m) => m.memberId).sort(), [...memberIds].sort());
  assert.equal((await h2.coordinator.heartbeat(ctx(), hbReq('g', memberIds[1]!, 1))).errorCode, Errors.NONE);
  const sync = await h2.coordinator.syncGroup(ctx(), syncReq('g', memberIds[1]!, 1));
  assert.deepEqual(ConsumerProtocol.deserializeAssignment(sync.assignment as Buffer).assignedPartitions, [{ topic: 't', partitions: [1] }]);
});
