// The broker's fetch.max.bytes caps a Fetch response whatever max_bytes the client asks for (Kafka's
// KafkaApis.handleFetchRequest: min(request max_bytes, fetch.max.bytes)), with KIP-74's rule that the first batch
// is returned whole even when it is larger.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

/** Produces `count` batches of one 300-byte record to each of the two partitions of `topic`. */
async function fill(broker: TestBroker, topic: string, count: number): Promise<void> {
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < count; i++) {
    for (const partition of [0, 1]) await producer.send({ topic, messages: [{ key: `k${i}`, value: 'x'.repeat(300), partition }] });
  }
  await producer.disconnect();
}

/** Bytes of records a Fetch v12 asking for 64 MiB (16 MiB per partition) gets back, per partition. */
async function fetchedBytes(broker: TestBroker, topic: string): Promise<number[]> {
  const client = await RawKafkaClient.connect(broker.port);
  try {
    const r = await client.request<Any>(1, 12, {
      replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 64 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic, partitions: [0, 1].map((partition) => ({ partition, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 16 << 20 })) }],
      forgottenTopicsData: [], rackId: '',
    });
    return r.responses[0].partitions.map((p: Any) => (p.records as Buffer).length);
  } finally {
    client.socket.destroy();
  }
}

test('fetch.max.bytes bounds the response below what the client asks for', async () => {
  const capped = await startBroker({ overrides: { 'fetch.max.bytes': '1024' } });
  const open = await startBroker();
  try {
    await fill(capped, 'capped', 10);
    await fill(open, 'capped', 10);
    const all = await fetchedBytes(open, 'capped');
    const bounded = await fetchedBytes(capped, 'capped');
    assert.ok(all[0]! > 3000 && all[1] === all[0], `without the cap every batch comes back (${all.join(', ')})`);
    // 1024 bytes in all, from the first partition (the slice ends inside a batch, which clients drop, as with
    // Kafka's FileRecords.slice); nothing is left for the second.
    assert.deepEqual(bounded, [1024, 0]);
  } finally {
    await capped.cleanup();
    await open.cleanup();
  }
});
