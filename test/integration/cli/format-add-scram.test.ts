// `kafka-broker format --add-scram`, as Kafka's kafka-storage format: the credentials go into the bootstrap
// checkpoint with metadata.version, the first active controller appends them, and SCRAM logins work at the first
// start with no other setup. Bad arguments fail with Kafka's messages and write nothing.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { SASLOptions } from 'kafkajs';
import { startBroker, testBrokerProps, type TestBroker } from '../../helpers/broker.ts';
import { canLogIn as canLogInWith } from '../../helpers/kafkajs-login.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { SCRAM_SHA_512, scramSaltedPassword } from '../../../src/security/sasl/scram-mechanism.ts';

const BIN = fileURLToPath(new URL('../../../bin/kafka-broker.js', import.meta.url));
// startBroker formats an empty directory with this id; format uses the same one so that its checkpoint is kept.
const CLUSTER_ID = 'test-cluster-id-00000A';
const SASL_OVERRIDES = {
  listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0',
  'advertised.listeners': 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
  'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
  'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512',
  'connection.failed.authentication.delay.ms': '0',
};

function kafkaBroker(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}

async function propertiesFile(dataDir: string): Promise<string> {
  const file = join(root, `${dataDir.split('/').pop()}.properties`);
  await writeFile(file, Object.entries(testBrokerProps(dataDir, SASL_OVERRIDES)).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  return file;
}

const canLogIn = (port: number, sasl: SASLOptions): Promise<boolean> => canLogInWith(port, { sasl });

let root: string;
let broker: TestBroker | undefined;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'format-add-scram-'));
});
after(async () => {
  await broker?.stop();
  await rm(root, { recursive: true, force: true });
});

test('a broker formatted with --add-scram accepts kafkajs SCRAM-SHA-256 and -512 logins at its first start', { timeout: 90_000 }, async () => {
  const dataDir = join(root, 'data');
  const salt = Buffer.from('carol-salt');
  const salted = scramSaltedPassword(SCRAM_SHA_512, 'carol-secret', salt, 4096);
  const formatted = await kafkaBroker(['format', '--config', await propertiesFile(dataDir), '--cluster-id', CLUSTER_ID,
    '--add-scram', 'SCRAM-SHA-256=[name=alice,password=alice-secret]',
    '-S', 'SCRAM-SHA-512=[name=bob,password="bob-secret",iterations=8192]',
    '--add-scram', `SCRAM-SHA-512=[name=carol,salt=${salt.toString('base64')},saltedpassword=${salted.toString('base64')}]`]);
  assert.equal(formatted.code, 0, formatted.stderr);
  assert.match(formatted.stdout, /Wrote 3 SCRAM credential\(s\) into the bootstrap checkpoint of /);
  await access(join(dataDir, 'logs', '__cluster_metadata-0', '00000000000000000000-0000000000.checkpoint'));

  broker = await startBroker({ dataDir, overrides: SASL_OVERRIDES });
  const port = broker.server.boundPort('SASL_PLAINTEXT');
  assert.equal(await canLogIn(port, { mechanism: 'scram-sha-256', username: 'alice', password: 'alice-secret' }), true);
  assert.equal(await canLogIn(port, { mechanism: 'scram-sha-512', username: 'bob', password: 'bob-secret' }), true);
  assert.equal(await canLogIn(port, { mechanism: 'scram-sha-512', username: 'carol', password: 'carol-secret' }), true);
  assert.equal(await canLogIn(port, { mechanism: 'scram-sha-256', username: 'alice', password: 'wrong' }), false);
  assert.equal(await canLogIn(port, { mechanism: 'scram-sha-512', username: 'alice', password: 'alice-secret' }), false, 'alice has no SCRAM-SHA-512 credential');

  const admin = await RawKafkaClient.connect(broker.port);
  try {
    const described = await admin.request<{ results: { user: string; credentialInfos: { mechanism: number; iterations: number }[] }[] }>(
      ApiKeys.DescribeUserScramCredentials, 0, { users: null });
    assert.deepEqual(described.results.map((r) => [r.user, r.credentialInfos]).sort(), [
      ['alice', [{ mechanism: 1, iterations: 4096 }]],
      ['bob', [{ mechanism: 2, iterations: 8192 }]],
      ['carol', [{ mechanism: 2, iterations: 4096 }]],
    ]);
  } finally {
    admin.socket.destroy();
  }
});

test("bad --add-scram arguments fail format with Kafka's messages and write nothing", async () => {
  const dataDir = join(root, 'bad');
  const file = await propertiesFile(dataDir);
  const cases: [string, string][] = [
    ['SCRAM-SHA-1=[name=a,password=b]', 'The add-scram mechanism SCRAM-SHA-1 is not supported.'],
    ['SCRAM-SHA-256=[name=a]', "You must supply one of 'password' or 'saltedpassword' to add-scram"],
    ['SCRAM-SHA-256=[name=a,password=b,iterations=100]', "The 'iterations' value must be >= 4096 for add-scram using SCRAM_SHA_256"],
  ];
  for (const [arg, message] of cases) {
    const run = await kafkaBroker(['format', '--config', file, '--cluster-id', CLUSTER_ID, '--add-scram', 'SCRAM-SHA-256=[name=ok,password=ok]', '--add-scram', arg]);
    assert.equal(run.code, 1, arg);
    assert.equal(run.stderr, `kafka-broker: ${message}\n`);
    assert.equal(run.stdout, '');
    assert.equal(await access(dataDir).then(() => true, () => false), false, 'no directory was created');
  }
});
