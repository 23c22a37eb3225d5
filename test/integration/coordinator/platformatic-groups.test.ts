// Consumer groups with @platformatic/kafka (flexible versions: JoinGroup v9, SyncGroup v5, OffsetCommit/Fetch
// v8-9) against a real broker: static membership (KIP-345) across a restart, and the KIP-848 consumer
// protocol (ConsumerGroupHeartbeat) with members joining, leaving and dying.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Admin } from '@platformatic/kafka';
import { startBroker, waitFor, type TestBroker } from '../../helpers/broker.ts';
import type { TestContext } from 'node:test';
import { requireGroupApis } from './coordinator-test-kit.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';

const CHILD = new URL('./platformatic-consumer-child.ts', import.meta.url).pathname;
const ALL6 = [0, 1, 2, 3, 4, 5];

interface Child {
  child: ChildProcess;
  events: Record<string, unknown>[];
  assigned(): number[] | undefined;
  assignments(): number;
}

function spawnConsumer(bootstrap: string, groupId: string, topic: string, instance: string, protocol: 'classic' | 'consumer'): Child {
  const child = spawn(process.execPath, [CHILD, bootstrap, groupId, topic, instance, protocol], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_TEST_CONTEXT: undefined } });
  const events: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => events.push(JSON.parse(l) as Record<string, unknown>));
  const assignedEvents = () => events.filter((e) => e.assigned !== undefined);
  return {
    child,
    events,
    assigned: () => assignedEvents().at(-1)?.assigned as number[] | undefined,
    assignments: () => assignedEvents().length,
  };
}

async function withBroker(t: TestContext, fn: (broker: TestBroker, admin: Admin, children: Child[]) => Promise<void>, overrides: Record<string, string> = {}, apiKey: number = ApiKeys.JoinGroup): Promise<void> {
  const broker = await startBroker({ overrides });
  if (!(await requireGroupApis(t, broker.port, apiKey))) return broker.cleanup();
  const admin = new Admin({ clientId: 'test-admin', bootstrapBrokers: [broker.bootstrap] });
  const children: Child[] = [];
  try {
    await fn(broker, admin, children);
  } finally {
    for (const c of children) c.child.kill('SIGKILL');
    await admin.close();
    await broker.cleanup();
  }
}

const union = (cs: Child[]) => cs.flatMap((c) => c.assigned() ?? []).sort((a, b) => a - b);

test('platformatic: a static member restarting within its session timeout gets the same partitions without a rebalance', { timeout: 90_000 }, async (t) => {
  await withBroker(t, async (broker, admin, children) => {
    await admin.createTopics({ topics: ['static'], partitions: 6, replicas: 1 });
    const a = spawnConsumer(broker.bootstrap, 'static-group', 'static', 'instance-a', 'classic');
    const b = spawnConsumer(broker.bootstrap, 'static-group', 'static', 'instance-b', 'classic');
    children.push(a, b);
    await waitFor('both static members own 3 partitions', () => a.assigned()?.length === 3 && b.assigned()?.length === 3 && union([a, b]).join() === ALL6.join(), 60_000);
    const before = b.assigned();
    const aAssignments = a.assignments();
    const groupBefore = (await admin.describeGroups({ groups: ['static-group'] })).get('static-group');
    b.child.kill('SIGKILL');
    const b2 = spawnConsumer(broker.bootstrap, 'static-group', 'static', 'instance-b', 'classic');
    children.push(b2);
    await waitFor('the restarted static member is assigned', () => b2.assigned() !== undefined && b2.assigned()!.length > 0, 30_000);
    assert.deepEqual(b2.assigned(), before, 'same partitions after the restart');
    const groupAfter = (await admin.describeGroups({ groups: ['static-group'] })).get('static-group');
    assert.equal(groupAfter?.state, 'Stable');
    assert.equal(groupAfter?.members.size, 2);
    assert.deepEqual(groupAfter?.protocol, groupBefore?.protocol);
    assert.equal(a.assignments(), aAssignments, 'the other member saw no rebalance');
  });
});

test('platformatic KIP-848: 3 members share 6 partitions; a leaving and a killed member are covered by the others', { timeout: 90_000 }, async (t) => {
  await withBroker(t, async (broker, admin, children) => {
    await admin.createTopics({ topics: ['kip848'], partitions: 6, replicas: 1 });
    const members = [0, 1, 2].map(() => spawnConsumer(broker.bootstrap, 'kip848-group', 'kip848', '-', 'consumer'));
    children.push(...members);
    await waitFor('3 members with 2 partitions each', () => members.every((m) => m.assigned()?.length === 2) && union(members).join() === ALL6.join(), 60_000);
    // A clean shutdown sends the leave heartbeat (epoch -1).
    members[2]!.child.kill('SIGTERM');
    const rest = members.slice(0, 2);
    await waitFor('2 members cover 6 partitions', () => rest.every((m) => m.assigned()?.length === 3) && union(rest).join() === ALL6.join(), 60_000);
    // A crash: the partitions move when group.consumer.session.timeout.ms (8 s here) expires.
    rest[1]!.child.kill('SIGKILL');
    await waitFor('the survivor owns every partition', () => rest[0]!.assigned()?.length === 6, 40_000);
  }, { 'group.consumer.min.session.timeout.ms': '6000', 'group.consumer.session.timeout.ms': '8000', 'group.consumer.min.heartbeat.interval.ms': '1000', 'group.consumer.heartbeat.interval.ms': '1000', 'group.coordinator.rebalance.protocols': 'classic,consumer' }, ApiKeys.ConsumerGroupHeartbeat);
});
