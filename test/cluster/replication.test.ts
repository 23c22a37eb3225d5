// Issue 15 item 9 on real processes: three controller-only nodes (the metadata quorum, never touched here) and three
// broker-only nodes holding a topic of replication factor 3 with min.insync.replicas=2.
// - Kafka's replication_test (tests/kafkatest/tests/core/replication_test.py, hard_bounce of the leader): an
//   idempotent acks=all producer writes a sequence while the partition's leader is killed with -9 and restarted,
//   again and again; every acknowledged value is then consumed, none twice, in order.
// - A clean bounce of each broker in turn (SIGTERM, restart) while producing acks=all: the controller moves the
//   broker's leaderships away before it lets it exit (controlled shutdown), the producer only ever retries, nothing
//   acknowledged is lost.
//
// Short broker sessions (3 s) bound each hard failover: the dead leader is fenced when its session expires and the
// controller elects a leader from the ISR.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isrIs, kcatValues, waitForPartition } from './replicated-partition.ts';
import { SequenceProducer } from './sequence-producer.ts';
import { printLogsOnFailure, SHORT_BROKER_SESSION, SHORT_SESSION_MS, TestCluster } from './test-cluster.ts';

const SESSION_MS = SHORT_SESSION_MS;
/** Kafka's test kills the leader 5 times. */
const HARD_BOUNCES = 5;
const BROKERS = [4, 5, 6];

/**
 * Asserts that `consumed` (the partition's values in log order) has each value at most once, in increasing order,
 * holds every value of `acked`, and nothing that was never sent.
 */
function assertSequence(consumed: readonly number[], acked: readonly number[], sent: number, what: string): void {
  for (let i = 1; i < consumed.length; i++) assert.ok(consumed[i]! > consumed[i - 1]!, `${what}: ${consumed[i]} after ${consumed[i - 1]} at position ${i}`);
  const present = new Set(consumed);
  const lost = acked.filter((v) => !present.has(v));
  assert.deepEqual(lost, [], `${what}: ${lost.length} acknowledged values lost`);
  assert.ok(consumed.every((v) => v >= 0 && v < sent), `${what}: a value never sent`);
}

describe('replication on three controllers and three brokers', () => {
  let cluster: TestCluster;

  before(async () => {
    cluster = await TestCluster.start({
      controllers: 3,
      brokers: 3,
      overrides: {
        ...SHORT_BROKER_SESSION,
        'min.insync.replicas': '2',
        'replica.lag.time.max.ms': '10000',
      },
    });
  });
  printLogsOnFailure(() => cluster);
  after(async () => {
    await cluster?.teardown();
  });

  test(`replication_test: the leader killed with -9 ${HARD_BOUNCES} times under an idempotent acks=all producer; every acknowledged value consumed once, in order`, async () => {
    const topic = 'hard-bounce';
    await cluster.createTopics([{ topic, replicationFactor: 3 }]);
    await waitForPartition(cluster, topic, 0, 'all three replicas in sync', isrIs(BROKERS));
    const producer = new SequenceProducer({ brokers: cluster.bootstrapServers(), topic, partitions: 1, idempotent: true, batch: 5 });
    await producer.start();
    try {
      for (let bounce = 1; bounce <= HARD_BOUNCES; bounce++) {
        const before = await waitForPartition(cluster, topic, 0, `ISR whole before bounce ${bounce}`, isrIs(BROKERS), 60_000);
        await producer.progress(20);
        const leader = cluster.node(before.leader);
        await leader.kill();
        const next = await waitForPartition(cluster, topic, 0, `a new leader after killing ${leader.nodeId}`, (p) => p.leader >= 0 && p.leader !== leader.nodeId && p.leaderEpoch > before.leaderEpoch, SESSION_MS + 30_000);
        assert.ok(next.isr.length >= 2 && !next.isr.includes(leader.nodeId), `bounce ${bounce}: ISR ${next.isr} without the fenced ${leader.nodeId}`);
        // acks=all is served by the new leader and the remaining follower (min.insync.replicas=2).
        await producer.progress(20);
        await leader.start();
      }
      await waitForPartition(cluster, topic, 0, 'ISR whole after the last restart', isrIs(BROKERS), 60_000);
      await producer.progress(20);
    } finally {
      await producer.stop();
    }
    assert.deepEqual(producer.failures, [], 'every send succeeded within its retries');
    const consumed = (await kcatValues(cluster.bootstrapServers().join(','), topic, 0)).map(Number);
    assertSequence(consumed, producer.acked, producer.sent, topic);
    assert.ok(producer.acked.length >= 20 * (2 * HARD_BOUNCES + 1));
  });

  test('clean bounce of each broker in turn under acks=all: leaderships moved before exit, only retriable errors, nothing lost', async () => {
    const topic = 'clean-bounce';
    // Each broker is the preferred leader of one partition.
    await cluster.createTopics([{ topic, assignments: [[4, 5, 6], [5, 6, 4], [6, 4, 5]] }]);
    for (const p of [0, 1, 2]) await waitForPartition(cluster, topic, p, 'all three replicas in sync', isrIs(BROKERS));
    const producer = new SequenceProducer({ brokers: cluster.bootstrapServers(), topic, partitions: 3, idempotent: false, batch: 2 });
    await producer.start();
    try {
      for (const id of BROKERS) {
        const views = await Promise.all([0, 1, 2].map((p) => waitForPartition(cluster, topic, p, `ISR whole before stopping ${id}`, isrIs(BROKERS), 60_000)));
        const led = [0, 1, 2].filter((p) => views[p]!.leader === id);
        assert.ok(led.length > 0, `broker ${id} leads a partition`);
        await producer.progress(30);
        const node = cluster.node(id);
        assert.deepEqual(await node.stop(), { code: 0, signal: null }, `broker ${id} exit`);
        // Its own log: it became a follower of each partition it led (the controller moved the leadership) before
        // the controller let it exit; Kafka allows the exit once the broker leads nothing and its metadata reached
        // the records of its controlled shutdown.
        const run = node.log.filter(() => true, node.runs);
        const allowed = run.findIndex((l) => l.msg === 'The controller has allowed the controlled shutdown');
        assert.ok(allowed >= 0, `broker ${id} exited without the controller's permission`);
        for (const p of led) {
          const handedOver = run.findIndex((l) => l.msg === 'Follower starts a new leader epoch' && l.topicPartition === `${topic}-${p}` && l.leader !== id && l.leader !== -1);
          assert.ok(handedOver >= 0 && handedOver < allowed, `broker ${id} still led ${topic}-${p} when it exited`);
          await waitForPartition(cluster, topic, p, `leadership off the stopped ${id}`, (v) => v.leader >= 0 && v.leader !== id);
        }
        await producer.progress(30);
        await node.start();
      }
      for (const p of [0, 1, 2]) await waitForPartition(cluster, topic, p, 'ISR whole after the bounces', isrIs(BROKERS), 60_000);
      await producer.progress(30);
    } finally {
      await producer.stop();
    }
    assert.deepEqual(producer.failures, [], 'no send failed: every error was retriable and retried');
    const bootstrap = cluster.bootstrapServers().join(',');
    for (const p of [0, 1, 2]) {
      const consumed = (await kcatValues(bootstrap, topic, p)).map(Number);
      assert.ok(consumed.every((v) => producer.partitionOf(v) === p), `partition ${p} holds only its values`);
      // Without idempotence a retried send may be written twice: only losses are checked.
      const present = new Set(consumed);
      const lost = producer.acked.filter((v) => producer.partitionOf(v) === p && !present.has(v));
      assert.deepEqual(lost, [], `partition ${p}: ${lost.length} acknowledged values lost`);
    }
  });
});
