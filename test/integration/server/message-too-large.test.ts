// max.message.bytes: a batch larger than the topic's limit is refused with MESSAGE_TOO_LARGE (10) and nothing is
// appended, through kafkajs (send rejects), kcat (delivery fails) and a raw Produce at the exact boundary (a batch
// of exactly max.message.bytes is accepted, one byte more is not); the limit applies to the batch as sent, so a
// well-compressed large payload passes; raising the limit with IncrementalAlterConfigs takes effect at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, CompressionTypes, type Admin, type Producer } from 'kafkajs';
import { Admin as PlatformaticAdmin } from '@platformatic/kafka';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { withKafkaError } from '../../fixtures/e2e/client-errors.ts';
import { kcatConsumeAll, runKcat } from '../../fixtures/e2e/kcat.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { buildRecordBatchSync } from '../../../src/protocol/records/record-batch-builder.ts';

const LIMIT = 2000;
const MESSAGE_TOO_LARGE = 10;

/** A batch of one record whose total size is exactly `size` bytes (found by growing the value). */
function batchOfSize(size: number): Buffer {
  for (let valueLength = 0; valueLength < size; valueLength++) {
    const batch = buildRecordBatchSync({ records: [{ key: 'k', value: Buffer.alloc(valueLength, 0x61) }] });
    if (batch.length === size) return batch;
    if (batch.length > size) break;
  }
  throw new Error(`no single-record batch of exactly ${size} bytes`);
}

interface ProduceV9Response {
  responses: { name: string; partitionResponses: { index: number; errorCode: number; baseOffset: bigint; errorMessage: string | null }[] }[];
}

describe('MESSAGE_TOO_LARGE', () => {
  let broker: TestBroker;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;

  async function highWatermark(topic: string): Promise<string> {
    return (await admin.fetchTopicOffsets(topic))[0]!.high;
  }

  before(async () => {
    broker = await startBroker();
    kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: ['small-kafkajs', 'small-kcat', 'small-raw'].map((topic) => ({ topic, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: String(LIMIT) }] })) });
    producer = kafka.producer();
    await producer.connect();
  });
  after(async () => {
    await producer.disconnect();
    await admin.disconnect();
    await broker.cleanup();
  });

  test('kafkajs: send rejects with MESSAGE_TOO_LARGE and nothing is appended; small and well-compressed batches pass', async () => {
    await assert.rejects(producer.send({ topic: 'small-kafkajs', messages: [{ value: Buffer.alloc(5000, 0x78) }] }), withKafkaError('MESSAGE_TOO_LARGE'));
    // Several small records that add up to more than the limit in one batch.
    await assert.rejects(producer.send({ topic: 'small-kafkajs', messages: Array.from({ length: 40 }, (_, i) => ({ value: `record ${i} `.repeat(8) })) }), withKafkaError('MESSAGE_TOO_LARGE'));
    assert.equal(await highWatermark('small-kafkajs'), '0');

    const [ok] = await producer.send({ topic: 'small-kafkajs', messages: [{ value: 'fits' }] });
    assert.equal(ok!.errorCode, 0);
    // 50 KB of repetitive text compresses far below the limit: Kafka checks the batch as sent.
    const [compressed] = await producer.send({ topic: 'small-kafkajs', compression: CompressionTypes.GZIP, messages: [{ value: 'all work and no play '.repeat(2500) }] });
    assert.equal(compressed!.errorCode, 0);
    assert.equal(await highWatermark('small-kafkajs'), '2');
  });

  test('kcat: delivery fails with "Message size too large"', async () => {
    const big = 'y'.repeat(5000);
    const result = await runKcat(['-P', '-b', broker.bootstrap, '-t', 'small-kcat', '-p', '0'], { input: `${big}\n`, allowFailure: true });
    assert.match(result.stderr, /Message size too large/i);
    assert.equal(await highWatermark('small-kcat'), '0');
    await runKcat(['-P', '-b', broker.bootstrap, '-t', 'small-kcat', '-p', '0'], { input: 'short\n' });
    assert.deepEqual((await kcatConsumeAll(broker.bootstrap, 'small-kcat', 0)).map((r) => r.value!.toString()), ['short']);
  });

  test('raw Produce v9: a batch of exactly max.message.bytes is accepted, one byte more is MESSAGE_TOO_LARGE', async () => {
    const client = await RawKafkaClient.connect(broker.port);
    try {
      const produce = (batch: Buffer) => client.request<ProduceV9Response>(0, 9, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: 'small-raw', partitionData: [{ index: 0, records: batch }] }],
      });
      const over = (await produce(batchOfSize(LIMIT + 1))).responses[0]!.partitionResponses[0]!;
      assert.equal(over.errorCode, MESSAGE_TOO_LARGE);
      assert.equal(over.baseOffset, -1n);
      const exact = (await produce(batchOfSize(LIMIT))).responses[0]!.partitionResponses[0]!;
      assert.equal(exact.errorCode, 0);
      assert.equal(exact.baseOffset, 0n);
    } finally {
      await client.close();
    }
  });

  test('raising max.message.bytes (IncrementalAlterConfigs) lets the same record in at once', async () => {
    const record = { topic: 'small-kafkajs', messages: [{ value: Buffer.alloc(5000, 0x7a) }] };
    await assert.rejects(producer.send(record), withKafkaError('MESSAGE_TOO_LARGE'));
    const p = new PlatformaticAdmin({ clientId: 'e2e-too-large', bootstrapBrokers: [broker.bootstrap] });
    try {
      await p.incrementalAlterConfigs({ resources: [{ resourceType: 2, resourceName: 'small-kafkajs', configs: [{ name: 'max.message.bytes', configOperation: 0, value: '10000' }] }] });
    } finally {
      await p.close();
    }
    const [r] = await producer.send(record);
    assert.equal(r!.errorCode, 0);
    assert.equal(r!.baseOffset, '2');
  });
});
