// Seeded state-machine test of the classic group protocol: simulated consumers join (v3 and two-step v5),
// sync, heartbeat, commit, leave, crash and restart (static members too) while the clock jumps and the
// coordinator itself restarts over the same log or fails a write. After every step it checks: no partition is owned by two
// members of the same generation, the group's stable generation never goes back, and every acknowledged
// offset commit is still what OffsetFetch returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { Errors } from '../../../../src/protocol/generated/errors.ts';
import { ConsumerProtocol } from '../../../../src/coordinator/group/consumer-protocol.ts';
import { advance, assignment, ctx, harness, joinReq, restart, settle, syncReq, type Harness } from './group-test-kit.ts';

const PARTITIONS = 6;
const GROUP = 'sim';

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type ClientState = 'idle' | 'joining' | 'syncing' | 'stable' | 'dead';

interface SimClient {
  readonly name: string;
  readonly instanceId: string | null;
  readonly joinVersion: number;
  memberId: string;
  generation: number;
  state: ClientState;
  partitions: number[];
  busy: boolean;
}

interface World {
  h: Harness;
  rand: () => number;
  clients: SimClient[];
  /** Last acknowledged commit per partition. */
  acked: Map<number, bigint>;
  nextOffset: bigint;
  maxStableGeneration: number;
  log: string[];
}

function checkNoDoubleOwnership(w: World, who: SimClient): void {
  for (const other of w.clients) {
    if (other === who || other.state !== 'stable' || other.generation !== who.generation) continue;
    const overlap = who.partitions.filter((p) => other.partitions.includes(p));
    assert.deepEqual(overlap, [], `generation ${who.generation}: ${who.name} and ${other.name} both own ${overlap}\n${w.log.slice(-30).join('\n')}`);
  }
}

/** The state may have changed while a request was in flight (a crash). */
function isDead(c: SimClient): boolean {
  return c.state === 'dead';
}

function resetAfterError(c: SimClient, code: number): void {
  if (code === Errors.FENCED_INSTANCE_ID) {
    c.state = 'dead';
    return;
  }
  if (code === Errors.UNKNOWN_MEMBER_ID || code === Errors.ILLEGAL_GENERATION) c.memberId = c.instanceId !== null && code === Errors.ILLEGAL_GENERATION ? c.memberId : '';
  c.state = 'idle';
  c.partitions = [];
}

async function doJoin(w: World, c: SimClient): Promise<void> {
  c.state = 'joining';
  c.partitions = [];
  let r = await w.h.coordinator.joinGroup(ctx(c.joinVersion, c.name), joinReq(GROUP, { memberId: c.memberId, groupInstanceId: c.instanceId, rebalanceTimeoutMs: 20_000 }));
  if (r.errorCode === Errors.MEMBER_ID_REQUIRED) {
    c.memberId = r.memberId!;
    r = await w.h.coordinator.joinGroup(ctx(c.joinVersion, c.name), joinReq(GROUP, { memberId: c.memberId, groupInstanceId: c.instanceId, rebalanceTimeoutMs: 20_000 }));
  }
  if (isDead(c)) return;
  if (r.errorCode !== Errors.NONE) {
    w.log.push(`${c.name} join -> ${r.errorCode}`);
    resetAfterError(c, r.errorCode!);
    return;
  }
  c.memberId = r.memberId!;
  c.generation = r.generationId!;
  c.state = 'syncing';
  const members = (r.members ?? []).map((m) => m.memberId!).sort();
  const assignments = members.map((memberId, i) => ({
    memberId,
    assignment: assignment([{ topic: 't', partitions: Array.from({ length: PARTITIONS }, (_, p) => p).filter((p) => p % members.length === i) }]),
  }));
  w.log.push(`${c.name} joined gen ${c.generation}${members.length > 0 ? ` as leader of ${members.length}` : ''}`);
  const s = await w.h.coordinator.syncGroup(ctx(5), syncReq(GROUP, c.memberId, c.generation, assignments, { groupInstanceId: c.instanceId }));
  if (isDead(c)) return;
  if (s.errorCode !== Errors.NONE) {
    w.log.push(`${c.name} sync -> ${s.errorCode}`);
    resetAfterError(c, s.errorCode!);
    return;
  }
  c.partitions = ConsumerProtocol.deserializeAssignment(s.assignment as Buffer).assignedPartitions.flatMap((tp) => tp.partitions);
  c.state = 'stable';
  w.log.push(`${c.name} stable gen ${c.generation} with ${c.partitions}`);
  checkNoDoubleOwnership(w, c);
  // Generations only grow: a member never becomes stable in a generation older than one already stable.
  assert.ok(c.generation >= w.maxStableGeneration, `${c.name} stable in generation ${c.generation} after ${w.maxStableGeneration}\n${w.log.slice(-30).join('\n')}`);
  w.maxStableGeneration = c.generation;
}

async function doHeartbeat(w: World, c: SimClient): Promise<void> {
  const r = await w.h.coordinator.heartbeat(ctx(), { groupId: GROUP, generationId: c.generation, memberId: c.memberId, groupInstanceId: c.instanceId });
  if (c.state !== 'stable') return;
  if (r.errorCode === Errors.REBALANCE_IN_PROGRESS) {
    c.state = 'idle';
    c.partitions = [];
  } else if (r.errorCode !== Errors.NONE) {
    resetAfterError(c, r.errorCode!);
  }
}

async function doCommit(w: World, c: SimClient): Promise<void> {
  if (c.partitions.length === 0) return;
  const offset = w.nextOffset++;
  const partitions = [...c.partitions];
  const r = await w.h.coordinator.commitOffsets(ctx(8), {
    groupId: GROUP, generationIdOrMemberEpoch: c.generation, memberId: c.memberId, groupInstanceId: c.instanceId, retentionTimeMs: -1n,
    topics: [{ name: 't', partitions: partitions.map((p) => ({ partitionIndex: p, committedOffset: offset, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: `${c.name}@${offset}` })) }],
  });
  for (const p of r.topics![0]!.partitions!) {
    if (p.errorCode === Errors.NONE) w.acked.set(p.partitionIndex!, offset);
  }
}

async function checkOffsets(w: World): Promise<void> {
  const r = await w.h.coordinator.fetchOffsets(ctx(8), { groupId: GROUP, memberId: null, memberEpoch: -1, topics: [{ name: 't', partitionIndexes: [...w.acked.keys()] }] }, false);
  if (r.errorCode !== Errors.NONE) return; // loading after a restart
  for (const p of r.topics?.[0]?.partitions ?? []) {
    assert.equal(p.committedOffset, w.acked.get(p.partitionIndex!), `offset of t-${p.partitionIndex} lost\n${w.log.slice(-30).join('\n')}`);
  }
}

/** A Stable group (as DescribeGroups shows it) never assigns a partition twice. */
async function checkStableGroup(w: World): Promise<void> {
  const [d] = await w.h.coordinator.describeGroups(ctx(), [GROUP]);
  if (d === undefined || d.errorCode !== Errors.NONE || d.groupState !== 'Stable') return;
  const owned = (d.members ?? []).flatMap((m) => ConsumerProtocol.deserializeAssignment(m.memberAssignment as Buffer).assignedPartitions.flatMap((tp) => tp.partitions));
  assert.equal(new Set(owned).size, owned.length, `stable group assigns a partition twice: ${owned}`);
}

async function step(w: World): Promise<void> {
  const r = w.rand();
  const pick = (pred: (c: SimClient) => boolean): SimClient | undefined => {
    const candidates = w.clients.filter((c) => !c.busy && pred(c));
    return candidates.length === 0 ? undefined : candidates[Math.floor(w.rand() * candidates.length)];
  };
  const run = (c: SimClient | undefined, f: (c: SimClient) => Promise<void>): void => {
    if (c === undefined) return;
    c.busy = true;
    void f(c).finally(() => {
      c.busy = false;
    });
  };
  if (r < 0.25) run(pick((c) => c.state === 'idle'), (c) => doJoin(w, c));
  else if (r < 0.5) run(pick((c) => c.state === 'stable'), (c) => doHeartbeat(w, c));
  else if (r < 0.65) run(pick((c) => c.state === 'stable'), (c) => doCommit(w, c));
  else if (r < 0.7) {
    run(pick((c) => c.state === 'stable' || c.state === 'idle'), async (c) => {
      if (c.memberId !== '') await w.h.coordinator.leaveGroup(ctx(), GROUP, [{ memberId: c.memberId, groupInstanceId: c.instanceId, reason: 'sim' }]);
      w.log.push(`${c.name} left`);
      c.state = 'idle';
      c.partitions = [];
      if (c.instanceId === null) c.memberId = '';
    });
  } else if (r < 0.74) {
    const c = pick((x) => x.state !== 'dead');
    if (c !== undefined) {
      w.log.push(`${c.name} crashed`);
      c.state = 'dead';
      c.partitions = [];
    }
  } else if (r < 0.78) {
    // A crashed process restarts: a static member keeps its instance id but has lost its member id.
    const c = w.clients.find((x) => x.state === 'dead' && !x.busy);
    if (c !== undefined) {
      w.log.push(`${c.name} restarted`);
      c.state = 'idle';
      c.memberId = '';
    }
  } else if (r < 0.965) {
    await advance(w.h, Math.floor(w.rand() * 6000));
  } else if (r < 0.98) {
    // The next write to __consumer_offsets fails (lost leadership, full disk...).
    w.log.push('append failure');
    w.h.writer.failNextAppends(w.h.coordinator.topicPartitionFor(GROUP), 1);
  } else {
    w.log.push('coordinator restart');
    await settle(w.h);
    w.h = await restart(w.h);
  }
  await settle(w.h);
}

async function simulate(seed: number, steps: number): Promise<World> {
  let counter = 0;
  const original = crypto.randomUUID;
  crypto.randomUUID = () => `00000000-0000-4000-8000-${(counter++).toString(16).padStart(12, '0')}` as `${string}-${string}-${string}-${string}-${string}`;
  syncBuiltinESMExports();
  try {
    const rand = prng(seed);
    const h = await harness({ classicGroupInitialRebalanceDelayMs: 500 });
    const clients: SimClient[] = Array.from({ length: 6 }, (_, i) => ({
      name: `c${i}`,
      instanceId: i % 3 === 0 ? `static-${i}` : null,
      joinVersion: i % 2 === 0 ? 5 : 3,
      memberId: '',
      generation: -1,
      state: 'idle' as ClientState,
      partitions: [],
      busy: false,
    }));
    const w: World = { h, rand, clients, acked: new Map(), nextOffset: 1n, maxStableGeneration: 0, log: [] };
    for (let i = 0; i < steps; i++) {
      await step(w);
      await checkOffsets(w);
      await checkStableGroup(w);
    }
    // Let everything settle: all live clients rejoin, and the group ends Stable.
    for (let i = 0; i < 60; i++) {
      for (const c of w.clients) if (c.state === 'idle' && !c.busy) { c.busy = true; void doJoin(w, c).finally(() => { c.busy = false; }); }
      for (const c of w.clients) if (c.state === 'stable' && !c.busy) { c.busy = true; void doHeartbeat(w, c).finally(() => { c.busy = false; }); }
      await advance(w.h, 1000);
    }
    await checkOffsets(w);
    const [d] = await w.h.coordinator.describeGroups(ctx(), [GROUP]);
    const live = w.clients.filter((c) => c.state !== 'dead');
    assert.equal(d!.groupState, live.length === 0 ? 'Empty' : 'Stable', `seed ${seed}\n${w.log.slice(-30).join('\n')}`);
    if (live.length > 0) {
      const owned = live.flatMap((c) => c.partitions).sort((a, b) => a - b);
      assert.deepEqual(owned, Array.from({ length: PARTITIONS }, (_, p) => p), `seed ${seed}: the live members cover every partition once`);
    }
    return w;
  } finally {
    crypto.randomUUID = original;
    syncBuiltinESMExports();
  }
}

test('random joins, syncs, heartbeats, leaves, crashes, commits, clock jumps and coordinator restarts keep the invariants', async () => {
  for (let seed = 1; seed <= 12; seed++) {
    const w = await simulate(seed, 250);
    assert.ok(w.acked.size > 0, `seed ${seed} committed something`);
    const stable = w.log.filter((l) => l.includes(' stable gen ')).length;
    const restarts = w.log.filter((l) => l === 'coordinator restart').length;
    if (process.env.SIM_VERBOSE !== undefined) console.log(`seed ${seed}: ${stable} stable transitions, ${w.acked.size} partitions committed, ${restarts} restarts, max generation ${w.maxStableGeneration}`);
    assert.ok(stable > 3, `seed ${seed} went through rebalances`);
  }
});
