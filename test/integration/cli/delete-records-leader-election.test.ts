import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { KAFKA_TOOLS_AVAILABLE, kafkaBroker, kafkaTool, writeToolInput, type ToolRun } from '../../helpers/admin-tools.ts';

// `kafka-broker delete-records` and `leader-election` against a running single broker, as processes, compared with
// Kafka's own DeleteRecordsCommand and LeaderElectionCommand against the same broker when they are installed.

let broker: TestBroker;
before(async () => {
  broker = await startBroker();
  const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'delete-records-test', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'events', numPartitions: 2 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  for (const partition of [0, 1]) await producer.send({ topic: 'events', messages: [1, 2, 3, 4, 5].map((i) => ({ value: `e${i}`, partition })) });
  await producer.disconnect();
});
after(async () => {
  await broker.cleanup();
});

function jsonFile(name: string, content: unknown): Promise<string> {
  return writeToolInput(broker.dataDir, name, content);
}

async function sameAsKafka(ours: ToolRun, mainClass: string, args: string[]): Promise<void> {
  if (!KAFKA_TOOLS_AVAILABLE) return;
  const theirs = await kafkaTool(mainClass, ['--bootstrap-server', broker.bootstrap, ...args]);
  assert.equal(ours.stdout, theirs.stdout, args.join(' '));
  assert.equal(ours.code, theirs.code, args.join(' '));
  assert.equal(ours.stderr.split('\n')[0], theirs.stderr.split('\n')[0], args.join(' '));
}

test('delete-records moves the low watermark of each partition and reports offsets past the end', async () => {
  const file = await jsonFile('delete.json', { partitions: [{ topic: 'events', partition: 0, offset: 2 }, { topic: 'events', partition: 1, offset: 99 }], version: 1 });
  const r = await kafkaBroker(['delete-records', '--bootstrap-server', broker.bootstrap, '--offset-json-file', file]);
  assert.equal(r.code, 0, r.stderr);
  // In the order of Kafka's HashMap of TopicPartition.
  assert.equal(r.stdout, 'Executing records delete operation\nRecords delete operation completed:\npartition: events-0\tlow_watermark: 2\npartition: events-1\terror: org.apache.kafka.common.errors.OffsetOutOfRangeException: The offset is outside the range of offsets the partition holds.\n');
  const earliest = await kafkaBroker(['get-offsets', '--bootstrap-server', broker.bootstrap, '--topic', 'events', '--time', 'earliest']);
  assert.equal(earliest.stdout, 'events:0:2\nevents:1:0\n');
  const again = await jsonFile('delete-again.json', { partitions: [{ topic: 'events', partition: 0, offset: 3 }] });
  const second = await kafkaBroker(['delete-records', '--bootstrap-server', broker.bootstrap, '--offset-json-file', again]);
  assert.equal(second.stdout, 'Executing records delete operation\nRecords delete operation completed:\npartition: events-0\tlow_watermark: 3\n');
  const last = await jsonFile('delete-last.json', { partitions: [{ topic: 'events', partition: 0, offset: 4 }] });
  await sameAsKafka(await kafkaBroker(['delete-records', '--bootstrap-server', broker.bootstrap, '--offset-json-file', last]), 'org.apache.kafka.tools.DeleteRecordsCommand', ['--offset-json-file', last]);
});

test("delete-records refuses bad JSON files with Kafka's messages", async () => {
  const cases: [unknown, string][] = [
    [{ partitions: [{ topic: 'events', partition: 0, offset: 1 }, { topic: 'events', partition: 0, offset: 2 }] }, 'Offset json file contains duplicate topic partitions: events-0'],
    [{ partitions: [], version: 2 }, 'Not supported version field value 2'],
    ['{not json', 'The input string is not a valid JSON'],
    [{ version: 1 }, 'Missing partitions field'],
  ];
  for (const [content, message] of cases) {
    const file = await jsonFile('bad.json', content);
    const r = await kafkaBroker(['delete-records', '--bootstrap-server', broker.bootstrap, '--offset-json-file', file]);
    assert.deepEqual(r, { code: 1, stdout: '', stderr: `${message}\n` });
    await sameAsKafka(r, 'org.apache.kafka.tools.DeleteRecordsCommand', ['--offset-json-file', file]);
  }
});

test('leader-election: a single broker already leads its preferred replicas; unknown partitions fail as Kafka', async () => {
  const preferred = await kafkaBroker(['leader-election', '--bootstrap-server', broker.bootstrap, '--election-type', 'preferred', '--topic', 'events', '--partition', '1']);
  assert.deepEqual(preferred, { code: 0, stdout: 'Valid replica already elected for partitions events-1\n', stderr: '' });
  await sameAsKafka(preferred, 'org.apache.kafka.tools.LeaderElectionCommand', ['--election-type', 'preferred', '--topic', 'events', '--partition', '1']);
  const file = await jsonFile('elect.json', { partitions: [{ topic: 'events', partition: 0 }, { topic: 'events', partition: 1 }, { topic: 'nope', partition: 0 }] });
  const unclean = await kafkaBroker(['leader-election', '--bootstrap-server', broker.bootstrap, '--election-type', 'unclean', '--path-to-json-file', file]);
  assert.equal(unclean.code, 1);
  assert.match(unclean.stdout, /^Valid replica already elected for partitions events-0, events-1\nError completing leader election \(UNCLEAN\) for partition: nope-0: org\.apache\.kafka\.common\.errors\.UnknownTopicOrPartitionException: .+\n$/);
  assert.equal(unclean.stderr, '1 replica(s) could not be elected\n');
  await sameAsKafka(unclean, 'org.apache.kafka.tools.LeaderElectionCommand', ['--election-type', 'unclean', '--path-to-json-file', file]);
  await sameAsKafka(await kafkaBroker(['leader-election', '--bootstrap-server', broker.bootstrap, '--election-type', 'preferred', '--all-topic-partitions']), 'org.apache.kafka.tools.LeaderElectionCommand', ['--election-type', 'preferred', '--all-topic-partitions']);
});

test("leader-election argument errors: Kafka's messages, exit 1", async () => {
  const cases: [string[], string][] = [
    [['--all-topic-partitions'], 'Missing required option(s): election-type'],
    [['--election-type', 'preferred'], 'One and only one of the following options is required: topic, all-topic-partitions, path-to-json-file'],
    [['--election-type', 'preferred', '--topic', 'events'], 'Missing required option(s): partition'],
    [['--election-type', 'sideways', '--all-topic-partitions'], "Cannot parse argument 'sideways' of option election-type"],
  ];
  for (const [args, message] of cases) {
    const r = await kafkaBroker(['leader-election', '--bootstrap-server', broker.bootstrap, ...args]);
    assert.deepEqual(r, { code: 1, stdout: '', stderr: `${message}\n` }, args.join(' '));
    await sameAsKafka(r, 'org.apache.kafka.tools.LeaderElectionCommand', args);
  }
});
