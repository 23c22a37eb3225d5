// ListOffsets through real clients: earliest / latest / by timestamp with kcat -Q (librdkafka, ListOffsets v2) and
// kafkajs admin.fetchTopicOffsets / fetchTopicOffsetsByTimestamp (v3), the largest-timestamp lookup (-3, v7+) and
// leader epochs with @platformatic/kafka (v9), over a partition spread across several segments (small
// segment.bytes, so the time indexes of more than one segment are searched), after deleteRecords moved the log
// start offset, and on a batch whose timestamps are out of order.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { Admin as PlatformaticAdmin } from '@platformatic/kafka';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { runKcat } from '../../fixtures/e2e/kcat.ts';
import { corpusRecords } from '../../fixtures/e2e/license-corpus.ts';
import { partitionDir } from '../../fixtures/e2e/partition-files.ts';

const BASE = 1_700_000_000_000;
const COUNT = 2_000;
const PER_SEND = 100;
/** Record at offset o of partition 0 has timestamp BASE + 10 * o. */
const tsOf = (offset: number): number => BASE + 10 * offset;

/** `kcat -Q` for one partition and timestamp: the offset it prints. */
async function kcatQuery(bootstrap: string, topic: string, partition: number, timestamp: number): Promise<number> {
  const { stdout } = await runKcat(['-Q', '-b', bootstrap, '-t', `${topic}:${partition}:${timestamp}`]);
  const m = /\[(\d+)\]\s+offset\s+(-?\d+)/.exec(stdout.toString());
  assert.ok(m, `kcat -Q output: ${stdout.toString()}`);
  assert.equal(Number(m[1]), partition);
  return Number(m[2]);
}

describe('ListOffsets: earliest, latest and by timestamp', () => {
  let broker: TestBroker;
  let kafka: Kafka;
  let admin: Admin;

  before(async () => {
    broker = await startBroker();
    kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'offsets', numPartitions: 2, configEntries: [{ name: 'segment.bytes', value: '16384' }] }, { topic: 'offsets-unordered', numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    const records = corpusRecords(COUNT, 0);
    for (let from = 0; from < COUNT; from += PER_SEND) {
      await producer.send({
        topic: 'offsets',
        acks: -1,
        messages: records.slice(from, from + PER_SEND).map((r, i) => ({ partition: 0, key: r.key, value: r.value, timestamp: String(tsOf(from + i)) })),
      });
    }
    // One batch whose record timestamps go back and forth (CreateTime is the producer's; Kafka keeps it).
    await producer.send({
      topic: 'offsets-unordered',
      messages: [BASE + 100, BASE + 50, BASE + 300, BASE + 200, BASE + 250].map((t, i) => ({ value: `r${i}`, timestamp: String(t) })),
    });
    await producer.disconnect();
  });
  after(async () => {
    await admin.disconnect();
    await broker.cleanup();
  });

  test('the partition really spans several segments', () => {
    const segments = readdirSync(partitionDir(join(broker.dataDir, 'logs'), 'offsets', 0)).filter((f) => f.endsWith('.log'));
    assert.ok(segments.length >= 5, `only ${segments.length} segments`);
  });

  test('kafkajs fetchTopicOffsets: low and high watermarks of every partition', async () => {
    assert.deepEqual((await admin.fetchTopicOffsets('offsets')).sort((a, b) => a.partition - b.partition), [
      { partition: 0, offset: String(COUNT), high: String(COUNT), low: '0' },
      { partition: 1, offset: '0', high: '0', low: '0' },
    ]);
  });

  test('kafkajs fetchTopicOffsetsByTimestamp: first offset at or after the timestamp', async () => {
    const at = async (ts: number): Promise<string> => (await admin.fetchTopicOffsetsByTimestamp('offsets', ts)).find((p) => p.partition === 0)!.offset;
    assert.equal(await at(BASE - 1_000_000), '0');
    assert.equal(await at(tsOf(0)), '0');
    assert.equal(await at(tsOf(1234)), '1234');
    // Between two records: the later one.
    assert.equal(await at(tsOf(1234) + 3), '1235');
    assert.equal(await at(tsOf(COUNT - 1)), String(COUNT - 1));
    // Past the last timestamp: the broker answers -1 and kafkajs substitutes the high watermark.
    assert.equal(await at(tsOf(COUNT - 1) + 1), String(COUNT));
    // An empty partition has no offset for any timestamp.
    assert.equal((await admin.fetchTopicOffsetsByTimestamp('offsets', BASE)).find((p) => p.partition === 1)!.offset, '0');
  });

  test('kcat -Q: by timestamp, and -1 / -2 for latest / earliest', async () => {
    assert.equal(await kcatQuery(broker.bootstrap, 'offsets', 0, tsOf(777)), 777);
    assert.equal(await kcatQuery(broker.bootstrap, 'offsets', 0, tsOf(777) + 9), 778);
    assert.equal(await kcatQuery(broker.bootstrap, 'offsets', 0, BASE - 5), 0);
    assert.equal(await kcatQuery(broker.bootstrap, 'offsets', 0, tsOf(COUNT)), -1);
    assert.equal(await kcatQuery(broker.bootstrap, 'offsets', 0, -1), COUNT);
    assert.equal(await kcatQuery(broker.bootstrap, 'offsets', 0, -2), 0);
    assert.equal(await kcatQuery(broker.bootstrap, 'offsets', 1, -1), 0);
  });

  test('out-of-order timestamps in one batch: the first record whose timestamp is at or after the target', async () => {
    assert.equal(await kcatQuery(broker.bootstrap, 'offsets-unordered', 0, BASE + 60), 0);
    assert.equal(await kcatQuery(broker.bootstrap, 'offsets-unordered', 0, BASE + 101), 2);
    assert.equal(await kcatQuery(broker.bootstrap, 'offsets-unordered', 0, BASE + 210), 2);
    assert.equal(await kcatQuery(broker.bootstrap, 'offsets-unordered', 0, BASE + 301), -1);
  });

  test('@platformatic/kafka (v9): max timestamp (-3) and leader epochs', async () => {
    const p = new PlatformaticAdmin({ clientId: 'e2e-offsets', bootstrapBrokers: [broker.bootstrap] });
    try {
      const [unordered] = await p.listOffsets({ topics: [{ name: 'offsets-unordered', partitions: [{ partitionIndex: 0, timestamp: -3n }] }] });
      assert.deepEqual(unordered!.partitions.map((x) => [x.offset, x.timestamp, x.leaderEpoch]), [[2n, BigInt(BASE + 300), 0]]);
      const [ordered] = await p.listOffsets({ topics: [{ name: 'offsets', partitions: [{ partitionIndex: 0, timestamp: BigInt(tsOf(42)) }, { partitionIndex: 1, timestamp: -1n }] }] });
      assert.deepEqual(ordered!.partitions.map((x) => [x.partitionIndex, x.offset, x.timestamp]).sort(), [[0, 42n, BigInt(tsOf(42))], [1, 0n, -1n]]);
    } finally {
      await p.close();
    }
  });

  test('after deleteRecords, earliest is the new log start offset and older timestamps map to it', async () => {
    await admin.deleteTopicRecords({ topic: 'offsets', partitions: [{ partition: 0, offset: '500' }] });
    const offsets = (await admin.fetchTopicOffsets('offsets')).find((p) => p.partition === 0)!;
    assert.deepEqual(offsets, { partition: 0, offset: String(COUNT), high: String(COUNT), low: '500' });
    assert.equal(await kcatQuery(broker.bootstrap, 'offsets', 0, -2), 500);
    assert.equal(await kcatQuery(broker.bootstrap, 'offsets', 0, tsOf(10)), 500);
    assert.equal(await kcatQuery(broker.bootstrap, 'offsets', 0, tsOf(1500)), 1500);
  });
});
