import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { KAFKA_TOOLS_AVAILABLE, kafkaBroker, kafkaTool } from '../../helpers/admin-tools.ts';
import { AdminClient } from '../../../src/cli/admin-client.ts';
import { PerfProducer } from '../../../src/cli/perf-producer.ts';
import { perfProducerOptions } from '../../../src/cli/producer-perf-test-command.ts';

// `kafka-broker producer-perf-test` and `consumer-perf-test` against a running broker, as processes: the records
// really land (counted with kafkajs' admin), their lines have Kafka's format, and Kafka's own ProducerPerformance /
// ConsumerPerformance print the same shapes and the same argument errors against the same broker.

const SUMMARY = /^(\d+) records sent, \d+\.\d{6} records\/sec \(\d+\.\d{2} MB\/sec\), \d+\.\d{2} ms avg latency, \d+\.\d{2} ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$/;
const CSV_HEADER = 'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec';
const CSV_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}, (\d+\.\d{4}), \d+\.\d{4}, (\d+), \d+\.\d{4}, \d+, \d+, \d+\.\d{4}, \d+\.\d{4}$/;

let broker: TestBroker;
let kafka: Kafka;
before(async () => {
  broker = await startBroker();
  kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'perf-test-commands', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'perf', numPartitions: 3 }, { topic: 'keyed', numPartitions: 4 }] });
  await admin.disconnect();
});
after(async () => {
  await broker.cleanup();
});

async function endOffsets(topic: string): Promise<number[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition).map((o) => Number(o.high));
  } finally {
    await admin.disconnect();
  }
}

const perf = (...args: string[]) => kafkaBroker(['producer-perf-test', '--bootstrap-server', broker.bootstrap, ...args]);

test('producer-perf-test sends --num-records records of --record-size bytes and prints the summary as Kafka', async () => {
  const r = await perf('--topic', 'perf', '--num-records', '20000', '--record-size', '100', '--throughput', '-1', '--command-property', 'linger.ms=1', 'batch.size=65536');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines.at(-1)!, SUMMARY);
  assert.equal(SUMMARY.exec(lines.at(-1)!)![1], '20000');
  assert.equal((await endOffsets('perf')).reduce((a, b) => a + b, 0), 20000);
  if (KAFKA_TOOLS_AVAILABLE) {
    const theirs = await kafkaTool('org.apache.kafka.tools.ProducerPerformance', ['--bootstrap-server', broker.bootstrap, '--topic', 'perf', '--num-records', '2000', '--record-size', '100', '--throughput', '-1']);
    assert.equal(theirs.code, 0, theirs.stderr);
    assert.match(theirs.stdout.trimEnd().split('\n').at(-1)!, SUMMARY);
  }
});

test('an idempotent run (the default) leaves one producer with its last sequence on each partition it wrote', async () => {
  const r = await perf('--topic', 'keyed', '--num-records', '4000', '--payload-monotonic', '--throughput', '-1', '--key-distribution', 'range', '--record-key-range', '8');
  assert.equal(r.code, 0, r.stderr);
  const counts = await endOffsets('keyed');
  assert.equal(counts.reduce((a, b) => a + b, 0), 4000);
  // Eight keys hashed by murmur2 over 4 partitions: every record of a key in one partition, 500 records per key.
  for (const c of counts) assert.equal(c % 500, 0);
  const producers = await kafkaBroker(['transactions', '--bootstrap-server', broker.bootstrap, 'describe-producers', '--topic', 'keyed', '--partition', String(counts.findIndex((c) => c > 0))]);
  const rows = producers.stdout.trimEnd().split('\n').slice(1).map((l) => l.split('\t').map((c) => c.trim()));
  assert.equal(rows.length, 1);
  assert.equal(rows[0]![3], String(counts.find((c) => c > 0)! - 1), 'LastSequence');
});

test('--throughput throttles to about that many records per second, with window lines every --reporting-interval', async () => {
  const r = await perf('--topic', 'perf', '--num-records', '300', '--record-size', '10', '--throughput', '500', '--reporting-interval', '200');
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  for (const l of lines.slice(0, -1)) assert.match(l, /^\d+ records sent, \d+\.\d records\/sec \(\d+\.\d\d MB\/sec\), \d+\.\d ms avg latency, \d+\.\d ms max latency\.$/);
  assert.ok(lines.length >= 2, r.stdout);
  const rate = Number(/records sent, ([\d.]+) records\/sec/.exec(lines.at(-1)!)![1]);
  assert.ok(rate <= 600, `throttled to ${rate} records/s`);
});

test("producer-perf-test's argument errors: Kafka's messages, exit 1; unsupported settings refused", async () => {
  const base = ['--topic', 'perf', '--throughput', '-1'];
  const cases: [string[], string][] = [
    [[...base, '--num-records', '0', '--record-size', '1'], '--num-records should be greater than zero.'],
    [[...base, '--num-records', '10'], 'one of the arguments --record-size --payload-file --payload-monotonic is required'],
    [[...base, '--num-records', '10', '--record-size', '0'], '--record-size should be greater than zero.'],
    [[...base, '--num-records', '10', '--record-size', '1', '--key-distribution', 'range'], "--record-key-range is required when --key-distribution is 'range' or 'random'."],
    [['--topic', 'perf', '--num-records', '10', '--record-size', '1'], 'argument --throughput is required'],
  ];
  for (const [args, message] of cases) {
    const r = await perf(...args);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.stderr.trimEnd().split('\n').at(-1), `kafka-producer-perf-test: error: ${message}`);
    if (KAFKA_TOOLS_AVAILABLE) {
      // argparse4j justifies its error to 75 columns ("error:  --num-records  should ..."); ours is one line.
      const theirs = await kafkaTool('org.apache.kafka.tools.ProducerPerformance', ['--bootstrap-server', broker.bootstrap, ...args]);
      const error = theirs.stderr.slice(theirs.stderr.indexOf('kafka-producer-perf-test: ')).replace(/\s+/g, ' ').replace(/- (?=[a-z])/g, '-').trim();
      assert.equal(error, `kafka-producer-perf-test: error: ${message}`, `Kafka: ${args.join(' ')}`);
      assert.equal(theirs.code, 1);
    }
  }
  for (const [props, message] of [
    [['acks=0'], 'acks=0 is not supported'],
    [['retries=3'], 'Unsupported producer config retries'],
    [['acks=1', 'enable.idempotence=true'], 'Must set acks to all in order to use the idempotent producer.'],
  ] as const) {
    const r = await perf('--topic', 'perf', '--num-records', '1', '--record-size', '1', '--throughput', '-1', '--command-property', ...props);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(message));
  }
  const tx = await perf(...base, '--num-records', '1', '--record-size', '1', '--transactional-id', 't');
  assert.equal(tx.code, 1);
  assert.match(tx.stderr, /--transactional-id is not supported/);
});

test('consumer-perf-test reads --num-records records, prints the CSV line as Kafka and commits the group', async () => {
  const produced = await perf('--topic', 'consume', '--num-records', '20000', '--record-size', '100', '--throughput', '-1');
  assert.equal(produced.code, 0, produced.stderr);
  const r = await kafkaBroker(['consumer-perf-test', '--bootstrap-server', broker.bootstrap, '--topic', 'consume', '--num-records', '15000', '--group', 'perf-g']);
  assert.equal(r.code, 0, r.stderr);
  const [header, line] = r.stdout.trimEnd().split('\n');
  assert.equal(header, CSV_HEADER);
  const m = CSV_LINE.exec(line!);
  assert.ok(m !== null, line);
  assert.equal(m[2], '15000');
  assert.equal(m[1], (15000 * 100 / 1048576).toFixed(4));
  const admin = kafka.admin();
  await admin.connect();
  const committed = (await admin.fetchOffsets({ groupId: 'perf-g', topics: ['consume'] }))[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0);
  await admin.disconnect();
  assert.equal(committed, 15000);
  // The group resumes where it stopped: only the rest of the topic is left.
  const rest = await kafkaBroker(['consumer-perf-test', '--bootstrap-server', broker.bootstrap, '--topic', 'consume', '--num-records', '99999', '--group', 'perf-g', '--timeout', '1000', '--hide-header']);
  assert.match(rest.stdout, /^WARNING: Exiting before consuming the expected number of records: timeout \(1000 ms\) exceeded\. You can use the --timeout option to increase the timeout\.\n/);
  assert.equal(CSV_LINE.exec(rest.stdout.trimEnd().split('\n').at(-1)!)![2], '5000');
  if (KAFKA_TOOLS_AVAILABLE) {
    const theirs = await kafkaTool('org.apache.kafka.tools.ConsumerPerformance', ['--bootstrap-server', broker.bootstrap, '--topic', 'consume', '--num-records', '15000', '--group', 'kafka-g']);
    assert.equal(theirs.code, 0, theirs.stderr);
    const [theirHeader, theirLine] = theirs.stdout.trimEnd().split('\n');
    assert.equal(theirHeader, CSV_HEADER);
    // Kafka's loop counts every record of its last poll (up to max.poll.records more); ours stops at --num-records.
    assert.ok(Number(CSV_LINE.exec(theirLine!)![2]) >= 15000, theirLine);
  }
});

test('consumer-perf-test --show-detailed-stats and its argument errors', async () => {
  const r = await kafkaBroker(['consumer-perf-test', '--bootstrap-server', broker.bootstrap, '--topic', 'perf', '--num-records', '100', '--show-detailed-stats']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.split('\n')[0], 'time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec');
  const missing = await kafkaBroker(['consumer-perf-test', '--bootstrap-server', broker.bootstrap, '--topic', 'perf']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr.split('\n')[0], 'Exactly one of the following arguments is required: [messages],[num-records]');
  const unknown = await kafkaBroker(['consumer-perf-test', '--bootstrap-server', broker.bootstrap, '--topic', 'nope', '--num-records', '1']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /nope/);
});

test('the perf producer sends batches while its caller fills the next ones: answers come in long before buffer.memory is used up', async () => {
  const [host, port] = broker.bootstrap.split(':') as [string, string];
  const admin = new AdminClient([{ host, port: Number(port) }], { clientId: 'perf-producer-test', timeoutMs: 30_000 });
  // 64 MiB of buffer.memory, 16 KiB batches: a loop that never yielded would fill 4,096 batches before any left.
  const settings = perfProducerOptions({ 'bootstrap.servers': broker.bootstrap, acks: '1', 'batch.size': '16384', 'linger.ms': '1000', 'buffer.memory': String(64 * 1024 * 1024) });
  let acknowledged = 0;
  const producer = await PerfProducer.create(admin, 'perf', settings, (_batch, _now, error) => {
    assert.equal(error, null);
    acknowledged++;
  });
  const value = Buffer.alloc(1000, 0x61);
  let pendingBytes = 0;
  try {
    // Records go in as producer-perf-test sends them (awaiting only what send returns) until a first answer is in.
    while (acknowledged === 0 && pendingBytes < settings.bufferMemory) {
      const wait = producer.send(null, value, 0, Date.now());
      pendingBytes += value.length;
      if (wait !== undefined) await wait;
    }
    assert.ok(acknowledged > 0 && pendingBytes < settings.bufferMemory / 4, `first answer after ${pendingBytes} bytes sent`);
    await producer.flush();
  } finally {
    producer.close();
    admin.close();
  }
});
