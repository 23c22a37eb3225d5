import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlainSaslServer } from '../../../../src/security/sasl/plain-sasl-server.ts';
import { parseJaasConfig } from '../../../../src/security/sasl/jaas-config.ts';

const users = new Map([['alice', 'alice-pw'], ['bob', 'b"ob']]);
const plain = (): PlainSaslServer => new PlainSaslServer((name) => users.get(name));

test('PLAIN accepts the right password, with or without an authorization id equal to the user', () => {
  for (const token of ['\u0000alice\u0000alice-pw', 'alice\u0000alice\u0000alice-pw']) {
    const server = plain();
    assert.deepEqual(server.evaluateResponse(Buffer.from(token)), Buffer.alloc(0));
    assert.equal(server.complete, true);
    assert.equal(server.authorizationId, 'alice');
  }
});

test("PLAIN failures carry Kafka's messages", () => {
  const cases: [string, string][] = [
    ['\u0000alice\u0000wrong', 'Authentication failed: Invalid username or password'],
    ['\u0000mallory\u0000x', 'Authentication failed: Invalid username or password'],
    ['\u0000\u0000x', 'Authentication failed: username not specified'],
    ['\u0000alice\u0000', 'Authentication failed: password not specified'],
    ['bob\u0000alice\u0000alice-pw', 'Authentication failed: Client requested an authorization id that is different from username'],
    ['alice-pw', 'Invalid SASL/PLAIN response: expected 3 tokens, got 1'],
    ['a\u0000b\u0000c\u0000d', 'Invalid SASL/PLAIN response: expected 3 tokens, got 4'],
  ];
  for (const [token, message] of cases) {
    const server = plain();
    assert.throws(() => server.evaluateResponse(Buffer.from(token)), { message });
    assert.equal(server.complete, false);
    assert.throws(() => server.authorizationId);
  }
});

test('JAAS config: Kafka syntax with quoted values, escapes, several options, comments; errors never show values', () => {
  const [m] = parseJaasConfig('org.apache.kafka.common.security.plain.PlainLoginModule required\n  username="admin" /* c */ password=admin-secret\n  user_bob="b\\"ob";');
  assert.equal(m!.loginModule, 'org.apache.kafka.common.security.plain.PlainLoginModule');
  assert.equal(m!.controlFlag, 'required');
  assert.deepEqual([...m!.options], [['username', 'admin'], ['password', 'admin-secret'], ['user_bob', 'b"ob']]);
  for (const bad of ['', 'Module;', 'Module required user_a="secret"', 'Module required user_a;', 'Module required user_a= ;', 'Module maybe x="1";', 'Module required x="unterminated;']) {
    assert.throws(() => parseJaasConfig(bad), (e: Error) => /^Invalid JAAS config/.test(e.message) && !e.message.includes('secret'), bad);
  }
});
