import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { KAFKA_TOOLS_AVAILABLE, kafkaBroker, kafkaTool } from '../../helpers/admin-tools.ts';

// `kafka-broker get-offsets` against a running broker, as a process, compared with Kafka's own GetOffsetShell
// against the same broker when it is installed.

let broker: TestBroker;
before(async () => {
  broker = await startBroker();
  const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'get-offsets-test', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'clicks', numPartitions: 3 }, { topic: 'views', numPartitions: 1 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  // clicks-0: 4 records stamped 1000..4000, clicks-1: 2 records, clicks-2: none; views-0: 1 record.
  await producer.send({ topic: 'clicks', messages: [1, 2, 3, 4].map((i) => ({ value: `c${i}`, partition: 0, timestamp: String(i * 1000) })) });
  await producer.send({ topic: 'clicks', messages: [1, 2].map((i) => ({ value: `d${i}`, partition: 1, timestamp: String(i * 1000) })) });
  await producer.send({ topic: 'views', messages: [{ value: 'v', timestamp: '5000' }] });
  await producer.disconnect();
});
after(async () => {
  await broker.cleanup();
});

const getOffsets = (...args: string[]) => kafkaBroker(['get-offsets', '--bootstrap-server', broker.bootstrap, ...args]);

async function sameAsKafka(ours: { code: number; stdout: string; stderr: string }, ...args: string[]): Promise<void> {
  if (!KAFKA_TOOLS_AVAILABLE) return;
  const theirs = await kafkaTool('org.apache.kafka.tools.GetOffsetShell', ['--bootstrap-server', broker.bootstrap, ...args]);
  assert.equal(ours.stdout, theirs.stdout, `kafka-get-offsets ${args.join(' ')}`);
  assert.equal(ours.code, theirs.code);
}

test('latest offsets of every partition, sorted as topic-partition, as Kafka', async () => {
  const r = await getOffsets('--exclude-internal-topics');
  assert.deepEqual(r, { code: 0, stdout: 'clicks:0:4\nclicks:1:2\nclicks:2:0\nviews:0:1\n', stderr: '' });
  await sameAsKafka(r, '--exclude-internal-topics');
});

test('--time earliest, a timestamp (partitions without a later record left out) and max-timestamp', async () => {
  assert.equal((await getOffsets('--topic', 'clicks', '--time', 'earliest')).stdout, 'clicks:0:0\nclicks:1:0\nclicks:2:0\n');
  const at = await getOffsets('--topic', 'clicks', '--time', '2500');
  assert.equal(at.stdout, 'clicks:0:2\n');
  await sameAsKafka(at, '--topic', 'clicks', '--time', '2500');
  const max = await getOffsets('--topic', 'clicks', '--time', '-3');
  assert.equal(max.code, 0, max.stderr);
  await sameAsKafka(max, '--topic', 'clicks', '--time', '-3');
});

test('--topic-partitions and --topic/--partitions select partitions as Kafka', async () => {
  const r = await getOffsets('--topic-partitions', 'clicks:1-3,views');
  assert.equal(r.stdout, 'clicks:1:2\nclicks:2:0\nviews:0:1\n');
  await sameAsKafka(r, '--topic-partitions', 'clicks:1-3,views');
  assert.equal((await getOffsets('--topic', 'cl.*', '--partitions', '0,2')).stdout, 'clicks:0:4\nclicks:2:0\n');
});

test("errors: Kafka's messages on stderr, exit 1", async () => {
  const cases: [string[], string][] = [
    [['--topic', 'nope'], 'Error occurred: Could not match any topic-partitions with the specified filters\n'],
    [['--time', 'yesterday'], 'Error occurred: Malformed time argument yesterday. Please use -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered / -6 or earliest-pending-upload, or a specified long format timestamp\n'],
    [['--topic-partitions', 'clicks', '--topic', 'clicks'], 'Error occurred: --topic-partitions cannot be used with --topic or --partitions\n'],
    [['--partitions', 'a'], 'Error occurred: --partitions expects a comma separated list of numeric partition ids, but received: a\n'],
  ];
  for (const [args, message] of cases) {
    const r = await getOffsets(...args);
    assert.deepEqual(r, { code: 1, stdout: '', stderr: message }, args.join(' '));
    if (KAFKA_TOOLS_AVAILABLE) {
      const theirs = await kafkaTool('org.apache.kafka.tools.GetOffsetShell', ['--bootstrap-server', broker.bootstrap, ...args]);
      assert.equal(theirs.stderr.split('\n')[0], message.trimEnd(), `Kafka: ${args.join(' ')}`);
    }
  }
});
