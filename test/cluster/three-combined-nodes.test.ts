// Three combined broker+controller processes on loopback, formatted and started with the kafka-broker CLI from
// generated server.properties, form one cluster: one metadata quorum with one leader, three brokers in every node's
// Metadata, and kafkajs, kcat and @platformatic/kafka create topics, produce and consume through it. Topics have
// replication factor 1 (replication across brokers is issue 15); their partitions lead on all three nodes, so every
// node serves produce and fetch.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { Admin, Consumer, MessagesStreamModes, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { waitFor } from '../helpers/broker.ts';
import { consumeWithKafkajs } from '../fixtures/e2e/kafkajs-consume.ts';
import { runKcat } from '../fixtures/e2e/kcat.ts';
import { RawKafkaClient } from '../fixtures/e2e/raw-kafka-client.ts';
import { ApiKeys } from '../../src/protocol/generated/api-keys.ts';
import type { FindCoordinatorResponse } from '../../src/protocol/generated/messages/find-coordinator-response.ts';
import { describeQuorum } from './describe-quorum.ts';
import { describeAndCreateWithKafkajs } from './kafkajs-admin.ts';
import { nodeMetadata } from './node-metadata.ts';
import { printLogsOnFailure, TestCluster } from './test-cluster.ts';

/** Partition -> leader id, as kcat -L -J reports it from `bootstrap`. */
async function partitionLeaders(bootstrap: string, topic: string): Promise<Map<number, number>> {
  const md = JSON.parse((await runKcat(['-L', '-J', '-b', bootstrap, '-t', topic])).stdout.toString()) as {
    topics: { topic: string; partitions: { partition: number; leader: number }[] }[];
  };
  return new Map(md.topics[0]!.partitions.map((p) => [p.partition, p.leader]));
}

describe('three combined nodes form one cluster', () => {
  let cluster: TestCluster;

  before(async () => {
    cluster = await TestCluster.start({ combined: 3 });
    // A group's coordinator needs __consumer_offsets, which the first FindCoordinator creates (forwarded to the
    // active controller): create it now, so that every client below finds its coordinator at once.
    const client = await RawKafkaClient.connect(cluster.nodes[0]!.brokerPort!);
    try {
      await waitFor('__consumer_offsets', async () => {
        const r = await client.request<FindCoordinatorResponse>(ApiKeys.FindCoordinator, 3, { key: 'warm-up', keyType: 0 });
        return r.errorCode === 0;
      }, 20_000, 100);
    } finally {
      await client.close();
    }
  });
  printLogsOnFailure(() => cluster);
  after(async () => {
    await cluster?.teardown();
  });

  test('one voter leads the quorum, all three follow it, and every node lists the three brokers', async () => {
    const { node: leader, quorum } = await cluster.waitForLeader();
    assert.deepEqual(quorum.voters.map((v) => v.replicaId).sort(), [1, 2, 3]);
    assert.deepEqual(quorum.observers, []);
    for (const n of cluster.nodes) await cluster.waitForCatchUp(n);
    // Exactly one node answers DescribeQuorum as leader; the others answer NOT_LEADER_OR_FOLLOWER.
    const answers = await Promise.all(cluster.nodes.map((n) => describeQuorum(n.controllerPort!)));
    assert.deepEqual(answers.map((a, i) => (a === null ? null : cluster.nodes[i]!.nodeId)).filter((x) => x !== null), [leader.nodeId]);
    for (const n of cluster.nodes) {
      const md = await nodeMetadata(n.brokerPort!);
      assert.equal(md.clusterId, cluster.clusterId);
      assert.deepEqual(md.brokers, [1, 2, 3], `node ${n.nodeId}`);
      assert.ok([1, 2, 3].includes(md.controllerId), `node ${n.nodeId} names controller ${md.controllerId}`);
    }
  });

  test('kafkajs: describeCluster, createTopics, produce to partitions led by each node, consume with a group', async () => {
    const described = await describeAndCreateWithKafkajs(cluster, 'kafkajs-orders', 3);
    assert.equal(described.clusterId, cluster.clusterId);
    assert.deepEqual(described.brokers.map((b) => [b.nodeId, b.port]).sort(), cluster.nodes.map((n) => [n.nodeId, n.brokerPort]));
    await cluster.waitForTopic('kafkajs-orders', 3);
    assert.deepEqual([...(await partitionLeaders(cluster.nodes[0]!.bootstrap, 'kafkajs-orders')).values()].sort(), [1, 2, 3]);

    // Bootstrapped on one node only: the producer learns the other leaders from its Metadata.
    const producer = new Kafka({ brokers: [cluster.nodes[0]!.bootstrap], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    try {
      const sent = await producer.send({ topic: 'kafkajs-orders', acks: -1, messages: Array.from({ length: 30 }, (_, i) => ({ partition: i % 3, key: `k${i}`, value: `order ${i}` })) });
      assert.deepEqual(sent.map((r) => [r.partition, r.errorCode, r.baseOffset]).sort(), [[0, 0, '0'], [1, 0, '0'], [2, 0, '0']]);
    } finally {
      await producer.disconnect();
    }
    const consumed = await consumeWithKafkajs(new Kafka({ brokers: [cluster.nodes[2]!.bootstrap], logLevel: logLevel.NOTHING }), 'kafkajs-orders', 30);
    assert.deepEqual(consumed.map((m) => m.value!.toString()).sort(), Array.from({ length: 30 }, (_, i) => `order ${i}`).sort());
    for (const m of consumed) assert.equal(m.partition, Number(m.key!.toString().slice(1)) % 3);
  });

  test('kcat: -L from each node, produce to each partition through one node and consume it through another', async () => {
    await cluster.createTopics([{ topic: 'kcat-lines', numPartitions: 3 }]);
    await cluster.waitForTopic('kcat-lines', 3);
    for (const n of cluster.nodes) {
      const md = JSON.parse((await runKcat(['-L', '-J', '-b', n.bootstrap])).stdout.toString()) as { brokers: { id: number; name: string }[]; topics: { topic: string }[] };
      assert.deepEqual(md.brokers.map((b) => [b.id, b.name]).sort(), cluster.nodes.map((x) => [x.nodeId, x.bootstrap]));
      assert.ok(md.topics.some((t) => t.topic === 'kcat-lines'));
    }
    const leaders = await partitionLeaders(cluster.nodes[1]!.bootstrap, 'kcat-lines');
    assert.deepEqual([...leaders.values()].sort(), [1, 2, 3]);
    for (const p of [0, 1, 2]) {
      const lines = Array.from({ length: 5 }, (_, i) => `p${p}-line${i}`);
      await runKcat(['-P', '-b', cluster.nodes[0]!.bootstrap, '-t', 'kcat-lines', '-p', String(p), '-X', 'acks=all'], { input: `${lines.join('\n')}\n` });
      const out = await runKcat(['-C', '-b', cluster.nodes[2]!.bootstrap, '-t', 'kcat-lines', '-p', String(p), '-o', 'beginning', '-e', '-q', '-f', '%o %s\\n']);
      assert.equal(out.stdout.toString(), lines.map((l, i) => `${i} ${l}\n`).join(''), `partition ${p} (leader ${leaders.get(p)})`);
    }
  });

  test('@platformatic/kafka: metadata, createTopics, produce, consume with a group', async () => {
    const admin = new Admin({ clientId: 'cluster-platformatic', bootstrapBrokers: [cluster.nodes[1]!.bootstrap] });
    try {
      const md = await admin.metadata({ topics: [] });
      assert.equal(md.id, cluster.clusterId);
      assert.deepEqual([...md.brokers.keys()].sort(), [1, 2, 3]);
      for (const n of cluster.nodes) assert.equal(md.brokers.get(n.nodeId)!.port, n.brokerPort);
      await admin.createTopics({ topics: ['platformatic-events'], partitions: 3, replicas: 1 });
    } finally {
      await admin.close();
    }
    await cluster.waitForTopic('platformatic-events', 3);
    const producer = new Producer({ clientId: 'cluster-platformatic', bootstrapBrokers: [cluster.nodes[2]!.bootstrap], serializers: stringSerializers, acks: -1 });
    try {
      await producer.send({ messages: Array.from({ length: 30 }, (_, i) => ({ topic: 'platformatic-events', partition: i % 3, key: `k${i}`, value: `event ${i}` })) });
    } finally {
      await producer.close();
    }
    const consumer = new Consumer({ groupId: 'cluster-platformatic-group', clientId: 'cluster-platformatic', bootstrapBrokers: [cluster.nodes[0]!.bootstrap], deserializers: stringDeserializers });
    const received: { partition: number; key: string; value: string }[] = [];
    try {
      const stream = await consumer.consume({ topics: ['platformatic-events'], mode: MessagesStreamModes.EARLIEST, autocommit: false });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`consumed ${received.length} of 30 in 30 s`)), 30_000);
        stream.on('data', (m: { partition: number; key: string; value: string }) => {
          received.push({ partition: m.partition, key: m.key, value: m.value });
          if (received.length === 30) {
            clearTimeout(timer);
            resolve();
          }
        });
        stream.on('error', reject);
      });
      await stream.close();
    } finally {
      await consumer.close(true);
    }
    assert.deepEqual(received.map((m) => m.value).sort(), Array.from({ length: 30 }, (_, i) => `event ${i}`).sort());
    for (const m of received) assert.equal(m.partition, Number(m.key.slice(1)) % 3);
  });
});
