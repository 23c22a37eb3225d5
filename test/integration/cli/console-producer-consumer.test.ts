import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { KAFKA_TOOLS_AVAILABLE, kafkaBroker, kafkaTool } from '../../helpers/admin-tools.ts';

// `kafka-broker console-producer` and `console-consumer` against a running broker, as processes fed on stdin: keys,
// headers and null markers as Kafka's LineMessageReader parses them, keyed records on Kafka's default partitions,
// Kafka's DefaultMessageFormatter output (compared with Kafka's own console consumer against the same broker when it
// is installed), read_committed, and Kafka's argument errors.

let broker: TestBroker;
let kafka: Kafka;
before(async () => {
  broker = await startBroker();
  kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'console-test', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: ['keyed', 'keyed-by-kafka', 'formats', 'txn', 'bad-lines'].map((topic) => ({ topic, numPartitions: topic === 'keyed' || topic === 'keyed-by-kafka' ? 3 : 1 })) });
  await admin.disconnect();
});
after(async () => {
  await broker.cleanup();
});

const produce = (input: string, ...args: string[]) => kafkaBroker(['console-producer', '--bootstrap-server', broker.bootstrap, ...args], input);
const consume = (...args: string[]) => kafkaBroker(['console-consumer', '--bootstrap-server', broker.bootstrap, ...args]);
const kafkaConsume = (...args: string[]) => kafkaTool('org.apache.kafka.tools.consumer.ConsoleConsumer', ['--bootstrap-server', broker.bootstrap, ...args]);

const KEYS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];

test('keyed lines land on the partitions Kafka\'s own console producer picks', async () => {
  const input = KEYS.map((k) => `${k}:v-${k}\n`).join('');
  assert.deepEqual(await produce(input, '--topic', 'keyed', '--reader-property', 'parse.key=true', '--reader-property', 'key.separator=:'), { code: 0, stdout: '', stderr: '' });
  const ours = [];
  for (const p of [0, 1, 2]) {
    const r = await consume('--topic', 'keyed', '--partition', String(p), '--offset', 'earliest', '--timeout-ms', '2000', '--formatter-property', 'print.key=true');
    assert.equal(r.code, 0, r.stderr);
    ours.push(r.stdout.split('\n').filter((l) => l !== '').sort());
  }
  assert.deepEqual(ours.flat().sort(), KEYS.map((k) => `${k}\tv-${k}`));
  if (!KAFKA_TOOLS_AVAILABLE) return;
  const theirs = await kafkaTool('org.apache.kafka.tools.ConsoleProducer', ['--bootstrap-server', broker.bootstrap, '--topic', 'keyed-by-kafka', '--reader-property', 'parse.key=true', '--reader-property', 'key.separator=:'], input);
  assert.equal(theirs.code, 0, theirs.stderr);
  for (const p of [0, 1, 2]) {
    const r = await consume('--topic', 'keyed-by-kafka', '--partition', String(p), '--offset', 'earliest', '--timeout-ms', '2000', '--formatter-property', 'print.key=true');
    assert.deepEqual(r.stdout.split('\n').filter((l) => l !== '').sort(), ours[p], `partition ${p}`);
  }
});

test('headers, keys and the null marker; the formatter prints them as Kafka\'s console consumer', async () => {
  const input = 'h1:x,h2:y|k1|first\nNULL|k2|second\nh3:NULL|NULL|NULL\n';
  const r = await produce(input, '--topic', 'formats', '--reader-property', 'parse.key=true', '--reader-property', 'parse.headers=true', '--reader-property', 'key.separator=|', '--reader-property', 'headers.delimiter=|', '--reader-property', 'null.marker=NULL', '--sync');
  assert.deepEqual(r, { code: 0, stdout: '', stderr: '' });
  const args = ['--topic', 'formats', '--from-beginning', '--max-messages', '3', '--formatter-property', 'print.key=true', '--formatter-property', 'print.headers=true', '--formatter-property', 'print.offset=true', '--formatter-property', 'print.partition=true', '--formatter-property', 'null.literal=<null>'];
  const ours = await consume(...args);
  assert.deepEqual(ours, {
    code: 0,
    stdout: 'Partition:0\tOffset:0\th1:x,h2:y\tk1\tfirst\nPartition:0\tOffset:1\tNO_HEADERS\tk2\tsecond\nPartition:0\tOffset:2\th3:<null>\t<null>\t<null>\n',
    stderr: 'Processed a total of 3 messages\n',
  });
  const timestamps = await consume('--topic', 'formats', '--partition', '0', '--offset', '1', '--max-messages', '1', '--formatter-property', 'print.timestamp=true', '--formatter-property', 'print.value=false');
  assert.match(timestamps.stdout, /^CreateTime:\d{13}\n$/);
  if (!KAFKA_TOOLS_AVAILABLE) return;
  const theirs = await kafkaConsume(...args);
  assert.equal(ours.stdout, theirs.stdout);
  assert.equal(theirs.code, ours.code);
});

test('--isolation-level read_committed leaves out aborted transactions; read_uncommitted shows them', async () => {
  const producer = kafka.producer({ transactionalId: 'console-txn', maxInFlightRequests: 1, idempotent: true });
  await producer.connect();
  for (const [value, commit] of [['committed-1', true], ['aborted', false], ['committed-2', true]] as const) {
    const txn = await producer.transaction();
    await txn.send({ topic: 'txn', messages: [{ value }] });
    if (commit) await txn.commit();
    else await txn.abort();
  }
  await producer.disconnect();
  const committed = await consume('--topic', 'txn', '--from-beginning', '--isolation-level', 'read_committed', '--timeout-ms', '2000');
  assert.equal(committed.stdout, 'committed-1\ncommitted-2\n');
  const all = await consume('--topic', 'txn', '--from-beginning', '--timeout-ms', '2000');
  assert.equal(all.stdout, 'committed-1\naborted\ncommitted-2\n');
  assert.match(all.stderr, /TimeoutException\nProcessed a total of 3 messages\n$/);
  if (!KAFKA_TOOLS_AVAILABLE) return;
  assert.equal((await kafkaConsume('--topic', 'txn', '--from-beginning', '--isolation-level', 'read_committed', '--timeout-ms', '3000')).stdout, committed.stdout);
});

test("argument errors and unparsable lines: Kafka's messages, exit 1", async () => {
  const cases: [string[], string][] = [
    [['--partition', '0'], 'Exactly one of the following arguments is required: [topic], [include]'],
    [['--topic', 'formats', '--offset', '3'], 'The partition is required when offset is specified.'],
    [['--topic', 'formats', '--partition', '0', '--offset', '-3'], "The provided offset value '-3' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long."],
    [['--topic', 'formats', '--partition', '0', '--offset', '1', '--from-beginning'], 'Options from-beginning and offset cannot be specified together.'],
  ];
  for (const [args, message] of cases) {
    const r = await consume(...args);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.stderr.split('\n')[0], message, args.join(' '));
    if (KAFKA_TOOLS_AVAILABLE) assert.equal((await kafkaConsume(...args)).stderr.split('\n')[0], message, `Kafka: ${args.join(' ')}`);
  }
  const group = await consume('--topic', 'formats', '--group', 'g1');
  assert.equal(group.code, 1);
  assert.match(group.stderr, /^--group is not supported by kafka-broker console-consumer/);
  const bad = await produce('k1\tv1\nno-separator\n', '--topic', 'bad-lines', '--reader-property', 'parse.key=true');
  assert.deepEqual(bad, { code: 1, stdout: '', stderr: "org.apache.kafka.common.KafkaException: No key separator found on line number 2: 'no-separator'\n" });
  // The line before the bad one was sent.
  assert.equal((await consume('--topic', 'bad-lines', '--from-beginning', '--timeout-ms', '3000', '--formatter-property', 'print.key=true')).stdout, 'k1\tv1\n');
  const acks0 = await produce('x\n', '--topic', 'formats', '--request-required-acks', '0');
  assert.equal(acks0.code, 1);
  assert.match(acks0.stderr, /^acks=0 is not supported/);
});
