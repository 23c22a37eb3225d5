import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/cli/main.ts';

test('with no file the embedded single-node config applies (broker on :9092 advertised as localhost)', async () => {
  const { config, clusterId } = await loadConfig(undefined, {}, {});
  assert.equal(config.nodeId, 1);
  assert.deepEqual(config.advertisedListeners.map((l) => `${l.listenerName}://${l.host}:${l.port}`), ['PLAINTEXT://localhost:9092']);
  assert.equal(config.getInt('num.partitions'), 1);
  assert.equal(clusterId, undefined);
});

test('KAFKA_* environment variables override the file the way the Apache Kafka image maps them; --override wins over both', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cli-test-'));
  try {
    const file = join(dir, 'server.properties');
    await writeFile(file, 'process.roles=broker,controller\nnode.id=3\ncontroller.quorum.voters=3@localhost:9093\nlisteners=PLAINTEXT://:9092,CONTROLLER://:9093\ncontroller.listener.names=CONTROLLER\nnum.partitions=2\nlog.dirs=/tmp/a\n');
    const env = {
      KAFKA_NUM_PARTITIONS: '4',
      KAFKA_LOG_DIRS: '/tmp/from-env',
      KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://broker-3:9092',
      KAFKA_HEAP_OPTS: '-Xmx1G',
      CLUSTER_ID: 'abcdefghijklmnopqrstuv',
    };
    const { config, clusterId } = await loadConfig(file, { 'num.partitions': '6' }, env);
    assert.equal(config.nodeId, 3);
    assert.equal(config.getInt('num.partitions'), 6);
    assert.deepEqual(config.logDirs, ['/tmp/from-env']);
    assert.deepEqual(config.advertisedListeners.map((l) => `${l.host}:${l.port}`), ['broker-3:9092']);
    assert.equal(clusterId, 'abcdefghijklmnopqrstuv');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an unknown or invalid setting fails with a message naming it', async () => {
  await assert.rejects(loadConfig(undefined, { 'num.partitons': '3' }, {}), /num\.partitons[\s\S]*num\.partitions/);
  await assert.rejects(loadConfig(undefined, { 'num.partitions': 'many' }, {}), /num\.partitions/);
});
