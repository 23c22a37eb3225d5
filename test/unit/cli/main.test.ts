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

test('KAFKA_ADVERTISED_LISTENERS alone: its listeners listen on 0.0.0.0 at the advertised ports, CONTROLLER stays', async () => {
  const { config } = await loadConfig(undefined, {}, { KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://broker.example:19092' });
  assert.deepEqual(config.listeners.map((l) => `${l.listenerName}://${l.host ?? ''}:${l.port}`), ['PLAINTEXT://0.0.0.0:19092', 'CONTROLLER://:9093']);
  assert.deepEqual(config.advertisedListeners.map((l) => `${l.listenerName}://${l.host}:${l.port}`), ['PLAINTEXT://broker.example:19092']);
  const explicit = await loadConfig(undefined, {}, { KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://broker.example:19092', KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093' });
  assert.deepEqual(explicit.config.listeners.map((l) => l.port), [9092, 9093], 'KAFKA_LISTENERS, when set, is taken as it is');
});

test('KAFKA_* variables that map to no config are reported and ignored; zookeeper.connect from the environment is still refused', async () => {
  const { config, unknownEnv } = await loadConfig(undefined, {}, { KAFKA_SERVICE_HOST: '10.0.0.1', KAFKA_PORT: 'tcp://10.0.0.1:9092', KAFKA_NUM_PARTITIONS: '2' });
  assert.deepEqual(unknownEnv, ['KAFKA_PORT', 'KAFKA_SERVICE_HOST']);
  assert.equal(config.getInt('num.partitions'), 2);
  await assert.rejects(loadConfig(undefined, {}, { KAFKA_ZOOKEEPER_CONNECT: 'zk:2181' }), /ZooKeeper mode is not supported/);
});

test('a file with an unknown name stays fatal', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cli-test-'));
  try {
    const file = join(dir, 'server.properties');
    await writeFile(file, 'process.roles=broker,controller\nnode.id=1\ncontroller.quorum.voters=1@localhost:9093\nlisteners=PLAINTEXT://:9092,CONTROLLER://:9093\ncontroller.listener.names=CONTROLLER\nlog.dirs=/tmp/a\nservice.host=10.0.0.1\n');
    await assert.rejects(loadConfig(file, {}, {}), /Unknown configuration 'service\.host'/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('old four-part versions are accepted as Kafka 3.9 accepts them (truncated to three parts)', async () => {
  const { config } = await loadConfig(undefined, { 'log.message.format.version': '0.10.0.0', 'inter.broker.protocol.version': '2.8.1' }, {});
  assert.equal(config.getString('log.message.format.version'), '0.10.0.0');
  await assert.rejects(loadConfig(undefined, { 'log.message.format.version': '0.10.3.0' }, {}), /Invalid value 0\.10\.3\.0 for configuration log\.message\.format\.version: Version 0\.10\.3\.0 is not a valid version/);
});
