// Topic administration through @platformatic/kafka's admin client (flexible versions: CreateTopics v7,
// DescribeConfigs v4, IncrementalAlterConfigs v1, CreatePartitions v3, DeleteTopics v6, DescribeLogDirs v4,
// DeleteRecords v2): the raw error codes kafkajs hides (TOPIC_ALREADY_EXISTS), the incremental operations
// SET / DELETE / APPEND / SUBTRACT, and partition sizes checked against the segment files on disk.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import { startBroker, waitFor, type TestBroker } from '../../helpers/broker.ts';
import { withKafkaError } from '../../fixtures/e2e/client-errors.ts';
import { partitionDir } from '../../fixtures/e2e/partition-files.ts';

const TOPIC = 2;
const Op = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

describe('@platformatic/kafka admin: topics, partitions and configs', () => {
  let broker: TestBroker;
  let admin: Admin;
  let logDir: string;

  async function configValues(topic: string, keys: string[]): Promise<Record<string, [string | null | undefined, number]>> {
    const [described] = await admin.describeConfigs({ resources: [{ resourceType: TOPIC, resourceName: topic, configurationKeys: keys }] });
    return Object.fromEntries(described!.configs.map((c) => [c.name, [c.value, c.configSource]]));
  }

  before(async () => {
    broker = await startBroker();
    logDir = join(broker.dataDir, 'logs');
    admin = new Admin({ clientId: 'e2e-platformatic-admin', bootstrapBrokers: [broker.bootstrap], retries: 0 });
  });
  after(async () => {
    await admin.close();
    await broker.cleanup();
  });

  test('createTopics returns id, partitions, replicas and the effective configuration; a second create is TOPIC_ALREADY_EXISTS', async () => {
    const [created] = await admin.createTopics({ topics: ['p-events'], partitions: 4, replicas: 1, configs: [{ name: 'retention.bytes', value: '1048576' }] });
    assert.equal(created!.name, 'p-events');
    assert.equal(created!.partitions, 4);
    assert.equal(created!.replicas, 1);
    assert.match(created!.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(created!.configuration['retention.bytes'], '1048576');
    assert.equal(created!.configuration['cleanup.policy'], 'delete');
    assert.equal(created!.configuration['max.message.bytes'], '1048588');
    for (const p of [0, 1, 2, 3]) assert.ok(existsSync(partitionDir(logDir, 'p-events', p)));

    await assert.rejects(admin.createTopics({ topics: ['p-events'], partitions: 1, replicas: 1 }), withKafkaError('TOPIC_ALREADY_EXISTS'));
    await assert.rejects(admin.createTopics({ topics: ['p-too-many-copies'], partitions: 1, replicas: 2 }), withKafkaError('INVALID_REPLICATION_FACTOR'));
    await assert.rejects(admin.createTopics({ topics: ['p bad'], partitions: 1, replicas: 1 }), withKafkaError('INVALID_TOPIC_EXCEPTION'));
    assert.deepEqual((await admin.listTopics()).sort(), ['p-events']);
  });

  test('incrementalAlterConfigs: SET, DELETE, APPEND and SUBTRACT; validateOnly and bad values change nothing', async () => {
    await admin.createTopics({ topics: ['p-configs'], partitions: 1, replicas: 1, configs: [{ name: 'retention.ms', value: '100000' }] });
    await admin.incrementalAlterConfigs({
      resources: [{
        resourceType: TOPIC,
        resourceName: 'p-configs',
        configs: [
          { name: 'retention.ms', configOperation: Op.DELETE },
          { name: 'cleanup.policy', configOperation: Op.APPEND, value: 'compact' },
          { name: 'segment.ms', configOperation: Op.SET, value: '7200000' },
        ],
      }],
    });
    assert.deepEqual(await configValues('p-configs', ['retention.ms', 'cleanup.policy', 'segment.ms']), {
      'retention.ms': ['604800000', 5],
      // APPEND to the default list starts from the override (none), as Kafka does: only 'compact'.
      'cleanup.policy': ['compact', 1],
      'segment.ms': ['7200000', 1],
    });
    await admin.incrementalAlterConfigs({ resources: [{ resourceType: TOPIC, resourceName: 'p-configs', configs: [{ name: 'cleanup.policy', configOperation: Op.APPEND, value: 'delete' }] }] });
    assert.deepEqual((await configValues('p-configs', ['cleanup.policy']))['cleanup.policy'], ['compact,delete', 1]);
    await admin.incrementalAlterConfigs({ resources: [{ resourceType: TOPIC, resourceName: 'p-configs', configs: [{ name: 'cleanup.policy', configOperation: Op.SUBTRACT, value: 'compact' }] }] });
    assert.deepEqual((await configValues('p-configs', ['cleanup.policy']))['cleanup.policy'], ['delete', 1]);

    await admin.incrementalAlterConfigs({ validateOnly: true, resources: [{ resourceType: TOPIC, resourceName: 'p-configs', configs: [{ name: 'segment.ms', configOperation: Op.SET, value: '1000' }] }] });
    assert.deepEqual((await configValues('p-configs', ['segment.ms']))['segment.ms'], ['7200000', 1]);
    await assert.rejects(
      admin.incrementalAlterConfigs({ resources: [{ resourceType: TOPIC, resourceName: 'p-configs', configs: [{ name: 'segment.ms', configOperation: Op.APPEND, value: '1' }] }] }),
      withKafkaError('INVALID_CONFIG'),
    );
    await assert.rejects(
      admin.incrementalAlterConfigs({ resources: [{ resourceType: TOPIC, resourceName: 'p-configs', configs: [{ name: 'min.insync.replicas', configOperation: Op.SET, value: 'many' }] }] }),
      withKafkaError('INVALID_CONFIG'),
    );
    assert.deepEqual((await configValues('p-configs', ['segment.ms']))['segment.ms'], ['7200000', 1]);
  });

  test('createPartitions and deleteTopics', async () => {
    await admin.createTopics({ topics: ['p-grow'], partitions: 1, replicas: 1 });
    await admin.createPartitions({ topics: [{ name: 'p-grow', count: 3 }] });
    const md = await admin.metadata({ topics: ['p-grow'], forceUpdate: true });
    assert.equal(md.topics.get('p-grow')!.partitionsCount, 3);
    await assert.rejects(admin.createPartitions({ topics: [{ name: 'p-grow', count: 2 }] }), withKafkaError('INVALID_PARTITIONS'));
    await admin.createPartitions({ validateOnly: true, topics: [{ name: 'p-grow', count: 10 }] });
    assert.ok(!existsSync(partitionDir(logDir, 'p-grow', 3)));

    await admin.deleteTopics({ topics: ['p-grow'] });
    assert.ok(!(await admin.listTopics()).includes('p-grow'));
    await waitFor('p-grow partition directories to go', () => [0, 1, 2].every((p) => !existsSync(partitionDir(logDir, 'p-grow', p))));
  });

  test('describeLogDirs reports each partition with the size of its segment files; deleteRecords moves the low watermark', async () => {
    await admin.createTopics({ topics: ['p-sized'], partitions: 2, replicas: 1 });
    const producer = new Producer({ clientId: 'e2e-platformatic-producer', bootstrapBrokers: [broker.bootstrap], serializers: stringSerializers });
    try {
      const messages = Array.from({ length: 200 }, (_, i) => ({ topic: 'p-sized', partition: i % 2, key: `k${i}`, value: `value number ${i}` }));
      await producer.send({ messages });
    } finally {
      await producer.close();
    }
    const [dirs] = await admin.describeLogDirs({ topics: [{ name: 'p-sized', partitions: [0, 1] }] });
    const result = dirs!.results.find((r) => r.logDir === logDir)!;
    assert.ok(result, `log dir ${logDir} in ${dirs!.results.map((r) => r.logDir).join(', ')}`);
    const partitions = result.topics.find((t) => t.name === 'p-sized')!.partitions.sort((a, b) => a.partitionIndex - b.partitionIndex);
    assert.deepEqual(partitions.map((p) => p.partitionIndex), [0, 1]);
    for (const p of partitions) {
      const dir = partitionDir(logDir, 'p-sized', p.partitionIndex);
      const onDisk = readdirSync(dir).filter((f) => f.endsWith('.log')).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
      assert.ok(onDisk > 0);
      assert.equal(p.partitionSize, BigInt(onDisk));
      assert.equal(p.offsetLag, 0n);
    }
    assert.ok(result.totalBytes > 0n && result.usableBytes > 0n && result.usableBytes <= result.totalBytes);

    const [deleted] = await admin.deleteRecords({ topics: [{ name: 'p-sized', partitions: [{ partition: 0, offset: 40n }] }] });
    assert.deepEqual(deleted!.partitions, [{ partition: 0, lowWatermark: 40n }]);
    const [listed] = await admin.listOffsets({ topics: [{ name: 'p-sized', partitions: [{ partitionIndex: 0, timestamp: -2n }, { partitionIndex: 1, timestamp: -1n }] }] });
    assert.deepEqual(listed!.partitions.map((p) => [p.partitionIndex, p.offset]).sort(), [[0, 40n], [1, 100n]]);
  });
});
