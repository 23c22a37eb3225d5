// Idempotent produce over the wire (Produce v9 with a producer id from InitProducerId): a retried request is
// answered NONE with the original base offset and not written again, a sequence gap is
// OUT_OF_ORDER_SEQUENCE_NUMBER, an epoch bump restarts sequences and fences the old epoch
// (INVALID_PRODUCER_EPOCH), DescribeProducers reports the producers; then a kcat idempotent producer and the
// producer state it leaves, before and after a clean restart of the broker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { buildRecordBatchSync } from '../../../src/protocol/records/record-batch-builder.ts';
import { startBroker, waitFor } from '../../helpers/broker.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { KCAT_RECORD_FORMAT, parseKcatRecords, runKcat } from '../../fixtures/e2e/kcat.ts';

interface ProducePartition {
  index: number;
  errorCode: number;
  baseOffset: bigint;
}
interface ProducerState {
  producerId: bigint;
  producerEpoch: number;
  lastSequence: number;
  coordinatorEpoch: number;
  currentTxnStartOffset: bigint;
}
interface DescribeProducersPartition {
  partitionIndex: number;
  errorCode: number;
  errorMessage: string | null;
  activeProducers: ProducerState[];
}

async function produce(client: RawKafkaClient, topic: string, batch: Buffer): Promise<ProducePartition> {
  const r = await client.request<{ responses: { partitionResponses: ProducePartition[] }[] }>(ApiKeys.Produce, 9, {
    transactionalId: null, acks: -1, timeoutMs: 10_000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
  });
  return r.responses[0]!.partitionResponses[0]!;
}

function batch(producerId: bigint, producerEpoch: number, baseSequence: number, count: number): Buffer {
  return buildRecordBatchSync({
    producerId,
    producerEpoch,
    baseSequence,
    records: Array.from({ length: count }, (_, i) => ({ value: `e${producerEpoch}-s${baseSequence + i}` })),
  });
}

async function describeProducers(client: RawKafkaClient, topic: string, partitions: number[]): Promise<DescribeProducersPartition[]> {
  const r = await client.request<{ topics: { name: string; partitions: DescribeProducersPartition[] }[] }>(ApiKeys.DescribeProducers, 0, {
    topics: [{ name: topic, partitionIndexes: partitions }],
  });
  return r.topics[0]!.partitions;
}

test('idempotent produce over the wire: duplicates, gaps, fencing; DescribeProducers; kcat across a restart', { timeout: 90_000 }, async () => {
  let broker = await startBroker();
  let client = await RawKafkaClient.connect(broker.port);
  try {
    const init = await client.request<{ errorCode: number; producerId: bigint; producerEpoch: number }>(ApiKeys.InitProducerId, 4, {
      transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1,
    });
    assert.equal(init.errorCode, 0);
    const pid = init.producerId;
    assert.ok(pid >= 0n);
    // Auto-creates the topic on the first produce's metadata; produce retries until the leader is there.
    await client.request(ApiKeys.Metadata, 9, { topics: [{ name: 'seq', topicId: undefined }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
    await waitFor('topic seq', () => broker.server.replicaManager.getPartition({ topic: 'seq', partition: 0 })?.isLeader);

    const first = await produce(client, 'seq', batch(pid, 0, 0, 3));
    assert.deepEqual([first.errorCode, first.baseOffset], [0, 0n]);
    assert.equal((await produce(client, 'seq', batch(pid, 0, 3, 2))).baseOffset, 3n);
    const retry = await produce(client, 'seq', batch(pid, 0, 0, 3));
    assert.equal(retry.errorCode, 0);
    assert.equal(retry.baseOffset, 0n, 'the original base offset');
    assert.equal(broker.server.replicaManager.getPartition({ topic: 'seq', partition: 0 })!.log.logEndOffset, 5n, 'not written again');
    assert.equal((await produce(client, 'seq', batch(pid, 0, 7, 1))).errorCode, 45, 'gap');
    assert.equal((await produce(client, 'seq', batch(pid, 1, 4, 1))).errorCode, 45, 'a new epoch starts at 0');
    assert.equal((await produce(client, 'seq', batch(pid, 1, 0, 2))).baseOffset, 5n);
    assert.equal((await produce(client, 'seq', batch(pid, 0, 5, 1))).errorCode, 47, 'the old epoch is fenced');

    const [state] = await describeProducers(client, 'seq', [0]);
    assert.equal(state!.errorCode, 0);
    assert.deepEqual(state!.activeProducers.map((p) => [p.producerId, p.producerEpoch, p.lastSequence, p.currentTxnStartOffset]), [[pid, 1, 1, -1n]]);
    const errors = await describeProducers(client, 'seq', [5]);
    assert.equal(errors[0]!.errorCode, 3);
    assert.equal((await describeProducers(client, 'no-such-topic', [0]))[0]!.errorCode, 3);

    // kcat (librdkafka) with idempotence: every record once, and its producer shows up with the last sequence.
    const lines = Array.from({ length: 500 }, (_, i) => `k${i}\n`).join('');
    await runKcat(['-P', '-b', broker.bootstrap, '-t', 'kcat-idem', '-p', '0', '-X', 'enable.idempotence=true', '-X', 'linger.ms=5', '-X', 'batch.num.messages=20'], { input: lines });
    const consume = async (): Promise<string[]> => {
      const { stdout } = await runKcat(['-C', '-b', broker.bootstrap, '-t', 'kcat-idem', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', KCAT_RECORD_FORMAT]);
      return parseKcatRecords(stdout).map((r) => r.value!.toString());
    };
    assert.deepEqual(await consume(), Array.from({ length: 500 }, (_, i) => `k${i}`));
    const [kcatState] = await describeProducers(client, 'kcat-idem', [0]);
    assert.equal(kcatState!.activeProducers.length, 1);
    assert.equal(kcatState!.activeProducers[0]!.lastSequence, 499);

    // A clean restart keeps the producer state (snapshot at close): a retry is still deduplicated.
    await client.close();
    await broker.stop();
    broker = await startBroker({ dataDir: broker.dataDir });
    client = await RawKafkaClient.connect(broker.port);
    await waitFor('seq leader after restart', () => broker.server.replicaManager.getPartition({ topic: 'seq', partition: 0 })?.isLeader);
    const afterRestart = await produce(client, 'seq', batch(pid, 1, 0, 2));
    assert.deepEqual([afterRestart.errorCode, afterRestart.baseOffset], [0, 5n]);
    assert.equal((await produce(client, 'seq', batch(pid, 1, 2, 1))).baseOffset, 7n);
    const [restarted] = await describeProducers(client, 'kcat-idem', [0]);
    assert.equal(restarted!.activeProducers[0]!.lastSequence, 499);
  } finally {
    await client.close();
    await broker.cleanup();
  }
});
