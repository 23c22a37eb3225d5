// Metadata as three real clients see it: kafkajs (Metadata v6), @platformatic/kafka (v12, flexible, topic ids)
// and kcat -L (librdkafka, v4): the broker with its bound advertised endpoint, the controller, the cluster id,
// every topic with its partitions, leader, replicas and ISR; unknown topics and auto-creation.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { Admin } from '@platformatic/kafka';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { runKcat } from '../../fixtures/e2e/kcat.ts';

const TOPICS = [
  { topic: 'meta-three', numPartitions: 3 },
  { topic: 'meta.one', numPartitions: 1 },
];

/** Kafka's base64url topic id as the hyphenated hex UUID platformatic prints. */
function uuidOf(base64Id: string): string {
  const hex = Buffer.from(base64Id, 'base64url').toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

describe('Metadata through real clients', () => {
  let broker: TestBroker;
  let kafka: Kafka;

  before(async () => {
    broker = await startBroker();
    kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    assert.equal(await admin.createTopics({ topics: TOPICS }), true);
    await admin.disconnect();
  });
  after(async () => {
    await broker.cleanup();
  });

  test('kafkajs: cluster, brokers and every partition with leader, replicas and ISR', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      assert.deepEqual(await admin.describeCluster(), {
        brokers: [{ nodeId: 1, host: '127.0.0.1', port: broker.port }],
        controller: 1,
        clusterId: 'test-cluster-id-00000A',
      });
      const { topics } = await admin.fetchTopicMetadata();
      assert.deepEqual(topics.map((t) => t.name).sort(), ['meta-three', 'meta.one']);
      const three = topics.find((t) => t.name === 'meta-three')!;
      assert.deepEqual(
        three.partitions.sort((a, b) => a.partitionId - b.partitionId),
        [0, 1, 2].map((partitionId) => ({ partitionErrorCode: 0, partitionId, leader: 1, replicas: [1], isr: [1], offlineReplicas: [] })),
      );
      await assert.rejects(admin.fetchTopicMetadata({ topics: ['meta-missing'] }), (e: Error & { type?: string }) => e.type === 'UNKNOWN_TOPIC_OR_PARTITION');
      assert.deepEqual((await admin.listTopics()).sort(), ['meta-three', 'meta.one']);
    } finally {
      await admin.disconnect();
    }
  });

  test('@platformatic/kafka: cluster id, broker endpoint, topic ids and partition counts', async () => {
    const admin = new Admin({ clientId: 'e2e-platformatic', bootstrapBrokers: [broker.bootstrap] });
    try {
      const md = await admin.metadata({ topics: ['meta-three', 'meta.one'] });
      assert.equal(md.id, 'test-cluster-id-00000A');
      assert.equal(md.controllerId, 1);
      assert.deepEqual([...md.brokers], [[1, { host: '127.0.0.1', port: broker.port, rack: null }]]);
      const image = broker.server.metadata;
      for (const { topic, numPartitions } of TOPICS) {
        const t = md.topics.get(topic)!;
        assert.equal(t.partitionsCount, numPartitions);
        assert.equal(t.id, uuidOf(image.topicsByName.get(topic)!.id));
        for (const p of t.partitions) {
          assert.equal(p.leader, 1);
          assert.deepEqual(p.replicas, [1]);
          assert.deepEqual(p.isr, [1]);
          assert.equal(p.leaderEpoch, 0);
        }
      }
      assert.deepEqual((await admin.listTopics()).sort(), ['meta-three', 'meta.one']);
    } finally {
      await admin.close();
    }
  });

  test('kcat -L: brokers, controller and topics (plain and JSON output)', async () => {
    const json = JSON.parse((await runKcat(['-L', '-J', '-b', broker.bootstrap])).stdout.toString()) as {
      controllerid: number;
      brokers: { id: number; name: string }[];
      topics: { topic: string; partitions: { partition: number; leader: number; replicas: { id: number }[]; isrs: { id: number }[] }[] }[];
    };
    assert.equal(json.controllerid, 1);
    assert.deepEqual(json.brokers, [{ id: 1, name: broker.bootstrap }]);
    assert.deepEqual(json.topics.map((t) => t.topic).sort(), ['meta-three', 'meta.one']);
    const three = json.topics.find((t) => t.topic === 'meta-three')!;
    assert.deepEqual(three.partitions.sort((a, b) => a.partition - b.partition), [0, 1, 2].map((partition) => ({ partition, leader: 1, replicas: [{ id: 1 }], isrs: [{ id: 1 }] })));

    const text = (await runKcat(['-L', '-b', broker.bootstrap, '-t', 'meta.one'])).stdout.toString();
    assert.match(text, new RegExp(`broker 1 at ${broker.bootstrap.replaceAll('.', '\\.')} \\(controller\\)`));
    assert.match(text, /topic "meta\.one" with 1 partitions:\n\s+partition 0, leader 1, replicas: 1, isrs: 1/);
  });

  test('a producer to an unknown topic creates it with num.partitions (auto.create.topics.enable)', async () => {
    const producer = kafka.producer();
    await producer.connect();
    try {
      const [result] = await producer.send({ topic: 'meta-auto', messages: [{ value: 'first' }] });
      assert.equal(result!.errorCode, 0);
      assert.equal(result!.baseOffset, '0');
    } finally {
      await producer.disconnect();
    }
    const { stdout } = await runKcat(['-L', '-J', '-b', broker.bootstrap, '-t', 'meta-auto']);
    const md = JSON.parse(stdout.toString()) as { topics: { topic: string; partitions: unknown[] }[] };
    assert.equal(md.topics[0]!.topic, 'meta-auto');
    assert.equal(md.topics[0]!.partitions.length, 1);
  });
});
