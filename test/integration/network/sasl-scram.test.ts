// SCRAM-SHA-256/512 on SASL_PLAINTEXT and SASL_SSL listeners with real clients: credentials created through
// AlterUserScramCredentials (our raw client: kafkajs has no call for it) work for new connections of kafkajs and
// kcat (PLAIN: see below for its SCRAM), DescribeUserScramCredentials lists them without secrets, and deleted ones stop working.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { startBroker, waitFor, type TestBroker } from '../../helpers/broker.ts';
import { createTestPki, type TestPki } from '../../helpers/tls-certificates.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import { SCRAM_SHA_256, SCRAM_SHA_512, scramSaltedPassword, type ScramMechanism } from '../../../src/security/sasl/scram-mechanism.ts';
import { canLogIn } from '../../helpers/kafkajs-login.ts';

const run = promisify(execFile);

let pki: TestPki;
let broker: TestBroker;
let saslPort: number;
let sslPort: number;
let admin: RawKafkaClient;

before(async () => {
  pki = await createTestPki();
  const keystore = join(pki.dir, 'broker-keystore.pem');
  await writeFile(keystore, `${pki.server.key}\n${pki.server.cert}`);
  broker = await startBroker({
    overrides: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,CONTROLLER://127.0.0.1:0',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0',
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512',
      'listener.name.sasl_ssl.sasl.enabled.mechanisms': 'SCRAM-SHA-512,PLAIN',
      'listener.name.sasl_ssl.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_frank="frank-pw";',
      'listener.name.sasl_ssl.ssl.keystore.type': 'PEM',
      'listener.name.sasl_ssl.ssl.keystore.location': keystore,
      'connection.failed.authentication.delay.ms': '0',
    },
  });
  saslPort = broker.server.boundPort('SASL_PLAINTEXT');
  sslPort = broker.server.boundPort('SASL_SSL');
  admin = await RawKafkaClient.connect(broker.port);
});
after(async () => {
  admin?.socket.destroy();
  await broker?.cleanup();
  await pki?.cleanup();
});

interface AlterResult {
  results: { user: string; errorCode: number; errorMessage: string | null }[];
}

function upsertion(name: string, m: ScramMechanism, password: string, iterations = 4096): object {
  const salt = randomBytes(16);
  return { name, mechanism: m.type, iterations, salt, saltedPassword: scramSaltedPassword(m, password, salt, iterations) };
}

function canConnect(port: number, sasl: SASLOptions, ssl = false): Promise<boolean> {
  return canLogIn(port, { sasl, ...(ssl ? { ssl: { ca: [pki.ca.cert], servername: 'localhost' } } : {}) });
}

test('credentials made by AlterUserScramCredentials authenticate kafkajs (SCRAM-SHA-256 and -512); Describe lists them; deleted ones stop working', { timeout: 90_000 }, async () => {
  const created = await admin.request<AlterResult>(ApiKeys.AlterUserScramCredentials, 0, {
    deletions: [],
    upsertions: [upsertion('alice', SCRAM_SHA_256, 'alice-pw'), upsertion('carol', SCRAM_SHA_512, 'carol-pw', 8192)],
  });
  assert.deepEqual(created.results.map((r) => [r.user, r.errorCode]), [['alice', 0], ['carol', 0]]);

  // Iteration bounds and duplicates are refused by the controller, as Kafka's ScramControlManager.
  const refused = await admin.request<AlterResult>(ApiKeys.AlterUserScramCredentials, 0, {
    deletions: [{ name: 'nobody', mechanism: 1 }],
    upsertions: [upsertion('few', SCRAM_SHA_256, 'x', 4095), upsertion('many', SCRAM_SHA_512, 'x', 16385)],
  });
  assert.deepEqual(refused.results.map((r) => [r.user, r.errorCode, r.errorMessage]), [
    ['nobody', Errors.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist'],
    ['few', Errors.UNACCEPTABLE_CREDENTIAL, 'Too few iterations'],
    ['many', Errors.UNACCEPTABLE_CREDENTIAL, 'Too many iterations'],
  ]);

  const described = await admin.request<{ errorCode: number; results: { user: string; errorCode: number; credentialInfos: { mechanism: number; iterations: number }[] }[] }>(
    ApiKeys.DescribeUserScramCredentials, 0, { users: [{ name: 'alice' }, { name: 'carol' }, { name: 'ghost' }] });
  assert.deepEqual(described.results.map((r) => [r.user, r.errorCode, r.credentialInfos]), [
    ['alice', 0, [{ mechanism: 1, iterations: 4096 }]],
    ['carol', 0, [{ mechanism: 2, iterations: 8192 }]],
    ['ghost', Errors.RESOURCE_NOT_FOUND, []],
  ]);

  // The brokers' image follows the controller's commit: poll until the credential is visible.
  await waitFor('alice can authenticate', () => canConnect(saslPort, { mechanism: 'scram-sha-256', username: 'alice', password: 'alice-pw' }), 15_000, 100);
  assert.equal(await canConnect(saslPort, { mechanism: 'scram-sha-512', username: 'carol', password: 'carol-pw' }), true);
  assert.equal(await canConnect(saslPort, { mechanism: 'scram-sha-256', username: 'alice', password: 'wrong' }), false);
  // alice has no SCRAM-SHA-512 credential.
  assert.equal(await canConnect(saslPort, { mechanism: 'scram-sha-512', username: 'alice', password: 'alice-pw' }), false);

  const deleted = await admin.request<AlterResult>(ApiKeys.AlterUserScramCredentials, 0, { deletions: [{ name: 'alice', mechanism: 1 }], upsertions: [] });
  assert.deepEqual(deleted.results.map((r) => [r.user, r.errorCode]), [['alice', 0]]);
  await waitFor('alice can no longer authenticate', async () => !(await canConnect(saslPort, { mechanism: 'scram-sha-256', username: 'alice', password: 'alice-pw' })), 15_000, 100);
});

test('SASL_SSL with SCRAM-SHA-512 (kafkajs) and PLAIN (kcat): produce and consume; SCRAM-SHA-256 is not enabled on that listener; the SCRAM of librdkafka 2.0 is refused as Kafka 4 refuses it', { timeout: 90_000 }, async () => {
  const created = await admin.request<AlterResult>(ApiKeys.AlterUserScramCredentials, 0, {
    deletions: [],
    upsertions: [upsertion('dave', SCRAM_SHA_512, 'dave-pw'), upsertion('erin', SCRAM_SHA_256, 'erin-pw')],
  });
  assert.deepEqual(created.results.map((r) => r.errorCode), [0, 0]);
  const sasl: SASLOptions = { mechanism: 'scram-sha-512', username: 'dave', password: 'dave-pw' };
  await waitFor('dave can authenticate over SASL_SSL', () => canConnect(sslPort, sasl, true), 15_000, 100);
  assert.equal(await canConnect(sslPort, { mechanism: 'scram-sha-256', username: 'erin', password: 'erin-pw' }, true), false);

  const kafka = new Kafka({ brokers: [`127.0.0.1:${sslPort}`], sasl, ssl: { ca: [pki.ca.cert], servername: 'localhost' }, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  await producer.send({ topic: 'scram-ssl', messages: [{ value: 'x' }, { value: 'y' }] });
  await producer.disconnect();
  const connections = [...broker.server.brokerServer!.socketServer.connections].filter((c) => c.context.listenerName === 'SASL_SSL' && !c.closed);
  for (const c of connections) {
    assert.equal(c.context.principal.name, 'dave');
    assert.equal(c.zeroCopy, false);
  }

  // kcat over SASL_SSL with PLAIN: its librdkafka (2.0.2) repeats the client nonce in its SCRAM client-final message
  // (fixed in 2.6.1), which Kafka 4 refuses since CVE-2024-56128, and so does this broker.
  const kcat = ['-b', `127.0.0.1:${sslPort}`, '-X', 'security.protocol=SASL_SSL', '-X', `ssl.ca.location=${pki.ca.certPath}`];
  const plain = [...kcat, '-X', 'sasl.mechanisms=PLAIN', '-X', 'sasl.username=frank', '-X', 'sasl.password=frank-pw'];
  const produce = execFile('kcat', [...plain, '-P', '-t', 'scram-ssl']);
  produce.stdin!.end('z\n');
  await new Promise<void>((resolve, reject) => produce.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`kcat -P exited ${code}`)))));
  const { stdout } = await run('kcat', [...plain, '-C', '-t', 'scram-ssl', '-o', 'beginning', '-e', '-q']);
  assert.deepEqual(stdout.trim().split('\n'), ['x', 'y', 'z']);
  const scram = [...kcat, '-X', 'sasl.mechanisms=SCRAM-SHA-512', '-X', 'sasl.username=dave', '-X', 'sasl.password=dave-pw'];
  await assert.rejects(run('kcat', [...scram, '-L', '-m', '5']), (err: Error & { stderr?: string }) =>
    /invalid credentials with SASL mechanism SCRAM-SHA-512/.test(err.stderr ?? ''));
});
