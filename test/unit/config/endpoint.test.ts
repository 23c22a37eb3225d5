import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseEndpoints, parseListenerSecurityProtocolMap } from '../../../src/config/endpoint.ts';
import { parseBootstrapServers, parseQuorumVoters } from '../../../src/config/quorum-voter.ts';

const plaintext = () => 'PLAINTEXT' as const;

test('listeners parse with empty host, IPv6 brackets and lower-case names', () => {
  assert.deepEqual(parseEndpoints('plaintext://:9092, SSL://[::1]:9093,INTERNAL://host.example:0', plaintext), [
    { listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: null, port: 9092 },
    { listenerName: 'SSL', securityProtocol: 'PLAINTEXT', host: '::1', port: 9093 },
    { listenerName: 'INTERNAL', securityProtocol: 'PLAINTEXT', host: 'host.example', port: 0 },
  ]);
  assert.deepEqual(parseEndpoints('', plaintext), []);
});

test('malformed, duplicate or unmapped listeners are errors', () => {
  assert.throws(() => parseEndpoints('PLAINTEXT//:9092', plaintext), /Unable to parse/);
  assert.throws(() => parseEndpoints('PLAINTEXT://:9092,plaintext://:9093', plaintext), /Each listener must have a different name/);
  assert.throws(() => parseEndpoints('PLAINTEXT://:70000', plaintext), /Invalid port/);
  assert.throws(() => parseEndpoints('X://:1', () => undefined), /No security protocol defined for listener X/);
});

test('the security protocol map upper-cases names and checks protocols', () => {
  assert.deepEqual([...parseListenerSecurityProtocolMap('controller:plaintext, EXT : SASL_SSL')], [
    ['CONTROLLER', 'PLAINTEXT'],
    ['EXT', 'SASL_SSL'],
  ]);
  assert.throws(() => parseListenerSecurityProtocolMap('A:TLS'), /Invalid security protocol/);
});

test('quorum voters and bootstrap servers', () => {
  assert.deepEqual(parseQuorumVoters(['1@localhost:9093', '2@[::1]:9094']), [
    { id: 1, host: 'localhost', port: 9093 },
    { id: 2, host: '::1', port: 9094 },
  ]);
  assert.throws(() => parseQuorumVoters(['1localhost:9093']), /\{id\}@\{host\}:\{port\}/);
  assert.throws(() => parseQuorumVoters(['x@localhost:9093']), /Failed to parse voter ID/);
  assert.throws(() => parseQuorumVoters(['1@0.0.0.0:9093']), /not routeable/);
  assert.deepEqual(parseQuorumVoters(['1@0.0.0.0:9093'], false), [{ id: 1, host: '0.0.0.0', port: 9093 }]);
  assert.throws(() => parseQuorumVoters(['1@a:1', '1@b:2']), /Duplicate voter id 1/);
  assert.deepEqual(parseBootstrapServers(['c1:9093']), [{ host: 'c1', port: 9093 }]);
  assert.throws(() => parseBootstrapServers(['c1']), /Failed to parse host name and port/);
});
