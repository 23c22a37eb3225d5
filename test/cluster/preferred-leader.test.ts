// Issue 15 item 9, "preferred leader election after a restart restores the original leaders", on real processes:
// one controller and three brokers (2, 3, 4) holding a topic of six RF 3 partitions whose preferred leaders (first
// replica of each assignment) are spread over the three brokers. A broker stopped with SIGTERM hands its
// leaderships over before it exits (controlled shutdown) and, restarted, comes back as a follower only; the
// preferred leaders are then restored
// - by ElectLeaders (PREFERRED, all partitions) sent to a broker, which forwards it to the controller, as
//   kafka-leader-election.sh --election-type preferred --all-topic-partitions does (kafkajs and @platformatic/kafka
//   have no electLeaders: the raw client sends it), with auto.leader.rebalance.enable=false;
// - by the controller itself with auto.leader.rebalance.enable=true and leader.imbalance.check.interval.seconds=1.
// Throughout, a kafkajs producer with acks=all writes to every partition: its sends succeed within its retries
// (every error it met was retriable) and nothing acknowledged is lost.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKeys } from '../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../src/protocol/generated/errors.ts';
import type { ElectLeadersResponse } from '../../src/protocol/generated/messages/elect-leaders-response.ts';
import { RawKafkaClient } from '../fixtures/e2e/raw-kafka-client.ts';
import { isrIs, kcatValues, waitForPartition } from './replicated-partition.ts';
import { SequenceProducer } from './sequence-producer.ts';
import { printLogsOnFailure, SHORT_BROKER_SESSION, TestCluster } from './test-cluster.ts';

const BROKERS = [2, 3, 4];
/** Two partitions preferring each broker, each with a different follower order. */
const ASSIGNMENTS = [[2, 3, 4], [3, 4, 2], [4, 2, 3], [2, 4, 3], [3, 2, 4], [4, 3, 2]];
const PARTITIONS = ASSIGNMENTS.map((_, p) => p);
const BOUNCED = 3;

/** Waits until every running broker's metadata shows partition `p` led by its preferred replica with the whole ISR. */
async function waitForPreferredLeaders(cluster: TestCluster, topic: string, what: string, timeoutMs = 60_000): Promise<void> {
  for (const p of PARTITIONS) {
    const whole = isrIs(BROKERS);
    await waitForPartition(cluster, topic, p, what, (v) => whole(v) && v.leader === ASSIGNMENTS[p]![0], timeoutMs);
  }
}

/**
 * SIGTERMs broker {@link BOUNCED} and waits until its preferred partitions are led elsewhere; restarts it and waits
 * until it is back in every ISR. @returns the partitions it prefers.
 */
async function bounce(cluster: TestCluster, topic: string): Promise<number[]> {
  const preferred = PARTITIONS.filter((p) => ASSIGNMENTS[p]![0] === BOUNCED);
  const node = cluster.node(BOUNCED);
  assert.deepEqual(await node.stop(), { code: 0, signal: null }, `broker ${BOUNCED} exit`);
  for (const p of preferred) await waitForPartition(cluster, topic, p, `leadership off the stopped ${BOUNCED}`, (v) => v.leader >= 0 && v.leader !== BOUNCED);
  await node.start();
  for (const p of PARTITIONS) await waitForPartition(cluster, topic, p, `${BOUNCED} back in the ISR`, isrIs(BROKERS), 60_000);
  return preferred;
}

/** Asserts that the producer never gave up on a send and that each partition holds every value acknowledged for it. */
async function assertNothingLost(cluster: TestCluster, topic: string, producer: SequenceProducer): Promise<void> {
  assert.deepEqual(producer.failures, [], 'no send failed: every error was retriable and retried');
  const bootstrap = cluster.bootstrapServers().join(',');
  for (const p of PARTITIONS) {
    const present = new Set((await kcatValues(bootstrap, topic, p)).map(Number));
    // Without idempotence a retried send may be written twice: only losses are checked.
    const lost = producer.acked.filter((v) => producer.partitionOf(v) === p && !present.has(v));
    assert.deepEqual(lost, [], `partition ${p}: ${lost.length} acknowledged values lost`);
  }
}

/**
 * Runs `scenario` while a kafkajs acks=all producer writes to every partition of `topic` (24 values acknowledged
 * before and after it), then asserts that the producer never gave up on a send and lost nothing.
 */
async function whileProducing(cluster: TestCluster, topic: string, scenario: (producer: SequenceProducer) => Promise<void>): Promise<void> {
  const producer = new SequenceProducer({ brokers: cluster.bootstrapServers(), topic, partitions: PARTITIONS.length, idempotent: false, batch: 2 });
  await producer.start();
  try {
    await producer.progress(24);
    await scenario(producer);
    await producer.progress(24);
  } finally {
    await producer.stop();
  }
  await assertNothingLost(cluster, topic, producer);
}

/** Starts the cluster, creates `topic` with {@link ASSIGNMENTS} and waits for its preferred leaders. */
async function startCluster(topic: string, overrides: Record<string, string>): Promise<TestCluster> {
  const cluster = await TestCluster.start({
    controllers: 1,
    brokers: 3,
    overrides: { ...SHORT_BROKER_SESSION, 'replica.lag.time.max.ms': '5000', 'min.insync.replicas': '2', ...overrides },
  });
  await cluster.createTopics([{ topic, assignments: ASSIGNMENTS }]);
  await waitForPreferredLeaders(cluster, topic, 'preferred leader and whole ISR at creation');
  return cluster;
}

describe('preferred leader election by ElectLeaders after a clean restart', () => {
  const topic = 'elect-preferred';
  let cluster: TestCluster | undefined;

  before(async () => {
    cluster = await startCluster(topic, { 'auto.leader.rebalance.enable': 'false' });
  });
  printLogsOnFailure(() => cluster);
  after(async () => {
    await cluster?.teardown();
  });

  test('the restarted broker stays a follower until ElectLeaders PREFERRED gives every partition its first replica back', async () => {
    const c = cluster!;
    await whileProducing(c, topic, async (producer) => {
      const preferred = await bounce(c, topic);
      await producer.progress(24);
      // No rebalance runs: the leaderships stay where the controlled shutdown moved them.
      for (const p of preferred) {
        const v = await waitForPartition(c, topic, p, 'agreed view after the restart', () => true);
        assert.notEqual(v.leader, BOUNCED, `partition ${p} went back to ${BOUNCED} without an election`);
      }

      const client = await RawKafkaClient.connect(c.node(2).brokerPort!);
      let response: ElectLeadersResponse;
      try {
        response = await client.request<ElectLeadersResponse>(ApiKeys.ElectLeaders, 2, { electionType: 0, topicPartitions: null, timeoutMs: 30_000 }, 35_000);
      } finally {
        client.socket.destroy();
      }
      assert.equal(response.errorCode, Errors.NONE);
      // With all partitions asked, only those that needed an election are listed: the bounced broker's.
      const elected = response.replicaElectionResults.filter((t) => t.topic === topic).flatMap((t) => t.partitionResult);
      assert.deepEqual(elected.map((r) => [r.partitionId, r.errorCode]).sort((a, b) => a[0]! - b[0]!), preferred.map((p) => [p, Errors.NONE]));

      await waitForPreferredLeaders(c, topic, 'preferred leaders after ElectLeaders');
    });
  });
});

describe('preferred leader election by auto.leader.rebalance.enable after a clean restart', () => {
  const topic = 'auto-rebalance';
  let cluster: TestCluster | undefined;

  before(async () => {
    cluster = await startCluster(topic, { 'auto.leader.rebalance.enable': 'true', 'leader.imbalance.check.interval.seconds': '1' });
  });
  printLogsOnFailure(() => cluster);
  after(async () => {
    await cluster?.teardown();
  });

  test('the controller gives the restarted broker its preferred leaderships back on its own', async () => {
    const c = cluster!;
    await whileProducing(c, topic, async () => {
      await bounce(c, topic);
      await waitForPreferredLeaders(c, topic, 'preferred leaders restored by the imbalance check');
    });
  });
});
