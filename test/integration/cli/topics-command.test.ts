import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { KAFKA_TOOLS_AVAILABLE, kafkaBroker, kafkaTool } from '../../helpers/admin-tools.ts';

// `kafka-broker topics` against a running broker, as a process: its output, pinned to Kafka 4.4's TopicCommand
// format, and compared with what Kafka's own kafka-topics class prints against the same broker when it is installed.

let broker: TestBroker;
before(async () => {
  broker = await startBroker();
});
after(async () => {
  await broker.cleanup();
});

const topics = (...args: string[]) => kafkaBroker(['topics', '--bootstrap-server', broker.bootstrap, ...args]);
const kafkaTopics = (...args: string[]) => kafkaTool('org.apache.kafka.tools.TopicCommand', ['--bootstrap-server', broker.bootstrap, ...args]);

/** Asserts Kafka's kafka-topics prints what we printed (when Kafka's tools are installed). */
async function sameAsKafka(ours: { code: number; stdout: string }, ...args: string[]): Promise<void> {
  if (!KAFKA_TOOLS_AVAILABLE) return;
  const theirs = await kafkaTopics(...args);
  assert.equal(ours.stdout, theirs.stdout, `kafka-topics ${args.join(' ')}`);
  assert.equal(ours.code, theirs.code);
}

const COLLISION = "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.\n";

test('--create, then --describe prints the topic line and one line per partition as Kafka 4.4', async () => {
  const created = await topics('--create', '--topic', 'orders', '--partitions', '3', '--config', 'retention.ms=60000', '--config', 'cleanup.policy=compact');
  assert.deepEqual(created, { code: 0, stdout: 'Created topic orders.\n', stderr: '' });
  const described = await topics('--describe', '--topic', 'orders');
  assert.equal(described.code, 0, described.stderr);
  const lines = described.stdout.split('\n');
  assert.match(lines[0]!, /^Topic: orders\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: min\.insync\.replicas=1,cleanup\.policy=compact,retention\.ms=60000$/);
  for (const p of [0, 1, 2]) assert.equal(lines[1 + p], `\tTopic: orders\tPartition: ${p}\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: `);
  assert.equal(lines.length, 5);
  await sameAsKafka(described, '--describe', '--topic', 'orders');
});

test('--create of an existing topic fails as Kafka, unless --if-not-exists', async () => {
  assert.equal((await topics('--create', '--topic', 'dup_topic')).code, 0);
  const again = await topics('--create', '--topic', 'dup_topic');
  assert.deepEqual(again, { code: 1, stdout: `${COLLISION}Error while executing topic command : Topic 'dup_topic' already exists.\n`, stderr: '' });
  await sameAsKafka(again, '--create', '--topic', 'dup_topic');
  assert.deepEqual(await topics('--create', '--topic', 'dup_topic', '--if-not-exists'), { code: 0, stdout: COLLISION, stderr: '' });
});

test('--replica-assignment places partitions; a duplicate broker in a partition is refused', async () => {
  assert.equal((await topics('--create', '--topic', 'placed', '--replica-assignment', '1,1')).code, 0);
  const described = await topics('--describe', '--topic', 'placed');
  assert.match(described.stdout, /PartitionCount: 2\tReplicationFactor: 1\t/);
  const dup = await topics('--create', '--topic', 'placed2', '--replica-assignment', '1:1');
  assert.deepEqual(dup, { code: 1, stdout: 'Error while executing topic command : Partition replica lists may not contain duplicate entries: 1\n', stderr: '' });
  await sameAsKafka(dup, '--create', '--topic', 'placed2', '--replica-assignment', '1:1');
  const invalid = await topics('--create', '--topic', 'placed3', '--replica-assignment', '7');
  assert.equal(invalid.code, 1);
  await sameAsKafka(invalid, '--create', '--topic', 'placed3', '--replica-assignment', '7');
});

test('--list is sorted, takes a regex, and --exclude-internal leaves out internal topics', async () => {
  const list = await topics('--list');
  assert.equal(list.code, 0);
  const names = list.stdout.trimEnd().split('\n');
  assert.deepEqual(names, [...names].sort());
  assert.ok(names.includes('orders') && names.includes('placed'));
  await sameAsKafka(list, '--list');
  assert.deepEqual(await topics('--list', '--topic', 'ord.*'), { code: 0, stdout: 'orders\n', stderr: '' });
  assert.deepEqual(await topics('--list', '--topic', 'orders,placed'), { code: 0, stdout: 'orders\nplaced\n', stderr: '' });
  assert.ok(!(await topics('--list', '--exclude-internal')).stdout.includes('__'));
});

test('--alter --partitions raises the count; lowering it fails with the broker error', async () => {
  assert.deepEqual(await topics('--alter', '--topic', 'orders', '--partitions', '5'), { code: 0, stdout: '', stderr: '' });
  assert.match((await topics('--describe', '--topic', 'orders')).stdout, /PartitionCount: 5\t/);
  const lower = await topics('--alter', '--topic', 'orders', '--partitions', '2');
  assert.equal(lower.code, 1);
  assert.match(lower.stdout, /^Error while executing topic command : .+\n$/);
  await sameAsKafka(lower, '--alter', '--topic', 'orders', '--partitions', '2');
  const missing = await topics('--alter', '--topic', 'nope', '--partitions', '2');
  assert.deepEqual(missing, { code: 1, stdout: "Error while executing topic command : Topic 'nope' does not exist as expected\n", stderr: '' });
  assert.deepEqual(await topics('--alter', '--topic', 'nope', '--partitions', '2', '--if-exists'), { code: 0, stdout: '', stderr: '' });
});

test('--topics-with-overrides, --under-replicated-partitions and --unavailable-partitions filter as Kafka', async () => {
  // With ELR on, the cluster-wide min.insync.replicas is a dynamic default every topic shows, as Kafka's tool does: one
  // topic keeps the comparison free of the order of several (Kafka prints its Admin's order).
  const overrides = await topics('--describe', '--topics-with-overrides', '--topic', 'orders');
  assert.equal(overrides.code, 0);
  const lines = overrides.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^Topic: orders\t.*\tConfigs: min\.insync\.replicas=1,cleanup\.policy=compact,retention\.ms=60000$/);
  await sameAsKafka(overrides, '--describe', '--topics-with-overrides', '--topic', 'orders');
  // A healthy single broker: nothing under-replicated, nothing unavailable.
  assert.deepEqual(await topics('--describe', '--under-replicated-partitions'), { code: 0, stdout: '', stderr: '' });
  assert.deepEqual(await topics('--describe', '--unavailable-partitions'), { code: 0, stdout: '', stderr: '' });
  // Every partition of RF 1 with min.insync.replicas 1 is at its minimum ISR.
  const atMin = await topics('--describe', '--at-min-isr-partitions', '--topic', 'placed');
  assert.equal(atMin.stdout, '\tTopic: placed\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: \n\tTopic: placed\tPartition: 1\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: \n');
  await sameAsKafka(atMin, '--describe', '--at-min-isr-partitions', '--topic', 'placed');
});

test('--delete removes the topic; a missing one fails unless --if-exists', async () => {
  assert.deepEqual(await topics('--delete', '--topic', 'placed'), { code: 0, stdout: '', stderr: '' });
  assert.ok(!(await topics('--list')).stdout.split('\n').includes('placed'));
  const missing = await topics('--delete', '--topic', 'placed');
  assert.deepEqual(missing, { code: 1, stdout: "Error while executing topic command : Topic 'placed' does not exist as expected\n", stderr: '' });
  await sameAsKafka(missing, '--delete', '--topic', 'placed');
  assert.deepEqual(await topics('--delete', '--topic', 'placed', '--if-exists'), { code: 0, stdout: '', stderr: '' });
});

test("bad command lines print Kafka's message and the usage on stderr, exit 1", async () => {
  const cases: [string[], string][] = [
    [['--list', '--create', '--topic', 'x'], 'Command must include exactly one action: --list, --describe, --create, --alter or --delete'],
    [['--create'], 'Missing required argument "[topic]"'],
    [['--alter', '--topic', 'x'], 'Missing required argument "[partitions]"'],
    [['--alter', '--topic', 'x', '--partitions', '3', '--replication-factor', '2'], 'Option "[replication-factor]" can\'t be used with option "[alter]"'],
    [['--list', '--if-not-exists'], 'Option "[if-not-exists]" can\'t be used with option "[list]"'],
    [['--describe', '--topics-with-overrides', '--under-replicated-partitions'], 'Option "[under-replicated-partitions]" can\'t be used with option "[topics-with-overrides]"'],
    [['--create', '--topic', 'x', '--partitions', '1', '--replica-assignment', '1'], 'Option "[replica-assignment]" can\'t be used with option "[partitions]"'],
  ];
  for (const [args, message] of cases) {
    const r = await topics(...args);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.split('\n')[0], message, args.join(' '));
    assert.match(r.stderr, /--bootstrap-server <server to connect to>/);
    if (KAFKA_TOOLS_AVAILABLE) assert.equal((await kafkaTopics(...args)).stderr.split('\n')[0], message, `Kafka: ${args.join(' ')}`);
  }
  const partitions = await topics('--create', '--topic', 'x', '--partitions', '0');
  assert.deepEqual(partitions, { code: 1, stdout: 'Error while executing topic command : The partitions must be greater than 0\n', stderr: '' });
  const rf = await topics('--create', '--topic', 'x', '--replication-factor', '0');
  assert.deepEqual(rf, { code: 1, stdout: 'Error while executing topic command : The replication factor must be between 1 and 32767 inclusive\n', stderr: '' });
  const config = await topics('--create', '--topic', 'x', '--config', 'retention.ms');
  assert.equal(config.stdout, 'Error while executing topic command : requirement failed: Invalid topic config: all configs to be added must be in the format "key=val".\n');
});
