import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DEFAULT_SERVER_PROPERTIES } from '../../../src/config/default-server-properties.ts';
import { KafkaConfig } from '../../../src/config/kafka-config.ts';
import { configErrors as errorsOf, withProps } from './config-errors.ts';

test('refused configs stop the configuration only when set to something other than their default', () => {
  assert.deepEqual(errorsOf(() => withProps({ 'authorizer.class.name': '', 'allow.everyone.if.no.acl.found': 'false', 'ssl.client.auth': 'none', 'ssl.keystore.location': '' })), []);
  assert.deepEqual(errorsOf(() => withProps({ 'allow.everyone.if.no.acl.found': 'true', 'listener.name.plaintext.ssl.provider': 'SunJSSE' })), [
    'listener.name.plaintext.ssl.provider=SunJSSE is refused: a Java TLS plug-in setting, which this broker (OpenSSL through Node) cannot honour',
  ]);
  // The implemented ssl.* configs are read by the SSL listeners.
  assert.deepEqual(errorsOf(() => withProps({ 'listener.name.plaintext.ssl.keystore.location': '/ks', 'ssl.client.auth': 'required' })), []);
  assert.deepEqual(errorsOf(() => withProps({ 'remote.log.storage.system.enable': 'true', 'create.topic.policy.class.name': 'com.example.Policy' })), [
    'remote.log.storage.system.enable=true is refused: tiered storage is not supported yet',
    'create.topic.policy.class.name=com.example.Policy is refused: policies are Java plug-in classes, which this broker cannot load: every request would be allowed',
  ]);
});

test('authorizer.class.name accepts only the StandardAuthorizer; super.users and allow.everyone.if.no.acl.found are read', () => {
  const standard = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';
  assert.deepEqual(errorsOf(() => withProps({ 'authorizer.class.name': standard, 'super.users': 'User:ANONYMOUS', 'allow.everyone.if.no.acl.found': 'true' })), []);
  assert.deepEqual(errorsOf(() => withProps({ 'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer' })), [
    `Invalid value kafka.security.authorizer.AclAuthorizer for configuration authorizer.class.name: Only ${standard} is supported (authorizer plug-ins are Java classes, which this broker cannot load)`,
  ]);
});

test('SSL and SASL client listeners are accepted; SSL and SASL on the inter-broker or controller listeners are refused', () => {
  assert.deepEqual(errorsOf(() => withProps({ listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093,SSL://:9094' })), []);
  assert.deepEqual(errorsOf(() => withProps({
    listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093,SASL_SSL://:9094,SASL_PLAINTEXT://:9095',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,SASL_PLAINTEXT:SASL_PLAINTEXT',
  })), []);
  assert.deepEqual(errorsOf(() => withProps({ 'listener.security.protocol.map': 'CONTROLLER:SSL,PLAINTEXT:PLAINTEXT' })), [
    'listener CONTROLLER uses security protocol SSL: SSL controller listeners are not supported yet (the outgoing TLS client is not built)',
  ]);
  assert.deepEqual(errorsOf(() => withProps({ 'listener.security.protocol.map': 'CONTROLLER:SASL_PLAINTEXT,PLAINTEXT:PLAINTEXT' })), [
    'listener CONTROLLER uses security protocol SASL_PLAINTEXT: SASL_PLAINTEXT controller listeners are not supported yet (the outgoing SASL client is not built)',
  ]);
  assert.deepEqual(errorsOf(() => withProps({ 'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:SSL' })), [
    'listener PLAINTEXT uses security protocol SSL: an SSL inter-broker listener is not supported yet (the outgoing TLS client is not built)',
  ]);
  assert.deepEqual(errorsOf(() => withProps({ 'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:SASL_SSL' })), [
    'listener PLAINTEXT uses security protocol SASL_SSL: a SASL_SSL inter-broker listener is not supported yet (the outgoing TLS and SASL client is not built)',
  ]);
  assert.deepEqual(errorsOf(() => withProps({ 'connections.max.reauth.ms': '60000', 'sasl.mechanism.inter.broker.protocol': 'PLAIN' })), [
    'connections.max.reauth.ms=60000 is refused: re-authentication (KIP-368) is not built: sessions never expire',
    "sasl.mechanism.inter.broker.protocol=PLAIN is refused: the broker's outgoing SASL connections are not built (SASL inter-broker and controller listeners are refused)",
  ]);
});

test('inactive settings are the inactive configs set to a non-default value, plus the values of a config that have no effect', () => {
  const config = withProps({
    'num.io.threads': '8',
    'background.threads': '4',
    'listener.name.plaintext.max.connections': '10',
    'group.coordinator.rebalance.protocols': 'classic,consumer,share',
  }).withDynamicConfigs({ clusterDefault: { 'alter.log.dirs.replication.quota.window.num': '20' } });
  assert.deepEqual(config.inactiveSettings(), [
    { name: 'alter.log.dirs.replication.quota.window.num', note: 'alter-log-dirs replication quotas are not built yet' },
    { name: 'background.threads', note: 'requests and sockets are served by one event loop and file I/O by the libuv thread pool, sized by UV_THREADPOOL_SIZE' },
    { name: 'group.coordinator.rebalance.protocols (share)', note: 'share and streams groups are not built yet' },
  ]);
  assert.deepEqual(KafkaConfig.fromProps(DEFAULT_SERVER_PROPERTIES).inactiveSettings(), [], 'the built-in settings are all honoured');
  // (The inter-broker listener defaults to the one of security.inter.broker.protocol, PLAINTEXT: the built-in
  // settings do not name it, so that a single node starts without a warning.)
});
