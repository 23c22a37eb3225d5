// Long polling (DelayedFetch): a consumer waiting on an empty partition with a long max wait gets a record that is
// produced a second later within 1.5 s of the produce (the functional latency bound): the append wakes the
// parked fetch instead of the fetch running out its 10 s wait. Checked with kcat (librdkafka's fetcher,
// fetch.wait.max.ms=10000), a bare Fetch v12 on a raw connection, and kafkajs' consumer once groups are served;
// plus an empty poll that answers after max_wait_ms with no records.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { startBroker, waitFor, type TestBroker } from '../../helpers/broker.ts';
import { KCAT } from '../../fixtures/e2e/kcat.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { supportsConsumerGroups } from '../../fixtures/e2e/api-versions.ts';
import { iterateBatches } from '../../../src/protocol/records/batch-iterator.ts';
import { readRecords } from '../../../src/protocol/records/record-iterator.ts';

const BOUND_MS = 1500;
const LONG_WAIT_MS = 10_000;

interface FetchV12Response {
  errorCode: number;
  responses: { topic: string; partitions: { partitionIndex: number; errorCode: number; highWatermark: bigint; records: Buffer | null }[] }[];
}

function fetchV12(client: RawKafkaClient, topic: string, fetchOffset: bigint, maxWaitMs: number): Promise<FetchV12Response> {
  return client.request<FetchV12Response>(1, 12, {
    replicaId: -1,
    maxWaitMs,
    minBytes: 1,
    maxBytes: 1024 * 1024,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1024 * 1024 }] }],
    forgottenTopicsData: [],
    rackId: '',
  }, LONG_WAIT_MS + 5_000);
}

describe('long polling: a waiting consumer gets a new record promptly', () => {
  let broker: TestBroker;
  let kafka: Kafka;
  let producer: Producer;

  /** Waits until a fetch is parked in the broker's fetch purgatory (the consumer is long-polling). */
  const fetchParked = (): Promise<boolean> => waitFor('a fetch parked in the purgatory', () => broker.server.replicaManager.fetchPurgatory.size > 0);

  /** Produces one record a second from now; resolves with the time the send started. */
  async function produceInASecond(topic: string, value: string): Promise<number> {
    await delay(1000);
    const producedAt = Date.now();
    const [r] = await producer.send({ topic, acks: 1, messages: [{ partition: 0, value }] });
    assert.equal(r!.errorCode, 0);
    return producedAt;
  }

  before(async () => {
    broker = await startBroker();
    kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: ['poll-kcat', 'poll-raw', 'poll-kafkajs', 'poll-empty'].map((topic) => ({ topic, numPartitions: 1 })) });
    await admin.disconnect();
    producer = kafka.producer();
    await producer.connect();
  });
  after(async () => {
    await producer.disconnect();
    await broker.cleanup();
  });

  test('kcat (fetch.wait.max.ms=10000) receives a record produced a second later within 1.5 s', async () => {
    const child = spawn(KCAT, ['-C', '-b', broker.bootstrap, '-t', 'poll-kcat', '-p', '0', '-o', 'beginning', '-u', '-q', '-c', '1', '-f', '%o %s\\n', '-X', `fetch.wait.max.ms=${LONG_WAIT_MS}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const received = new Promise<{ at: number; line: string }>((resolve) => child.stdout.once('data', (d: Buffer) => resolve({ at: Date.now(), line: d.toString() })));
      await fetchParked();
      const producedAt = await produceInASecond('poll-kcat', 'wake up');
      const { at, line } = await received;
      assert.equal(line, '0 wake up\n');
      assert.ok(at - producedAt < BOUND_MS, `received ${at - producedAt} ms after the produce`);
    } finally {
      child.kill();
    }
  });

  test('a raw Fetch v12 (max_wait_ms 10000, min_bytes 1) is answered within 1.5 s of the produce', async () => {
    const client = await RawKafkaClient.connect(broker.port);
    try {
      const response = fetchV12(client, 'poll-raw', 0n, LONG_WAIT_MS).then((r) => ({ r, at: Date.now() }));
      await fetchParked();
      const producedAt = await produceInASecond('poll-raw', 'raw wake up');
      const { r, at } = await response;
      assert.ok(at - producedAt < BOUND_MS, `answered ${at - producedAt} ms after the produce`);
      const partition = r.responses[0]!.partitions[0]!;
      assert.equal(partition.errorCode, 0);
      assert.equal(partition.highWatermark, 1n);
      const batches = [...iterateBatches(partition.records!)];
      const records = (await Promise.all(batches.map((b) => readRecords(b)))).flat();
      assert.deepEqual(records.map((x) => [x.offset, x.value!.toString()]), [[0n, 'raw wake up']]);
    } finally {
      await client.close();
    }
  });

  test('kafkajs consumer (maxWaitTimeInMs 10000) receives a record produced a second later within 1.5 s', async (t) => {
    if (!(await supportsConsumerGroups(broker.port))) {
      t.skip('consumer-group APIs not served yet');
      return;
    }
    const consumer = kafka.consumer({ groupId: 'e2e-long-poll', maxWaitTimeInMs: LONG_WAIT_MS });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: ['poll-kafkajs'], fromBeginning: true });
      let resolveReceived!: (v: { at: number; value: string }) => void;
      const received = new Promise<{ at: number; value: string }>((resolve) => (resolveReceived = resolve));
      await consumer.run({ eachMessage: async ({ message }) => resolveReceived({ at: Date.now(), value: message.value!.toString() }) });
      await fetchParked();
      const producedAt = await produceInASecond('poll-kafkajs', 'kafkajs wake up');
      const { at, value } = await received;
      assert.equal(value, 'kafkajs wake up');
      assert.ok(at - producedAt < BOUND_MS, `received ${at - producedAt} ms after the produce`);
    } finally {
      await consumer.disconnect();
    }
  });

  test('with nothing produced, the fetch is answered after max_wait_ms with no records', async () => {
    const client = await RawKafkaClient.connect(broker.port);
    try {
      const startedAt = Date.now();
      const r = await fetchV12(client, 'poll-empty', 0n, 300);
      // It waited (a functional property of long polling), allowing for timer granularity.
      assert.ok(Date.now() - startedAt >= 250, `answered after ${Date.now() - startedAt} ms`);
      const partition = r.responses[0]!.partitions[0]!;
      assert.equal(r.errorCode, 0);
      assert.equal(partition.errorCode, 0);
      assert.equal(partition.highWatermark, 0n);
      assert.equal(partition.records?.length ?? 0, 0);
    } finally {
      await client.close();
    }
  });
});
