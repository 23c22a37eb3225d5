import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';

import { LONG_MAX_VALUE } from '../../../src/config/config-def.ts';
import { DEFAULT_SERVER_PROPERTIES } from '../../../src/config/default-server-properties.ts';
import { KafkaConfig } from '../../../src/config/kafka-config.ts';
import { configErrors, withProps } from './config-errors.ts';

const base = DEFAULT_SERVER_PROPERTIES;

/** The messages of the ConfigException thrown by `fn` (which must throw one). */
function errorsOf(fn: () => unknown): readonly string[] {
  const errors = configErrors(fn);
  assert.ok(errors.length > 0, 'expected a ConfigException');
  return errors;
}

test('the built-in single-node settings form a valid combined-mode config', () => {
  const config = KafkaConfig.fromProps(base);
  assert.equal(config.nodeId, 1);
  assert.deepEqual(config.processRoles, ['broker', 'controller']);
  assert.equal(config.isBroker && config.isController, true);
  assert.deepEqual(config.quorumVoters, [{ id: 1, host: 'localhost', port: 9093 }]);
  assert.deepEqual(
    config.listeners.map((e) => [e.listenerName, e.host, e.port, e.securityProtocol]),
    [
      ['PLAINTEXT', null, 9092, 'PLAINTEXT'],
      ['CONTROLLER', null, 9093, 'PLAINTEXT'],
    ],
  );
  assert.deepEqual(
    config.advertisedListeners.map((e) => [e.listenerName, e.host, e.port]),
    [['PLAINTEXT', 'localhost', 9092]],
  );
  assert.deepEqual(config.controllerListeners.map((e) => e.port), [9093]);
  assert.equal(config.interBrokerListenerName, 'PLAINTEXT');
  assert.deepEqual(config.logDirs, [resolve('data/kraft-combined-logs')]);
  assert.equal(config.metadataLogDir, resolve('data/kraft-combined-logs'));
});

test('typed getters return defaults and given values', () => {
  const config = withProps({ 'num.partitions': ' 6 ', 'auto.create.topics.enable': 'FALSE' });
  assert.equal(config.getInt('num.partitions'), 6);
  assert.equal(config.getBoolean('auto.create.topics.enable'), false);
  assert.equal(config.getShort('offsets.topic.replication.factor'), 1);
  assert.equal(config.getLong('log.flush.interval.messages'), LONG_MAX_VALUE);
  assert.equal(config.getDouble('log.cleaner.min.cleanable.ratio'), 0.5);
  assert.deepEqual(config.getList('log.cleanup.policy'), ['delete']);
  assert.equal(config.getString('broker.rack'), null);
  assert.equal(config.getString('log.level'), 'info');
  assert.equal(config.getString('socket.sendfile.enable'), 'auto');
  assert.equal(config.getPassword('ssl.keystore.password'), null);
  assert.equal(config.valueString('log.flush.interval.messages'), '9223372036854775807');
  assert.equal(config.valueString('num.partitions'), '6');
  assert.equal(config.originals['num.partitions'], ' 6 ');
});

test('an unknown name is rejected with the closest known name', () => {
  assert.deepEqual(errorsOf(() => withProps({ 'num.partition': '3' })), [
    "Unknown configuration 'num.partition'. Did you mean 'num.partitions'?",
  ]);
  assert.deepEqual(errorsOf(() => withProps({ 'log_retention_hours': '3' })), [
    "Unknown configuration 'log_retention_hours'. Did you mean 'log.retention.hours'?",
  ]);
  assert.deepEqual(errorsOf(() => withProps({ 'completely.different.thing': '3' })), [
    "Unknown configuration 'completely.different.thing'",
  ]);
});

test('a topic config name in the broker config points to its broker synonym', () => {
  assert.deepEqual(errorsOf(() => withProps({ 'retention.ms': '1000' })), [
    "Unknown configuration 'retention.ms': it is a topic config; the broker-wide default is 'log.retention.ms'",
  ]);
});

test('cluster.id is not a config', () => {
  assert.match(errorsOf(() => withProps({ 'cluster.id': 'abc' }))[0], /meta\.properties/);
});

test('eligible.leader.replicas.enable, which Kafka 4 removed, is refused with the feature that replaced it', () => {
  assert.match(errorsOf(() => withProps({ 'eligible.leader.replicas.enable': 'true' }))[0], /eligible\.leader\.replicas\.version feature/);
});

test('wrong type or range names key, value and rule; all errors are reported together', () => {
  const errors = errorsOf(() =>
    withProps({ 'num.partitions': '0', 'log.retention.hours': 'a week', 'log.message.timestamp.type': 'Now', 'x.y': '1' }),
  );
  assert.deepEqual(errors, [
    'Invalid value 0 for configuration num.partitions: Value must be at least 1',
    'Invalid value a week for configuration log.retention.hours: Not a number of type INT',
    'Invalid value Now for configuration log.message.timestamp.type: String must be one of: CreateTime, LogAppendTime',
    "Unknown configuration 'x.y'",
  ]);
});

test('retention: log.retention.ms beats minutes beats hours; negative means unlimited', () => {
  assert.equal(KafkaConfig.fromProps(base).logRetentionTimeMs, 7 * 24 * 3_600_000);
  assert.equal(withProps({ 'log.retention.hours': '1' }).logRetentionTimeMs, 3_600_000);
  assert.equal(withProps({ 'log.retention.hours': '1', 'log.retention.minutes': '2' }).logRetentionTimeMs, 120_000);
  assert.equal(
    withProps({ 'log.retention.hours': '1', 'log.retention.minutes': '2', 'log.retention.ms': '5000' }).logRetentionTimeMs,
    5000,
  );
  assert.equal(withProps({ 'log.retention.ms': '-7' }).logRetentionTimeMs, -1);
  assert.equal(withProps({ 'log.retention.hours': '-1' }).logRetentionTimeMs, -1);
  const fromHours = withProps({ 'log.retention.hours': '2' });
  assert.equal(fromHours.getLong('log.retention.ms'), 7_200_000, 'getLong resolves the synonym group');
  assert.equal(fromHours.getNumberOrNull('log.retention.ms'), null);
  assert.equal(fromHours.get('log.retention.ms'), null);
});

test('roll, jitter and flush interval fall back to their synonyms', () => {
  const config = withProps({ 'log.roll.hours': '2', 'log.roll.jitter.hours': '1' });
  assert.equal(config.logRollTimeMs, 7_200_000);
  assert.equal(config.logRollTimeJitterMs, 3_600_000);
  assert.equal(config.logFlushIntervalMs, LONG_MAX_VALUE);
  assert.equal(withProps({ 'log.roll.ms': '1000', 'log.roll.hours': '2' }).logRollTimeMs, 1000);
  assert.equal(withProps({ 'log.flush.scheduler.interval.ms': '3000' }).logFlushIntervalMs, 3000);
  assert.equal(withProps({ 'log.flush.interval.ms': '10', 'log.flush.scheduler.interval.ms': '3000' }).logFlushIntervalMs, 10);
});

test('log.dirs wins over log.dir; log.dir alone works; paths resolve against the working directory', () => {
  const { 'log.dirs': _unused, ...noDirs } = base;
  assert.deepEqual(KafkaConfig.fromProps(noDirs).logDirs, ['/tmp/kafka-logs']);
  assert.deepEqual(KafkaConfig.fromProps({ ...noDirs, 'log.dir': 'rel/x' }).logDirs, [resolve('rel/x')]);
  assert.deepEqual(withProps({ 'log.dir': '/a', 'log.dirs': '/b, /c' }).logDirs, ['/b', '/c']);
  assert.equal(withProps({ 'log.dirs': '/b,/c', 'metadata.log.dir': '/meta' }).metadataLogDir, '/meta');
  assert.equal(withProps({ 'log.dirs': '/b,/c' }).metadataLogDir, '/b');
});

test('broker.id and node.id are synonyms and must agree', () => {
  const { 'node.id': _unused, ...noNodeId } = base;
  assert.equal(KafkaConfig.fromProps({ ...noNodeId, 'broker.id': '1' }).nodeId, 1);
  assert.equal(withProps({}).getInt('broker.id'), 1);
  assert.deepEqual(errorsOf(() => withProps({ 'broker.id': '2' })), ['You must set `node.id` to the same value as `broker.id`.']);
});

test('KRaft identity is required: process.roles, node.id, a quorum', () => {
  const { 'node.id': _n, ...noNodeId } = base;
  assert.match(errorsOf(() => KafkaConfig.fromProps(noNodeId)).join('\n'), /Missing configuration `node.id`/);
  const { 'process.roles': _p, ...noRoles } = base;
  assert.match(errorsOf(() => KafkaConfig.fromProps(noRoles)).join('\n'), /process.roles must be set/);
  assert.match(
    errorsOf(() => withProps({ 'controller.quorum.voters': '' })).join('\n'),
    /either controller.quorum.bootstrap.servers must contain/,
  );
  assert.match(errorsOf(() => withProps({ 'node.id': '2' })).join('\n'), /node id 2 must be included in the set of voters/);
  assert.match(errorsOf(() => withProps({ 'process.roles': 'broker,worker' }))[0], /String must be one of: broker, controller/);
});

test('listener consistency is checked as Kafka does', () => {
  assert.match(
    errorsOf(() => withProps({ 'controller.listener.names': 'CTRL' })).join('\n'),
    /controller.listener.names must (contain at least one value|only contain values) appearing in the 'listeners'/,
  );
  assert.match(
    errorsOf(() => withProps({ 'advertised.listeners': 'OTHER://localhost:9094' })).join('\n'),
    /No security protocol defined for listener OTHER/,
  );
  assert.match(
    errorsOf(() => withProps({ 'advertised.listeners': 'PLAINTEXT://0.0.0.0:9092' })).join('\n'),
    /cannot use the nonroutable meta-address 0.0.0.0/,
  );
  assert.match(
    errorsOf(() => withProps({ 'inter.broker.listener.name': 'CONTROLLER' })).join('\n'),
    /inter.broker.listener.name must be a listener name defined in advertised.listeners/,
  );
  assert.match(errorsOf(() => withProps({ listeners: 'PLAINTEXT:/9092' }))[0], /Unable to parse PLAINTEXT:\/9092 to a broker endpoint/);
  assert.match(
    errorsOf(() => withProps({ 'inter.broker.listener.name': 'PLAINTEXT', 'security.inter.broker.protocol': 'PLAINTEXT' })).join('\n'),
    /Only one of inter.broker.listener.name and security.inter.broker.protocol should be set/,
  );
});

test('controller listeners default to PLAINTEXT when the protocol map is not set', () => {
  const { 'listener.security.protocol.map': _m, ...noMap } = base;
  const config = KafkaConfig.fromProps(noMap);
  assert.equal(config.listenerSecurityProtocolMap.get('CONTROLLER'), 'PLAINTEXT');
  assert.equal(config.listenerSecurityProtocolMap.get('SASL_SSL'), 'SASL_SSL');
});

test('other cross-config rules', () => {
  assert.match(
    errorsOf(() => withProps({ 'replica.fetch.wait.max.ms': '40000' })).join('\n'),
    /replica.socket.timeout.ms should always be at least replica.fetch.wait.max.ms/,
  );
  assert.match(
    errorsOf(() => withProps({ 'group.consumer.heartbeat.interval.ms': '1000' })).join('\n'),
    /group.consumer.heartbeat.interval.ms must be greater than or equals to group.consumer.min.heartbeat.interval.ms/,
  );
  assert.match(
    errorsOf(() => withProps({ 'log.cleaner.dedupe.buffer.size': '1000' })).join('\n'),
    /at least 1MB per cleaner thread/,
  );
  assert.match(errorsOf(() => withProps({ 'group.coordinator.rebalance.protocols': 'consumer' }))[0], /classic/);
});

test('source() and synonyms() follow the precedence of DescribeConfigs', () => {
  const config = KafkaConfig.fromProps(
    { ...base, 'log.retention.hours': '24', 'log.segment.bytes': '1000' },
    { perBroker: { 'log.segment.bytes': '3000' }, clusterDefault: { 'log.segment.bytes': '2000', 'log.retention.ms': '5000' } },
  );
  assert.equal(config.getInt('log.segment.bytes'), 3000);
  assert.equal(config.source('log.segment.bytes'), 'DYNAMIC_BROKER_CONFIG');
  assert.deepEqual(config.synonyms('log.segment.bytes'), [
    { name: 'log.segment.bytes', value: '3000', source: 'DYNAMIC_BROKER_CONFIG' },
    { name: 'log.segment.bytes', value: '2000', source: 'DYNAMIC_DEFAULT_BROKER_CONFIG' },
    { name: 'log.segment.bytes', value: '1000', source: 'STATIC_BROKER_CONFIG' },
    { name: 'log.segment.bytes', value: '1073741824', source: 'DEFAULT_CONFIG' },
  ]);
  assert.equal(config.source('num.partitions'), 'STATIC_BROKER_CONFIG');
  assert.equal(config.source('num.io.threads'), 'DEFAULT_CONFIG');
  assert.equal(config.logRetentionTimeMs, 5000);
  assert.deepEqual(config.synonyms('log.retention.hours'), [
    { name: 'log.retention.hours', value: '24', source: 'STATIC_BROKER_CONFIG' },
    { name: 'log.retention.hours', value: '168', source: 'DEFAULT_CONFIG' },
  ]);
  assert.deepEqual(config.synonyms('log.retention.ms'), [
    { name: 'log.retention.ms', value: '5000', source: 'DYNAMIC_DEFAULT_BROKER_CONFIG' },
    { name: 'log.retention.hours', value: '24', source: 'STATIC_BROKER_CONFIG' },
    { name: 'log.retention.hours', value: '168', source: 'DEFAULT_CONFIG' },
  ]);
});

test('describe() hides passwords, marks read-only configs and lists listener overrides', () => {
  // SASL settings are refused at start; stored dynamic ones (written by an older broker) are still described.
  const config = withProps({ 'listener.name.plaintext.max.connections': '10' }).withDynamicConfigs({
    perBroker: { 'sasl.enabled.mechanisms': 'PLAIN', 'listener.name.plaintext.plain.sasl.jaas.config': 'secret' },
  });
  const entries = new Map(config.describe().map((e) => [e.name, e]));
  const jaas = entries.get('listener.name.plaintext.plain.sasl.jaas.config');
  assert.equal(jaas?.value, null);
  assert.equal(jaas?.sensitive, true);
  assert.equal(jaas?.configType, 9);
  assert.equal(entries.get('listener.name.plaintext.max.connections')?.value, '10');
  const partitions = entries.get('num.partitions');
  assert.deepEqual(
    { value: partitions?.value, source: partitions?.source, sourceId: partitions?.sourceId, readOnly: partitions?.readOnly, type: partitions?.configType },
    { value: '1', source: 'STATIC_BROKER_CONFIG', sourceId: 4, readOnly: true, type: 3 },
  );
  assert.equal(entries.get('log.retention.ms')?.value, null);
  assert.equal(entries.get('log.retention.ms')?.readOnly, false);
  assert.equal(entries.get('ssl.keystore.password')?.sensitive, true);
  assert.equal(entries.has('log.initial.task.delay.ms'), false, 'internal configs are not described');
  assert.equal(config.valueForListener('PLAINTEXT', 'sasl.jaas.config', 'PLAIN'), 'secret');
  assert.equal(config.valueForListener('PLAINTEXT', 'max.connections'), 10);
  assert.equal(config.valueForListener('CONTROLLER', 'max.connections'), 2147483647);
  assert.equal(config.redactedConfigs()['listener.name.plaintext.plain.sasl.jaas.config'], '[hidden]');
  assert.equal(config.redactedConfigs()['sasl.enabled.mechanisms'], 'PLAIN');
});

test('describe("cluster-default") lists only the dynamic defaults', () => {
  const config = KafkaConfig.fromProps(base, { clusterDefault: { 'log.retention.ms': '5000' } });
  assert.deepEqual(config.describe('cluster-default').map((e) => [e.name, e.value, e.source, e.synonyms.length]), [
    ['log.retention.ms', '5000', 'DYNAMIC_DEFAULT_BROKER_CONFIG', 1],
  ]);
});

test('listener-prefixed configs are type-checked against their base config', () => {
  assert.deepEqual(errorsOf(() => withProps({ 'listener.name.plaintext.max.connections': 'many' })), [
    'Invalid value many for configuration listener.name.plaintext.max.connections: Not a number of type INT',
  ]);
  assert.match(errorsOf(() => withProps({ 'listener.name.plaintext.no.such.thing': '1' }))[0], /Unknown configuration/);
});

test('withDynamicConfigs builds a new config over the same static configs', () => {
  const config = KafkaConfig.fromProps(base);
  const updated = config.withDynamicConfigs({ perBroker: { 'message.max.bytes': '2000000' } });
  assert.equal(config.getInt('message.max.bytes'), 1048588);
  assert.equal(updated.getInt('message.max.bytes'), 2000000);
  assert.equal(updated.source('message.max.bytes'), 'DYNAMIC_BROKER_CONFIG');
});

test('validateDynamicUpdate rejects read-only, per-broker-at-cluster-level, unknown and bad values', () => {
  assert.deepEqual(KafkaConfig.validateDynamicUpdate({ 'log.retention.ms': '1000', 'log.cleaner.threads': null }, false), []);
  assert.deepEqual(KafkaConfig.validateDynamicUpdate({ 'num.partitions': '3' }, true), [
    'Cannot update these configs dynamically: [num.partitions]',
  ]);
  assert.deepEqual(KafkaConfig.validateDynamicUpdate({ 'ssl.keystore.location': '/x' }, false), [
    'Cannot update these configs at default cluster level, broker id must be specified: [ssl.keystore.location]',
  ]);
  // The key and trust stores are reloaded (SslFactory); the other ssl.* configs are read at start-up only.
  assert.deepEqual(KafkaConfig.validateDynamicUpdate({ 'ssl.keystore.location': null }, true), []);
  assert.deepEqual(KafkaConfig.validateDynamicUpdate({ 'listener.name.ssl.ssl.client.auth': 'required' }, true), [
    'listener.name.ssl.ssl.client.auth cannot be updated dynamically yet: SSL listeners read this ssl.* config at start-up; only the key store and trust store configs are reloaded',
  ]);
  assert.deepEqual(KafkaConfig.validateDynamicUpdate({ 'background.threads': '4' }, true), [
    'background.threads is accepted but has no effect in this broker yet (requests and sockets are served by one event loop and file I/O by the libuv thread pool, sized by UV_THREADPOOL_SIZE)',
  ]);
  assert.deepEqual(KafkaConfig.validateDynamicUpdate({ 'message.max.bytes': '-1' }, true), [
    'Invalid value -1 for configuration message.max.bytes: Value must be at least 0',
  ]);
  assert.match(KafkaConfig.validateDynamicUpdate({ 'log.retention.mss': '1' }, true)[0], /Did you mean 'log.retention.ms'/);
});
