// Topic administration through kafkajs' admin client: createTopics with configs, fetchTopicMetadata,
// describeConfigs (overrides, static broker configs and defaults with their sources and synonyms), alterConfigs
// (the legacy whole-set replacement), createPartitions, deleteTopics (the partition directories go away), and the
// errors Kafka gives: TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR, INVALID_TOPIC_EXCEPTION,
// INVALID_CONFIG, UNKNOWN_TOPIC_OR_PARTITION; validateOnly creates nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin, type ConfigEntries } from 'kafkajs';
import { startBroker, waitFor, type TestBroker } from '../../helpers/broker.ts';
import { withKafkaError } from '../../fixtures/e2e/client-errors.ts';
import { partitionDir } from '../../fixtures/e2e/partition-files.ts';

const TOPIC = 2;
const BROKER = 4;
/** DescribeConfigs config_source ids (Kafka's DescribeConfigsResponse.ConfigSource). */
const Source = { TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;

describe('kafkajs admin: topics, partitions and configs', () => {
  let broker: TestBroker;
  let admin: Admin;
  let logDir: string;

  async function topicConfigs(topic: string, names?: string[]): Promise<Map<string, ConfigEntries>> {
    const res = await admin.describeConfigs({ resources: [{ type: TOPIC, name: topic, configNames: names }], includeSynonyms: true });
    assert.equal(res.resources[0]!.errorCode, 0);
    return new Map(res.resources[0]!.configEntries.map((e) => [e.configName, e]));
  }

  before(async () => {
    // A static broker setting, so topics inherit a non-default value with source STATIC_BROKER_CONFIG.
    broker = await startBroker({ overrides: { 'log.segment.bytes': '536870912' } });
    logDir = join(broker.dataDir, 'logs');
    admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  });
  after(async () => {
    await admin.disconnect();
    await broker.cleanup();
  });

  test('createTopics with configs; metadata, partition directories and described configs follow', async () => {
    const created = await admin.createTopics({
      topics: [{ topic: 'orders', numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }, { name: 'cleanup.policy', value: 'compact' }] }],
    });
    assert.equal(created, true);
    const { topics } = await admin.fetchTopicMetadata({ topics: ['orders'] });
    assert.deepEqual(topics[0]!.partitions.map((p) => [p.partitionId, p.leader, p.replicas, p.isr]).sort(), [[0, 1, [1], [1]], [1, 1, [1], [1]], [2, 1, [1], [1]]]);
    for (const p of [0, 1, 2]) assert.ok(existsSync(partitionDir(logDir, 'orders', p)), `partition directory orders-${p}`);

    const configs = await topicConfigs('orders');
    const retention = configs.get('retention.ms')!;
    assert.equal(retention.configValue, '3600000');
    assert.equal(retention.configSource, Source.TOPIC_CONFIG);
    assert.equal(retention.isDefault, false);
    const cleanup = configs.get('cleanup.policy')!;
    assert.equal(cleanup.configValue, 'compact');
    assert.deepEqual(cleanup.configSynonyms.map((s) => [s.configName, s.configValue, s.configSource]), [
      ['cleanup.policy', 'compact', Source.TOPIC_CONFIG],
      ['log.cleanup.policy', 'delete', Source.DEFAULT_CONFIG],
    ]);
    // Inherited from the broker's static config, then Kafka's default, in precedence order.
    const segment = configs.get('segment.bytes')!;
    assert.equal(segment.configValue, '536870912');
    assert.equal(segment.configSource, Source.STATIC_BROKER_CONFIG);
    assert.deepEqual(segment.configSynonyms.map((s) => [s.configName, s.configValue, s.configSource]), [
      ['log.segment.bytes', '536870912', Source.STATIC_BROKER_CONFIG],
      ['log.segment.bytes', '1073741824', Source.DEFAULT_CONFIG],
    ]);
    // Plain Kafka defaults.
    const maxBytes = configs.get('max.message.bytes')!;
    assert.equal(maxBytes.configValue, '1048588');
    assert.equal(maxBytes.configSource, Source.DEFAULT_CONFIG);
    assert.equal(maxBytes.isDefault, true);
    assert.equal(configs.get('min.insync.replicas')!.configValue, '1');
    assert.equal(configs.get('compression.type')!.configValue, 'producer');

    // Only the names asked for.
    assert.deepEqual([...(await topicConfigs('orders', ['retention.ms', 'segment.ms'])).keys()].sort(), ['retention.ms', 'segment.ms']);
  });

  test('describeConfigs of the broker: static settings and defaults with their sources', async () => {
    const res = await admin.describeConfigs({ resources: [{ type: BROKER, name: '1', configNames: ['log.segment.bytes', 'log.retention.hours', 'num.io.threads'] }], includeSynonyms: false });
    const entries = new Map(res.resources[0]!.configEntries.map((e) => [e.configName, e]));
    assert.equal(entries.get('log.segment.bytes')!.configValue, '536870912');
    assert.equal(entries.get('log.segment.bytes')!.configSource, Source.STATIC_BROKER_CONFIG);
    assert.equal(entries.get('log.retention.hours')!.configValue, '168');
    assert.equal(entries.get('log.retention.hours')!.configSource, Source.DEFAULT_CONFIG);
    assert.equal(entries.get('num.io.threads')!.configValue, '8');
  });

  test('alterConfigs replaces the whole set of overrides (legacy AlterConfigs semantics)', async () => {
    await admin.createTopics({ topics: [{ topic: 'alter-me', configEntries: [{ name: 'retention.ms', value: '1000000' }, { name: 'cleanup.policy', value: 'compact' }] }] });
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC, name: 'alter-me', configEntries: [{ name: 'retention.ms', value: '2000000' }, { name: 'segment.ms', value: '3600000' }] }] });
    const configs = await topicConfigs('alter-me', ['retention.ms', 'segment.ms', 'cleanup.policy']);
    assert.equal(configs.get('retention.ms')!.configValue, '2000000');
    assert.equal(configs.get('segment.ms')!.configValue, '3600000');
    assert.equal(configs.get('segment.ms')!.configSource, Source.TOPIC_CONFIG);
    // Not in the new set: back to the default.
    assert.equal(configs.get('cleanup.policy')!.configValue, 'delete');
    assert.equal(configs.get('cleanup.policy')!.configSource, Source.DEFAULT_CONFIG);

    // validateOnly changes nothing; a bad value is INVALID_CONFIG; an unknown topic UNKNOWN_TOPIC_OR_PARTITION.
    await admin.alterConfigs({ validateOnly: true, resources: [{ type: TOPIC, name: 'alter-me', configEntries: [{ name: 'retention.ms', value: '5' }] }] });
    assert.equal((await topicConfigs('alter-me', ['retention.ms'])).get('retention.ms')!.configValue, '2000000');
    await assert.rejects(
      admin.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC, name: 'alter-me', configEntries: [{ name: 'retention.ms', value: 'soon' }] }] }),
      withKafkaError('INVALID_CONFIG'),
    );
    await assert.rejects(
      admin.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC, name: 'no-such-topic', configEntries: [{ name: 'retention.ms', value: '1' }] }] }),
      withKafkaError('UNKNOWN_TOPIC_OR_PARTITION'),
    );
  });

  test('createPartitions grows a topic; shrinking is INVALID_PARTITIONS; unknown topic UNKNOWN_TOPIC_OR_PARTITION', async () => {
    await admin.createTopics({ topics: [{ topic: 'grow', numPartitions: 2 }] });
    await admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 5 }] });
    const { topics } = await admin.fetchTopicMetadata({ topics: ['grow'] });
    assert.deepEqual(topics[0]!.partitions.map((p) => p.partitionId).sort(), [0, 1, 2, 3, 4]);
    for (const p of [2, 3, 4]) assert.ok(existsSync(partitionDir(logDir, 'grow', p)));
    // The new partitions take writes.
    const producer = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    const [sent] = await producer.send({ topic: 'grow', messages: [{ partition: 4, value: 'in a new partition' }] });
    assert.equal(sent!.partition, 4);
    assert.equal(sent!.errorCode, 0);
    await producer.disconnect();

    await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 3 }] }), withKafkaError('INVALID_PARTITIONS'));
    await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 5 }] }), withKafkaError('INVALID_PARTITIONS'));
    await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: 'never-made', count: 5 }] }), withKafkaError('UNKNOWN_TOPIC_OR_PARTITION'));
  });

  test('createTopics errors: exists, partitions, replication factor, names, configs, too many partitions', async () => {
    await admin.createTopics({ topics: [{ topic: 'taken' }] });
    // kafkajs turns TOPIC_ALREADY_EXISTS into `false` (see the platformatic test for the raw error code).
    assert.equal(await admin.createTopics({ topics: [{ topic: 'taken' }] }), false);
    await assert.rejects(admin.createTopics({ topics: [{ topic: 'zero-partitions', numPartitions: 0 }] }), withKafkaError('INVALID_PARTITIONS'));
    await assert.rejects(admin.createTopics({ topics: [{ topic: 'negative', numPartitions: -3 }] }), withKafkaError('INVALID_PARTITIONS'));
    await assert.rejects(admin.createTopics({ topics: [{ topic: 'three-copies', replicationFactor: 3 }] }), withKafkaError('INVALID_REPLICATION_FACTOR'));
    await assert.rejects(admin.createTopics({ topics: [{ topic: 'zero-copies', replicationFactor: 0 }] }), withKafkaError('INVALID_REPLICATION_FACTOR'));
    for (const name of ['bad name', 'slash/topic', '..', 'x'.repeat(250)]) {
      await assert.rejects(admin.createTopics({ topics: [{ topic: name }] }), withKafkaError('INVALID_TOPIC_EXCEPTION'), name);
    }
    // Differs from an existing topic only by '.' vs '_': a metric-name collision (Kafka's Topic.hasCollision).
    await admin.createTopics({ topics: [{ topic: 'with.dot' }] });
    await assert.rejects(admin.createTopics({ topics: [{ topic: 'with_dot' }] }), withKafkaError('INVALID_TOPIC_EXCEPTION'));
    await assert.rejects(admin.createTopics({ topics: [{ topic: 'bad-config', configEntries: [{ name: 'no.such.config', value: '1' }] }] }), withKafkaError('INVALID_CONFIG'));
    await assert.rejects(admin.createTopics({ topics: [{ topic: 'bad-value', configEntries: [{ name: 'cleanup.policy', value: 'shred' }] }] }), withKafkaError('INVALID_CONFIG'));
    // More than 10,000 partitions in one request: the whole request is refused (Kafka's MAX_PARTITIONS_PER_BATCH).
    await assert.rejects(
      admin.createTopics({ topics: [{ topic: 'huge-a', numPartitions: 6000 }, { topic: 'huge-b', numPartitions: 4001 }] }),
      (e: Error & { errors?: { type: string }[] }) => e.errors?.map((x) => x.type).join() === 'POLICY_VIOLATION,POLICY_VIOLATION',
    );
    await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: 'taken', count: 20_000 }] }), withKafkaError('POLICY_VIOLATION'));
    const names = await admin.listTopics();
    for (const n of ['zero-partitions', 'negative', 'three-copies', 'zero-copies', 'with_dot', 'bad-config', 'bad-value', 'huge-a', 'huge-b']) assert.ok(!names.includes(n), n);
    assert.equal((await admin.fetchTopicMetadata({ topics: ['taken'] })).topics[0]!.partitions.length, 1);
  });

  test('validateOnly checks everything and creates nothing', async () => {
    await admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic: 'only-validated', numPartitions: 4 }] });
    assert.ok(!(await admin.listTopics()).includes('only-validated'));
    assert.ok(!existsSync(partitionDir(logDir, 'only-validated', 0)));
    await assert.rejects(admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic: 'only-validated', replicationFactor: 2 }] }), withKafkaError('INVALID_REPLICATION_FACTOR'));
    // And it really would have worked.
    assert.equal(await admin.createTopics({ topics: [{ topic: 'only-validated', numPartitions: 4 }] }), true);
  });

  test('deleteTopics removes the topic from metadata and its partition directories from disk', async () => {
    await admin.createTopics({ topics: [{ topic: 'doomed', numPartitions: 2 }] });
    const producer = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({ topic: 'doomed', messages: [{ partition: 0, value: 'x' }, { partition: 1, value: 'y' }] });
    await producer.disconnect();
    await admin.deleteTopics({ topics: ['doomed'] });
    assert.ok(!(await admin.listTopics()).includes('doomed'));
    await assert.rejects(admin.fetchTopicMetadata({ topics: ['doomed'] }), withKafkaError('UNKNOWN_TOPIC_OR_PARTITION'));
    await waitFor('partition directories of the deleted topic to go', () => !existsSync(partitionDir(logDir, 'doomed', 0)) && !existsSync(partitionDir(logDir, 'doomed', 1)));
    // The name is free again, and the new topic starts empty.
    await admin.createTopics({ topics: [{ topic: 'doomed', numPartitions: 1 }] });
    const offsets = await admin.fetchTopicOffsets('doomed');
    assert.deepEqual(offsets, [{ partition: 0, offset: '0', high: '0', low: '0' }]);
  });
});
