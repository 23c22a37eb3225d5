// Kafka's LogValidator timestamp rule for CreateTime topics: a batch whose header maxTimestamp disagrees with its
// largest record timestamp (a wrong value, -1, or a value where every record has -1) is stored with the largest
// record timestamp and a recomputed CRC; a batch whose header is right is stored byte for byte. Batches are built
// with hand-set headers, plain and with every codec, produced over the real wire; the stored batches and the time
// index are read from the files, and ListOffsets by timestamp is asked through kafkajs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { partitionDir } from '../../fixtures/e2e/partition-files.ts';
import { buildRecordBatch } from '../../../src/protocol/records/record-batch-builder.ts';
import { BatchLayout, CompressionType, RecordBatch, type CompressionTypeName } from '../../../src/protocol/records/record-batch.ts';
import { iterateBatches } from '../../../src/protocol/records/batch-iterator.ts';
import { readRecords } from '../../../src/protocol/records/record-iterator.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';

type Any = any;

const TOPIC = 'max-timestamps';
const T = 1_700_000_000_000;
const CODECS: CompressionTypeName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
/** The partition holding a single batch whose header maxTimestamp is -1. */
const MINUS_ONE_ONLY = CODECS.length;

/** A batch of records with these timestamps, its header maxTimestamp then set to `headerMax` (null: as built). */
async function batch(codec: CompressionTypeName, timestamps: number[], headerMax: number | null): Promise<Buffer> {
  const bytes = await buildRecordBatch({ compression: codec, records: timestamps.map((timestamp, i) => ({ value: `v${i}@${timestamp}`, timestamp })) });
  if (headerMax !== null) {
    bytes.writeBigInt64BE(BigInt(headerMax), BatchLayout.MAX_TIMESTAMP);
    new RecordBatch(bytes).writeChecksum();
  }
  return bytes;
}

/** What each codec's partition receives, in order: [record timestamps, header maxTimestamp as sent, kept as sent]. */
const SCENARIO: [number[], number | null, boolean][] = [
  [[T, T + 5], null, true], // offsets 0-1: right header
  [[T + 10, T + 30, T + 20], T + 10, false], // 2-4: header below the largest record timestamp
  [[T + 40, T + 50], -1, false], // 5-6: header left at -1
  [[T + 60, T + 70], null, true], // 7-8: right header
  [[-1, -1], T + 1000, false], // 9-10: records without timestamps, header set anyway
];

describe('CreateTime batches get maxTimestamp = the largest record timestamp (Kafka LogValidator)', () => {
  let broker: TestBroker;
  let client: RawKafkaClient;
  /** The batches sent to each partition. */
  const sent = new Map<number, Buffer[]>();

  const produce = async (partition: number, records: Buffer): Promise<void> => {
    const r = await client.request<Any>(ApiKeys.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: partition, records }] }] });
    assert.equal(r.responses[0].partitionResponses[0].errorCode, Errors.NONE);
  };

  before(async () => {
    broker = await startBroker();
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    // index.interval.bytes=0: a time index entry for every batch after the first whose max timestamp grew.
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: CODECS.length + 1, configEntries: [{ name: 'index.interval.bytes', value: '0' }] }], waitForLeaders: true });
    await admin.disconnect();
    client = await RawKafkaClient.connect(broker.port);
    for (const [partition, codec] of CODECS.entries()) {
      const batches: Buffer[] = [];
      for (const [timestamps, headerMax] of SCENARIO) {
        const bytes = await batch(codec, timestamps, headerMax);
        batches.push(Buffer.from(bytes));
        await produce(partition, bytes);
      }
      sent.set(partition, batches);
    }
    await produce(MINUS_ONE_ONLY, await batch('none', [T + 100, T + 90], -1));
  });
  after(async () => {
    await client.close();
    await broker.cleanup();
  });

  test('kafkajs fetchTopicOffsetsByTimestamp finds records in batches whose header was wrong or -1', async () => {
    const admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const lookup = async (timestamp: number): Promise<string[]> =>
        (await admin.fetchTopicOffsetsByTimestamp(TOPIC, timestamp)).sort((a, b) => a.partition - b.partition).map((p) => p.offset);
      const everyCodec = (offset: string, minusOneOnly: string): string[] => [...CODECS.map(() => offset), minusOneOnly];
      assert.deepEqual(await lookup(T), everyCodec('0', '0'));
      // In the batch whose header said T+10: its record T+30 (offset 3).
      assert.deepEqual(await lookup(T + 25), everyCodec('3', '0'));
      // In the batch whose header said -1: its record T+50 (offset 6).
      assert.deepEqual(await lookup(T + 45), everyCodec('6', '0'));
      // Nothing at or after T+95 in the codec partitions (kafkajs then reports the high watermark: 11, and 2 in the last partition); the only
      // batch of the last partition has records at T+100 and T+90 under a -1 header.
      assert.deepEqual(await lookup(T + 95), everyCodec('11', '0'));
      assert.deepEqual(await lookup(T + 101), everyCodec('11', '2'));
    } finally {
      await admin.disconnect();
    }
  });

  test('stored batches: maxTimestamp rewritten with a valid CRC where it was wrong; right headers stored byte for byte; the time index uses the corrected values', async () => {
    await broker.stop();
    const logDir = join(broker.dataDir, 'logs');
    for (const [partition, codec] of CODECS.entries()) {
      const dir = partitionDir(logDir, TOPIC, partition);
      const stored = [...iterateBatches(await readFile(join(dir, '00000000000000000000.log')))];
      assert.equal(stored.length, SCENARIO.length, codec);
      for (const [i, b] of stored.entries()) {
        const [timestamps, , keptAsSent] = SCENARIO[i]!;
        const where = `${codec} batch ${i}`;
        assert.equal(b.compression, CompressionType[codec], where);
        assert.equal(b.maxTimestamp, BigInt(Math.max(-1, ...timestamps)), where);
        assert.deepEqual((await readRecords(b)).map((r) => Number(r.timestamp)), timestamps, where);
        assert.ok(b.isValid(), `${where}: CRC`);
        const fromCrc = b.bytes.subarray(BatchLayout.CRC);
        const sentFromCrc = sent.get(partition)![i]!.subarray(BatchLayout.CRC);
        if (keptAsSent) assert.ok(fromCrc.equals(sentFromCrc), `${where}: stored byte for byte (CRC included)`);
        else assert.notEqual(b.crc, new RecordBatch(sent.get(partition)![i]!).crc, `${where}: CRC recomputed`);
      }
      const timeIndex = await readFile(join(dir, '00000000000000000000.timeindex'));
      const entries: [number, number][] = [];
      for (let at = 0; at + 12 <= timeIndex.length; at += 12) entries.push([Number(timeIndex.readBigInt64BE(at)), timeIndex.readInt32BE(at + 8)]);
      assert.deepEqual(entries, [[T + 30, 4], [T + 50, 6], [T + 70, 8]], `${codec} time index`);
    }
  });
});
