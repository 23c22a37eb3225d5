// A current librdkafka against our TLS listeners: the confluent-kafka Python client (PyPI, pinned in .ci/run; its
// wheel bundles librdkafka 2.x) produces and consumes over SASL_SSL with SCRAM-SHA-512 and over mTLS. Debian's kcat
// (librdkafka 2.0.2) cannot do SCRAM against Kafka 4 nor us (its client-final message fails the nonce check, see
// sasl-scram.test.ts), so this is where a librdkafka SCRAM login is proven. Skipped, with the reason, when the
// Python module is not installed.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startBroker, waitFor, type TestBroker } from '../../helpers/broker.ts';
import { canLogIn } from '../../helpers/kafkajs-login.ts';
import { createTestPki, type CertificateFiles, type TestPki } from '../../helpers/tls-certificates.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { SCRAM_SHA_512, scramSaltedPassword } from '../../../src/security/sasl/scram-mechanism.ts';

const SCRIPT = fileURLToPath(new URL('../../fixtures/python/confluent_round_trip.py', import.meta.url));
// .ci/run installs the module into the repository's .venv (Debian's python3 is externally managed, PEP 668); a
// python3 that has it (pip install --user, pyenv) does as well.
const VENV_PYTHON = fileURLToPath(new URL('../../../.venv/bin/python', import.meta.url));
const PYTHON = existsSync(VENV_PYTHON) ? VENV_PYTHON : 'python3';

interface ScriptResult {
  readonly code: number;
  readonly out: { librdkafka: string; delivered?: number; consumed?: string[]; errors?: { name: string; str: string }[] } | null;
  readonly stderr: string;
}

function runScript(args: object): Promise<ScriptResult> {
  return new Promise((resolve) => {
    execFile(PYTHON, [SCRIPT, JSON.stringify(args)], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      let out = null;
      try {
        out = JSON.parse(stdout.trim().split('\n').pop() ?? '');
      } catch {
        // no JSON line: the script failed before printing; `stderr` says why.
      }
      resolve({ code, out, stderr });
    });
  });
}

/** Why the tests are skipped, or null when `import confluent_kafka` works. */
const missing = await new Promise<string | null>((resolve) => {
  execFile(PYTHON, ['-c', 'import confluent_kafka'], (err) => resolve(err === null ? null : `the confluent-kafka Python module is not installed for ${PYTHON} (.ci/run installs the pinned version into .venv): ${err.message.split('\n').slice(-2).join(' ').trim()}`));
});

let pki: TestPki;
let client: CertificateFiles;
let broker: TestBroker;
before(async () => {
  if (missing !== null) return;
  pki = await createTestPki();
  client = await pki.client('confluent-client', '/O=Acme/OU=apps/CN=Confluent-Client');
  const keystore = join(pki.dir, 'broker-keystore.pem');
  await writeFile(keystore, `${pki.server.key}\n${pki.server.cert}`);
  broker = await startBroker({
    overrides: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,SSL://127.0.0.1:0,CONTROLLER://127.0.0.1:0',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,SSL://127.0.0.1:0',
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': keystore,
      'listener.name.ssl.ssl.truststore.type': 'PEM',
      'listener.name.ssl.ssl.truststore.location': pki.ca.certPath,
      'listener.name.ssl.ssl.client.auth': 'required',
      'connection.failed.authentication.delay.ms': '0',
    },
  });
  const admin = await RawKafkaClient.connect(broker.port);
  try {
    const salt = randomBytes(16);
    const created = await admin.request<{ results: { errorCode: number }[] }>(ApiKeys.AlterUserScramCredentials, 0, {
      deletions: [],
      upsertions: [{ name: 'dave', mechanism: SCRAM_SHA_512.type, iterations: 4096, salt, saltedPassword: scramSaltedPassword(SCRAM_SHA_512, 'dave-pw', salt, 4096) }],
    });
    assert.deepEqual(created.results.map((r) => r.errorCode), [0]);
  } finally {
    admin.socket.destroy();
  }
  // The broker's image follows the controller's commit: wait until the credential logs in (kafkajs).
  await waitFor('dave can authenticate', () => canLogIn(broker.server.boundPort('SASL_SSL'), {
    ssl: { ca: [pki.ca.cert], servername: 'localhost' },
    sasl: { mechanism: 'scram-sha-512', username: 'dave', password: 'dave-pw' },
  }), 15_000, 100);
});
after(async () => {
  await broker?.cleanup();
  await pki?.cleanup();
});

const EXPECTED = Array.from({ length: 10 }, (_, i) => `m${i}`);

test('confluent-kafka over SASL_SSL with SCRAM-SHA-512 produces and consumes; a wrong password is refused', { skip: missing ?? false, timeout: 60_000 }, async () => {
  const config = {
    'bootstrap.servers': `127.0.0.1:${broker.server.boundPort('SASL_SSL')}`,
    'security.protocol': 'SASL_SSL',
    'ssl.ca.location': pki.ca.certPath,
    'sasl.mechanism': 'SCRAM-SHA-512',
    'sasl.username': 'dave',
    'sasl.password': 'dave-pw',
  };
  const ok = await runScript({ mode: 'round-trip', config, topic: 'confluent-scram', count: EXPECTED.length });
  assert.equal(ok.code, 0, `${JSON.stringify(ok.out)} ${ok.stderr}`);
  assert.ok(ok.out !== null && !ok.out.librdkafka.startsWith('2.0.'), `a current librdkafka, not Debian's 2.0: ${ok.out?.librdkafka}`);
  assert.deepEqual([ok.out.delivered, ok.out.consumed], [EXPECTED.length, EXPECTED]);

  const refused = await runScript({ mode: 'probe', config: { ...config, 'sasl.password': 'wrong' }, timeout_s: 5 });
  assert.ok(refused.out?.errors?.some((e) => /SASL authentication error: Authentication failed/.test(e.str)), `${JSON.stringify(refused.out)} ${refused.stderr}`);
});

test('confluent-kafka over mTLS (ssl.client.auth=required) produces and consumes; without a certificate it is refused', { skip: missing ?? false, timeout: 60_000 }, async () => {
  const config = {
    'bootstrap.servers': `127.0.0.1:${broker.server.boundPort('SSL')}`,
    'security.protocol': 'SSL',
    'ssl.ca.location': pki.ca.certPath,
    'ssl.certificate.location': client.certPath,
    'ssl.key.location': client.keyPath,
  };
  const ok = await runScript({ mode: 'round-trip', config, topic: 'confluent-mtls', count: EXPECTED.length });
  assert.equal(ok.code, 0, `${JSON.stringify(ok.out)} ${ok.stderr}`);
  assert.deepEqual([ok.out?.delivered, ok.out?.consumed], [EXPECTED.length, EXPECTED]);

  const { 'ssl.certificate.location': _cert, 'ssl.key.location': _key, ...noCert } = config;
  const refused = await runScript({ mode: 'probe', config: noCert, timeout_s: 5 });
  assert.ok((refused.out?.errors ?? []).some((e) => e.name === '_SSL' || e.name === '_TRANSPORT'), `${JSON.stringify(refused.out)} ${refused.stderr}`);
});
