// Re-authentication (KIP-368, connections.max.reauth.ms) and OAUTHBEARER with signed tokens validated against a
// JWKS file (Kafka's OAuthBearerValidatorCallbackHandler), through kafkajs and a raw client on a SASL_PLAINTEXT
// listener.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, waitFor, type TestBroker } from '../../helpers/broker.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';

const ISSUER = 'https://idp.test';
const AUDIENCE = 'kafka-test';
/** connections.max.reauth.ms of OAUTHBEARER (mechanism-prefixed) and of the listener's other mechanisms. */
const OAUTH_REAUTH_MS = 3000;
const PLAIN_REAUTH_MS = 1500;

let broker: TestBroker;
let port: number;
let dir: string;
let privateKey: CryptoKey;
let otherKey: CryptoKey;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reauth-'));
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const jwksPath = join(dir, 'jwks.json');
  await writeFile(jwksPath, JSON.stringify({ keys: [jwk] }));
  broker = await startBroker({
    overrides: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
      'sasl.enabled.mechanisms': 'PLAIN,OAUTHBEARER',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config':
        'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret" user_bob="bob-secret";',
      'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required ;',
      'listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler',
      'listener.name.sasl_plaintext.oauthbearer.sasl.oauthbearer.jwks.endpoint.url': pathToFileURL(jwksPath).href,
      'sasl.oauthbearer.expected.audience': AUDIENCE,
      'sasl.oauthbearer.expected.issuer': ISSUER,
      'sasl.oauthbearer.clock.skew.seconds': '0',
      'listener.name.sasl_plaintext.connections.max.reauth.ms': String(PLAIN_REAUTH_MS),
      'listener.name.sasl_plaintext.oauthbearer.connections.max.reauth.ms': String(OAUTH_REAUTH_MS),
      'connection.failed.authentication.delay.ms': '20',
    },
  });
  port = broker.server.boundPort('SASL_PLAINTEXT');
});
after(async () => {
  await broker.cleanup();
  await rm(dir, { recursive: true, force: true });
});

/** A signed token: `expS` seconds from now, issued now, for `sub`. */
function token(sub: string, expS: number, options: { key?: CryptoKey; audience?: string } = {}): Promise<string> {
  const nowS = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: 'kafka' })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setSubject(sub)
    .setIssuer(ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt(nowS)
    .setExpirationTime(nowS + expS)
    .sign(options.key ?? privateKey);
}

/** The open SASL_PLAINTEXT connections: id -> principal. */
function saslConnections(): Map<string, string> {
  return new Map(
    [...broker.server.brokerServer!.socketServer.connections]
      .filter((c) => c.context.listenerName === 'SASL_PLAINTEXT' && !c.closed)
      .map((c) => [c.context.connectionId, `${c.context.principal.principalType}:${c.context.principal.name}`]),
  );
}

async function handshake(mechanism: string): Promise<RawKafkaClient> {
  const client = await RawKafkaClient.connect(port);
  const response = await client.request<{ errorCode: number }>(ApiKeys.SaslHandshake, 1, { mechanism });
  assert.equal(response.errorCode, Errors.NONE);
  return client;
}

interface AuthenticateResponse {
  errorCode: number;
  errorMessage: string | null;
  authBytes: Buffer;
  sessionLifetimeMs: bigint;
}

function authenticate(client: RawKafkaClient, authBytes: Buffer | string): Promise<AuthenticateResponse> {
  return client.request<AuthenticateResponse>(ApiKeys.SaslAuthenticate, 2, { authBytes: Buffer.from(authBytes) });
}

const bearer = (jwt: string): string => `n,,\x01auth=Bearer ${jwt}\x01\x01`;

test('kafkajs with a signed OAUTHBEARER token works; expired, foreign-key and wrong-audience tokens are refused', { timeout: 60_000 }, async (t) => {
  const kafka = new Kafka({
    brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING,
    // kafkajs re-authenticates this long before the session ends (default 10 s: longer than the sessions here).
    reauthenticationThreshold: 1000,
    sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: await token('svc-reader', 600) }) },
  } as ConstructorParameters<typeof Kafka>[0]);
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic: 'jwks-topic', numPartitions: 1 }] });
  assert.ok((await admin.listTopics()).includes('jwks-topic'));
  assert.ok([...saslConnections().values()].includes('User:svc-reader'));

  const refused = async (jwt: string): Promise<void> => {
    const bad = new Kafka({
      brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 },
      sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: jwt }) },
    }).admin();
    await assert.rejects(async () => {
      await bad.connect();
      await bad.listTopics();
    });
    await bad.disconnect();
  };
  await refused(await token('late', -60));
  await refused(await token('forged', 600, { key: otherKey }));
  await refused(await token('elsewhere', 600, { audience: 'another-cluster' }));

  // On the wire: the RFC 6750 JSON as the challenge, then SASL_AUTHENTICATION_FAILED once the client sends \x01.
  const client = await handshake('OAUTHBEARER');
  const challenge = await authenticate(client, bearer(await token('late', -60)));
  assert.deepEqual([challenge.errorCode, challenge.authBytes.toString()], [Errors.NONE, '{"status":"invalid_token"}']);
  const failed = await authenticate(client, Buffer.from([1]));
  assert.deepEqual([failed.errorCode, failed.errorMessage], [Errors.SASL_AUTHENTICATION_FAILED, '{"status":"invalid_token"}']);
  await client.closed;
});

test('session_lifetime_ms: connections.max.reauth.ms per mechanism, bounded by the token exp', { timeout: 30_000 }, async () => {
  const plain = await handshake('PLAIN');
  const ok = await authenticate(plain, '\u0000alice\u0000alice-secret');
  assert.deepEqual([ok.errorCode, ok.sessionLifetimeMs], [Errors.NONE, BigInt(PLAIN_REAUTH_MS)]);
  plain.close();

  const oauth = await handshake('OAUTHBEARER');
  const long = await authenticate(oauth, bearer(await token('svc', 600)));
  assert.deepEqual([long.errorCode, long.sessionLifetimeMs], [Errors.NONE, BigInt(OAUTH_REAUTH_MS)]);
  oauth.close();

  // A token that expires in 2 s: the session ends at its exp, before connections.max.reauth.ms.
  const short = await handshake('OAUTHBEARER');
  const bounded = await authenticate(short, bearer(await token('svc', 2)));
  assert.equal(bounded.errorCode, Errors.NONE);
  assert.ok(bounded.sessionLifetimeMs > 0n && bounded.sessionLifetimeMs <= 2000n, String(bounded.sessionLifetimeMs));
  short.close();
});

test('kafkajs re-authenticates with fresh tokens on the same connection', { timeout: 60_000 }, async (t) => {
  let tokensIssued = 0;
  const kafka = new Kafka({
    brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING,
    // Re-authenticate 2 s before the session ends, i.e. about 1 s after each authentication.
    reauthenticationThreshold: 2000,
    sasl: {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => {
        tokensIssued++;
        return { value: await token('svc-reauth', 600) };
      },
    },
  } as ConstructorParameters<typeof Kafka>[0]);
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.listTopics();
  const before = new Set([...saslConnections()].filter(([, p]) => p === 'User:svc-reauth').map(([id]) => id));
  assert.ok(before.size > 0);
  const issuedAtStart = tokensIssued;
  // Keep using the connection for longer than two sessions: each use past the threshold re-authenticates first.
  await waitFor('two re-authentications', async () => {
    await admin.listTopics();
    return tokensIssued >= issuedAtStart + 2;
  }, 30_000, 200);
  await admin.listTopics();
  const afterIds = new Set([...saslConnections()].filter(([, p]) => p === 'User:svc-reauth').map(([id]) => id));
  assert.deepEqual(afterIds, before, 'the same connections, none closed or replaced');
});

test('a session that expires without re-authentication: the next request closes the connection, unanswered', { timeout: 30_000 }, async () => {
  const client = await handshake('PLAIN');
  const ok = await authenticate(client, '\u0000alice\u0000alice-secret');
  const authenticatedAt = performance.now();
  assert.equal(ok.errorCode, Errors.NONE);
  const metadata = await client.request<{ topics: unknown[] }>(ApiKeys.Metadata, 12, { topics: null });
  assert.ok(Array.isArray(metadata.topics));
  // Let the session run out (the premise of the test, not a wait for a condition).
  await new Promise((resolve) => setTimeout(resolve, PLAIN_REAUTH_MS + 100 - (performance.now() - authenticatedAt)));
  await assert.rejects(client.request(ApiKeys.Metadata, 12, { topics: null }), /closed/);
  await client.closed;
});

test('re-authentication on a raw connection: same principal works; another principal or mechanism closes the connection', { timeout: 30_000 }, async () => {
  const client = await handshake('PLAIN');
  assert.equal((await authenticate(client, '\u0000alice\u0000alice-secret')).errorCode, Errors.NONE);
  // Re-authenticate before the session ends: the connection goes on, with a new session.
  assert.equal((await client.request<{ errorCode: number }>(ApiKeys.SaslHandshake, 1, { mechanism: 'PLAIN' })).errorCode, Errors.NONE);
  const again = await authenticate(client, '\u0000alice\u0000alice-secret');
  assert.deepEqual([again.errorCode, again.sessionLifetimeMs], [Errors.NONE, BigInt(PLAIN_REAUTH_MS)]);
  const metadata = await client.request<{ topics: unknown[] }>(ApiKeys.Metadata, 12, { topics: null });
  assert.ok(Array.isArray(metadata.topics));
  // A second re-authentication within a second of the first is an ordinary SaslHandshake: ILLEGAL_SASL_STATE.
  const tooSoon = await client.request<{ errorCode: number }>(ApiKeys.SaslHandshake, 1, { mechanism: 'PLAIN' });
  assert.equal(tooSoon.errorCode, Errors.ILLEGAL_SASL_STATE);
  client.close();

  const switcher = await handshake('PLAIN');
  assert.equal((await authenticate(switcher, '\u0000alice\u0000alice-secret')).errorCode, Errors.NONE);
  await switcher.request(ApiKeys.SaslHandshake, 1, { mechanism: 'PLAIN' });
  const changed = await authenticate(switcher, '\u0000bob\u0000bob-secret');
  assert.deepEqual([changed.errorCode, changed.errorMessage], [Errors.SASL_AUTHENTICATION_FAILED, 'Cannot change principals during re-authentication from User.alice: User.bob']);
  await switcher.closed;

  const mechanism = await handshake('PLAIN');
  assert.equal((await authenticate(mechanism, '\u0000alice\u0000alice-secret')).errorCode, Errors.NONE);
  assert.equal((await mechanism.request<{ errorCode: number }>(ApiKeys.SaslHandshake, 1, { mechanism: 'OAUTHBEARER' })).errorCode, Errors.NONE);
  await assert.rejects(authenticate(mechanism, bearer(await token('alice', 600))), /closed/);
  await mechanism.closed;
});
