import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { KAFKA_TOOLS_AVAILABLE, kafkaBroker, kafkaTool, writeToolInput, type ToolRun } from '../../helpers/admin-tools.ts';

// `kafka-broker reassign-partitions` against one running broker, as a process: argument errors, bad JSON files,
// --generate, --list, --verify and --cancel with nothing to do, each compared with Kafka's own
// ReassignPartitionsCommand against the same broker when it is installed (less the stack trace the Java tool prints
// after its "Error: " line). Real moves between brokers are in
// test/cluster/reassign-partitions-command.test.ts.

const KAFKA_CLASS = 'org.apache.kafka.tools.reassign.ReassignPartitionsCommand';
let broker: TestBroker;

before(async () => {
  broker = await startBroker();
  const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'reassign-test', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'moves', numPartitions: 3 }, { topic: 'other', numPartitions: 1 }] });
  await admin.disconnect();
});
after(async () => {
  await broker.cleanup();
});

function jsonFile(name: string, content: unknown): Promise<string> {
  return writeToolInput(broker.dataDir, name, content);
}

const ours = (args: string[]): Promise<ToolRun> => kafkaBroker(['reassign-partitions', ...args]);

/** Kafka's stdout up to its "Error: ..." line, without the stack trace the Java tool prints after it. */
function withoutStackTrace(stdout: string): string {
  const error = stdout.search(/^Error: /m);
  return error < 0 ? stdout : stdout.slice(0, stdout.indexOf('\n', error) + 1);
}

/** Runs Kafka's tool with the same arguments; asserts the same exit code, stderr's first line and stdout (less Java's stack trace). */
async function sameAsKafka(r: ToolRun, args: string[]): Promise<void> {
  if (!KAFKA_TOOLS_AVAILABLE) return;
  const theirs = await kafkaTool(KAFKA_CLASS, args);
  const what = args.join(' ');
  assert.equal(r.code, theirs.code, what);
  assert.equal(r.stderr.split('\n')[0], theirs.stderr.split('\n')[0], what);
  assert.equal(r.stdout, withoutStackTrace(theirs.stdout), what);
}

test('argument errors print Kafka\'s message and the usage on stderr with exit code 1', async () => {
  const b = ['--bootstrap-server', broker.bootstrap];
  const cases: [string[], string][] = [
    [[], 'This tool helps to move topic partitions between replicas.'],
    [['--list'], 'Please specify either --bootstrap-server or --bootstrap-controller'],
    [[...b, '--generate', '--list'], 'Command must include exactly one action: --generate, --execute, --verify, --cancel, --list'],
    [[...b], 'Command must include exactly one action: --generate, --execute, --verify, --cancel, --list'],
    [[...b, '--generate', '--broker-list', '1'], 'Missing required argument "[topics-to-move-json-file]"'],
    [[...b, '--execute'], 'Missing required argument "[reassignment-json-file]"'],
    [[...b, '--list', '--throttle', '5'], 'Option "[throttle]" can\'t be used with action "[list]"'],
    [[...b, '--verify', '--reassignment-json-file', 'x.json', '--additional'], 'Option "[additional]" can\'t be used with action "[verify]"'],
  ];
  for (const [args, message] of cases) {
    const r = await ours(args);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.split('\n')[0], message, args.join(' '));
    assert.match(r.stderr, /--reassignment-json-file/);
    await sameAsKafka(r, args);
  }
  const controller = await ours(['--bootstrap-controller', broker.bootstrap, '--list']);
  assert.equal(controller.code, 1);
  assert.match(controller.stderr, /^--bootstrap-controller is not supported/);
});

test('bad files and values fail with "Error: <Kafka\'s message>" on stdout and exit code 1', async () => {
  const b = ['--bootstrap-server', broker.bootstrap];
  const topics = await jsonFile('topics.json', { topics: [{ topic: 'moves' }], version: 1 });
  const cases: [string[], string][] = [
    [[...b, '--execute', '--reassignment-json-file', '/nonexistent.json'], 'Error: Unable to read file /nonexistent.json'],
    [[...b, '--generate', '--topics-to-move-json-file', topics, '--broker-list', '1,1'], 'Error: Broker list contains duplicate entries: [1]'],
    [[...b, '--generate', '--topics-to-move-json-file', topics, '--broker-list', '1,x'], 'Error: For input string: "x"'],
    [[...b, '--generate', '--topics-to-move-json-file', await jsonFile('t2.json', { topics: [{ topic: 'a' }, { topic: 'a' }] }), '--broker-list', '1'], 'Error: List of topics to reassign contains duplicate entries: [a]'],
    [[...b, '--generate', '--topics-to-move-json-file', await jsonFile('t3.json', '{nope'), '--broker-list', '1'], 'Error: The input string is not a valid JSON'],
    [[...b, '--generate', '--topics-to-move-json-file', await jsonFile('t4.json', { topics: [{ topic: 'missing' }] }), '--broker-list', '1'], 'Error: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: Topic missing not found.'],
    // Broker 2 is not in the cluster: no broker is left to place on.
    [[...b, '--generate', '--topics-to-move-json-file', topics, '--broker-list', '2'], 'Error: All brokers are currently fenced, or have all their log directories cordoned.'],
    [[...b, '--generate', '--topics-to-move-json-file', await jsonFile('t5.json', { topics: [], version: 2 }), '--broker-list', '1'], 'Error: Not supported version field value 2'],
    [[...b, '--execute', '--reassignment-json-file', await jsonFile('e1.json', { partitions: [], version: 1 })], 'Error: Partition reassignment list cannot be empty'],
    [[...b, '--execute', '--reassignment-json-file', await jsonFile('e2.json', { partitions: [{ topic: 'moves', partition: 0, replicas: [] }] })], 'Error: Partition replica list cannot be empty'],
    [[...b, '--execute', '--reassignment-json-file', await jsonFile('e3.json', { partitions: [{ topic: 'moves', partition: 0, replicas: [1] }, { topic: 'moves', partition: 0, replicas: [1] }] })], 'Error: Partition reassignment contains duplicate topic partitions: moves-0'],
    [[...b, '--execute', '--reassignment-json-file', await jsonFile('e4.json', { partitions: [{ topic: 'moves', partition: 0, replicas: [1, 1] }] })], 'Error: Partition replica lists may not contain duplicate entries: moves-0 contains multiple entries for 1'],
    [[...b, '--execute', '--reassignment-json-file', await jsonFile('e5.json', { partitions: [{ topic: 'moves', partition: 0, replicas: [7] }] })], 'Error: Unknown broker id 7'],
    [[...b, '--execute', '--reassignment-json-file', await jsonFile('e6.json', { partitions: [{ topic: 'moves', partition: 9, replicas: [1] }] })], 'Error: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: Unable to find partition: moves-9'],
    [[...b, '--execute', '--reassignment-json-file', await jsonFile('e7.json', { partitions: [{ topic: 'moves', partition: 0, replicas: [1, 2], log_dirs: ['any'] }] })], 'Error: Size of replicas list [1, 2] is different from size of log dirs list [any] for partition moves-0'],
    [[...b, '--execute', '--reassignment-json-file', await jsonFile('e8.json', { partitions: [{ topic: 'moves', partition: 0, replicas: [1] }] }), '--throttle', 'abc'], "Error: Cannot parse argument 'abc' of option throttle"],
  ];
  for (const [i, [args, line]] of cases.entries()) {
    const r = await ours(args);
    assert.deepEqual(r, { code: 1, stdout: `${line}\n`, stderr: '' }, args.join(' '));
    // Every other case against Kafka's tool (a JVM start each): both halves were compared when this was written.
    if (i % 2 === 0) await sameAsKafka(r, args);
  }
});

test('log directories: only "any" or the current one; moves, the log-dir throttle and KIP-860 are refused loudly', async () => {
  const b = ['--bootstrap-server', broker.bootstrap];
  const logDir = join(broker.dataDir, 'logs');
  const elsewhere = await jsonFile('dirs.json', { partitions: [{ topic: 'moves', partition: 0, replicas: [1], log_dirs: ['/data/a'] }] });
  const r = await ours([...b, '--execute', '--reassignment-json-file', elsewhere]);
  assert.deepEqual(r, { code: 1, stdout: 'Error: Cannot move replica moves-0-1 to log dir /data/a: moving replicas between log directories is not supported by this broker (it has no AlterReplicaLogDirs); use "any" or its current log dir\n', stderr: '' });
  // --verify and --cancel report the replica where it is, as Kafka's tool does.
  const verify = await ours([...b, '--verify', '--reassignment-json-file', elsewhere, '--preserve-throttles']);
  assert.deepEqual(verify, { code: 0, stdout: `Status of partition reassignment:\nReassignment of partition moves-0 is completed.\nPartition moves-0 on broker 1 is not being moved from log dir ${logDir} to /data/a.\n`, stderr: '' });
  await sameAsKafka(verify, [...b, '--verify', '--reassignment-json-file', elsewhere, '--preserve-throttles']);
  const cancel = await ours([...b, '--cancel', '--reassignment-json-file', elsewhere, '--preserve-throttles']);
  assert.deepEqual(cancel, { code: 0, stdout: 'None of the specified partition reassignments are active.\nNone of the specified partition moves are active.', stderr: '' });
  await sameAsKafka(cancel, [...b, '--cancel', '--reassignment-json-file', elsewhere, '--preserve-throttles']);
  const here = await jsonFile('here.json', { partitions: [{ topic: 'moves', partition: 0, replicas: [1], log_dirs: [logDir] }] });
  const inPlace = await ours([...b, '--verify', '--reassignment-json-file', here, '--preserve-throttles']);
  assert.equal(inPlace.stdout, 'Status of partition reassignment:\nReassignment of partition moves-0 is completed.\nReassignment of replica moves-0-1 completed successfully.\n');
  await sameAsKafka(inPlace, [...b, '--verify', '--reassignment-json-file', here, '--preserve-throttles']);

  const plain = await jsonFile('plain.json', { partitions: [{ topic: 'moves', partition: 0, replicas: [1] }] });
  const throttled = await ours([...b, '--execute', '--reassignment-json-file', plain, '--replica-alter-log-dirs-throttle', '1000']);
  assert.equal(throttled.code, 1);
  assert.match(throttled.stdout, /^Error: --replica-alter-log-dirs-throttle: moving replicas between log directories is not supported/);
  const kip860 = await ours([...b, '--execute', '--reassignment-json-file', plain, '--disallow-replication-factor-change']);
  assert.equal(kip860.code, 1);
  assert.match(kip860.stdout, /^Error: --disallow-replication-factor-change is not supported/);
});

test('--generate prints the current assignment exactly as Kafka and a valid proposal', async () => {
  const topics = await jsonFile('gen.json', { topics: [{ topic: 'moves' }, { topic: 'other' }], version: 1 });
  const args = ['--bootstrap-server', broker.bootstrap, '--generate', '--topics-to-move-json-file', topics, '--broker-list', '1'];
  const r = await ours(args);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const json = (dir: string): string => JSON.stringify({ version: 1, partitions: [['moves', 0], ['moves', 1], ['moves', 2], ['other', 0]].map(([topic, partition]) => ({ topic, partition, replicas: [1], log_dirs: [dir] })) });
  // The current assignment names each replica's log directory (Kafka 4.4). One broker leaves one proposal: the
  // placer's random start changes nothing, so the whole output compares.
  assert.equal(r.stdout, `Current partition replica assignment\n${json(join(broker.dataDir, 'logs'))}\n\nProposed partition reassignment configuration\n${json('any')}\n`);
  await sameAsKafka(r, args);
});

test('--list, --verify and --cancel with nothing ongoing print what Kafka prints', async () => {
  const b = ['--bootstrap-server', broker.bootstrap];
  const list = await ours([...b, '--list']);
  assert.deepEqual(list, { code: 0, stdout: 'No partition reassignments found.\n', stderr: '' });
  await sameAsKafka(list, [...b, '--list']);

  const file = await jsonFile('verify.json', { version: 1, partitions: [{ topic: 'moves', partition: 0, replicas: [1] }, { topic: 'moves', partition: 1, replicas: [1] }, { topic: 'gone', partition: 0, replicas: [1] }] });
  const verify = await ours([...b, '--verify', '--reassignment-json-file', file]);
  // Removing the throttles of a topic that does not exist fails, as with Kafka's tool.
  assert.deepEqual(verify, {
    code: 1,
    stdout: 'Status of partition reassignment:\nThere is no active reassignment of partition gone-0, but replica set is  rather than 1.\nReassignment of partition moves-0 is completed.\n'
      + 'Reassignment of partition moves-1 is completed.\n\nClearing broker-level throttles on broker 1\nClearing topic-level throttles on topics moves,gone\n'
      + "Error: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: The topic 'gone' does not exist.\n",
    stderr: '',
  });
  await sameAsKafka(verify, [...b, '--verify', '--reassignment-json-file', file]);
  const preserved = await ours([...b, '--verify', '--reassignment-json-file', file, '--preserve-throttles']);
  assert.doesNotMatch(preserved.stdout, /Clearing/);

  const one = await jsonFile('cancel.json', { partitions: [{ topic: 'moves', partition: 0, replicas: [1] }] });
  const cancel = await ours([...b, '--cancel', '--reassignment-json-file', one]);
  assert.deepEqual(cancel, {
    code: 0,
    stdout: 'None of the specified partition reassignments are active.\nNone of the specified partition moves are active.Clearing broker-level throttles on broker 1\nClearing topic-level throttles on topic moves\n',
    stderr: '',
  });
  await sameAsKafka(cancel, [...b, '--cancel', '--reassignment-json-file', one]);
});
