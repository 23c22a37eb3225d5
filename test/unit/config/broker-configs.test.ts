import assert from 'node:assert/strict';
import { test } from 'node:test';

import { BROKER_CONFIG_KEYS, BROKER_CONFIGS } from '../../../src/config/broker-configs.ts';
import { checkConfigValue, type BrokerConfigKey } from '../../../src/config/config-def.ts';

const keys = BROKER_CONFIGS as readonly BrokerConfigKey[];

test('every broker config name is defined once', () => {
  assert.equal(BROKER_CONFIG_KEYS.size, keys.length);
});

test('every broker default parses and passes its own validator', () => {
  for (const k of keys) {
    if (k.default === null) continue;
    assert.equal(checkConfigValue(k, k.default), null, `default of ${k.name}`);
  }
});

test('every broker config has a one-sentence doc of our own', () => {
  for (const k of keys) {
    assert.ok(k.doc.length > 10 && k.doc.length < 200, `doc of ${k.name}`);
    assert.ok(/[.)]$/.test(k.doc), `doc of ${k.name} ends a sentence`);
  }
});

test('the configs a KRaft combined node uses are all defined', () => {
  const required = [
    'node.id', 'process.roles', 'controller.quorum.voters', 'controller.quorum.bootstrap.servers', 'controller.listener.names',
    'listeners', 'advertised.listeners', 'listener.security.protocol.map', 'inter.broker.listener.name', 'log.dirs', 'log.dir',
    'metadata.log.dir', 'num.partitions', 'default.replication.factor', 'auto.create.topics.enable', 'delete.topic.enable',
    'log.segment.bytes', 'log.roll.ms', 'log.roll.hours', 'log.retention.ms', 'log.retention.minutes', 'log.retention.hours',
    'log.retention.bytes', 'log.retention.check.interval.ms', 'log.index.interval.bytes', 'log.index.size.max.bytes',
    'log.flush.interval.messages', 'log.flush.interval.ms', 'log.flush.scheduler.interval.ms',
    'log.flush.offset.checkpoint.interval.ms', 'log.flush.start.offset.checkpoint.interval.ms', 'log.cleanup.policy',
    'log.cleaner.enable', 'log.cleaner.threads', 'log.cleaner.backoff.ms', 'log.cleaner.dedupe.buffer.size',
    'log.cleaner.delete.retention.ms', 'log.cleaner.min.cleanable.ratio', 'log.cleaner.min.compaction.lag.ms',
    'log.cleaner.max.compaction.lag.ms', 'log.message.timestamp.type', 'log.message.timestamp.before.max.ms',
    'log.message.timestamp.after.max.ms', 'log.preallocate', 'message.max.bytes', 'compression.type', 'min.insync.replicas',
    'unclean.leader.election.enable', 'num.network.threads', 'num.io.threads', 'num.recovery.threads.per.data.dir',
    'socket.request.max.bytes', 'socket.send.buffer.bytes', 'socket.receive.buffer.bytes', 'connections.max.idle.ms',
    'queued.max.requests', 'replica.lag.time.max.ms', 'replica.fetch.max.bytes', 'replica.fetch.wait.max.ms',
    'replica.fetch.min.bytes', 'replica.fetch.backoff.ms', 'replica.fetch.response.max.bytes', 'replica.socket.timeout.ms',
    'offsets.topic.num.partitions', 'offsets.topic.replication.factor', 'offsets.topic.segment.bytes',
    'offsets.retention.minutes', 'offsets.retention.check.interval.ms', 'offsets.commit.timeout.ms', 'offsets.load.buffer.size',
    'group.initial.rebalance.delay.ms', 'group.min.session.timeout.ms', 'group.max.session.timeout.ms', 'group.max.size',
    'group.coordinator.rebalance.protocols', 'group.consumer.session.timeout.ms', 'group.consumer.heartbeat.interval.ms',
    'group.consumer.assignors', 'group.consumer.max.size', 'transaction.state.log.num.partitions',
    'transaction.state.log.replication.factor', 'transaction.state.log.min.isr', 'transaction.state.log.segment.bytes',
    'transactional.id.expiration.ms', 'transaction.max.timeout.ms',
    'transaction.abort.timed.out.transaction.cleanup.interval.ms', 'producer.id.expiration.ms',
    'producer.id.expiration.check.interval.ms', 'max.incremental.fetch.session.cache.slots', 'fetch.max.bytes', 'broker.rack',
    'log.level', 'socket.sendfile.enable',
  ];
  for (const name of required) assert.ok(BROKER_CONFIG_KEYS.has(name), name);
  assert.equal(BROKER_CONFIG_KEYS.has('cluster.id'), false);
});

test('defaults and types match Kafka 3.9', () => {
  const expect: [string, string, string | null][] = [
    ['num.partitions', 'INT', '1'],
    ['log.dir', 'STRING', '/tmp/kafka-logs'],
    ['log.dirs', 'STRING', null],
    ['log.segment.bytes', 'INT', '1073741824'],
    ['log.retention.hours', 'INT', '168'],
    ['log.retention.ms', 'LONG', null],
    ['log.retention.bytes', 'LONG', '-1'],
    ['log.flush.interval.messages', 'LONG', '9223372036854775807'],
    ['log.cleaner.io.max.bytes.per.second', 'DOUBLE', '1.7976931348623157E308'],
    ['log.cleaner.dedupe.buffer.size', 'LONG', '134217728'],
    ['message.max.bytes', 'INT', '1048588'],
    ['listeners', 'STRING', 'PLAINTEXT://:9092'],
    ['listener.security.protocol.map', 'STRING', 'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT'],
    ['socket.request.max.bytes', 'INT', '104857600'],
    ['replica.lag.time.max.ms', 'LONG', '30000'],
    ['offsets.topic.replication.factor', 'SHORT', '3'],
    ['offsets.retention.minutes', 'INT', '10080'],
    ['group.initial.rebalance.delay.ms', 'INT', '3000'],
    ['group.max.session.timeout.ms', 'INT', '1800000'],
    ['transaction.state.log.min.isr', 'INT', '2'],
    ['transaction.max.timeout.ms', 'INT', '900000'],
    ['transactional.id.expiration.ms', 'INT', '604800000'],
    ['fetch.max.bytes', 'INT', '57671680'],
    ['compression.gzip.level', 'INT', '-1'],
    ['node.id', 'INT', '-1'],
    ['process.roles', 'LIST', ''],
  ];
  for (const [name, type, def] of expect) {
    const k = BROKER_CONFIG_KEYS.get(name);
    assert.ok(k, name);
    assert.equal(k.type, type, `type of ${name}`);
    assert.equal(k.default, def, `default of ${name}`);
  }
});

test('dynamic update modes follow DynamicBrokerConfig', () => {
  const mode = (n: string): string | undefined => BROKER_CONFIG_KEYS.get(n)?.dynamic;
  assert.equal(mode('log.retention.ms'), 'cluster-wide');
  assert.equal(mode('log.retention.hours'), 'read-only');
  assert.equal(mode('log.roll.hours'), 'read-only');
  assert.equal(mode('message.max.bytes'), 'cluster-wide');
  assert.equal(mode('log.message.format.version'), 'read-only');
  assert.equal(mode('num.io.threads'), 'cluster-wide');
  assert.equal(mode('num.network.threads'), 'cluster-wide');
  assert.equal(mode('listeners'), 'per-broker');
  assert.equal(mode('ssl.keystore.location'), 'per-broker');
  assert.equal(mode('sasl.jaas.config'), 'per-broker');
  assert.equal(mode('num.partitions'), 'read-only');
  assert.equal(mode('node.id'), 'read-only');
});

test('extensions of this broker are marked', () => {
  assert.equal(BROKER_CONFIG_KEYS.get('socket.sendfile.enable')?.extension, true);
  assert.equal(BROKER_CONFIG_KEYS.get('log.level')?.extension, true);
  assert.equal(BROKER_CONFIG_KEYS.get('num.partitions')?.extension, undefined);
});
