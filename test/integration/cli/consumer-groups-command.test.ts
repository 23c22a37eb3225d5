import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { KAFKA_TOOLS_AVAILABLE, kafkaBroker, kafkaTool } from '../../helpers/admin-tools.ts';

// `kafka-broker consumer-groups` against a running broker with a real kafkajs consumer group, as a process: its
// tables pinned to Kafka 4.4's ConsumerGroupCommand format, and compared with what Kafka's own kafka-consumer-groups
// class prints against the same broker when it is installed.

const TOPIC = 'events';
const GROUP = 'billing';
let broker: TestBroker;
let kafka: Kafka;
let consumer: Consumer | null = null;

before(async () => {
  broker = await startBroker();
  kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'billing-app', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: TOPIC, messages: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}`, partition: i % 2 })) });
  await producer.disconnect();
  // A group that consumed everything, then committed 3 on partition 0: a lag of 2 there.
  consumer = kafka.consumer({ groupId: GROUP });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  let seen = 0;
  await consumer.run({ eachMessage: async () => void seen++ });
  await until(() => seen === 10, 'the consumer read the 10 records');
  await consumer.commitOffsets([{ topic: TOPIC, partition: 0, offset: '3' }, { topic: TOPIC, partition: 1, offset: '5' }]);
});
after(async () => {
  await consumer?.disconnect();
  await broker.cleanup();
});

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const groups = (...args: string[]) => kafkaBroker(['consumer-groups', '--bootstrap-server', broker.bootstrap, ...args]);
const kafkaGroups = (...args: string[]) => kafkaTool('org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', ['--bootstrap-server', broker.bootstrap, ...args]);

/** Asserts Kafka's kafka-consumer-groups prints what we printed on stdout (lines sorted when `sorted`). */
async function sameAsKafka(ours: { stdout: string }, args: string[], sorted = false): Promise<void> {
  if (!KAFKA_TOOLS_AVAILABLE) return;
  const theirs = await kafkaGroups(...args);
  const norm = (s: string) => (sorted ? s.split('\n').sort().join('\n') : s);
  assert.equal(norm(ours.stdout), norm(theirs.stdout), `kafka-consumer-groups ${args.join(' ')}`);
}

const pad = (s: string, n: number) => s.padEnd(n);

test('--list names the group; --list --state adds its state', async () => {
  assert.deepEqual(await groups('--list'), { code: 0, stdout: `${GROUP}\n`, stderr: '' });
  const states = await groups('--list', '--state');
  assert.equal(states.stdout, `${pad('GROUP', 25)} ${pad('STATE', 20)}\n${pad(GROUP, 25)} ${pad('Stable', 20)}\n`);
  await sameAsKafka(states, ['--list', '--state']);
  assert.equal((await groups('--list', '--state', 'empty')).stdout, `${pad('GROUP', 25)} ${pad('STATE', 20)}\n`);
});

test('--describe prints GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID as Kafka', async () => {
  const r = await groups('--describe', '--group', GROUP);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], '');
  assert.match(lines[1]!, /^GROUP {11}TOPIC {11}PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG {13}CONSUMER-ID +HOST +CLIENT-ID$/);
  assert.match(lines[2]!, /^billing {9}events {10}0 {10}3 {15}5 {15}2 {15}billing-app-\S+ \/127\.0\.0\.1 +billing-app$/);
  assert.match(lines[3]!, /^billing {9}events {10}1 {10}5 {15}5 {15}0 {15}billing-app-\S+ \/127\.0\.0\.1 +billing-app$/);
  await sameAsKafka(r, ['--describe', '--group', GROUP]);
});

test('--describe --members and --describe --state as Kafka', async () => {
  const members = await groups('--describe', '--group', GROUP, '--members');
  assert.match(members.stdout, /^\nGROUP {11}CONSUMER-ID +HOST {12}CLIENT-ID {7}#PARTITIONS {5}\nbilling {9}billing-app-\S+ \/127\.0\.0\.1 {6}billing-app {5}2 {15}\n$/);
  await sameAsKafka(members, ['--describe', '--group', GROUP, '--members']);
  const state = await groups('--describe', '--group', GROUP, '--state');
  assert.match(state.stdout, /^\nGROUP {11}COORDINATOR \(ID\) {10}ASSIGNMENT-STRATEGY  STATE {16}#MEMBERS\nbilling {9}127\.0\.0\.1:\d+  \(1\) +\S+ +Stable {15}1\n$/);
  await sameAsKafka(state, ['--describe', '--group', GROUP, '--state']);
});

test('a group that does not exist: Kafka\'s error, exit 1', async () => {
  const r = await groups('--describe', '--group', 'nope');
  assert.deepEqual(r, { code: 1, stdout: "\nError: Consumer group 'nope' does not exist.\n", stderr: '' });
  await sameAsKafka(r, ['--describe', '--group', 'nope']);
});

test('--reset-offsets is refused while the group is active, as Kafka', async () => {
  const r = await groups('--reset-offsets', '--group', GROUP, '--topic', TOPIC, '--to-earliest', '--execute');
  assert.equal(r.code, 1);
  assert.equal(r.stdout, `\nError: Assignments can only be reset if the group '${GROUP}' is inactive, but the current state is Stable.\n\nGROUP           TOPIC           PARTITION  NEW-OFFSET\n`);
  await sameAsKafka(r, ['--reset-offsets', '--group', GROUP, '--topic', TOPIC, '--to-earliest', '--dry-run']);
});

test('--reset-offsets of an inactive group: every spec, --dry-run changes nothing, --execute commits', async () => {
  await consumer!.disconnect();
  consumer = null;
  await until(async () => (await groups('--list', '--state')).stdout.includes('Empty'), 'the group is empty');
  const plan = (o0: number, o1: number) => `\nGROUP           TOPIC           PARTITION  NEW-OFFSET\n${pad(GROUP, 15)} ${pad(TOPIC, 15)} ${pad('0', 10)} ${o0}\n${pad(GROUP, 15)} ${pad(TOPIC, 15)} ${pad('1', 10)} ${o1}\n`;
  const earliest = await groups('--reset-offsets', '--group', GROUP, '--topic', TOPIC, '--to-earliest', '--dry-run');
  assert.deepEqual(earliest, { code: 0, stdout: plan(0, 0), stderr: '' });
  await sameAsKafka(earliest, ['--reset-offsets', '--group', GROUP, '--topic', TOPIC, '--to-earliest', '--dry-run'], true);
  const noExecute = await groups('--reset-offsets', '--group', GROUP, '--all-topics', '--to-latest');
  assert.equal(noExecute.stdout, plan(5, 5));
  assert.match(noExecute.stderr, /^WARN: No action will be performed as the --execute option is missing\./);
  assert.equal((await groups('--reset-offsets', '--group', GROUP, '--all-topics', '--shift-by', '-2', '--dry-run')).stdout, plan(1, 3));
  // --to-offset past the end is clamped to the log end offset, as Kafka's checkOffsetsRange.
  assert.equal((await groups('--reset-offsets', '--group', GROUP, '--topic', `${TOPIC}:1`, '--to-offset', '99', '--dry-run')).stdout.split('\n')[2], `${pad(GROUP, 15)} ${pad(TOPIC, 15)} ${pad('1', 10)} 5`);
  assert.equal((await groups('--reset-offsets', '--group', GROUP, '--all-topics', '--to-datetime', '2000-01-01T00:00:00.000', '--dry-run')).stdout, plan(0, 0));
  assert.equal((await groups('--reset-offsets', '--group', GROUP, '--all-topics', '--by-duration', 'P1D', '--dry-run')).stdout, plan(0, 0));
  // Nothing changed so far.
  assert.match((await groups('--describe', '--group', GROUP)).stdout, /\nbilling {9}events {10}0 {10}3 {15}5 {15}2 {15}- {15}- {15}-\n/);

  const executed = await groups('--reset-offsets', '--group', GROUP, '--topic', `${TOPIC}:0`, '--to-offset', '1', '--execute');
  assert.equal(executed.code, 0, executed.stdout);
  const described = await groups('--describe', '--group', GROUP);
  assert.match(described.stdout, /\nbilling {9}events {10}0 {10}1 {15}5 {15}4 {15}- {15}- {15}-\n/);
  assert.equal(described.stderr, `\nConsumer group '${GROUP}' has no active members.\n`);
  await sameAsKafka(described, ['--describe', '--group', GROUP]);

  const noCommit = await groups('--reset-offsets', '--group', 'fresh', '--topic', TOPIC, '--shift-by', '1', '--dry-run');
  assert.equal(noCommit.code, 1);
  assert.equal(noCommit.stderr.split('\n')[0], `Cannot shift offset for partition ${TOPIC}-0 since there is no current committed offset`);
  const unknown = await groups('--reset-offsets', '--group', GROUP, '--topic', `${TOPIC}:7`, '--to-earliest', '--dry-run');
  assert.deepEqual(unknown, { code: 1, stdout: `\nError: Executing consumer group command failed due to The partitions "${TOPIC}-7" do not exist\n`, stderr: '' });
});

test("bad command lines print Kafka's message on stderr, exit 1", async () => {
  const cases: [string[], string][] = [
    [['--describe'], 'Option [describe] takes one of these options: [group], [all-groups]'],
    [['--describe', '--group', GROUP, '--members', '--state'], 'Option [describe] takes at most one of these options: [members], [offsets], [state]'],
    [['--reset-offsets', '--group', GROUP, '--all-topics', '--to-earliest', '--dry-run', '--execute'], 'Option [reset-offsets] only accepts one of [execute] and [dry-run]'],
    [['--reset-offsets', '--group', GROUP, '--to-earliest', '--dry-run'], 'One of the reset scopes should be defined: --all-topics, --topic.'],
    [['--delete', '--group', GROUP, '--topic', TOPIC], 'The consumer does not support topic-specific offset deletion from a consumer group.'],
    [['--reset-offsets', '--group', GROUP, '--all-topics', '--to-earliest', '--to-latest'], 'Option "[to-earliest]" can\'t be used with option "[to-latest]"'],
  ];
  for (const [args, message] of cases) {
    const r = await groups(...args);
    assert.equal(r.code, 1, args.join(' '));
    assert.ok(r.stderr.split('\n').includes(message), `${args.join(' ')}: ${r.stderr}`);
  }
});

test('--reset-offsets --from-file applies a CSV plan, clamped to the log, as Kafka', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'reset-plan-'));
  try {
    const csv = join(dir, 'plan.csv');
    // One group: topic,partition,offset; 99 is past the end of partition 1 (5) and is clamped.
    await writeFile(csv, `${TOPIC},0,2\n${TOPIC},1,99\n`);
    const dryRun = await groups('--reset-offsets', '--group', GROUP, '--from-file', csv, '--dry-run');
    assert.deepEqual(dryRun, { code: 0, stdout: `\nGROUP           TOPIC           PARTITION  NEW-OFFSET\n${pad(GROUP, 15)} ${pad(TOPIC, 15)} ${pad('0', 10)} 2\n${pad(GROUP, 15)} ${pad(TOPIC, 15)} ${pad('1', 10)} 5\n`, stderr: '' });
    await sameAsKafka(dryRun, ['--reset-offsets', '--group', GROUP, '--from-file', csv, '--dry-run'], true);
    assert.equal((await groups('--reset-offsets', '--group', GROUP, '--from-file', csv, '--execute')).code, 0);
    assert.match((await groups('--describe', '--group', GROUP)).stdout, /\nbilling {9}events {10}0 {10}2 {15}5 {15}3 /);
    // group,topic,partition,offset lines that name another group: no plan for this one.
    await writeFile(csv, `other,${TOPIC},0,1\n`);
    const none = await groups('--reset-offsets', '--group', GROUP, '--from-file', csv, '--dry-run');
    assert.equal(none.code, 1);
    assert.equal(none.stdout, `\nError: No reset plan for group ${GROUP} found.\n\nGROUP           TOPIC           PARTITION  NEW-OFFSET\n`);
    await sameAsKafka(none, ['--reset-offsets', '--group', GROUP, '--from-file', csv, '--dry-run']);
    const both = await groups('--reset-offsets', '--group', GROUP, '--from-file', csv, '--to-earliest');
    assert.equal(both.code, 1);
    assert.match(both.stderr, /^Option "\[to-earliest\]" can't be used with option "\[from-file\]"/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('--delete-offsets deletes a partition\'s committed offset and reports each partition, as Kafka', async () => {
  const deleted = await groups('--delete-offsets', '--group', GROUP, '--topic', `${TOPIC}:0`);
  assert.deepEqual(deleted, { code: 0, stdout: `Request succeeded for deleting offsets from group ${GROUP}.\n\nTOPIC           PARTITION  STATUS         \n${pad(TOPIC, 15)} 0          Successful     \n`, stderr: '' });
  // Kafka's tool deleting the same (now absent) offset prints the same.
  await sameAsKafka(deleted, ['--delete-offsets', '--group', GROUP, '--topic', `${TOPIC}:0`]);
  assert.doesNotMatch((await groups('--describe', '--group', GROUP)).stdout, /\nbilling {9}events {10}0 /);
  const unknownTopic = await groups('--delete-offsets', '--group', GROUP, '--topic', 'nope');
  // The exception's message is our error table's wording, not Kafka's ("This server does not host this
  // topic-partition."), so the rest of the output is compared with Kafka's tool up to it.
  assert.match(unknownTopic.stdout, /\nnope {12}- {10}Error: org\.apache\.kafka\.common\.errors\.UnknownTopicOrPartitionException: /);
  if (KAFKA_TOOLS_AVAILABLE) {
    const upToMessage = (s: string): string => s.replace(/(Exception: ).*/g, '$1');
    assert.equal(upToMessage(unknownTopic.stdout), upToMessage((await kafkaGroups('--delete-offsets', '--group', GROUP, '--topic', 'nope')).stdout));
  }
  const usage = await groups('--delete-offsets', '--group', GROUP);
  assert.equal(usage.code, 1);
  assert.equal(usage.stderr.split('\n')[0], 'Option [delete-offsets] takes the following options: [group], [topic]');
});

test('--delete removes an empty group; a missing one is reported as Kafka', async () => {
  const missing = await groups('--delete', '--group', 'nope');
  // The exception's message is our error table's default message for GROUP_ID_NOT_FOUND, which is not Kafka's
  // wording ("The group id does not exist."), so the line is not compared with Kafka's tool.
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, /^\nError: Deletion of some consumer groups failed:\n\* Group 'nope' could not be deleted due to: org\.apache\.kafka\.common\.errors\.GroupIdNotFoundException: .+\n$/);
  assert.deepEqual(await groups('--delete', '--group', GROUP), { code: 0, stdout: `Deletion of requested consumer groups ('${GROUP}') was successful.\n`, stderr: '' });
  assert.deepEqual(await groups('--list'), { code: 0, stdout: '', stderr: '' });
});
