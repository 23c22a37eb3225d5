// Rebalance storm: up to 20 kafkajs consumers of one group join and leave at random while a producer writes
// continuously (STORM_SECONDS, default 60). Every record produced during the storm must be consumed at least
// once, and afterwards the group must settle Stable with its partitions spread over the remaining members.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { startBroker, waitFor } from '../../helpers/broker.ts';
import { requireGroupApis } from './coordinator-test-kit.ts';

const STORM_MS = Number(process.env.STORM_SECONDS ?? 60) * 1000;
const SLOTS = 20;
const PARTITIONS = 6;

/** mulberry32: a small seeded PRNG, so a failing storm can be replayed with the same schedule. */
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

test('rebalance storm: 20 consumers joining and leaving at random lose no record and the group ends Stable', { timeout: STORM_MS + 90_000 }, async (t) => {
  const broker = await startBroker();
  if (!(await requireGroupApis(t, broker.port))) return broker.cleanup();
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
  const rand = prng(Number(process.env.STORM_SEED ?? 848));
  const consumed = new Set<string>();
  const produced = new Set<string>();
  const slots: (Consumer | null)[] = Array.from({ length: SLOTS }, () => null);
  const stopping: Promise<void>[] = [];
  const assignments = new Map<Consumer, number[]>();
  const start = async (i: number): Promise<void> => {
    const c = kafka.consumer({ groupId: 'storm', sessionTimeout: 10_000, heartbeatInterval: 500, rebalanceTimeout: 20_000, maxWaitTimeInMs: 500, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
    slots[i] = c;
    c.on(c.events.GROUP_JOIN, (e) => assignments.set(c, [...(e.payload.memberAssignment.storm ?? [])]));
    await c.connect();
    await c.subscribe({ topics: ['storm'], fromBeginning: true });
    await c.run({ eachMessage: async ({ message }) => { consumed.add(message.value!.toString()); } });
  };
  const stop = (i: number): void => {
    const c = slots[i]!;
    slots[i] = null;
    assignments.delete(c);
    stopping.push(c.disconnect().catch(() => undefined));
  };
  try {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'storm', numPartitions: PARTITIONS }] });
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < 3; i++) await start(i);

    const stormEnd = Date.now() + STORM_MS;
    let seq = 0;
    const producing = (async () => {
      while (Date.now() < stormEnd) {
        const batch = Array.from({ length: 10 }, () => `s${seq++}`);
        await producer.send({ topic: 'storm', messages: batch.map((value) => ({ value })) });
        for (const v of batch) produced.add(v);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    let changes = 0;
    while (Date.now() < stormEnd) {
      const i = Math.floor(rand() * SLOTS);
      if (slots[i] === null) await start(i);
      else stop(i);
      changes++;
      await new Promise((r) => setTimeout(r, 200 + Math.floor(rand() * 1300)));
    }
    await producing;
    // Keep three members after the storm; they must consume everything and settle.
    const running = slots.map((c, i) => (c === null ? -1 : i)).filter((i) => i >= 0);
    for (const i of running.slice(3)) stop(i);
    for (let i = 0, n = running.length; n < 3; i++) if (slots[i] === null) { await start(i); n++; }
    await Promise.all(stopping);
    const missing = (): string[] => [...produced].filter((v) => !consumed.has(v));
    await waitFor('every record produced during the storm consumed', () => missing().length === 0, 60_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}: ${missing().length} of ${produced.size} missing, e.g. ${missing().slice(0, 5).join(',')}`);
    });
    await waitFor('the group is Stable with 3 members covering every partition', async () => {
      const d = (await admin.describeGroups(['storm'])).groups[0]!;
      const live = slots.filter((c): c is Consumer => c !== null);
      const owned = live.flatMap((c) => assignments.get(c) ?? []).sort((a, b) => a - b);
      return d.state === 'Stable' && d.members.length === 3 && owned.join() === Array.from({ length: PARTITIONS }, (_, p) => p).join();
    }, 40_000);
    assert.ok(changes > STORM_MS / 4000, `the storm changed membership ${changes} times`);
    assert.ok(produced.size > 1000, `${produced.size} records produced during the storm`);
    await producer.disconnect();
    await admin.disconnect();
  } finally {
    for (let i = 0; i < SLOTS; i++) if (slots[i] !== null) stop(i);
    await Promise.all(stopping);
    await broker.cleanup();
  }
});
