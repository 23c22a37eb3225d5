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

test('SSL and SASL are accepted on every listener; the SASL mechanism of the node\'s own connections must be one it can use', () => {
  assert.deepEqual(errorsOf(() => withProps({ listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093,SSL://:9094' })), []);
  assert.deepEqual(errorsOf(() => withProps({
    listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093,SASL_SSL://:9094,SASL_PLAINTEXT://:9095',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,SASL_PLAINTEXT:SASL_PLAINTEXT',
  })), []);
  assert.deepEqual(errorsOf(() => withProps({ 'listener.security.protocol.map': 'CONTROLLER:SSL,PLAINTEXT:SSL', 'ssl.endpoint.identification.algorithm': '' })), []);
  // Kafka's defaults (GSSAPI) cannot serve a SASL inter-broker or controller listener.
  assert.deepEqual(errorsOf(() => withProps({ 'listener.security.protocol.map': 'CONTROLLER:SASL_PLAINTEXT,PLAINTEXT:PLAINTEXT' })), [
    "sasl.mechanism.controller.protocol=GSSAPI is refused: the node's own connections to the SASL listener CONTROLLER authenticate with PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 only (GSSAPI and OAUTHBEARER clients are not built)",
  ]);
  assert.deepEqual(errorsOf(() => withProps({ 'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:SASL_SSL', 'sasl.mechanism.inter.broker.protocol': 'PLAIN' })), [
    'requirement failed: sasl.mechanism.inter.broker.protocol must be included in sasl.enabled.mechanisms when SASL is used for inter-broker communication',
  ]);
  assert.deepEqual(errorsOf(() => withProps({
    'listener.security.protocol.map': 'CONTROLLER:SASL_SSL,PLAINTEXT:SASL_SSL',
    'listener.name.plaintext.sasl.enabled.mechanisms': 'SCRAM-SHA-512',
    'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
    'sasl.mechanism.controller.protocol': 'PLAIN',
  })), []);
  assert.deepEqual(errorsOf(() => withProps({
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:SASL_PLAINTEXT',
    'sasl.enabled.mechanisms': 'OAUTHBEARER',
    'sasl.mechanism.inter.broker.protocol': 'OAUTHBEARER',
  })), [
    "sasl.mechanism.inter.broker.protocol=OAUTHBEARER is refused: the node's own connections to the SASL listener PLAINTEXT authenticate with PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 only (GSSAPI and OAUTHBEARER clients are not built)",
  ]);
  assert.deepEqual(errorsOf(() => withProps({ 'sasl.oauthbearer.token.endpoint.url': 'http://idp/token' })), [
    'sasl.oauthbearer.token.endpoint.url=http://idp/token is refused: this SASL setting is not supported (PLAIN, SCRAM and OAUTHBEARER, unsecured or JWKS-validated, on client listeners are)',
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
