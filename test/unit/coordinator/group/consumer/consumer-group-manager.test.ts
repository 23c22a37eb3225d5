import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Errors } from '../../../../../src/protocol/generated/errors.ts';
import type { ConsumerGroupHeartbeatRequest } from '../../../../../src/protocol/generated/messages/consumer-group-heartbeat-request.ts';
import type { Input } from '../../../../../src/protocol/message-input.ts';
import type { ConsumerGroupHeartbeatResponse } from '../../../../../src/protocol/generated/messages/consumer-group-heartbeat-response.ts';
import { advance, commitReq, ctx, harness, imageWith, restart, topicId, type Harness } from '../group-test-kit.ts';

type Owned = { topicId: string; partitions: number[] }[];

function hb(groupId: string, over: Partial<ConsumerGroupHeartbeatRequest>): ConsumerGroupHeartbeatRequest {
  return {
    groupId, memberId: '', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: -1, subscribedTopicNames: null,
    subscribedTopicRegex: null, serverAssignor: null, topicPartitions: null, ...over,
  };
}

function join(groupId: string, topics: string[], over: Partial<ConsumerGroupHeartbeatRequest> = {}): ConsumerGroupHeartbeatRequest {
  return hb(groupId, { memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: topics, topicPartitions: [], ...over });
}

function owned(r: Input<ConsumerGroupHeartbeatResponse>): Owned | null {
  if (r.assignment === null || r.assignment === undefined) return null;
  return (r.assignment.topicPartitions ?? []).map((tp) => ({ topicId: tp.topicId!, partitions: [...(tp.partitions ?? [])] }));
}

function count(o: Owned | null): number {
  return (o ?? []).reduce((n, tp) => n + tp.partitions.length, 0);
}

/** A simulated KIP-848 client: keeps its member id, epoch and owned partitions, and acks revocations at once. */
class Client {
  memberId = '';
  epoch = 0;
  owned: Owned = [];
  readonly h: Harness;
  readonly groupId: string;
  readonly topics: string[];
  readonly instanceId: string | null;
  constructor(h: Harness, groupId: string, topics: string[], instanceId: string | null = null) {
    this.h = h;
    this.groupId = groupId;
    this.topics = topics;
    this.instanceId = instanceId;
  }
  async heartbeat(): Promise<Input<ConsumerGroupHeartbeatResponse>> {
    const req = this.epoch === 0
      ? join(this.groupId, this.topics, { memberId: this.memberId, instanceId: this.instanceId })
      : hb(this.groupId, { memberId: this.memberId, memberEpoch: this.epoch, instanceId: this.instanceId, topicPartitions: this.owned });
    const r = await this.h.coordinator.consumerGroupHeartbeat(ctx(0), req);
    assert.equal(r.errorCode, Errors.NONE, `heartbeat of ${this.memberId}: ${r.errorMessage}`);
    this.memberId = r.memberId!;
    this.epoch = r.memberEpoch!;
    const o = owned(r);
    if (o !== null) this.owned = o;
    return r;
  }
  partitions(): number[] {
    return this.owned.flatMap((tp) => tp.partitions).sort((a, b) => a - b);
  }
}

async function converge(clients: Client[], rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) for (const c of clients) await c.heartbeat();
}

function assertDisjoint(clients: Client[]): void {
  const seen = new Set<string>();
  for (const c of clients) {
    for (const tp of c.owned) {
      for (const p of tp.partitions) {
        const k = `${tp.topicId}:${p}`;
        assert.ok(!seen.has(k), `partition ${k} owned twice`);
        seen.add(k);
      }
    }
  }
}

const sixPartitions = () => imageWith([{ name: 't', partitions: 6 }]);

test('the first member gets every partition and epoch 1 with a server-generated member id', async () => {
  const h = await harness({}, undefined, undefined, sixPartitions());
  const c = new Client(h, 'g', ['t']);
  const r = await c.heartbeat();
  assert.match(r.memberId!, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(r.memberEpoch, 1);
  assert.equal(r.heartbeatIntervalMs, 5000);
  assert.deepEqual(c.partitions(), [0, 1, 2, 3, 4, 5]);
  const [d] = await h.coordinator.consumerGroupDescribe(ctx(), ['g']);
  assert.equal(d!.groupState, 'Stable');
  assert.equal(d!.groupEpoch, 1);
  assert.equal(d!.assignmentEpoch, 1);
  assert.equal(d!.assignorName, 'uniform');
  assert.equal(d!.members![0]!.assignment!.topicPartitions![0]!.topicName, 't');
});

test('a second member: partitions move only after the first revoked them (incremental, never owned twice)', async () => {
  const h = await harness({}, undefined, undefined, sixPartitions());
  const a = new Client(h, 'g', ['t']);
  const b = new Client(h, 'g', ['t']);
  await a.heartbeat();
  const rb = await b.heartbeat();
  assert.equal(rb.memberEpoch, 2);
  assert.equal(count(owned(rb)), 0, 'its target partitions are still owned by a');
  assertDisjoint([a, b]);
  const ra = await a.heartbeat();
  assert.equal(ra.memberEpoch, 1, 'a stays at its epoch until it revoked');
  assert.equal(count(owned(ra)), 3);
  assertDisjoint([a, b]);
  const ra2 = await a.heartbeat();
  assert.equal(ra2.memberEpoch, 2, 'revocation acknowledged: a moves to epoch 2');
  await b.heartbeat();
  assert.equal(b.partitions().length, 3);
  assertDisjoint([a, b]);
  assert.deepEqual([...a.partitions(), ...b.partitions()].sort(), [0, 1, 2, 3, 4, 5]);
  const [d] = await h.coordinator.consumerGroupDescribe(ctx(), ['g']);
  assert.equal(d!.groupState, 'Stable');
});

test('three members share six partitions two each; one leaves and the other two cover all six', async () => {
  const h = await harness({}, undefined, undefined, sixPartitions());
  const clients = [new Client(h, 'g', ['t']), new Client(h, 'g', ['t']), new Client(h, 'g', ['t'])];
  await converge(clients);
  assert.deepEqual(clients.map((c) => c.partitions().length), [2, 2, 2]);
  assertDisjoint(clients);
  const leaving = clients.pop()!;
  const r = await h.coordinator.consumerGroupHeartbeat(ctx(0), hb('g', { memberId: leaving.memberId, memberEpoch: -1 }));
  assert.equal(r.errorCode, Errors.NONE);
  assert.equal(r.memberEpoch, -1);
  await converge(clients);
  assert.deepEqual(clients.map((c) => c.partitions().length), [3, 3]);
  assertDisjoint(clients);
});

test('a member that stops heartbeating is fenced after the session timeout and its partitions move', async () => {
  const h = await harness({ consumerGroupSessionTimeoutMs: 45_000 }, undefined, undefined, sixPartitions());
  const a = new Client(h, 'g', ['t']);
  const b = new Client(h, 'g', ['t']);
  await converge([a, b]);
  for (let i = 0; i < 10; i++) {
    await advance(h, 5_000);
    await a.heartbeat();
  }
  assert.deepEqual(a.partitions(), [0, 1, 2, 3, 4, 5]);
  const r = await h.coordinator.consumerGroupHeartbeat(ctx(0), hb('g', { memberId: b.memberId, memberEpoch: b.epoch, topicPartitions: b.owned }));
  assert.equal(r.errorCode, Errors.UNKNOWN_MEMBER_ID);
});

test('a member that does not revoke within its rebalance timeout is fenced', async () => {
  const h = await harness({}, undefined, undefined, sixPartitions());
  const a = new Client(h, 'g', ['t']);
  await a.heartbeat();
  const b = new Client(h, 'g', ['t']);
  await b.heartbeat();
  // a is told to revoke but keeps reporting all six partitions.
  const stuck = async () => h.coordinator.consumerGroupHeartbeat(ctx(0), hb('g', { memberId: a.memberId, memberEpoch: 1, topicPartitions: [{ topicId: topicId('t'), partitions: [0, 1, 2, 3, 4, 5] }] }));
  assert.equal((await stuck()).memberEpoch, 1);
  for (let i = 0; i < 7; i++) {
    await advance(h, 5_000);
    await b.heartbeat();
    if (i < 5) await stuck();
  }
  assert.equal((await stuck()).errorCode, Errors.UNKNOWN_MEMBER_ID);
  await converge([b]);
  assert.deepEqual(b.partitions(), [0, 1, 2, 3, 4, 5]);
});

test('epoch checks: a greater or stale epoch is fenced; the previous epoch with a subset of partitions is accepted', async () => {
  const h = await harness({}, undefined, undefined, sixPartitions());
  const a = new Client(h, 'g', ['t']);
  await a.heartbeat();
  const bad = async (epoch: number, o: Owned | null) => (await h.coordinator.consumerGroupHeartbeat(ctx(0), hb('g', { memberId: a.memberId, memberEpoch: epoch, topicPartitions: o }))).errorCode;
  assert.equal(await bad(5, null), Errors.FENCED_MEMBER_EPOCH);
  const b = new Client(h, 'g', ['t']);
  await b.heartbeat();
  await converge([a, b]);
  assert.equal(a.epoch, 2);
  assert.equal(await bad(1, a.owned), Errors.NONE, 'the response with the new epoch may have been lost');
  assert.equal(await bad(1, [{ topicId: topicId('t'), partitions: [0, 1, 2, 3, 4, 5] }]), Errors.FENCED_MEMBER_EPOCH);
  assert.equal((await h.coordinator.consumerGroupHeartbeat(ctx(0), hb('g', { memberId: 'ghost', memberEpoch: 1 }))).errorCode, Errors.UNKNOWN_MEMBER_ID);
  assert.equal((await h.coordinator.consumerGroupHeartbeat(ctx(0), hb('nope', { memberId: 'ghost', memberEpoch: 1 }))).errorCode, Errors.GROUP_ID_NOT_FOUND);
});

test('request validation: INVALID_REQUEST for malformed joins, UNSUPPORTED_ASSIGNOR for unknown assignors', async () => {
  const h = await harness({}, undefined, undefined, sixPartitions());
  const code = async (r: ConsumerGroupHeartbeatRequest) => (await h.coordinator.consumerGroupHeartbeat(ctx(0), r)).errorCode;
  assert.equal(await code(join('', ['t'])), Errors.INVALID_REQUEST);
  assert.equal(await code(join('g', ['t'], { rebalanceTimeoutMs: -1 })), Errors.INVALID_REQUEST);
  assert.equal(await code(join('g', [])), Errors.INVALID_REQUEST);
  assert.equal(await code(join('g', ['t'], { topicPartitions: null })), Errors.INVALID_REQUEST);
  assert.equal(await code(hb('g', { memberEpoch: 3 })), Errors.INVALID_REQUEST, 'member id required');
  assert.equal(await code(hb('g', { memberId: 'm', memberEpoch: -7 })), Errors.INVALID_REQUEST);
  assert.equal(await code(join('g', ['t'], { serverAssignor: 'sticky' })), Errors.UNSUPPORTED_ASSIGNOR);
  assert.equal(await code(join('g', ['t'], { serverAssignor: 'range' })), Errors.NONE);
});

test('the range assignor co-partitions topics', async () => {
  const h = await harness({}, undefined, undefined, imageWith([{ name: 'a', partitions: 3 }, { name: 'b', partitions: 3 }]));
  const c1 = new Client(h, 'g', ['a', 'b']);
  const c2 = new Client(h, 'g', ['a', 'b']);
  const req = async (c: Client) => {
    const r = await h.coordinator.consumerGroupHeartbeat(ctx(0), join('g', ['a', 'b'], { serverAssignor: 'range', memberId: c.memberId }));
    c.memberId = r.memberId!;
    c.epoch = r.memberEpoch!;
    c.owned = owned(r) ?? [];
  };
  await req(c1);
  await req(c2);
  await converge([c1, c2]);
  const byTopic = (c: Client) => Object.fromEntries(c.owned.map((tp) => [tp.topicId, [...tp.partitions].sort()]));
  const m1 = byTopic(c1);
  const m2 = byTopic(c2);
  assert.deepEqual(m1[topicId('a')], m1[topicId('b')]);
  assert.deepEqual(m2[topicId('a')], m2[topicId('b')]);
  assert.equal(m1[topicId('a')]!.length + m2[topicId('a')]!.length, 3);
  const [d] = await h.coordinator.consumerGroupDescribe(ctx(), ['g']);
  assert.equal(d!.assignorName, 'range');
});

test('new partitions of a subscribed topic bump the group epoch and are assigned', async () => {
  const h = await harness({}, undefined, undefined, imageWith([{ name: 't', partitions: 2 }]));
  const a = new Client(h, 'g', ['t', 'later']);
  await a.heartbeat();
  assert.deepEqual(a.partitions(), [0, 1]);
  h.coordinator.onNewMetadataImage(imageWith([{ name: 't', partitions: 4 }, { name: 'later', partitions: 1 }]));
  await converge([a], 2);
  assert.equal(a.epoch, 2);
  assert.equal(count(a.owned), 5);
});

test('a static member leaving temporarily keeps its partitions and gets them back with a new member id', async () => {
  const h = await harness({}, undefined, undefined, sixPartitions());
  const a = new Client(h, 'g', ['t'], 'instance-a');
  const b = new Client(h, 'g', ['t'], 'instance-b');
  await converge([a, b]);
  const before = b.partitions();
  const epochBefore = (await h.coordinator.consumerGroupDescribe(ctx(), ['g']))[0]!.groupEpoch;
  // A second instance with the same id while b is alive is refused.
  const dup = await h.coordinator.consumerGroupHeartbeat(ctx(0), join('g', ['t'], { instanceId: 'instance-b' }));
  assert.equal(dup.errorCode, Errors.UNRELEASED_INSTANCE_ID);
  const left = await h.coordinator.consumerGroupHeartbeat(ctx(0), hb('g', { memberId: b.memberId, memberEpoch: -2, instanceId: 'instance-b' }));
  assert.equal(left.memberEpoch, -2);
  await converge([a], 2);
  assert.equal(a.partitions().length, 3, 'the partitions of the static member are not reassigned');
  const b2 = new Client(h, 'g', ['t'], 'instance-b');
  await b2.heartbeat();
  assert.notEqual(b2.memberId, b.memberId);
  assert.deepEqual(b2.partitions(), before);
  const [d] = await h.coordinator.consumerGroupDescribe(ctx(), ['g']);
  assert.equal(d!.groupEpoch, epochBefore, 'no new group epoch');
  assert.equal(d!.members!.length, 2);
});

test('a consumer group and its offsets survive a restart; members keep their epochs and assignments', async () => {
  const h = await harness({}, undefined, undefined, sixPartitions());
  const clients = [new Client(h, 'g', ['t']), new Client(h, 'g', ['t'])];
  await converge(clients);
  const commit = await h.coordinator.commitOffsets(ctx(9), commitReq('g', clients[0]!.memberId, clients[0]!.epoch, [{ topic: 't', partition: 0, offset: 10n }]));
  assert.equal(commit.topics![0]!.partitions![0]!.errorCode, Errors.NONE);
  const stale = await h.coordinator.commitOffsets(ctx(9), commitReq('g', clients[0]!.memberId, 1, [{ topic: 't', partition: 0, offset: 11n }]));
  assert.equal(stale.topics![0]!.partitions![0]!.errorCode, Errors.STALE_MEMBER_EPOCH);
  const old = await h.coordinator.commitOffsets(ctx(8), commitReq('g', clients[0]!.memberId, clients[0]!.epoch, [{ topic: 't', partition: 0, offset: 11n }]));
  assert.equal(old.topics![0]!.partitions![0]!.errorCode, Errors.UNSUPPORTED_VERSION);
  const h2 = await restart(h);
  const [d] = await h2.coordinator.consumerGroupDescribe(ctx(), ['g']);
  assert.equal(d!.groupState, 'Stable');
  assert.deepEqual(d!.members!.map((m) => m.memberEpoch), [2, 2]);
  for (const c of clients) (c as { h: Harness }).h = h2;
  await converge(clients, 2);
  assert.deepEqual(clients.map((c) => c.partitions().length), [3, 3]);
  const fetched = await h2.coordinator.fetchOffsets(ctx(9), { groupId: 'g', memberId: clients[0]!.memberId, memberEpoch: clients[0]!.epoch, topics: null }, false);
  assert.equal(fetched.topics![0]!.partitions![0]!.committedOffset, 10n);
  const listed = await h2.coordinator.listGroups(ctx(), ['stable'], ['consumer']);
  assert.deepEqual(listed.groups.map((g) => g.groupId), ['g']);
});

test('DeleteGroups refuses an active consumer group and deletes it once empty; the deletion survives a restart', async () => {
  const h = await harness({}, undefined, undefined, sixPartitions());
  const a = new Client(h, 'g', ['t']);
  await a.heartbeat();
  assert.equal((await h.coordinator.deleteGroups(ctx(), ['g']))[0]!.errorCode, Errors.NON_EMPTY_GROUP);
  await h.coordinator.consumerGroupHeartbeat(ctx(0), hb('g', { memberId: a.memberId, memberEpoch: -1 }));
  assert.equal((await h.coordinator.deleteGroups(ctx(), ['g']))[0]!.errorCode, Errors.NONE);
  assert.equal((await h.coordinator.consumerGroupDescribe(ctx(), ['g']))[0]!.errorCode, Errors.GROUP_ID_NOT_FOUND);
  const h2 = await restart(h);
  assert.equal((await h2.coordinator.listGroups(ctx(), [], [])).groups.length, 0);
});
