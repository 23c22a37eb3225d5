// SASL listeners served to real clients: kafkajs and kcat (librdkafka) authenticate with PLAIN (users from the
// listener's JAAS config) and produce and consume; a wrong password gets SASL_AUTHENTICATION_FAILED and nothing
// else happens; requests before authentication, oversize tokens and garbage SASL frames close that connection only.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import { startBroker, waitFor, type TestBroker } from '../../helpers/broker.ts';
import { canLogIn } from '../../helpers/kafkajs-login.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';

const run = promisify(execFile);

const SASL_OVERRIDES = {
  listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0',
  'advertised.listeners': 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
  'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
  'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
  'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config':
    'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredValidatorRequiredScope="kafka";',
  'listener.name.sasl_plaintext.plain.sasl.jaas.config':
    'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret" user_bob="b\\"ob";',
  'sasl.server.max.receive.size': '4096',
  'connection.failed.authentication.delay.ms': '50',
};

let broker: TestBroker;
let port: number;
before(async () => {
  broker = await startBroker({ overrides: SASL_OVERRIDES });
  port = broker.server.boundPort('SASL_PLAINTEXT');
});
after(() => broker.cleanup());

function saslConnections(): { principal: string }[] {
  return [...broker.server.brokerServer!.socketServer.connections]
    .filter((c) => c.context.listenerName === 'SASL_PLAINTEXT' && !c.closed)
    .map((c) => ({ principal: `${c.context.principal.principalType}:${c.context.principal.name}` }));
}

test('kafkajs with SASL PLAIN produces and consumes; its connections are User:alice', { timeout: 60_000 }, async (t) => {
  const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' }, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.createTopics({ topics: [{ topic: 'sasl-plain', numPartitions: 1 }] });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'sasl-plain', messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}` })) });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: 'sasl-plain-group' });
  const seen: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: 'sasl-plain', fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
  await waitFor('10 records consumed over SASL_PLAINTEXT', () => seen.length >= 10, 30_000);
  await consumer.disconnect();
  assert.deepEqual(seen, Array.from({ length: 10 }, (_, i) => `m${i}`));
  const connections = saslConnections();
  assert.ok(connections.length > 0);
  for (const c of connections) assert.equal(c.principal, 'User:alice');
});

test('kcat (librdkafka) with SASL PLAIN produces and consumes; a quoted JAAS password with an escaped quote works', { timeout: 60_000 }, async () => {
  const kcat = ['-b', `127.0.0.1:${port}`, '-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=PLAIN', '-X', 'sasl.username=bob', '-X', 'sasl.password=b"ob'];
  const produce = execFile('kcat', [...kcat, '-P', '-t', 'sasl-kcat']);
  produce.stdin!.end('a\nb\nc\n');
  await new Promise<void>((resolve, reject) => produce.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`kcat -P exited ${code}`)))));
  const { stdout } = await run('kcat', [...kcat, '-C', '-t', 'sasl-kcat', '-o', 'beginning', '-e', '-q']);
  assert.deepEqual(stdout.trim().split('\n'), ['a', 'b', 'c']);
});

test('@platformatic/kafka with SASL PLAIN creates a topic and produces; a wrong password is refused', { timeout: 60_000 }, async (t) => {
  const sasl = { mechanism: 'PLAIN' as const, username: 'alice', password: 'alice-secret' };
  const admin = new Admin({ clientId: 'pk-admin', bootstrapBrokers: [`127.0.0.1:${port}`], sasl });
  t.after(() => admin.close());
  await admin.createTopics({ topics: ['sasl-platformatic'], partitions: 1, replicas: 1 });
  const producer = new Producer({ clientId: 'pk-producer', bootstrapBrokers: [`127.0.0.1:${port}`], sasl, serializers: stringSerializers });
  t.after(() => producer.close());
  const result = await producer.send({ messages: [{ topic: 'sasl-platformatic', value: 'v1' }, { topic: 'sasl-platformatic', value: 'v2' }] });
  assert.equal(result.offsets?.[0]?.offset, 0n, 'the first batch of the topic');
  const wrong = new Admin({ clientId: 'pk-wrong', bootstrapBrokers: [`127.0.0.1:${port}`], sasl: { ...sasl, password: 'nope' }, retries: 0 });
  t.after(() => wrong.close());
  await assert.rejects(wrong.listTopics());
});

/** An unsecured JWS (alg none) with these claims. */
function unsecuredJws(claims: object): string {
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none' })}.${part(claims)}.`;
}

test('OAUTHBEARER with unsecured tokens: kafkajs with a valid token is User:<sub>; expired, unscoped and signed tokens are refused', { timeout: 60_000 }, async (t) => {
  const nowS = Math.floor(Date.now() / 1000);
  const connect = (token: string): Promise<boolean> => canLogIn(port, { sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: token }) } });
  const kafka = new Kafka({
    brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: unsecuredJws({ sub: 'oauth-user', iat: nowS, exp: nowS + 600, scope: 'kafka other' }) }) },
  });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.listTopics();
  assert.ok(saslConnections().some((c) => c.principal === 'User:oauth-user'));
  assert.equal(await connect(unsecuredJws({ sub: 'late', iat: nowS - 1200, exp: nowS - 600, scope: 'kafka' })), false);
  assert.equal(await connect(unsecuredJws({ sub: 'narrow', exp: nowS + 600, scope: 'other' })), false);
  assert.equal(await connect(`${unsecuredJws({ sub: 'signed', exp: nowS + 600, scope: 'kafka' })}c2lnbmF0dXJl`), false);

  // On the wire: the JSON error as the challenge, then SASL_AUTHENTICATION_FAILED with it once the client sends \x01.
  const client = await handshake('OAUTHBEARER');
  const expired = unsecuredJws({ sub: 'late', exp: nowS - 600, scope: 'kafka' });
  const challenge = await client.request<{ errorCode: number; authBytes: Buffer }>(ApiKeys.SaslAuthenticate, 2, { authBytes: Buffer.from(`n,,\x01auth=Bearer ${expired}\x01\x01`) });
  assert.equal(challenge.errorCode, Errors.NONE);
  assert.equal(challenge.authBytes.toString(), '{"status":"invalid_token"}');
  const failed = await client.request<{ errorCode: number; errorMessage: string }>(ApiKeys.SaslAuthenticate, 2, { authBytes: Buffer.from([1]) });
  assert.deepEqual([failed.errorCode, failed.errorMessage], [Errors.SASL_AUTHENTICATION_FAILED, '{"status":"invalid_token"}']);
  await client.closed;
});

/** Connects a raw client and runs ApiVersions + SaslHandshake v1 for `mechanism`. */
async function handshake(mechanism: string): Promise<RawKafkaClient> {
  const client = await RawKafkaClient.connect(port);
  await client.request(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
  const response = await client.request<{ errorCode: number; mechanisms: string[] }>(ApiKeys.SaslHandshake, 1, { mechanism });
  assert.equal(response.errorCode, Errors.NONE);
  assert.deepEqual(response.mechanisms, ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER']);
  return client;
}

test('a wrong password gets SASL_AUTHENTICATION_FAILED with Kafka\'s message after the delay, and the connection closes', { timeout: 30_000 }, async () => {
  const client = await handshake('PLAIN');
  const sentAt = performance.now();
  const response = await client.request<{ errorCode: number; errorMessage: string }>(ApiKeys.SaslAuthenticate, 2, { authBytes: Buffer.from('\u0000alice\u0000wrong') });
  // connection.failed.authentication.delay.ms=50 comes before the answer (a lower bound: slowness cannot fail it).
  assert.ok(performance.now() - sentAt >= 45);
  assert.equal(response.errorCode, Errors.SASL_AUTHENTICATION_FAILED);
  assert.equal(response.errorMessage, 'Authentication failed: Invalid username or password');
  await client.closed;

  // kafkajs with a wrong password: the error is SASL_AUTHENTICATION_FAILED and auto-creation never happens.
  const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], sasl: { mechanism: 'plain', username: 'alice', password: 'nope' }, logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await assert.rejects(producer.connect(), (err: Error & { type?: string }) => err.type === 'SASL_AUTHENTICATION_FAILED' || /SASL/.test(err.message));
  await producer.disconnect();
});

test('an unsupported mechanism gets UNSUPPORTED_SASL_MECHANISM with the enabled list, then the connection closes', { timeout: 30_000 }, async () => {
  const client = await RawKafkaClient.connect(port);
  const response = await client.request<{ errorCode: number; mechanisms: string[] }>(ApiKeys.SaslHandshake, 1, { mechanism: 'GSSAPI' });
  assert.equal(response.errorCode, Errors.UNSUPPORTED_SASL_MECHANISM);
  assert.deepEqual(response.mechanisms, ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER']);
  await client.closed;
});

test('bad input closes that connection only: a request before the handshake, one during authentication, an oversize token, garbage', { timeout: 30_000 }, async () => {
  const bystander = await handshake('PLAIN');
  const ok = await bystander.request<{ errorCode: number }>(ApiKeys.SaslAuthenticate, 1, { authBytes: Buffer.from('\u0000alice\u0000alice-secret') });
  assert.equal(ok.errorCode, Errors.NONE);

  // Metadata before any handshake: closed without a response (Kafka's InvalidRequestException), nothing created.
  const early = await RawKafkaClient.connect(port);
  await assert.rejects(early.request(ApiKeys.Metadata, 12, { topics: [{ name: 'auto-before-auth', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: true }));
  await early.closed;

  // Metadata after the handshake, instead of SaslAuthenticate: ILLEGAL_SASL_STATE in Metadata's response, then closed.
  const during = await handshake('PLAIN');
  const illegal = await during.request<{ topics: { errorCode: number }[] }>(ApiKeys.Metadata, 12, { topics: [{ name: 'auto-during-auth', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: true });
  assert.equal(illegal.topics[0]!.errorCode, Errors.ILLEGAL_SASL_STATE);
  await during.closed;

  // A frame larger than sasl.server.max.receive.size (4096 here) before authentication: closed at its size prefix.
  const oversize = await handshake('PLAIN');
  const size = Buffer.alloc(4);
  size.writeInt32BE(1 << 20);
  oversize.send(size);
  await oversize.closed;

  // Garbage instead of a request header, and a v0 raw token that is not PLAIN.
  const garbage = await RawKafkaClient.connect(port);
  garbage.sendFrame(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
  await garbage.closed;
  const raw = await RawKafkaClient.connect(port);
  await raw.request(ApiKeys.SaslHandshake, 0, { mechanism: 'PLAIN' });
  raw.sendFrame(Buffer.from([0xff, 0x00]));
  assert.equal(await raw.nextUnclaimed(5_000), null);

  // Pipelined behind the handshake: nothing is dispatched before authentication completes.
  const pipelined = await RawKafkaClient.connect(port);
  const hs = pipelined.request(ApiKeys.SaslHandshake, 1, { mechanism: 'PLAIN' });
  const md = pipelined.request(ApiKeys.Metadata, 12, { topics: [{ name: 'auto-pipelined', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: true });
  await hs;
  const mdResponse = await md.then((r) => r as { topics: { errorCode: number }[] }, () => null);
  assert.ok(mdResponse === null || mdResponse.topics[0]!.errorCode === Errors.ILLEGAL_SASL_STATE);
  await pipelined.closed;

  // The authenticated bystander is unaffected, and none of those topics exists.
  const metadata = await bystander.request<{ topics: { name: string }[] }>(ApiKeys.Metadata, 12, { topics: null, allowAutoTopicCreation: false });
  assert.deepEqual(metadata.topics.map((t) => t.name).filter((n) => n.startsWith('auto-')), []);
  bystander.socket.destroy();
});
