// Consumer groups with kafkajs (classic protocol, JoinGroup v5 two-step join, SyncGroup/Heartbeat v3) against
// a real broker: partition spread, members leaving or dying, independent groups. (kafkajs has no static
// membership: see platformatic-groups.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { startBroker, waitFor, type TestBroker } from '../../helpers/broker.ts';
import type { TestContext } from 'node:test';
import { requireGroupApis } from './coordinator-test-kit.ts';

const NODE = process.execPath;
const CHILD = new URL('./kafkajs-consumer-child.ts', import.meta.url).pathname;

interface Tracked {
  consumer: Consumer;
  /** Latest assignment of the topic (from the GROUP_JOIN event). */
  assigned: number[];
  joins: number;
  seen: string[];
}

async function startConsumer(kafka: Kafka, groupId: string, topic: string, extra: Record<string, unknown> = {}): Promise<Tracked> {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 300, rebalanceTimeout: 10_000, maxWaitTimeInMs: 500, ...extra } as Parameters<Kafka['consumer']>[0]);
  const t: Tracked = { consumer, assigned: [], joins: 0, seen: [] };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    t.assigned = [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
    t.joins++;
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ partition, message }) => { t.seen.push(`${partition}:${message.value?.toString()}`); } });
  return t;
}

function union(ts: Tracked[]): number[] {
  return ts.flatMap((t) => t.assigned).sort((a, b) => a - b);
}

const ALL6 = [0, 1, 2, 3, 4, 5];

async function withBroker(t: TestContext, fn: (broker: TestBroker, kafka: Kafka) => Promise<void>): Promise<void> {
  const broker = await startBroker();
  if (!(await requireGroupApis(t, broker.port))) return broker.cleanup();
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 } });
  try {
    await fn(broker, kafka);
  } finally {
    await broker.cleanup();
  }
}

async function createTopic(kafka: Kafka, topic: string, numPartitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions }] });
  await admin.disconnect();
}

test('kafkajs: 3 members get 2 of 6 partitions each; when one leaves the other two cover all 6', { timeout: 60_000 }, async (t) => {
  await withBroker(t, async (_broker, kafka) => {
    await createTopic(kafka, 'spread', 6);
    const members: Tracked[] = [];
    for (let i = 0; i < 3; i++) members.push(await startConsumer(kafka, 'spread-group', 'spread'));
    await waitFor('3 members with 2 partitions each', () => members.every((m) => m.assigned.length === 2) && union(members).join() === ALL6.join(), 30_000);
    const admin = kafka.admin();
    await admin.connect();
    const described = await admin.describeGroups(['spread-group']);
    assert.equal(described.groups[0]!.state, 'Stable');
    assert.equal(described.groups[0]!.members.length, 3);
    await members[2]!.consumer.disconnect();
    const rest = members.slice(0, 2);
    await waitFor('2 members cover 6 partitions', () => rest.every((m) => m.assigned.length === 3) && union(rest).join() === ALL6.join(), 30_000);
    const after = await admin.describeGroups(['spread-group']);
    assert.equal(after.groups[0]!.members.length, 2);
    await admin.disconnect();
    for (const m of rest) await m.consumer.disconnect();
  });
});

function spawnChild(bootstrap: string, groupId: string, topic: string): { child: ChildProcess; events: Record<string, unknown>[] } {
  const child = spawn(NODE, [CHILD, bootstrap, groupId, topic], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_TEST_CONTEXT: undefined } });
  const events: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => events.push(JSON.parse(l) as Record<string, unknown>));
  return { child, events };
}

function lastAssigned(events: Record<string, unknown>[]): number[] | undefined {
  for (let i = events.length - 1; i >= 0; i--) if (events[i]!.assigned !== undefined) return events[i]!.assigned as number[];
  return undefined;
}

test('kafkajs: a member killed without LeaveGroup loses its partitions after session.timeout.ms', { timeout: 60_000 }, async (t) => {
  await withBroker(t, async (broker, kafka) => {
    await createTopic(kafka, 'crash', 6);
    const a = await startConsumer(kafka, 'crash-group', 'crash');
    const { child, events } = spawnChild(broker.bootstrap, 'crash-group', 'crash');
    try {
      await waitFor('two members with 3 partitions each', () => a.assigned.length === 3 && lastAssigned(events)?.length === 3, 30_000);
      const killedAt = Date.now();
      child.kill('SIGKILL');
      await waitFor('the survivor owns all 6 partitions', () => a.assigned.length === 6, 30_000);
      const took = Date.now() - killedAt;
      assert.ok(took >= 4000, `partitions moved only after the 6 s session timeout (took ${took} ms)`);
    } finally {
      child.kill('SIGKILL');
      await a.consumer.disconnect();
    }
  });
});

test('kafkajs: two groups read the same topic independently, each from its own committed offsets', { timeout: 60_000 }, async (t) => {
  await withBroker(t, async (_broker, kafka) => {
    await createTopic(kafka, 'shared', 2);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'shared', messages: Array.from({ length: 20 }, (_, i) => ({ value: `m${i}`, partition: i % 2 })) });
    const g1 = await startConsumer(kafka, 'group-one', 'shared');
    const g2 = await startConsumer(kafka, 'group-two', 'shared');
    await waitFor('both groups read all 20 records', () => g1.seen.length === 20 && g2.seen.length === 20, 30_000);
    await g1.consumer.disconnect();
    await producer.send({ topic: 'shared', messages: [{ value: 'late', partition: 0 }] });
    await waitFor('group two reads the new record', () => g2.seen.includes('0:late'), 30_000);
    const admin = kafka.admin();
    await admin.connect();
    const o1 = await admin.fetchOffsets({ groupId: 'group-one', topics: ['shared'] });
    const o2 = await admin.fetchOffsets({ groupId: 'group-two', topics: ['shared'] });
    const sum = (o: typeof o1) => o[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0);
    await waitFor('group two committed the new record', async () => sum(await admin.fetchOffsets({ groupId: 'group-two', topics: ['shared'] })) === 21, 15_000);
    assert.equal(sum(o1), 20);
    assert.ok(sum(o2) >= 20);
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).sort();
    assert.deepEqual(groups, ['group-one', 'group-two']);
    await admin.disconnect();
    await g2.consumer.disconnect();
    await producer.disconnect();
  });
});
