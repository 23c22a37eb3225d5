import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKeys } from '../../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../../src/protocol/generated/errors.ts';
import { PlainSaslClient } from '../../../../src/security/client/plain-sasl-client.ts';
import { SaslClientAuthenticator } from '../../../../src/security/client/sasl-client-authenticator.ts';
import { PlainSaslServer } from '../../../../src/security/sasl/plain-sasl-server.ts';

const handshakeOk = { errorCode: Errors.NONE, mechanisms: ['PLAIN'] };

test('PLAIN: SaslHandshake v1, then one SaslAuthenticate (v0-2) whose token our PlainSaslServer accepts; the session lifetime is kept', async () => {
  const a = new SaslClientAuthenticator(new PlainSaslClient('broker', 'pw'));
  assert.deepEqual(a.start(), { apiKey: ApiKeys.SaslHandshake, minVersion: 1, maxVersion: 1, body: { mechanism: 'PLAIN' } });
  assert.throws(() => a.start(), /already started/);
  const authenticate = await a.onResponse(ApiKeys.SaslHandshake, 1, handshakeOk);
  assert.ok(authenticate !== null);
  assert.deepEqual([authenticate.apiKey, authenticate.minVersion, authenticate.maxVersion], [ApiKeys.SaslAuthenticate, 0, 2]);
  const token = (authenticate.body as { authBytes: Buffer }).authBytes;
  assert.deepEqual(token, Buffer.from('\0broker\0pw'));
  const server = new PlainSaslServer((name) => (name === 'broker' ? 'pw' : undefined));
  const answer = server.evaluateResponse(token);
  assert.equal(server.authorizationId, 'broker');
  assert.equal(await a.onResponse(ApiKeys.SaslAuthenticate, 2, { errorCode: Errors.NONE, errorMessage: null, authBytes: answer, sessionLifetimeMs: 3_600_000n }), null);
  assert.equal(a.complete, true);
  assert.equal(a.sessionLifetimeMs, 3_600_000n);
});

test('refusals carry Kafka\'s messages: mechanism not enabled, illegal state, failed credentials, an unexpected response', async () => {
  const started = (): SaslClientAuthenticator => {
    const a = new SaslClientAuthenticator(new PlainSaslClient('u', 'p'));
    a.start();
    return a;
  };
  await assert.rejects(started().onResponse(ApiKeys.SaslHandshake, 1, { errorCode: Errors.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['SCRAM-SHA-512', 'GSSAPI'] }),
    /^SaslClientError: Client SASL mechanism 'PLAIN' not enabled in the server, enabled mechanisms are \[SCRAM-SHA-512, GSSAPI\]$/);
  await assert.rejects(started().onResponse(ApiKeys.SaslHandshake, 1, { errorCode: Errors.ILLEGAL_SASL_STATE, mechanisms: [] }),
    /Unexpected handshake request with client mechanism PLAIN, enabled mechanisms are \[\]/);
  await assert.rejects(started().onResponse(ApiKeys.SaslHandshake, 1, { errorCode: Errors.UNKNOWN_SERVER_ERROR, mechanisms: [] }),
    /Unknown error code UNKNOWN_SERVER_ERROR, client mechanism is PLAIN/);
  const failed = started();
  await failed.onResponse(ApiKeys.SaslHandshake, 1, handshakeOk);
  await assert.rejects(failed.onResponse(ApiKeys.SaslAuthenticate, 0, { errorCode: Errors.SASL_AUTHENTICATION_FAILED, errorMessage: 'Authentication failed: Invalid username or password', authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n }),
    /^SaslClientError: Authentication failed: Invalid username or password$/);
  assert.equal(failed.complete, false);
  await assert.rejects(failed.onResponse(ApiKeys.SaslAuthenticate, 0, { errorCode: Errors.NONE, errorMessage: null, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n }), /in SASL client state FAILED/);
  await assert.rejects(started().onResponse(ApiKeys.Metadata, 12, {}), /Unexpected response of API key 3 in SASL client state RECEIVE_HANDSHAKE_RESPONSE/);
  const noMessage = started();
  await noMessage.onResponse(ApiKeys.SaslHandshake, 1, handshakeOk);
  await assert.rejects(noMessage.onResponse(ApiKeys.SaslAuthenticate, 0, { errorCode: Errors.ILLEGAL_SASL_STATE, errorMessage: null, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n }),
    /ILLEGAL_SASL_STATE during PLAIN authentication/);
  assert.throws(() => new PlainSaslClient('a\0b', 'p'), RangeError);
});
