// Restarts keep everything that was acknowledged: the broker runs as a child process (bin/kafka-broker.js) over
// one data directory. A clean SIGTERM (exit 0, clean-shutdown marker written) and kill -9 in the middle of
// acknowledged acks=all produce traffic (no marker: log recovery runs) both come back with every topic, partition
// count, config override, deleted topic and log start offset as they were, and every acknowledged record byte
// for byte at its offset, read by kcat; the logs continue at the right offsets afterwards. A topic deleted and
// re-created keeps its new records across restarts, and a partition directory left behind by a crash during a
// topic deletion is neither served nor revived.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, CompressionTypes } from 'kafkajs';
import { startBroker, startBrokerProcess, type BrokerProcess, type TestBroker } from '../../helpers/broker.ts';
import { kcatConsumeAll, type KcatRecord } from '../../fixtures/e2e/kcat.ts';
import { corpusLines } from '../../fixtures/e2e/license-corpus.ts';
import { registerKafkajsCodecs } from '../../fixtures/e2e/kafkajs-codecs.ts';

const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
const BASE_TIMESTAMP = 1_700_000_000_000;

/** The record that belongs at `offset` of a partition: deterministic, so any run can check any offset. */
function recordAt(partition: number, offset: number): { key: string; value: Buffer; timestamp: number; headers: Record<string, string> } {
  const lines = corpusLines();
  return {
    key: `p${partition}-o${offset}`,
    value: lines[(offset * 7 + partition) % lines.length]!.bytes,
    timestamp: BASE_TIMESTAMP + offset,
    headers: { partition: String(partition), offset: String(offset) },
  };
}

function checkRecords(got: KcatRecord[], partition: number, from: number, count: number): void {
  assert.equal(got.length, count, `records in partition ${partition}`);
  got.forEach((r, i) => {
    const offset = from + i;
    const want = recordAt(partition, offset);
    assert.equal(r.offset, offset);
    assert.equal(r.key!.toString(), want.key);
    assert.ok(r.value!.equals(want.value), `value at ${partition}/${offset}`);
    assert.equal(r.timestamp, want.timestamp);
    assert.deepEqual(r.headers, [['partition', String(partition)], ['offset', String(offset)]]);
  });
}

function kafkaFor(p: BrokerProcess): Kafka {
  return new Kafka({ brokers: [p.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
}

async function describeTopicConfig(kafka: Kafka, topic: string, names: string[]): Promise<Record<string, string | null>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const res = await admin.describeConfigs({ resources: [{ type: 2, name: topic, configNames: names }], includeSynonyms: false });
    return Object.fromEntries(res.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
  } finally {
    await admin.disconnect();
  }
}

describe('restarts lose nothing acknowledged', () => {
  let dataDir: string;
  let running: BrokerProcess | undefined;

  before(async () => {
    registerKafkajsCodecs();
    dataDir = await mkdtemp(join(tmpdir(), 'kafka-e2e-restart-'));
  });
  after(async () => {
    await running?.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  test('clean SIGTERM restart: topics, configs, deletions and records are all there', async () => {
    running = await startBrokerProcess(dataDir);
    let kafka = kafkaFor(running);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: 'durable', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '86400000' }, { name: 'segment.bytes', value: '65536' }] },
        { topic: 'to-delete', numPartitions: 1 },
      ],
    });
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'durable', configEntries: [{ name: 'retention.ms', value: '172800000' }, { name: 'segment.bytes', value: '65536' }, { name: 'max.message.bytes', value: '500000' }] }] });
    await admin.createPartitions({ topicPartitions: [{ topic: 'durable', count: 4 }] });
    const producer = kafka.producer();
    await producer.connect();
    const codecs = [CompressionTypes.None, CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD];
    const perPartition = 1500;
    for (let from = 0; from < perPartition; from += 300) {
      for (let partition = 0; partition < 4; partition++) {
        await producer.send({
          topic: 'durable',
          acks: -1,
          compression: codecs[(from / 300 + partition) % codecs.length],
          messages: Array.from({ length: 300 }, (_, i) => {
            const r = recordAt(partition, from + i);
            return { partition, key: r.key, value: r.value, timestamp: String(r.timestamp), headers: r.headers };
          }),
        });
      }
    }
    await producer.send({ topic: 'to-delete', messages: [{ value: 'gone soon' }] });
    await producer.disconnect();
    await admin.deleteTopicRecords({ topic: 'durable', partitions: [{ partition: 1, offset: '100' }] });
    await admin.deleteTopics({ topics: ['to-delete'] });
    await admin.disconnect();

    assert.equal(await running.kill('SIGTERM'), 0);
    assert.ok(existsSync(join(dataDir, 'logs', CLEAN_SHUTDOWN_FILE)), 'clean shutdown marker');

    running = await startBrokerProcess(dataDir);
    kafka = kafkaFor(running);
    const again = kafka.admin();
    await again.connect();
    try {
      assert.deepEqual((await again.listTopics()).sort(), ['durable']);
      const offsets = (await again.fetchTopicOffsets('durable')).sort((a, b) => a.partition - b.partition);
      assert.deepEqual(offsets.map((o) => [o.partition, o.low, o.high]), [[0, '0', '1500'], [1, '100', '1500'], [2, '0', '1500'], [3, '0', '1500']]);
    } finally {
      await again.disconnect();
    }
    assert.deepEqual(await describeTopicConfig(kafka, 'durable', ['retention.ms', 'segment.bytes', 'max.message.bytes']), {
      'retention.ms': '172800000',
      'segment.bytes': '65536',
      'max.message.bytes': '500000',
    });
    for (let partition = 0; partition < 4; partition++) {
      const from = partition === 1 ? 100 : 0;
      checkRecords(await kcatConsumeAll(running.bootstrap, 'durable', partition), partition, from, perPartition - from);
    }
    // The log continues where it was.
    const producer2 = kafka.producer();
    await producer2.connect();
    const r = recordAt(0, 1500);
    const [sent] = await producer2.send({ topic: 'durable', acks: -1, messages: [{ partition: 0, key: r.key, value: r.value, timestamp: String(r.timestamp), headers: r.headers }] });
    assert.equal(sent!.baseOffset, '1500');
    await producer2.disconnect();
    assert.equal(await running.kill('SIGTERM'), 0);
    running = undefined;
  });

  test('kill -9 during acks=all produce traffic, three times: every acknowledged record survives', async () => {
    const topic = 'crashy';
    // Offsets acknowledged so far per partition (records [0, acked) must exist after any crash).
    const acked = [0, 0];
    for (let round = 0; round < 3; round++) {
      running = await startBrokerProcess(dataDir);
      const kafka = kafkaFor(running);
      const admin = kafka.admin();
      await admin.connect();
      if (round === 0) await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
      // A metadata change acknowledged just before the crash must be there afterwards.
      await admin.createTopics({ topics: [{ topic: `crash-meta-${round}`, numPartitions: round + 1, configEntries: [{ name: 'retention.ms', value: String(1000000 + round) }] }] });
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.disconnect();
      const next = [0, 1].map((p) => Number(ends.find((o) => o.partition === p)!.high));
      for (const p of [0, 1]) assert.ok(next[p]! >= acked[p]!, `partition ${p} lost acknowledged records: end ${next[p]} < ${acked[p]}`);

      const producer = kafka.producer({ retry: { retries: 0 } });
      await producer.connect();
      const sends = 5 + ((round * 7) % 11);
      let inFlight: Promise<unknown> | undefined;
      for (let s = 0; s <= sends; s++) {
        const partition = s % 2;
        const from = next[partition]!;
        const send = producer.send({
          topic,
          acks: -1,
          compression: s % 3 === 0 ? CompressionTypes.GZIP : CompressionTypes.None,
          messages: Array.from({ length: 200 }, (_, i) => {
            const r = recordAt(partition, from + i);
            return { partition, key: r.key, value: r.value, timestamp: String(r.timestamp), headers: r.headers };
          }),
        });
        if (s === sends) {
          // The last send is in flight when the process dies: it may or may not be there, but never in part.
          inFlight = send.catch(() => undefined);
          break;
        }
        const [result] = await send;
        assert.equal(result!.baseOffset, String(from));
        next[partition] = from + 200;
        acked[partition] = from + 200;
      }
      await running.kill('SIGKILL');
      await inFlight;
      await producer.disconnect().catch(() => undefined);
      assert.ok(!existsSync(join(dataDir, 'logs', CLEAN_SHUTDOWN_FILE)), 'no clean shutdown marker after kill -9');
    }

    running = await startBrokerProcess(dataDir);
    const kafka = kafkaFor(running);
    for (let round = 0; round < 3; round++) {
      assert.deepEqual(await describeTopicConfig(kafka, `crash-meta-${round}`, ['retention.ms']), { 'retention.ms': String(1000000 + round) });
    }
    const admin = kafka.admin();
    await admin.connect();
    const md = await admin.fetchTopicMetadata({ topics: ['crash-meta-0', 'crash-meta-1', 'crash-meta-2'] });
    assert.deepEqual(md.topics.map((t) => [t.name, t.partitions.length]).sort(), [['crash-meta-0', 1], ['crash-meta-1', 2], ['crash-meta-2', 3]]);
    await admin.disconnect();
    for (const partition of [0, 1]) {
      const got = await kcatConsumeAll(running.bootstrap, topic, partition);
      assert.ok(got.length >= acked[partition]!, `partition ${partition}: ${got.length} records, ${acked[partition]} acknowledged`);
      // Whole batches only: what survives beyond the acknowledged end is a complete in-flight send.
      assert.equal(got.length % 200, 0);
      checkRecords(got, partition, 0, got.length);
    }
    assert.equal(await running.kill('SIGTERM'), 0);
    running = undefined;
  });
  test('a topic deleted and re-created under the same name keeps its new records across restarts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kafka-e2e-recreate-'));
    let broker: TestBroker | undefined;
    try {
      broker = await startBroker({ dataDir: dir });
      let kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'phoenix', configEntries: [{ name: 'retention.ms', value: '123456789' }] }] });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 'phoenix', acks: -1, messages: [{ value: 'first life 1' }, { value: 'first life 2' }] });
      await admin.deleteTopics({ topics: ['phoenix'] });
      await admin.createTopics({ topics: [{ topic: 'phoenix' }] });
      await producer.send({ topic: 'phoenix', acks: -1, messages: [{ value: 'second life' }] });
      await producer.disconnect();
      await admin.disconnect();
      await broker.stop();

      for (let restart = 0; restart < 2; restart++) {
        broker = await startBroker({ dataDir: dir });
        kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
        assert.deepEqual((await kcatConsumeAll(broker.bootstrap, 'phoenix', 0)).map((r) => r.value!.toString()), ['second life'], `after restart ${restart + 1}`);
        // The first incarnation's override went with it.
        assert.deepEqual(await describeTopicConfig(kafka, 'phoenix', ['retention.ms']), { 'retention.ms': '604800000' });
        await broker.stop();
      }
    } finally {
      await broker?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a partition directory whose topic is gone (a crash before its removal) is not served or revived', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kafka-e2e-stray-'));
    let broker: TestBroker | undefined;
    try {
      broker = await startBroker({ dataDir: dir });
      let kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
      let producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 'ghost', acks: -1, messages: [{ value: 'from the deleted topic' }] });
      await producer.disconnect();
      await broker.stop();
      // Keep a copy of the directory, delete the topic, then put the directory back: what a crash between the
      // RemoveTopicRecord and the rename of the directory leaves behind.
      const logs = join(dir, 'logs');
      await cp(join(logs, 'ghost-0'), join(dir, 'ghost-0.saved'), { recursive: true });
      broker = await startBroker({ dataDir: dir });
      kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: ['ghost'] });
      await admin.disconnect();
      await broker.stop();
      await rm(join(logs, 'ghost-0'), { recursive: true, force: true });
      await rename(join(dir, 'ghost-0.saved'), join(logs, 'ghost-0'));

      broker = await startBroker({ dataDir: dir });
      kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
      assert.ok(!existsSync(join(logs, 'ghost-0')), 'the stray directory was removed at start-up');
      producer = kafka.producer();
      await producer.connect();
      const [sent] = await producer.send({ topic: 'ghost', acks: -1, messages: [{ value: 'a new topic' }] });
      await producer.disconnect();
      assert.equal(sent!.baseOffset, '0');
      assert.deepEqual((await kcatConsumeAll(broker.bootstrap, 'ghost', 0)).map((r) => r.value!.toString()), ['a new topic']);
      await broker.stop();
    } finally {
      await broker?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
