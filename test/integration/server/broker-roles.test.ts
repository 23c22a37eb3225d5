// Nodes with separate roles, in this process on loopback ports, driven by real clients: a controller-only node and
// a broker-only node form a cluster (every metadata write a client sends reaches the controller through the
// broker's forwarding, KIP-590), and a broker-only node joins a combined node (the broker that is not the active
// controller forwards too); a broker serves no client request before the controller unfenced it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { Admin } from '@platformatic/kafka';
import type { KafkaRaftServer } from '../../../src/server/kafka-raft-server.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import type { ApiVersionsResponse } from '../../../src/protocol/generated/messages/api-versions-response.ts';
import type { CreateTopicsResponse } from '../../../src/protocol/generated/messages/create-topics-response.ts';
import type { MetadataResponse } from '../../../src/protocol/generated/messages/metadata-response.ts';
import { clusterDir, freePorts, startRoleNode } from '../../helpers/role-nodes.ts';
import { waitFor } from '../../helpers/broker.ts';
import { runKcat } from '../../fixtures/e2e/kcat.ts';
import { withKafkaError } from '../../fixtures/e2e/client-errors.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';

const TOPIC_RESOURCE = 2;

describe('a controller-only node and a broker-only node', () => {
  let controller: KafkaRaftServer;
  let broker: KafkaRaftServer;
  let bootstrap: string;
  let removeDir: () => Promise<void>;
  let kafka: Kafka;

  before(async () => {
    const { dir, remove } = await clusterDir();
    removeDir = remove;
    const [controllerPort] = await freePorts(1);
    const voters = `1@127.0.0.1:${controllerPort}`;
    // Started together: the broker waits for the quorum's leader, then registers with it.
    [controller, broker] = await Promise.all([
      startRoleNode({ nodeId: 1, roles: 'controller', controllerPort, voters, dataDir: dir }),
      startRoleNode({ nodeId: 2, roles: 'broker', voters, dataDir: dir }),
    ]);
    bootstrap = `127.0.0.1:${broker.boundPort('PLAINTEXT')}`;
    kafka = new Kafka({ clientId: 'roles-test', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  });

  after(async () => {
    await broker?.shutdown();
    await controller?.shutdown();
    await removeDir?.();
  });

  test('the controller-only node has no broker role and no client listener; its metadata holds the broker', () => {
    assert.equal(controller.brokerServer, null);
    assert.throws(() => controller.boundPort('PLAINTEXT'), /no broker role/);
    assert.equal(broker.controllerServer, null);
    assert.equal(broker.brokerServer!.lifecycle.state, 'RUNNING');
    assert.equal(controller.metadata.brokers.get(2)?.fenced, false);
    assert.equal(controller.metadata.brokers.has(1), false, 'a controller-only node does not register as a broker');
  });

  test('clients see the broker only, named as the controller (a random live broker, as Kafka\'s KRaft brokers answer)', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      assert.deepEqual(cluster.brokers.map((b) => b.nodeId), [2]);
      assert.equal(cluster.controller, 2);
      assert.equal(cluster.clusterId, 'test-cluster-id-00000A');
    } finally {
      await admin.disconnect();
    }
  });

  test('kafkajs creates, grows, reconfigures and deletes topics through the broker (forwarded to the controller)', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      assert.equal(await admin.createTopics({ topics: [{ topic: 'fwd-kafkajs', numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '600000' }] }] }), true);
      assert.equal(await admin.createTopics({ topics: [{ topic: 'fwd-kafkajs', numPartitions: 2 }] }), false, 'an existing topic is not created again');
      const [meta] = (await admin.fetchTopicMetadata({ topics: ['fwd-kafkajs'] })).topics;
      assert.deepEqual(meta!.partitions.map((p) => p.leader).sort(), [2, 2]);
      await admin.createPartitions({ topicPartitions: [{ topic: 'fwd-kafkajs', count: 3 }] });
      await waitFor('the third partition on the broker', () => broker.metadata.topicsByName.get('fwd-kafkajs')?.partitions.size === 3);
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC_RESOURCE, name: 'fwd-kafkajs', configEntries: [{ name: 'retention.ms', value: '700000' }] }] });
      // The broker describes configs from its own metadata, which follows the controller's commit.
      await waitFor('the config on the broker', () => broker.metadata.configs.get(`${TOPIC_RESOURCE}:fwd-kafkajs`)?.get('retention.ms') === '700000');
      const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC_RESOURCE, name: 'fwd-kafkajs', configNames: ['retention.ms'] }] });
      assert.equal(described.resources[0]!.configEntries[0]!.configValue, '700000');

      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 'fwd-kafkajs', messages: [{ partition: 2, value: 'on the new partition' }] });
      await producer.disconnect();
      const offsets = await admin.fetchTopicOffsets('fwd-kafkajs');
      assert.equal(offsets.find((o) => o.partition === 2)!.high, '1');

      await admin.deleteTopics({ topics: ['fwd-kafkajs'] });
      await waitFor('the topic gone from the broker', () => !broker.metadata.topicsByName.has('fwd-kafkajs'));
      assert.equal(controller.metadata.topicsByName.has('fwd-kafkajs'), false);
    } finally {
      await admin.disconnect();
    }
  });

  test('@platformatic/kafka gets the controller\'s answers, errors included, through the broker', async () => {
    const admin = new Admin({ clientId: 'roles-platformatic', bootstrapBrokers: [bootstrap], retries: 0 });
    try {
      const [created] = await admin.createTopics({ topics: ['fwd-platformatic'], partitions: 3, replicas: 1 });
      assert.equal(created!.partitions, 3);
      assert.match(created!.id, /^[0-9a-f-]{36}$/);
      await assert.rejects(admin.createTopics({ topics: ['fwd-platformatic'], partitions: 1, replicas: 1 }), withKafkaError('TOPIC_ALREADY_EXISTS'));
      await assert.rejects(admin.createTopics({ topics: ['fwd-two-copies'], partitions: 1, replicas: 2 }), withKafkaError('INVALID_REPLICATION_FACTOR'));
      await admin.incrementalAlterConfigs({ resources: [{ resourceType: TOPIC_RESOURCE, resourceName: 'fwd-platformatic', configs: [{ name: 'cleanup.policy', configOperation: 0, value: 'compact' }] }] });
      await waitFor('the config on the broker', () => broker.metadata.configs.get(`${TOPIC_RESOURCE}:fwd-platformatic`)?.get('cleanup.policy') === 'compact');
      await admin.deleteTopics({ topics: ['fwd-platformatic'] });
      await waitFor('the topic gone', () => !broker.metadata.topicsByName.has('fwd-platformatic'));
    } finally {
      await admin.close();
    }
  });

  test('kcat producing to an unknown topic creates it on the broker that is not the controller (auto topic creation)', async () => {
    await runKcat(['-P', '-b', bootstrap, '-t', 'fwd-auto-kcat'], { input: 'one\ntwo\n' });
    const consumed = await runKcat(['-C', '-b', bootstrap, '-t', 'fwd-auto-kcat', '-o', 'beginning', '-e', '-q']);
    assert.deepEqual(consumed.stdout.toString().trim().split('\n'), ['one', 'two']);
    const json = JSON.parse((await runKcat(['-L', '-J', '-b', bootstrap, '-t', 'fwd-auto-kcat'])).stdout.toString()) as { controllerid: number; topics: { topic: string; partitions: unknown[] }[] };
    assert.equal(json.controllerid, 2);
    assert.equal(json.topics[0]!.partitions.length, 1, 'num.partitions of the controller');
  });

  test('a consumer group works on the broker-only node (__consumer_offsets created through the controller)', async () => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'fwd-group', messages: [{ value: 'a' }, { value: 'b' }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: 'roles-group', maxWaitTimeInMs: 100 });
    await consumer.connect();
    const seen: string[] = [];
    await consumer.subscribe({ topic: 'fwd-group', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await waitFor('both records', () => seen.length === 2);
    await consumer.disconnect();
    assert.deepEqual(seen, ['a', 'b']);
    assert.equal(broker.metadata.topicsByName.get('__consumer_offsets')?.partitions.size, 3);
  });

  test('the controller listener serves the controller APIs only (Envelope; no Produce, no Metadata)', async () => {
    const raw = await RawKafkaClient.connect(controller.boundPort('CONTROLLER'));
    try {
      const versions = await raw.request<ApiVersionsResponse>(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'roles-test', clientSoftwareVersion: '1' });
      const keys = versions.apiKeys.map((k) => k.apiKey);
      assert.ok(keys.includes(ApiKeys.Envelope));
      assert.ok(keys.includes(ApiKeys.BrokerHeartbeat));
      assert.ok(!keys.includes(ApiKeys.Produce));
      assert.ok(!keys.includes(ApiKeys.Metadata));
      // A client API on the controller listener is not answered: the connection is closed, as Kafka's
      // ControllerApis does for an API it does not serve.
      await assert.rejects(raw.request<MetadataResponse>(ApiKeys.Metadata, 12, { topics: null, allowAutoTopicCreation: false }), /connection closed/);
    } finally {
      await raw.close();
    }
  });
});

describe('a broker-only node beside a combined node', () => {
  let combined: KafkaRaftServer;
  let brokerOnly: KafkaRaftServer;
  let removeDir: () => Promise<void>;

  before(async () => {
    const { dir, remove } = await clusterDir();
    removeDir = remove;
    const [controllerPort] = await freePorts(1);
    const voters = `1@127.0.0.1:${controllerPort}`;
    combined = await startRoleNode({ nodeId: 1, roles: 'broker,controller', controllerPort, voters, dataDir: dir });
    brokerOnly = await startRoleNode({ nodeId: 2, roles: 'broker', voters, dataDir: dir });
  });

  after(async () => {
    await brokerOnly?.shutdown();
    await combined?.shutdown();
    await removeDir?.();
  });

  test('the broker-only node joins, is unfenced, and both brokers serve kafkajs', async () => {
    assert.equal(brokerOnly.brokerServer!.lifecycle.state, 'RUNNING');
    await waitFor('broker 2 unfenced on node 1', () => combined.metadata.brokers.get(2)?.fenced === false);
    const kafka = new Kafka({ clientId: 'join-test', brokers: [`127.0.0.1:${brokerOnly.boundPort('PLAINTEXT')}`], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      assert.deepEqual(cluster.brokers.map((b) => b.nodeId).sort(), [1, 2]);
      await admin.createTopics({ topics: [{ topic: 'join-spread', numPartitions: 4 }] });
      const [meta] = (await admin.fetchTopicMetadata({ topics: ['join-spread'] })).topics;
      assert.deepEqual([...new Set(meta!.partitions.map((p) => p.leader))].sort(), [1, 2], 'partitions are placed on both brokers');
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 'join-spread', messages: [0, 1, 2, 3].map((partition) => ({ partition, value: `p${partition}` })) });
      await producer.disconnect();
      const offsets = await admin.fetchTopicOffsets('join-spread');
      assert.deepEqual(offsets.map((o) => o.high), ['1', '1', '1', '1']);
    } finally {
      await admin.disconnect();
    }
  });

  test('CreateTopics sent to the broker that is not the active controller is forwarded and answered as the controller answers', async () => {
    const raw = await RawKafkaClient.connect(brokerOnly.boundPort('PLAINTEXT'));
    try {
      const created = await raw.request<CreateTopicsResponse>(ApiKeys.CreateTopics, 7, {
        topics: [{ name: 'join-forwarded', numPartitions: 2, replicationFactor: 1 }, { name: 'bad name', numPartitions: 1, replicationFactor: 1 }],
        timeoutMs: 10_000,
      });
      assert.deepEqual(created.topics.map((t) => [t.name, t.errorCode, t.numPartitions]), [
        ['join-forwarded', Errors.NONE, 2],
        ['bad name', Errors.INVALID_TOPIC_EXCEPTION, -1],
      ]);
      assert.equal(combined.metadata.topicsByName.get('join-forwarded')?.id, created.topics[0]!.topicId);
      await waitFor('the topic on the broker-only node', () => brokerOnly.metadata.topicsByName.has('join-forwarded'));
      const meta = await raw.request<MetadataResponse>(ApiKeys.Metadata, 12, { topics: [{ name: 'join-forwarded', topicId: '00000000-0000-0000-0000-000000000000' }], allowAutoTopicCreation: false });
      assert.equal(meta.topics[0]!.errorCode, Errors.NONE);
      assert.ok([1, 2].includes(meta.controllerId));
    } finally {
      await raw.close();
    }
  });
});

describe('a broker-only node started before its controller', () => {
  test('its client listener answers nothing until the controller unfenced it', async () => {
    const { dir, remove } = await clusterDir();
    const [controllerPort, brokerPort] = await freePorts(2);
    const voters = `1@127.0.0.1:${controllerPort}`;
    const events: string[] = [];
    let triedController = false;
    // The broker's log lines: when it failed to reach the controller, and when it was unfenced.
    const logger = pino({ level: 'info' }, new Writable({
      write(chunk: Buffer, _encoding, done) {
        const line = chunk.toString();
        if (line.includes('ECONNREFUSED')) triedController = true;
        if (line.includes('RECOVERY → RUNNING')) events.push('unfenced');
        done();
      },
    }));
    const brokerStarting = startRoleNode({ nodeId: 2, roles: 'broker', brokerPort, voters, dataDir: dir }, { logger });
    brokerStarting.catch(() => undefined);
    let controller: KafkaRaftServer | undefined;
    let broker: KafkaRaftServer | undefined;
    try {
      // The listener is bound early (its port is registered with the controller), so the connection is accepted...
      const raw = await waitFor('the broker port bound', () => RawKafkaClient.connect(brokerPort).catch(() => null));
      // ...but the request waits: the broker has not even found a controller to register with.
      const answered = raw.request<ApiVersionsResponse>(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'early', clientSoftwareVersion: '1' }, 60_000).then((r) => {
        events.push('answered');
        return r;
      });
      await waitFor('the broker trying to reach the controller', () => triedController);
      assert.equal(events.length, 0, 'no answer while there is no controller');
      events.push('controller starting');
      controller = await startRoleNode({ nodeId: 1, roles: 'controller', controllerPort, voters, dataDir: dir });
      broker = await brokerStarting;
      assert.equal((await answered).errorCode, Errors.NONE);
      assert.deepEqual(events, ['controller starting', 'unfenced', 'answered']);
      assert.equal(broker.brokerServer!.processingRequests, true);
      await raw.close();
    } finally {
      await (broker ?? (await brokerStarting.catch(() => undefined)))?.shutdown();
      await controller?.shutdown();
      await remove();
    }
  });
});
