// The read side of transactions with raw control markers written by the broker itself (the path the transaction
// coordinator's markers take): the last stable offset in Fetch and ListOffsets, the aborted transactions a
// read_committed fetch returns, and real clients (kcat/librdkafka, kafkajs) reading committed records only while a
// read_uncommitted reader sees everything. Independent of the transaction coordinator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { buildRecordBatchSync } from '../../../src/protocol/records/record-batch-builder.ts';
import { encodeControlBatch } from '../../../src/protocol/records/control-record.ts';
import { startBroker, waitFor, type TestBroker } from '../../helpers/broker.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { KCAT_RECORD_FORMAT, parseKcatRecords, runKcat } from '../../fixtures/e2e/kcat.ts';

const TOPIC = 'read-committed';
const tp = { topic: TOPIC, partition: 0 };

interface FetchPartition {
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  abortedTransactions: { producerId: bigint; firstOffset: bigint }[] | null;
  records: Buffer | null;
}

async function append(broker: TestBroker, batch: Buffer): Promise<bigint> {
  return (await broker.server.replicaManager.appendToLocalLog(tp, batch, 10_000)).firstOffset;
}

function data(producerId: bigint, values: string[], transactional: boolean): Buffer {
  return buildRecordBatchSync({
    producerId,
    producerEpoch: producerId < 0n ? -1 : 0,
    baseSequence: producerId < 0n ? -1 : 0,
    isTransactional: transactional,
    records: values.map((v) => ({ value: v })),
  });
}

function marker(producerId: bigint, commit: boolean): Buffer {
  return encodeControlBatch({ producerId, producerEpoch: 0, type: commit ? 'COMMIT' : 'ABORT', coordinatorEpoch: 0 });
}

async function fetch(client: RawKafkaClient, isolationLevel: number, fetchOffset = 0n, maxWaitMs = 0): Promise<FetchPartition> {
  const r = await client.request<{ responses: { partitions: FetchPartition[] }[] }>(ApiKeys.Fetch, 11, {
    replicaId: -1, maxWaitMs, minBytes: 1, maxBytes: 1 << 20, isolationLevel, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [], rackId: '',
  });
  return r.responses[0]!.partitions[0]!;
}

async function latestOffset(client: RawKafkaClient, isolationLevel: number): Promise<bigint> {
  const r = await client.request<{ topics: { partitions: { errorCode: number; offset: bigint }[] }[] }>(ApiKeys.ListOffsets, 5, {
    replicaId: -1, isolationLevel, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }],
  });
  assert.equal(r.topics[0]!.partitions[0]!.errorCode, 0);
  return r.topics[0]!.partitions[0]!.offset;
}

async function kcatValues(broker: TestBroker, isolation: string): Promise<string[]> {
  const { stdout } = await runKcat(['-C', '-b', broker.bootstrap, '-t', TOPIC, '-p', '0', '-o', 'beginning', '-e', '-q', '-X', `isolation.level=${isolation}`, '-f', KCAT_RECORD_FORMAT]);
  return parseKcatRecords(stdout).map((r) => r.value!.toString());
}

test('read_committed: LSO in Fetch and ListOffsets, aborted transactions returned, clients see committed records only', { timeout: 90_000 }, async () => {
  const broker = await startBroker();
  const kafka = new Kafka({ clientId: 'rc', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const client = await RawKafkaClient.connect(broker.port);
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] });
    await waitFor('partition leader', () => broker.server.replicaManager.getPartition(tp)?.isLeader);

    await append(broker, data(-1n, ['a0'], false)); // 0
    const p1First = await append(broker, data(11n, ['c1', 'c2'], true)); // 1-2
    const p2First = await append(broker, data(22n, ['x1'], true)); // 3
    await append(broker, data(-1n, ['a1'], false)); // 4
    await append(broker, data(22n, ['x2'], true)); // 5
    await append(broker, marker(22n, false)); // 6: ABORT producer 22
    const p3First = await append(broker, data(33n, ['open1'], true)); // 7, open
    await append(broker, marker(11n, true)); // 8: COMMIT producer 11
    await append(broker, data(-1n, ['a2'], false)); // 9
    assert.deepEqual([p1First, p2First, p3First], [1n, 3n, 7n]);

    // The LSO is the first offset of the open transaction; read_uncommitted reads to the high watermark.
    assert.equal(await latestOffset(client, 0), 10n);
    assert.equal(await latestOffset(client, 1), 7n);
    const committed = await fetch(client, 1);
    assert.equal(committed.errorCode, 0);
    assert.equal(committed.highWatermark, 10n);
    assert.equal(committed.lastStableOffset, 7n);
    assert.deepEqual(committed.abortedTransactions, [{ producerId: 22n, firstOffset: 3n }]);
    const uncommitted = await fetch(client, 0);
    assert.equal(uncommitted.lastStableOffset, 7n);
    assert.equal(uncommitted.abortedTransactions, null);
    assert.ok(uncommitted.records!.length > committed.records!.length);
    // A fetch from the ABORT marker still overlaps the transaction; at the LSO: no data and an empty list.
    assert.deepEqual((await fetch(client, 1, 6n)).abortedTransactions, [{ producerId: 22n, firstOffset: 3n }]);
    assert.deepEqual((await fetch(client, 1, 7n)).abortedTransactions, []);

    assert.deepEqual(await kcatValues(broker, 'read_committed'), ['a0', 'c1', 'c2', 'a1']);
    assert.deepEqual(await kcatValues(broker, 'read_uncommitted'), ['a0', 'c1', 'c2', 'x1', 'a1', 'x2', 'open1', 'a2']);

    // A long-polling read_committed fetch at the LSO is answered when the open transaction commits.
    const waiting = fetch(client, 1, 7n, 10_000);
    await append(broker, marker(33n, true)); // 10
    const woken = await waiting;
    assert.equal(woken.lastStableOffset, 11n);
    assert.ok(woken.records !== null && woken.records.length > 0);
    assert.equal(await latestOffset(client, 1), 11n);

    assert.deepEqual(await kcatValues(broker, 'read_committed'), ['a0', 'c1', 'c2', 'a1', 'open1', 'a2']);
    const consumer = kafka.consumer({ groupId: 'rc-group', readUncommitted: false });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await waitFor('kafkajs read_committed consumer reaches the end', () => seen.includes('a2'), 30_000);
    await consumer.disconnect();
    assert.deepEqual(seen, ['a0', 'c1', 'c2', 'a1', 'open1', 'a2']);
  } finally {
    await client.close();
    await admin.disconnect();
    await broker.cleanup();
  }
});
