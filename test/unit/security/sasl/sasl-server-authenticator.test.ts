import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Reader } from '../../../../src/protocol/reader.ts';
import { Writer, type OutputChunk } from '../../../../src/protocol/writer.ts';
import { encodeRequestHeader } from '../../../../src/protocol/request-header.ts';
import { decodeResponseHeader } from '../../../../src/protocol/response-header.ts';
import { API_MESSAGES, requestHeaderVersion, responseHeaderVersion } from '../../../../src/protocol/generated/api-messages.ts';
import { ApiKeys } from '../../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../../src/protocol/generated/errors.ts';
import { rootLogger } from '../../../../src/observability/logger.ts';
import { SaslServerAuthenticator, SaslInvalidRequestError } from '../../../../src/security/sasl/sasl-server-authenticator.ts';
import { PlainSaslServer } from '../../../../src/security/sasl/plain-sasl-server.ts';
import type { AuthenticationStep, AuthenticatorServices } from '../../../../src/security/sasl/channel-authenticator.ts';

function frame(apiKey: number, version: number, body: object, correlationId = 7): Buffer {
  const w = new Writer(64);
  encodeRequestHeader(w, requestHeaderVersion(apiKey, version), { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: 'test' });
  API_MESSAGES.get(apiKey)!.encodeRequest(w, version, body as never);
  return w.toBuffer();
}

function decode<T>(apiKey: number, version: number, chunks: OutputChunk[] | null): T {
  const r = new Reader(Buffer.concat(chunks as Buffer[]));
  decodeResponseHeader(r, responseHeaderVersion(apiKey, version));
  return API_MESSAGES.get(apiKey)!.decodeResponse(r, version) as T;
}

const forwarded: Buffer[] = [];
const services: AuthenticatorServices = {
  handle: (f) => {
    forwarded.push(f);
    return [Buffer.from('api-versions-answer')];
  },
  errorResponse: (f, code) => (f.readInt16BE(0) === ApiKeys.Metadata ? [Buffer.from(`error ${code}`)] : null),
};

function authenticator(mechanisms = ['PLAIN', 'SCRAM-SHA-256']): SaslServerAuthenticator {
  return new SaslServerAuthenticator(
    { enabledMechanisms: mechanisms, connectionsMaxReauthMs: new Map(), newSaslServer: () => new PlainSaslServer((u) => (u === 'alice' ? 'pw' : undefined)), logger: rootLogger },
    { connectionId: 'c1', listenerName: 'SASL_PLAINTEXT', clientAddress: '127.0.0.1', clientPort: 5000 },
    services,
  );
}

const step = (a: SaslServerAuthenticator, f: Buffer): AuthenticationStep => a.authenticate(f) as AuthenticationStep;

test('ApiVersions then SaslHandshake v1 then SaslAuthenticate: authenticated as User:alice', () => {
  const a = authenticator();
  const versions = step(a, frame(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }));
  assert.deepEqual(versions, { response: [Buffer.from('api-versions-answer')], outcome: 'continue' });
  assert.equal(a.state, 'HANDSHAKE_REQUEST');
  const hs = step(a, frame(ApiKeys.SaslHandshake, 1, { mechanism: 'PLAIN' }));
  assert.equal(hs.outcome, 'continue');
  assert.deepEqual(decode(ApiKeys.SaslHandshake, 1, hs.response), { errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256'] });
  const auth = step(a, frame(ApiKeys.SaslAuthenticate, 2, { authBytes: Buffer.from('\u0000alice\u0000pw') }));
  assert.equal(auth.outcome, 'authenticated');
  assert.deepEqual(auth.principal, { principalType: 'User', name: 'alice', tokenAuthenticated: false });
  const body = decode<{ errorCode: number; sessionLifetimeMs: bigint }>(ApiKeys.SaslAuthenticate, 2, auth.response);
  assert.equal(body.errorCode, 0);
  assert.equal(body.sessionLifetimeMs, 0n);
  assert.equal(a.state, 'COMPLETE');
  assert.throws(() => a.authenticate(frame(ApiKeys.Metadata, 12, { topics: null })), SaslInvalidRequestError);
});

test('SaslHandshake v0: the next frame is a raw token and the answer a raw token; a bad token fails without a response', () => {
  const a = authenticator();
  assert.equal(step(a, frame(ApiKeys.SaslHandshake, 0, { mechanism: 'PLAIN' })).outcome, 'continue');
  assert.deepEqual(step(a, Buffer.from('\u0000alice\u0000pw')), { response: [Buffer.alloc(0)], outcome: 'authenticated', principal: { principalType: 'User', name: 'alice', tokenAuthenticated: false }, mechanism: 'PLAIN', sessionLifetimeMs: null });
  const b = authenticator();
  step(b, frame(ApiKeys.SaslHandshake, 0, { mechanism: 'PLAIN' }));
  assert.deepEqual(step(b, Buffer.from('\u0000alice\u0000nope')), { response: null, outcome: 'failed' });
});

test('wrong password: SASL_AUTHENTICATION_FAILED with the mechanism message; unknown mechanism: UNSUPPORTED_SASL_MECHANISM', () => {
  const a = authenticator();
  step(a, frame(ApiKeys.SaslHandshake, 1, { mechanism: 'PLAIN' }));
  const failed = step(a, frame(ApiKeys.SaslAuthenticate, 1, { authBytes: Buffer.from('\u0000alice\u0000nope') }));
  assert.equal(failed.outcome, 'failed');
  assert.deepEqual(decode(ApiKeys.SaslAuthenticate, 1, failed.response), {
    errorCode: Errors.SASL_AUTHENTICATION_FAILED, errorMessage: 'Authentication failed: Invalid username or password', authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n,
  });
  assert.equal(a.state, 'FAILED');
  const b = authenticator(['SCRAM-SHA-512']);
  const unsupported = step(b, frame(ApiKeys.SaslHandshake, 1, { mechanism: 'PLAIN' }));
  assert.equal(unsupported.outcome, 'failed');
  assert.deepEqual(decode(ApiKeys.SaslHandshake, 1, unsupported.response), { errorCode: Errors.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['SCRAM-SHA-512'] });
});

test('out-of-order frames: a request before the handshake, two ApiVersions, another request in place of SaslAuthenticate', () => {
  assert.throws(() => authenticator().authenticate(frame(ApiKeys.Metadata, 12, { topics: null })), /Invalid request, potential reasons.*Unexpected Kafka request of type METADATA during SASL handshake/);
  assert.throws(() => authenticator().authenticate(Buffer.from([1, 2, 3])), SaslInvalidRequestError);
  const twice = authenticator();
  step(twice, frame(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }));
  assert.throws(() => twice.authenticate(frame(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' })), /Unexpected ApiVersions request/);
  const during = authenticator();
  step(during, frame(ApiKeys.SaslHandshake, 1, { mechanism: 'PLAIN' }));
  assert.deepEqual(step(during, frame(ApiKeys.Metadata, 12, { topics: null })), { response: [Buffer.from(`error ${Errors.ILLEGAL_SASL_STATE}`)], outcome: 'failed' });
  const unparsable = authenticator();
  step(unparsable, frame(ApiKeys.SaslHandshake, 1, { mechanism: 'PLAIN' }));
  assert.throws(() => unparsable.authenticate(frame(ApiKeys.ListOffsets, 9, { replicaId: -1, isolationLevel: 0, topics: [] })), /Unexpected Kafka request of type LIST_OFFSETS during SASL authentication/);
  const badVersion = authenticator();
  assert.throws(() => badVersion.authenticate(Buffer.concat([frame(ApiKeys.SaslHandshake, 1, { mechanism: 'PLAIN' }).subarray(0, 2), Buffer.from([0, 9]), Buffer.alloc(8)])), /unsupported SaslHandshake version 9/);
});

test('sessions (KIP-368): connections.max.reauth.ms per mechanism, a credential lifetime bounds it even without it', () => {
  const connection = { connectionId: 'c2', listenerName: 'SASL_PLAINTEXT', clientAddress: '127.0.0.1', clientPort: 5001 };
  const expiring = (credentialLifetimeMs: number | undefined): PlainSaslServer => {
    const server = new PlainSaslServer((u) => (u === 'alice' ? 'pw' : undefined));
    Object.defineProperty(server, 'credentialLifetimeMs', { value: credentialLifetimeMs });
    return server;
  };
  const lifetime = (maxReauthMs: number, credentialLifetimeMs: number | undefined): number | null | undefined => {
    const a = new SaslServerAuthenticator(
      { enabledMechanisms: ['PLAIN'], connectionsMaxReauthMs: new Map([['PLAIN', maxReauthMs]]), newSaslServer: () => expiring(credentialLifetimeMs), logger: rootLogger },
      connection,
      services,
    );
    step(a, frame(ApiKeys.SaslHandshake, 1, { mechanism: 'PLAIN' }));
    const done = step(a, frame(ApiKeys.SaslAuthenticate, 2, { authBytes: Buffer.from('\u0000alice\u0000pw') }));
    assert.equal(done.outcome, 'authenticated');
    const body = decode<{ sessionLifetimeMs: bigint }>(ApiKeys.SaslAuthenticate, 2, done.response);
    assert.equal(body.sessionLifetimeMs, BigInt(done.sessionLifetimeMs ?? 0));
    return done.sessionLifetimeMs;
  };
  assert.equal(lifetime(0, undefined), null);
  assert.equal(lifetime(5000, undefined), 5000);
  const bounded = lifetime(0, Date.now() + 2000)!;
  assert.ok(bounded > 1000 && bounded <= 2000, String(bounded));
  assert.equal(lifetime(500, Date.now() + 60_000), 500);
  assert.equal(lifetime(5000, Date.now() - 1000), 0, 'an already expired credential: never negative');
});

test('re-authentication: the same mechanism and principal; another principal fails, another mechanism fails on the next frame', () => {
  const connection = { connectionId: 'c3', listenerName: 'SASL_PLAINTEXT', clientAddress: '127.0.0.1', clientPort: 5002 };
  const users = new Map([['alice', 'pw'], ['bob', 'pw2']]);
  const reauth = (): SaslServerAuthenticator => new SaslServerAuthenticator(
    { enabledMechanisms: ['PLAIN', 'SCRAM-SHA-256'], connectionsMaxReauthMs: new Map([['PLAIN', 1000]]), newSaslServer: () => new PlainSaslServer((u) => users.get(u)), logger: rootLogger },
    connection,
    services,
    { previousMechanism: 'PLAIN', previousPrincipal: { principalType: 'User', name: 'alice', tokenAuthenticated: false } },
  );
  const same = reauth();
  assert.equal(same.state, 'REAUTH_PROCESS_HANDSHAKE');
  assert.equal(step(same, frame(ApiKeys.SaslHandshake, 1, { mechanism: 'PLAIN' })).outcome, 'continue');
  const ok = step(same, frame(ApiKeys.SaslAuthenticate, 2, { authBytes: Buffer.from('\u0000alice\u0000pw') }));
  assert.deepEqual([ok.outcome, ok.sessionLifetimeMs], ['authenticated', 1000]);

  const other = reauth();
  step(other, frame(ApiKeys.SaslHandshake, 1, { mechanism: 'PLAIN' }));
  const changed = step(other, frame(ApiKeys.SaslAuthenticate, 2, { authBytes: Buffer.from('\u0000bob\u0000pw2') }));
  assert.equal(changed.outcome, 'failed');
  assert.deepEqual(decode<{ errorCode: number; errorMessage: string }>(ApiKeys.SaslAuthenticate, 2, changed.response).errorMessage, 'Cannot change principals during re-authentication from User.alice: User.bob');

  const wrong = reauth();
  step(wrong, frame(ApiKeys.SaslHandshake, 1, { mechanism: 'PLAIN' }));
  const bad = step(wrong, frame(ApiKeys.SaslAuthenticate, 2, { authBytes: Buffer.from('\u0000alice\u0000nope') }));
  assert.equal(decode<{ errorMessage: string }>(ApiKeys.SaslAuthenticate, 2, bad.response).errorMessage, 'Authentication failed: Invalid username or password');

  const switched = reauth();
  const hs = step(switched, frame(ApiKeys.SaslHandshake, 1, { mechanism: 'SCRAM-SHA-256' }));
  assert.deepEqual([hs.outcome, decode<{ errorCode: number }>(ApiKeys.SaslHandshake, 1, hs.response).errorCode], ['continue', Errors.NONE]);
  assert.equal(switched.state, 'REAUTH_BAD_MECHANISM');
  assert.deepEqual(step(switched, frame(ApiKeys.SaslAuthenticate, 2, { authBytes: Buffer.from('n,,n=alice,r=abc') })), { response: null, outcome: 'failed' });
});
