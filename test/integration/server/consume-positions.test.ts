// Where a consumer starts and how much it gets per fetch, through kcat (librdkafka's fetcher): from the beginning,
// an absolute offset inside a compressed batch (the broker returns the whole batch; the client skips the records
// before its offset), relative to the end, from a timestamp (s@), past the end (OFFSET_OUT_OF_RANGE, then the
// reset policy), and with a per-partition fetch size smaller than one batch (KIP-74: at least one whole batch
// is returned, so the consumer still makes progress), including a record close to the 1 MB default limit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, CompressionTypes } from 'kafkajs';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { KCAT_RECORD_FORMAT, parseKcatRecords, runKcat } from '../../fixtures/e2e/kcat.ts';

const BASE = 1_700_000_000_000;
const COUNT = 5_000;
const PER_BATCH = 500;

describe('consumer start positions and fetch sizes (kcat)', () => {
  let broker: TestBroker;

  async function consume(topic: string, args: string[]): Promise<{ offset: number; value: string }[]> {
    const { stdout } = await runKcat(['-C', '-b', broker.bootstrap, '-t', topic, '-p', '0', '-e', '-q', '-f', KCAT_RECORD_FORMAT, ...args]);
    return parseKcatRecords(stdout).map((r) => ({ offset: r.offset, value: r.value!.toString() }));
  }

  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ offset: from + i, value: `record ${from + i}` }));

  before(async () => {
    broker = await startBroker();
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'positions', numPartitions: 1 }, { topic: 'big-record', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    for (let from = 0; from < COUNT; from += PER_BATCH) {
      await producer.send({
        topic: 'positions',
        compression: CompressionTypes.GZIP,
        messages: Array.from({ length: PER_BATCH }, (_, i) => ({ value: `record ${from + i}`, timestamp: String(BASE + (from + i) * 1000) })),
      });
    }
    await producer.send({ topic: 'big-record', messages: [{ value: 'small before' }, { value: Buffer.alloc(900 * 1024, 0x62) }] });
    await producer.send({ topic: 'big-record', messages: [{ value: 'small after' }] });
    await producer.disconnect();
  });
  after(async () => {
    await broker.cleanup();
  });

  test('from the beginning, and from an absolute offset in the middle of a compressed batch', async () => {
    assert.deepEqual(await consume('positions', ['-o', 'beginning']), range(0, COUNT));
    assert.deepEqual(await consume('positions', ['-o', '1234', '-c', '10']), range(1234, 1244));
    assert.deepEqual(await consume('positions', ['-o', String(COUNT - 1)]), range(COUNT - 1, COUNT));
  });

  test('relative to the end, and from a timestamp', async () => {
    assert.deepEqual(await consume('positions', ['-o', '-7']), range(COUNT - 7, COUNT));
    assert.deepEqual(await consume('positions', ['-o', `s@${BASE + 4321 * 1000}`, '-c', '3']), range(4321, 4324));
    assert.deepEqual(await consume('positions', ['-o', `s@${BASE + 4321 * 1000 - 1}`, '-c', '1']), range(4321, 4322));
  });

  test('an offset past the end is out of range: auto.offset.reset decides where to go', async () => {
    assert.deepEqual(await consume('positions', ['-o', String(COUNT + 100), '-X', 'auto.offset.reset=smallest', '-c', '2']), range(0, 2));
    assert.deepEqual(await consume('positions', ['-o', String(COUNT + 100), '-X', 'auto.offset.reset=largest']), []);
  });

  test('a fetch size smaller than one batch still returns whole batches, so the consumer progresses', async () => {
    assert.deepEqual(await consume('positions', ['-o', 'beginning', '-X', 'fetch.message.max.bytes=100', '-X', 'message.max.bytes=1000', '-X', 'fetch.max.bytes=1000']), range(0, COUNT));
    const big = await consume('big-record', ['-o', 'beginning', '-X', 'fetch.message.max.bytes=1000']);
    assert.deepEqual(big.map((r) => [r.offset, r.value.length]), [[0, 'small before'.length], [1, 900 * 1024], [2, 'small after'.length]]);
    assert.ok(big[1]!.value === 'b'.repeat(900 * 1024));
  });
});
