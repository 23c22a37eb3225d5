import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// The `kafka-broker` command as an operator runs it: a real process, its exit code, stdout and stderr.

const BIN = fileURLToPath(new URL('../../../bin/kafka-broker.js', import.meta.url));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function kafkaBroker(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'kafka-broker-cli-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/** A single-node server.properties with its data in `dataDir`, plus `extra` lines. */
async function propertiesFile(name: string, dataDir: string, extra: string[]): Promise<string> {
  const file = join(root, name);
  await writeFile(file, [
    'process.roles=broker,controller',
    'node.id=1',
    'controller.quorum.voters=1@127.0.0.1:9093',
    'listeners=PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0',
    'advertised.listeners=PLAINTEXT://127.0.0.1:0',
    'controller.listener.names=CONTROLLER',
    `log.dirs=${dataDir}`,
    ...extra,
    '',
  ].join('\n'));
  return file;
}

test('an authorizer class other than the StandardAuthorizer refuses to start, and nothing is formatted', async () => {
  const dataDir = join(root, 'acl-data');
  const file = await propertiesFile('acl.properties', dataDir, [
    'authorizer.class.name=kafka.security.authorizer.AclAuthorizer',
    'allow.everyone.if.no.acl.found=false',
    'super.users=User:admin',
  ]);
  const r = await kafkaBroker(['start', '--config', file], { CLUSTER_ID: '5L6g3nShT-eMCtK--X86sw' });
  assert.equal(r.code, 1);
  assert.equal(r.stderr, [
    `kafka-broker: invalid configuration in ${file}:`,
    '  Invalid value kafka.security.authorizer.AclAuthorizer for configuration authorizer.class.name: Only org.apache.kafka.metadata.authorizer.StandardAuthorizer is supported (authorizer plug-ins are Java classes, which this broker cannot load)',
    '',
  ].join('\n'));
  assert.equal(await exists(dataDir), false, 'no log directory was created or formatted');
});

test('Java TLS and SASL plug-in settings, from a file or the environment, and a GSSAPI inter-broker listener are refused', async () => {
  const dataDir = join(root, 'tls-data');
  const file = await propertiesFile('tls.properties', dataDir, ['ssl.provider=SunJSSE', 'sasl.client.callback.handler.class=com.example.Handler']);
  const r = await kafkaBroker(['start', '--config', file], { KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: 'http://idp/token', CLUSTER_ID: '5L6g3nShT-eMCtK--X86sw' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ssl\.provider=SunJSSE is refused: a Java TLS plug-in setting/);
  assert.match(r.stderr, /sasl\.client\.callback\.handler\.class=com\.example\.Handler is refused/);
  assert.match(r.stderr, /sasl\.oauthbearer\.token\.endpoint\.url=http:\/\/idp\/token is refused: this SASL setting is not supported/);
  const listener = await kafkaBroker(['start', '--config', file, '--override', 'ssl.provider=', '--override', 'sasl.client.callback.handler.class=',
    '--override', 'listeners=SASL_PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0', '--override', 'advertised.listeners=SASL_PLAINTEXT://127.0.0.1:0',
    '--override', 'listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT', '--override', 'inter.broker.listener.name=SASL_PLAINTEXT'],
  { CLUSTER_ID: '5L6g3nShT-eMCtK--X86sw' });
  assert.equal(listener.code, 1);
  // Kafka's defaults (sasl.enabled.mechanisms and sasl.mechanism.inter.broker.protocol both GSSAPI) name a mechanism
  // the node's own connections cannot use.
  assert.match(listener.stderr, /sasl.mechanism.inter.broker.protocol=GSSAPI is refused: the node's own connections to the SASL listener SASL_PLAINTEXT authenticate with PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 only/);
  assert.equal(await exists(dataDir), false);
});

test('format checks the cluster id as Kafka does and says which directories it skipped', async () => {
  const dataDir = join(root, 'format-data');
  const file = await propertiesFile('format.properties', dataDir, []);
  const bad = await kafkaBroker(['format', '--config', file, '--cluster-id', 'my-cluster']);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'kafka-broker: Cluster ID string my-cluster does not appear to be a valid UUID: Input string `my-cluster` decoded as 7 bytes, which is not equal to the expected 16 bytes of a base64-encoded UUID\n');
  assert.equal(await exists(join(dataDir, 'meta.properties')), false);

  const ok = await kafkaBroker(['format', '--config', file, '--cluster-id', '5L6g3nShT-eMCtK--X86sw']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, `Formatted ${dataDir} with cluster.id 5L6g3nShT-eMCtK--X86sw and node.id 1.\n`);
  assert.match(await readFile(join(dataDir, 'meta.properties'), 'utf8'), /cluster\.id=5L6g3nShT-eMCtK--X86sw/);

  const again = await kafkaBroker(['format', '--config', file, '--cluster-id', '5L6g3nShT-eMCtK--X86sw']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /is already formatted\. Use --ignore-formatted/);

  const skipped = await kafkaBroker(['format', '--config', file, '--cluster-id', '5L6g3nShT-eMCtK--X86sw', '--ignore-formatted']);
  assert.equal(skipped.code, 0, skipped.stderr);
  assert.equal(skipped.stdout, `Skipped ${dataDir}: already formatted.\nAll of the log directories are already formatted.\n`);
});

test('KAFKA_* variables that name no config are ignored with one warning; LOG_LEVEL applies unless log.level is set', async () => {
  const file = await propertiesFile('env.properties', join(root, 'env-data'), []);
  // Kubernetes defines these in every pod of a namespace that has a Service named `kafka`.
  const serviceLinks = {
    KAFKA_PORT: 'tcp://10.96.0.12:9092',
    KAFKA_PORT_9092_TCP: 'tcp://10.96.0.12:9092',
    KAFKA_PORT_9092_TCP_ADDR: '10.96.0.12',
    KAFKA_PORT_9092_TCP_PORT: '9092',
    KAFKA_PORT_9092_TCP_PROTO: 'tcp',
    KAFKA_SERVICE_HOST: '10.96.0.12',
    KAFKA_SERVICE_PORT: '9092',
  };
  const warned = await kafkaBroker(['format', '--config', file, '--cluster-id', '5L6g3nShT-eMCtK--X86sw'], { ...serviceLinks, LOG_LEVEL: 'WARN' });
  assert.equal(warned.code, 0, warned.stderr);
  const warnings = warned.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string });
  assert.deepEqual(warnings.map((w) => [w.level, w.msg]), [[40, 'Ignored environment variables that name no broker config: KAFKA_PORT, KAFKA_PORT_9092_TCP, KAFKA_PORT_9092_TCP_ADDR, KAFKA_PORT_9092_TCP_PORT, KAFKA_PORT_9092_TCP_PROTO, KAFKA_SERVICE_HOST, KAFKA_SERVICE_PORT']]);

  const quiet = await kafkaBroker(['format', '--config', file, '--cluster-id', '5L6g3nShT-eMCtK--X86sw', '--ignore-formatted'], { ...serviceLinks, LOG_LEVEL: 'error' });
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.doesNotMatch(quiet.stdout, /"level"/, 'LOG_LEVEL=error hides the warning');

  const levelWins = await kafkaBroker(['format', '--config', file, '--cluster-id', '5L6g3nShT-eMCtK--X86sw', '--ignore-formatted', '--override', 'log.level=error'], { ...serviceLinks, LOG_LEVEL: 'debug' });
  assert.doesNotMatch(levelWins.stdout, /"level"/, 'log.level wins over LOG_LEVEL');

  const badLevel = await kafkaBroker(['format', '--config', file, '--cluster-id', '5L6g3nShT-eMCtK--X86sw', '--ignore-formatted'], { LOG_LEVEL: 'loud' });
  assert.equal(badLevel.code, 0, badLevel.stderr);
  assert.match(badLevel.stdout, /LOG_LEVEL=loud names no level \(trace, debug, info, warn, error, fatal, silent\): ignored/);

  const typo = await kafkaBroker(['format', '--config', file, '--cluster-id', '5L6g3nShT-eMCtK--X86sw', '--ignore-formatted', '--override', 'num.partitons=3']);
  assert.equal(typo.code, 1, 'an unknown name in --override stays fatal');
  assert.match(typo.stderr, /Unknown configuration 'num\.partitons'\. Did you mean 'num\.partitions'\?/);
});
