// SSL listeners served to real clients: kafkajs and kcat (librdkafka/OpenSSL) produce and consume over TLS, with
// mutual TLS required on one broker (PEM key store file, listener.name.ssl.* overrides) and server-only TLS on
// another (PKCS12 key store). Certificates are made by the test with Debian's openssl.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, waitFor, type TestBroker } from '../../helpers/broker.ts';
import { createTestPki, type CertificateFiles, type TestPki } from '../../helpers/tls-certificates.ts';

const run = promisify(execFile);

const SSL_LISTENERS = {
  listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,CONTROLLER://127.0.0.1:0',
  'advertised.listeners': 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0',
  'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL',
};

let pki: TestPki;
let client: CertificateFiles;
before(async () => {
  pki = await createTestPki();
  client = await pki.client('kafka-client', '/O=Acme/OU=apps/CN=Kafka-Client');
});
after(() => pki.cleanup());

async function roundTrip(kafka: Kafka, topic: string, count: number): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ value: `m${i}` })) });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: `${topic}-group` });
  const seen: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
  await waitFor(`${count} records consumed over SSL`, () => seen.length >= count, 30_000);
  await consumer.disconnect();
  return seen;
}

test('mTLS required (PEM key store file): kafkajs and kcat with a client certificate produce and consume; the principal comes from the subject', { timeout: 90_000 }, async (t) => {
  const keystore = join(pki.dir, 'broker-keystore.pem');
  await writeFile(keystore, `${pki.server.key}\n${pki.server.cert}`);
  const broker: TestBroker = await startBroker({
    overrides: {
      ...SSL_LISTENERS,
      'listener.name.ssl.ssl.keystore.type': 'PEM',
      'listener.name.ssl.ssl.keystore.location': keystore,
      'listener.name.ssl.ssl.truststore.type': 'PEM',
      'listener.name.ssl.ssl.truststore.location': pki.ca.certPath,
      'listener.name.ssl.ssl.client.auth': 'required',
      'ssl.principal.mapping.rules': 'RULE:^CN=([^,]*),.*$/$1/L,DEFAULT',
    },
  });
  t.after(() => broker.cleanup());
  const port = broker.server.boundPort('SSL');
  const ssl = { ca: [pki.ca.cert], cert: client.cert, key: client.key, servername: 'localhost' };
  const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], ssl, logLevel: logLevel.NOTHING });
  assert.deepEqual(await roundTrip(kafka, 'mtls-kafkajs', 20), Array.from({ length: 20 }, (_, i) => `m${i}`));

  // kcat: librdkafka's own OpenSSL, and its own host name verification of the server certificate.
  const kcat = ['-b', `127.0.0.1:${port}`, '-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${pki.ca.certPath}`,
    '-X', `ssl.certificate.location=${client.certPath}`, '-X', `ssl.key.location=${client.keyPath}`];
  const produce = execFile('kcat', [...kcat, '-P', '-t', 'mtls-kcat']);
  produce.stdin!.end('a\nb\nc\n');
  await new Promise<void>((resolve, reject) => produce.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`kcat -P exited ${code}`)))));
  const { stdout } = await run('kcat', [...kcat, '-C', '-t', 'mtls-kcat', '-o', 'beginning', '-e', '-q']);
  assert.deepEqual(stdout.trim().split('\n'), ['a', 'b', 'c']);

  // Without a client certificate the handshake fails: nothing is produced.
  const noCert = new Kafka({ brokers: [`127.0.0.1:${port}`], ssl: { ca: [pki.ca.cert], servername: 'localhost' }, logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const admin = noCert.admin();
  await assert.rejects(admin.connect());
  await admin.disconnect();

  // An SSL connection carries the mapped principal and streams its fetches (no sendfile under TLS).
  const connected = kafka.admin();
  await connected.connect();
  t.after(() => connected.disconnect());
  await connected.listTopics();
  const sslConnections = [...broker.server.brokerServer!.socketServer.connections].filter((c) => c.context.listenerName === 'SSL');
  assert.ok(sslConnections.length > 0);
  for (const c of sslConnections) {
    assert.deepEqual(c.context.principal, { principalType: 'User', name: 'kafka-client', tokenAuthenticated: false });
    assert.equal(c.zeroCopy, false);
  }
});

test('server-only TLS with a PKCS12 key store: kafkajs trusting the CA produces and consumes as User:ANONYMOUS', { timeout: 60_000 }, async (t) => {
  const broker = await startBroker({
    overrides: {
      ...SSL_LISTENERS,
      'ssl.keystore.type': 'PKCS12',
      'ssl.keystore.location': await pki.serverPkcs12('changeit'),
      'ssl.keystore.password': 'changeit',
    },
  });
  t.after(() => broker.cleanup());
  const kafka = new Kafka({ brokers: [`127.0.0.1:${broker.server.boundPort('SSL')}`], ssl: { ca: [pki.ca.cert], servername: 'localhost' }, logLevel: logLevel.NOTHING });
  assert.equal((await roundTrip(kafka, 'tls-pkcs12', 5)).length, 5);
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await admin.listTopics();
  const sslConnections = [...broker.server.brokerServer!.socketServer.connections].filter((c) => c.context.listenerName === 'SSL');
  assert.ok(sslConnections.length > 0);
  for (const c of sslConnections) assert.equal(c.context.principal.name, 'ANONYMOUS');
});
