import assert from 'node:assert/strict';
import { test } from 'node:test';

import { configFromEnv, envNameToConfigName, listenersFromAdvertised } from '../../../src/config/config-from-env.ts';
import { ConfigException } from '../../../src/config/config-exception.ts';
import { KafkaConfig } from '../../../src/config/kafka-config.ts';

test('KAFKA_FOO_BAR becomes foo.bar; __ is _ and ___ is -', () => {
  assert.equal(envNameToConfigName('KAFKA_NUM_PARTITIONS'), 'num.partitions');
  assert.equal(envNameToConfigName('KAFKA_LISTENER_NAME_SASL__PLAINTEXT_PLAIN_SASL_JAAS_CONFIG'), 'listener.name.sasl_plaintext.plain.sasl.jaas.config');
  assert.equal(envNameToConfigName('KAFKA_LISTENER_NAME_CLIENT_SCRAM___SHA___256_SASL_JAAS_CONFIG'), 'listener.name.client.scram-sha-256.sasl.jaas.config');
  assert.equal(envNameToConfigName('KAFKA_HEAP_OPTS'), null);
  assert.equal(envNameToConfigName('OTHER'), null);
});

test('JVM and log4j variables are ignored, other variables are not configs', () => {
  const env = {
    KAFKA_HEAP_OPTS: '-Xmx1G',
    KAFKA_OPTS: '-Djava.security.auth.login.config=x',
    KAFKA_JVM_PERFORMANCE_OPTS: '-server',
    KAFKA_LOG4J_ROOT_LOGLEVEL: 'INFO',
    KAFKA_LOG4J_LOGGERS: 'kafka=WARN',
    KAFKA_JMX_PORT: '9101',
    KAFKA_JMX_HOSTNAME: 'h',
    KAFKA_VERSION: '3.9.0',
    PATH: '/usr/bin',
    HOME: '/root',
    KAFKA_NUM_PARTITIONS: '3',
  };
  const result = configFromEnv(env);
  assert.deepEqual(result.props, { 'num.partitions': '3', 'log.level': 'info' });
  assert.deepEqual(
    [...result.ignored].sort(),
    ['KAFKA_HEAP_OPTS', 'KAFKA_JMX_HOSTNAME', 'KAFKA_JMX_PORT', 'KAFKA_JVM_PERFORMANCE_OPTS', 'KAFKA_LOG4J_LOGGERS', 'KAFKA_LOG4J_ROOT_LOGLEVEL', 'KAFKA_OPTS', 'KAFKA_VERSION'],
  );
  assert.equal(result.clusterId, undefined);
});

test('KAFKA_LOG4J_ROOT_LOGLEVEL sets log.level unless KAFKA_LOG_LEVEL does', () => {
  assert.equal(configFromEnv({ KAFKA_LOG4J_ROOT_LOGLEVEL: 'DEBUG' }).props['log.level'], 'debug');
  assert.equal(configFromEnv({ KAFKA_LOG4J_ROOT_LOGLEVEL: 'OFF' }).props['log.level'], 'silent');
  assert.equal(configFromEnv({ KAFKA_LOG4J_ROOT_LOGLEVEL: 'DEBUG', KAFKA_LOG_LEVEL: 'warn' }).props['log.level'], 'warn');
});

test('CLUSTER_ID is the cluster id, not a config', () => {
  const result = configFromEnv({ CLUSTER_ID: '4L6g3nShT-eMCtK--X86sw', KAFKA_NODE_ID: '1' });
  assert.equal(result.clusterId, '4L6g3nShT-eMCtK--X86sw');
  assert.deepEqual(result.props, { 'node.id': '1' });
});

test('listeners are derived from advertised listeners bound to 0.0.0.0 when unset', () => {
  const result = configFromEnv({
    KAFKA_PROCESS_ROLES: 'broker,controller',
    KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT_HOST://localhost:9092,PLAINTEXT://broker:19092',
  });
  assert.equal(result.props.listeners, 'PLAINTEXT_HOST://0.0.0.0:9092,PLAINTEXT://0.0.0.0:19092');
  const explicit = configFromEnv({ KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://h:1', KAFKA_LISTENERS: 'PLAINTEXT://:1' });
  assert.equal(explicit.props.listeners, 'PLAINTEXT://:1');
});

test('advertised listeners on a controller-only node are an error, as in the image', () => {
  assert.throws(
    () => configFromEnv({ KAFKA_PROCESS_ROLES: 'controller', KAFKA_ADVERTISED_LISTENERS: 'CONTROLLER://c:9093' }),
    ConfigException,
  );
  assert.equal(configFromEnv({ KAFKA_PROCESS_ROLES: 'controller', KAFKA_ADVERTISED_LISTENERS: '' }).props['advertised.listeners'], undefined);
});

test('the single-node docker-compose example of the Kafka image yields a valid config', () => {
  const env = {
    KAFKA_NODE_ID: '1',
    KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT',
    KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT_HOST://localhost:9092,PLAINTEXT://broker:19092',
    KAFKA_PROCESS_ROLES: 'broker,controller',
    KAFKA_CONTROLLER_QUORUM_VOTERS: '1@broker:29093',
    KAFKA_LISTENERS: 'CONTROLLER://:29093,PLAINTEXT_HOST://:9092,PLAINTEXT://:19092',
    KAFKA_INTER_BROKER_LISTENER_NAME: 'PLAINTEXT',
    KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
    CLUSTER_ID: '4L6g3nShT-eMCtK--X86sw',
    KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
    KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
    KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
    KAFKA_LOG_DIRS: '/tmp/kraft-combined-logs',
  };
  const config = KafkaConfig.fromProps(configFromEnv(env).props);
  assert.deepEqual(config.advertisedListeners.map((e) => `${e.listenerName}://${e.host}:${e.port}`), [
    'PLAINTEXT_HOST://localhost:9092',
    'PLAINTEXT://broker:19092',
  ]);
  assert.equal(config.getInt('group.initial.rebalance.delay.ms'), 0);
  assert.deepEqual(config.logDirs, ['/tmp/kraft-combined-logs']);
});

test('derived listeners replace only the listeners of the names KAFKA_ADVERTISED_LISTENERS gives', () => {
  assert.equal(listenersFromAdvertised('PLAINTEXT://h:19092', 'PLAINTEXT://:9092,CONTROLLER://:9093'), 'PLAINTEXT://0.0.0.0:19092,CONTROLLER://:9093');
  assert.equal(listenersFromAdvertised('PLAINTEXT://h:1,EXTERNAL://e:2', undefined), 'PLAINTEXT://0.0.0.0:1,EXTERNAL://0.0.0.0:2');
  assert.equal(configFromEnv({ KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://h:19092' }, 'PLAINTEXT://:9092,CONTROLLER://:9093').props.listeners, 'PLAINTEXT://0.0.0.0:19092,CONTROLLER://:9093');
});

test('Kubernetes service links and other names that map to no config are set aside as unknown', () => {
  const result = configFromEnv({ KAFKA_SERVICE_PORT: '9092', KAFKA_PORT_9092_TCP_PROTO: 'tcp', KAFKA_NODE_ID: '1', KAFKA_FOO_BAR: 'x' });
  assert.deepEqual(result.props, { 'node.id': '1' });
  assert.deepEqual(result.unknown, ['KAFKA_FOO_BAR', 'KAFKA_PORT_9092_TCP_PROTO', 'KAFKA_SERVICE_PORT']);
  // A name with a known meaning goes on, to be refused with its reason (cluster.id lives in meta.properties).
  assert.deepEqual(configFromEnv({ KAFKA_CLUSTER_ID: 'x' }).props, { 'cluster.id': 'x' });
});
