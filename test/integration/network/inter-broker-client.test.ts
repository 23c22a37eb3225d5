// The broker's own client (NetworkClient) over TLS and SASL against a real broker's SASL_SSL and SSL listeners, as
// replica fetchers, Raft and the controller channels use it: the channel is built from the listener's configs
// (server/client-channel-builder.ts), the SCRAM credential comes from AlterUserScramCredentials, and failures
// (wrong password, mechanism not enabled, untrusted CA, a certificate for another host name, a missing client
// certificate on an mTLS listener) fail the connection with the reason.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { KafkaConfig } from '../../../src/config/kafka-config.ts';
import { NetworkClient } from '../../../src/network/network-client.ts';
import { DisconnectException } from '../../../src/network/network-client-errors.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import type { MetadataResponse } from '../../../src/protocol/generated/messages/metadata-response.ts';
import { SCRAM_SHA_512, scramSaltedPassword } from '../../../src/security/sasl/scram-mechanism.ts';
import { clientChannelBuilder } from '../../../src/server/client-channel-builder.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { startBroker, testBrokerProps, waitFor, type TestBroker } from '../../helpers/broker.ts';
import { createTestPki, type TestPki } from '../../helpers/tls-certificates.ts';

const run = promisify(execFile);
const PLAIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';
const SCRAM_MODULE = 'org.apache.kafka.common.security.scram.ScramLoginModule';

let pki: TestPki;
let broker: TestBroker;
let overrides: Record<string, string>;

before(async () => {
  pki = await createTestPki();
  const keystore = join(pki.dir, 'broker-keystore.pem');
  await writeFile(keystore, `${pki.server.key}\n${pki.server.cert}`);
  // A certificate of the same CA for another host name, served by the MISNAMED listener.
  const misnamedKey = join(pki.dir, 'misnamed.key');
  const csr = join(pki.dir, 'misnamed.csr');
  await writeFile(join(pki.dir, 'misnamed.ext'), 'subjectAltName=DNS:elsewhere.example\n');
  await run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', misnamedKey, '-out', csr, '-subj', '/CN=elsewhere.example']);
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', pki.ca.certPath, '-CAkey', pki.ca.keyPath, '-CAcreateserial', '-days', '1',
    '-out', join(pki.dir, 'misnamed.pem'), '-extfile', join(pki.dir, 'misnamed.ext')]);
  const misnamed = join(pki.dir, 'misnamed-keystore.pem');
  await writeFile(misnamed, `${await readFile(misnamedKey, 'utf8')}\n${await readFile(join(pki.dir, 'misnamed.pem'), 'utf8')}`);
  overrides = {
    listeners: 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,MTLS://127.0.0.1:0,MISNAMED://127.0.0.1:0,CONTROLLER://127.0.0.1:0',
    'advertised.listeners': 'PLAINTEXT://127.0.0.1:0',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,MTLS:SSL,MISNAMED:SSL',
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': keystore,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': pki.ca.certPath,
    'listener.name.mtls.ssl.client.auth': 'required',
    'listener.name.misnamed.ssl.keystore.location': misnamed,
    'listener.name.sasl_ssl.sasl.enabled.mechanisms': 'SCRAM-SHA-512,PLAIN',
    'listener.name.sasl_ssl.plain.sasl.jaas.config': `${PLAIN_MODULE} required username="broker" password="broker-pw" user_broker="broker-pw";`,
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': `${SCRAM_MODULE} required username="broker" password="broker-pw";`,
    'connection.failed.authentication.delay.ms': '0',
  };
  broker = await startBroker({ overrides });
  const admin = await RawKafkaClient.connect(broker.port);
  try {
    const salt = randomBytes(16);
    const r = await admin.request<{ results: { errorCode: number }[] }>(ApiKeys.AlterUserScramCredentials, 0, {
      deletions: [],
      upsertions: [{ name: 'broker', mechanism: SCRAM_SHA_512.type, iterations: 4096, salt, saltedPassword: scramSaltedPassword(SCRAM_SHA_512, 'broker-pw', salt, 4096) }],
    });
    assert.deepEqual(r.results.map((x) => x.errorCode), [0]);
  } finally {
    admin.socket.destroy();
  }
});
after(async () => {
  await broker?.cleanup();
  await pki?.cleanup();
});

/** The config of a node whose own connections use `extra` on top of the broker's listener settings. */
function clientConfig(extra: Record<string, string> = {}, without: readonly string[] = []): KafkaConfig {
  const props = { ...overrides, ...extra };
  for (const name of without) delete props[name];
  return KafkaConfig.fromProps(testBrokerProps(broker.dataDir, props));
}

/** Sends a Metadata request through a NetworkClient of `config`'s channel to `listener`; closes the client. */
async function metadata(config: KafkaConfig, listener: string, mechanism = 'PLAIN', host = '127.0.0.1'): Promise<MetadataResponse> {
  const client = new NetworkClient({ clientId: 'inter-broker-test', requestTimeoutMs: 10_000, ...clientChannelBuilder(config, listener, mechanism) });
  try {
    const r = await client.send<MetadataResponse>({ nodeId: 1, host, port: broker.server.boundPort(listener) }, ApiKeys.Metadata, {}, { topics: [], allowAutoTopicCreation: false });
    return r.body;
  } finally {
    client.close();
  }
}

async function failure(config: KafkaConfig, listener: string, mechanism = 'PLAIN', host = '127.0.0.1'): Promise<string> {
  const err = await metadata(config, listener, mechanism, host).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof DisconnectException, `expected a DisconnectException, got ${String(err)}`);
  return err.message;
}

test('SASL_SSL with SCRAM-SHA-512 and with PLAIN: the connection authenticates with the JAAS username and password, then serves requests', async () => {
  const config = clientConfig();
  // The credential reaches the broker's image once the controller committed it.
  const body = await waitFor('the SCRAM credential is usable', () => metadata(config, 'SASL_SSL', 'SCRAM-SHA-512').catch(() => null), 15_000, 100);
  assert.equal(body.clusterId, 'test-cluster-id-00000A');
  assert.equal((await metadata(config, 'SASL_SSL', 'PLAIN', 'localhost')).clusterId, 'test-cluster-id-00000A');
});

test('a wrong password, or a mechanism the listener does not enable, fails the connection with the server\'s reason', async () => {
  const wrong = clientConfig({ 'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': `${SCRAM_MODULE} required username="broker" password="nope";` });
  assert.match(await failure(wrong, 'SASL_SSL', 'SCRAM-SHA-512'), /failed authentication due to: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512/);
  const wrongPlain = clientConfig({ 'listener.name.sasl_ssl.plain.sasl.jaas.config': `${PLAIN_MODULE} required username="broker" password="nope" user_broker="broker-pw";` });
  assert.match(await failure(wrongPlain, 'SASL_SSL'), /failed authentication due to: .*Invalid username or password/);
  const sha256 = clientConfig({ 'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config': `${SCRAM_MODULE} required username="broker" password="broker-pw";` });
  assert.match(await failure(sha256, 'SASL_SSL', 'SCRAM-SHA-256'), /Client SASL mechanism 'SCRAM-SHA-256' not enabled in the server, enabled mechanisms are \[SCRAM-SHA-512, PLAIN\]/);
});

test('TLS: an untrusted CA and a certificate for another host fail; host name verification can be turned off; mTLS presents the key store', async () => {
  const other = await pki.untrusted();
  const untrusted = clientConfig({ 'listener.name.sasl_ssl.ssl.truststore.location': other.ca.certPath });
  assert.match(await failure(untrusted, 'SASL_SSL'), /could not be established: .*(self-signed|unable to verify|certificate)/i);
  assert.match(await failure(clientConfig(), 'MISNAMED'), /could not be established: .*(Hostname\/IP does not match|altnames)/i);
  assert.equal((await metadata(clientConfig({ 'listener.name.misnamed.ssl.endpoint.identification.algorithm': '' }), 'MISNAMED')).clusterId, 'test-cluster-id-00000A');
  assert.equal((await metadata(clientConfig(), 'MTLS')).clusterId, 'test-cluster-id-00000A');
  // Without a key store the MTLS listener refuses the handshake (TLS 1.3 reports it after the handshake: an alert).
  const noKeyStore = clientConfig({}, ['ssl.keystore.location', 'ssl.keystore.type']);
  assert.match(await failure(noKeyStore, 'MTLS'), /(certificate required|connection closed by the peer|ECONNRESET)/i);
});

test('invalid client settings stop the start with the listener named', () => {
  assert.throws(() => clientChannelBuilder(clientConfig({ 'listener.name.sasl_ssl.plain.sasl.jaas.config': `${PLAIN_MODULE} required user_broker="broker-pw";` }), 'SASL_SSL', 'PLAIN'),
    /listener SASL_SSL: the PLAIN sasl.jaas.config needs the username and password options/);
  assert.throws(() => clientChannelBuilder(clientConfig(), 'SASL_SSL', 'SCRAM-SHA-256'),
    /listener SASL_SSL: the broker's own SCRAM-SHA-256 connections to it need credentials: set listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config/);
  assert.throws(() => clientChannelBuilder(clientConfig({ 'listener.name.sasl_ssl.ssl.endpoint.identification.algorithm': 'ldaps' }), 'SASL_SSL', 'PLAIN'),
    /listener SASL_SSL: ssl.endpoint.identification.algorithm=ldaps is not supported/);
  assert.throws(() => clientChannelBuilder(clientConfig(), 'SASL_SSL', 'GSSAPI'), /cannot authenticate with GSSAPI/);
});
