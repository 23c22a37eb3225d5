// The embedded broker API (src/embedded/kafka-broker.ts, package.json "exports"): both modes serve real clients
// on the advertised bootstrapServers, apply any Kafka config, create topics up front, and leave nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaBroker } from 'kafka-broker';

function admin(broker: KafkaBroker) {
  return new Kafka({ brokers: [broker.bootstrapServers], logLevel: logLevel.NOTHING }).admin();
}

for (const mode of ['in-process', 'child-process'] as const) {
  test(`${mode}: topics created up front with their settings, the config applied, the data dir removed on stop`, async () => {
    const broker = await KafkaBroker.start({
      mode,
      config: { 'num.partitions': 4, 'auto.create.topics.enable': false },
      topics: ['plain', { name: 'compacted', partitions: 2, configs: { 'cleanup.policy': 'compact' } }],
    });
    assert.equal(broker.mode, mode);
    assert.match(broker.bootstrapServers, /^127\.0\.0\.1:\d+$/);
    assert.equal(broker.pid === process.pid, mode === 'in-process');
    assert.ok(existsSync(join(broker.dataDir, 'logs', 'plain-3')), 'the data dir holds the broker\'s logs');
    const client = admin(broker);
    try {
      await client.connect();
      const { topics } = await client.fetchTopicMetadata({ topics: ['plain', 'compacted'] });
      assert.deepEqual(topics.map((t) => [t.name, t.partitions.length]).sort(), [['compacted', 2], ['plain', 4]], 'num.partitions from config; partitions given');
      assert.ok(topics.every((t) => t.partitions.every((p) => p.leader === 1)), 'every partition has its leader');
      const [described] = (await client.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'compacted', configNames: ['cleanup.policy'] }] })).resources;
      assert.equal(described!.configEntries[0]!.configValue, 'compact');
      const producer = new Kafka({ brokers: [broker.bootstrapServers], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).producer({ allowAutoTopicCreation: false });
      await producer.connect();
      await assert.rejects(producer.send({ topic: 'not-created', messages: [{ value: 'x' }] }), /does not host this topic-partition|UNKNOWN_TOPIC|not.*exist/i, 'auto.create.topics.enable=false applied');
      await producer.disconnect();
    } finally {
      await client.disconnect();
      await broker.stop();
    }
    assert.equal(existsSync(broker.dataDir), false, 'data dir removed');
    await broker.stop();
    if (mode === 'child-process') assert.throws(() => process.kill(broker.pid, 0), { code: 'ESRCH' }, 'the child exited');
  });
}

test('a refused config rejects start() and leaves no temp dir; a topic that cannot be created stops the broker', async () => {
  const saved = process.env.TMPDIR;
  const dir = await mkdtemp(join(tmpdir(), 'embedded-tmpdir-'));
  process.env.TMPDIR = dir;
  try {
    await assert.rejects(KafkaBroker.start({ config: { 'no.such.config': 1 } }), /no\.such\.config/);
    await assert.rejects(KafkaBroker.start({ mode: 'child-process', config: { 'num.partitions': 'many' } }), /num\.partitions/);
    await assert.rejects(KafkaBroker.start({ topics: [{ name: 'x', replicationFactor: 3 }] }), /replication factor|INVALID_REPLICATION_FACTOR|brokers/i);
    assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith('kafka-broker-embedded-')), []);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    await rm(dir, { recursive: true, force: true });
  }
});

test('await using stops the broker at the end of the scope', async () => {
  let dataDir: string;
  {
    await using broker = await KafkaBroker.start();
    dataDir = broker.dataDir;
    const client = admin(broker);
    await client.connect();
    assert.ok(Array.isArray(await client.listTopics()));
    await client.disconnect();
  }
  assert.equal(existsSync(dataDir), false);
});
