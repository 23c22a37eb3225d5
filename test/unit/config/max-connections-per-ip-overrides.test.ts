import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ConfigException } from '../../../src/config/config-exception.ts';
import { DEFAULT_SERVER_PROPERTIES } from '../../../src/config/default-server-properties.ts';
import { KafkaConfig } from '../../../src/config/kafka-config.ts';
import { parseMaxConnectionsPerIpOverrides } from '../../../src/config/max-connections-per-ip-overrides.ts';
import { connectionQuotaConfig } from '../../../src/server/socket-server-config.ts';

test('overrides parse as Kafka Csv.parseCsvMap: comma-separated, split at the last colon (IPv6), last one wins', () => {
  assert.deepEqual(parseMaxConnectionsPerIpOverrides(''), new Map());
  assert.deepEqual(
    parseMaxConnectionsPerIpOverrides(' 10.0.0.1:5 , broker-1.example.com:0,::1:7,fe80::1%eth0:3,10.0.0.1:6,'),
    new Map([['10.0.0.1', 6], ['broker-1.example.com', 0], ['::1', 7], ['fe80::1%eth0', 3]]),
  );
  assert.deepEqual(parseMaxConnectionsPerIpOverrides('h:+4,g:-1'), new Map([['h', 4], ['g', -1]]));
});

test("bad overrides fail with Kafka's messages", () => {
  assert.throws(() => parseMaxConnectionsPerIpOverrides('10.0.0.1'), {
    message: "Error parsing configuration property 'max.connections.per.ip.overrides': begin 0, end -1, length 8",
  });
  assert.throws(() => parseMaxConnectionsPerIpOverrides('a:1,b:x'), { message: 'For input string: "x"' });
  assert.throws(() => parseMaxConnectionsPerIpOverrides('a:'), { message: 'For input string: ""' });
  assert.throws(() => parseMaxConnectionsPerIpOverrides('a:2147483648'), { message: 'For input string: "2147483648"' });
  assert.throws(() => parseMaxConnectionsPerIpOverrides('a b:1,c/d:2,ok:3'), {
    message: 'max.connections.per.ip.overrides contains invalid addresses : a b,c/d',
  });
});

test('a broker config with bad overrides does not start, and a dynamic update with them is refused', () => {
  try {
    KafkaConfig.fromProps({ ...DEFAULT_SERVER_PROPERTIES, 'max.connections.per.ip.overrides': 'host:many' });
    assert.fail('expected a ConfigException');
  } catch (e) {
    assert.ok(e instanceof ConfigException);
    assert.match(e.errors.join('\n'), /max\.connections\.per\.ip\.overrides.*For input string: "many"/);
  }
  const errors = KafkaConfig.validateDynamicUpdate({ 'max.connections.per.ip.overrides': 'bad host:1' }, false);
  assert.match(errors.join('\n'), /contains invalid addresses : bad host/);
  assert.deepEqual(KafkaConfig.validateDynamicUpdate({ 'max.connections.per.ip.overrides': '10.1.1.1:3' }, false), []);
});

test('connection quotas of a broker config: listener overrides, else the broker-wide values; one object per config', () => {
  const config = KafkaConfig.fromProps({
    ...DEFAULT_SERVER_PROPERTIES,
    'max.connections': '100',
    'max.connection.creation.rate': '50',
    'listener.name.plaintext.max.connections': '7',
    'max.connections.per.ip': '0',
    'max.connections.per.ip.overrides': '127.0.0.1:3',
    'quota.window.size.seconds': '2',
  });
  const quotas = connectionQuotaConfig(config, ['PLAINTEXT', 'INTERNAL']);
  assert.equal(quotas, connectionQuotaConfig(config, ['PLAINTEXT', 'INTERNAL']));
  assert.deepEqual(quotas.listeners.get('PLAINTEXT'), { maxConnections: 7, maxConnectionCreationRate: 50 });
  assert.deepEqual(quotas.listeners.get('INTERNAL'), { maxConnections: 100, maxConnectionCreationRate: 50 });
  assert.equal(quotas.maxConnections, 100);
  assert.equal(quotas.maxConnectionsPerIp, 0);
  assert.deepEqual(quotas.maxConnectionsPerIpOverrides, new Map([['127.0.0.1', 3]]));
  assert.equal(quotas.interBrokerListenerName, 'PLAINTEXT');
  assert.equal(quotas.quotaWindowSizeMs, 2000);
  assert.equal(quotas.quotaWindowNum, 11);
});
