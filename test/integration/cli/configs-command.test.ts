import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { KAFKA_TOOLS_AVAILABLE, kafkaBroker, kafkaTool, type ToolRun } from '../../helpers/admin-tools.ts';

// `kafka-broker configs` against a running broker, as a process: its output pinned to Kafka 4.4's ConfigCommand, and
// compared with what Kafka's own kafka-configs class prints against the same broker when it is installed (stdout,
// exit code, and the first stderr line: the rest is Kafka's stack trace or usage table).

let broker: TestBroker;
before(async () => {
  broker = await startBroker();
  assert.equal((await kafkaBroker(['topics', '--bootstrap-server', broker.bootstrap, '--create', '--topic', 'orders', '--partitions', '2', '--config', 'retention.ms=60000'])).code, 0);
});
after(async () => {
  await broker.cleanup();
});

const configs = (...args: string[]) => kafkaBroker(['configs', '--bootstrap-server', broker.bootstrap, ...args]);

/** Asserts Kafka's kafka-configs prints what we printed (when Kafka's tools are installed). */
async function sameAsKafka(ours: ToolRun, ...args: string[]): Promise<void> {
  if (!KAFKA_TOOLS_AVAILABLE) return;
  const theirs = await kafkaTool('org.apache.kafka.tools.ConfigCommand', ['--bootstrap-server', broker.bootstrap, ...args]);
  assert.equal(ours.stdout, theirs.stdout, `kafka-configs ${args.join(' ')}`);
  assert.equal(ours.code, theirs.code, `exit code of kafka-configs ${args.join(' ')}`);
  assert.equal(ours.stderr.split('\n')[0], theirs.stderr.split('\n')[0], `stderr of kafka-configs ${args.join(' ')}`);
}

test('--describe of a topic lists its dynamic configs with synonyms; --all every config', async () => {
  const r = await configs('--describe', '--topic', 'orders');
  assert.deepEqual(r, { code: 0, stdout: 'Dynamic configs for topic orders are:\n  retention.ms=60000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=60000}\n', stderr: '' });
  await sameAsKafka(r, '--describe', '--topic', 'orders');
  const all = await configs('--describe', '--entity-type', 'topics', '--entity-name', 'orders', '--all');
  assert.equal(all.code, 0);
  assert.match(all.stdout, /^All configs for topic orders are:\n/);
  assert.match(all.stdout, /\n {2}cleanup\.policy=delete sensitive=false synonyms=\{DEFAULT_CONFIG:log\.cleanup\.policy=delete\}\n/);
  await sameAsKafka(all, '--describe', '--entity-type', 'topics', '--entity-name', 'orders', '--all');
  const missing = await configs('--describe', '--topic', 'nope');
  assert.deepEqual(missing, { code: 0, stdout: "The topic 'nope' doesn't exist and doesn't have dynamic config.\n", stderr: '' });
  await sameAsKafka(missing, '--describe', '--topic', 'nope');
});

test('--alter of a topic: --add-config with bracketed lists, --add-config-file, --delete-config', async () => {
  const r = await configs('--alter', '--topic', 'orders', '--add-config', 'segment.ms=100000, cleanup.policy=[compact,delete]');
  assert.deepEqual(r, { code: 0, stdout: 'Completed updating config for topic orders.\n', stderr: '' });
  const file = join(broker.dataDir, 'add.properties');
  await writeFile(file, 'max.message.bytes=2048\n');
  assert.equal((await configs('--alter', '--entity-type', 'topics', '--entity-name', 'orders', '--add-config-file', file)).code, 0);
  assert.equal((await configs('--alter', '--topic', 'orders', '--delete-config', 'retention.ms')).code, 0);
  const d = await configs('--describe', '--topic', 'orders');
  assert.equal(d.stdout, [
    'Dynamic configs for topic orders are:',
    '  cleanup.policy=compact,delete sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete, DEFAULT_CONFIG:log.cleanup.policy=delete}',
    '  max.message.bytes=2048 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:max.message.bytes=2048, DEFAULT_CONFIG:message.max.bytes=1048588}',
    '  segment.ms=100000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:segment.ms=100000}',
    '',
  ].join('\n'));
  await sameAsKafka(d, '--describe', '--topic', 'orders');
});

test('brokers: per-broker and cluster-default configs, described with their synonyms as Kafka', async () => {
  assert.deepEqual(await configs('--alter', '--entity-type', 'brokers', '--entity-default', '--add-config', 'log.cleaner.threads=2'),
    { code: 0, stdout: 'Completed updating default config for brokers in the cluster.\n', stderr: '' });
  assert.deepEqual(await configs('--alter', '--broker', '1', '--add-config', 'log.cleaner.threads=3'), { code: 0, stdout: 'Completed updating config for broker 1.\n', stderr: '' });
  const one = await configs('--describe', '--broker', '1');
  assert.equal(one.stdout, 'Dynamic configs for broker 1 are:\n  log.cleaner.threads=3 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.cleaner.threads=3, DYNAMIC_DEFAULT_BROKER_CONFIG:log.cleaner.threads=2, DEFAULT_CONFIG:log.cleaner.threads=1}\n');
  await sameAsKafka(one, '--describe', '--broker', '1');
  const every = await configs('--describe', '--entity-type', 'brokers');
  assert.match(every.stdout, /^Dynamic configs for broker 1 are:\n(.|\n)*Default configs for brokers in the cluster are:\n {2}log\.cleaner\.threads=2 sensitive=false/);
  await sameAsKafka(every, '--describe', '--entity-type', 'brokers');
  assert.equal((await configs('--alter', '--broker', '1', '--delete-config', 'log.cleaner.threads')).code, 0);
  assert.equal((await configs('--describe', '--broker', '1')).stdout, 'Dynamic configs for broker 1 are:\n');
  await sameAsKafka(await configs('--describe', '--broker-logger', '1'), '--describe', '--broker-logger', '1');
});

test("errors: the broker's refusal, argument errors and unknown loggers as Kafka prints them, exit 1", async () => {
  const cases: [string[], RegExp][] = [
    [['--alter', '--topic', 'orders', '--add-config', 'nope=1'], /^Error while executing config command with args '--bootstrap-server \S+ --alter --topic orders --add-config nope=1'\njava\.util\.concurrent\.ExecutionException: org\.apache\.kafka\.common\.errors\.InvalidConfigurationException: .*nope.*\n$/],
    [['--alter', '--broker-logger', '1', '--add-config', 'kafka.nope=DEBUG'], /^Invalid broker logger\(s\): kafka\.nope\n$/],
    [['--describe', '--entity-type', 'brokers', '--entity-name', 'x'], /^The entity name for brokers must be a valid integer broker id, but it is: x\n$/],
    [['--alter', '--topic', 'orders'], /^At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter\n$/],
    [['--describe', '--entity-type', 'foo'], /^Invalid entity type foo, the entity type must be one of broker-loggers, topics, clients, users, brokers, ips, client-metrics, groups with a --bootstrap-server or --bootstrap-controller argument\n$/],
    [['--describe', '--topic', 'orders', '--entity-type', 'topics'], /^Duplicate entity type\(s\) specified: topics\n$/],
    [['--alter', '--topic', 'orders', '--add-config', 'a'], /^Invalid entity config: all configs to be added must be in the format "key=val" or {2}"key=\[val1,val2\]" to group values which contain commas\.\n$/],
    [['--describe', '--entity-type', 'topics', '--entity-default'], /^--entity-default must not be specified with --describe of topics\n$/],
    [['--alter', '--entity-type', 'users', '--entity-default', '--entity-type', 'clients', '--entity-name', 'c', '--add-config', 'SCRAM-SHA-256=x'], /^Only quota configs can be added for 'clients' using --bootstrap-server\. Unexpected config names: SCRAM-SHA-256\n$/],
    [['--describe', '--topic', 'orders', '--add-config', 'a=b'], /^Option "\[describe\]" can't be used with option "\[add-config\]"\n/],
  ];
  for (const [args, stderr] of cases) {
    const r = await configs(...args);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
    assert.match(r.stderr, stderr, args.join(' '));
    await sameAsKafka(r, ...args);
  }
  assert.equal((await kafkaBroker(['configs', '--describe', '--topic', 'orders'])).stderr, 'Either --bootstrap-server or --bootstrap-controller must be specified.\n');
});

test('users and clients: quota and SCRAM requests go to the broker; one that lacks the APIs fails as Kafka', async () => {
  for (const args of [['--describe', '--entity-type', 'users'], ['--describe', '--client', 'c1'], ['--alter', '--entity-type', 'clients', '--entity-name', 'c1', '--add-config', 'producer_byte_rate=1000']]) {
    const r = await configs(...args);
    if (r.code === 0) continue; // the broker serves client quotas: covered by the quota tests below
    assert.match(r.stderr, /\njava\.util\.concurrent\.ExecutionException: org\.apache\.kafka\.common\.errors\.UnsupportedVersionException: The node does not support DESCRIBE_CLIENT_QUOTAS\n$/);
    await sameAsKafka(r, ...args);
  }
});
