// Transactions with kafkajs (InitProducerId v1, AddPartitionsToTxn v1, AddOffsetsToTxn v1, TxnOffsetCommit v2,
// EndTxn v1) against a real broker: a transaction sends to two topics and commits consumer offsets; commits and
// aborts interleave. Checked three ways: the transaction markers in the raw logs (the coordinator's two-phase
// commit), the group's committed offsets (visible only after a commit), and read_committed / read_uncommitted
// kafkajs consumers (these also need the read side: last stable offset and aborted transactions in Fetch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, waitFor } from '../../helpers/broker.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { readPartitionLog, rawRequest, transactionOutcome } from './txn-test-kit.ts';

interface DescribeTransactionsResponse {
  transactionStates: { errorCode: number; transactionalId: string; transactionState: string; producerId: bigint; producerEpoch: number; topics: { topic: string; partitions: number[] }[] }[];
}
interface ListTransactionsResponse {
  errorCode: number;
  transactionStates: { transactionalId: string; producerId: bigint; transactionState: string }[];
}

/** Consumes `topics` from the beginning with a fresh group until `count` values arrived (or `idleMs` without new ones). */
async function consumeAll(kafka: Kafka, topics: string[], readUncommitted: boolean, count: number): Promise<Map<string, string[]>> {
  const consumer = kafka.consumer({ groupId: `reader-${readUncommitted}-${Date.now()}`, readUncommitted, maxWaitTimeInMs: 200 });
  const byPartition = new Map<string, string[]>();
  let seen = 0;
  await consumer.connect();
  try {
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const key = `${topic}-${partition}`;
        byPartition.set(key, [...(byPartition.get(key) ?? []), message.value!.toString()]);
        seen++;
      },
    });
    await waitFor(`${count} messages (${readUncommitted ? 'read_uncommitted' : 'read_committed'})`, () => seen >= count, 20_000).catch(() => undefined);
    // Give a consumer that would wrongly see more a moment to show it.
    const settled = seen;
    await waitFor('no more messages', () => seen !== settled, 1000).catch(() => undefined);
  } finally {
    await consumer.disconnect();
  }
  return byPartition;
}

test('kafkajs transactions: commit and abort across two topics with sendOffsets; markers, offsets and isolation levels', { timeout: 60_000 }, async () => {
  const broker = await startBroker();
  try {
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 50, maxRetryTime: 500 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'txn-a', numPartitions: 2 }, { topic: 'txn-b', numPartitions: 1 }, { topic: 'txn-src', numPartitions: 1 }] });
    const producer = kafka.producer({ transactionalId: 'kafkajs-txn', maxInFlightRequests: 1, idempotent: true });
    await producer.connect();

    const runTxn = async (n: number, commit: boolean, offset: number): Promise<void> => {
      const txn = await producer.transaction();
      for (let i = 0; i < 3; i++) {
        await txn.send({ topic: 'txn-a', messages: [{ partition: i % 2, value: `t${n}-a${i}` }] });
      }
      await txn.send({ topic: 'txn-b', messages: [{ partition: 0, value: `t${n}-b0` }, { partition: 0, value: `t${n}-b1` }] });
      await txn.sendOffsets({ consumerGroupId: 'copier-group', topics: [{ topic: 'txn-src', partitions: [{ partition: 0, offset: String(offset) }] }] });
      if (commit) await txn.commit();
      else await txn.abort();
    };
    await runTxn(1, true, 10);
    await runTxn(2, false, 20);
    await runTxn(3, true, 30);
    await runTxn(4, false, 40);

    // The coordinator: the id is back to a completed state with no partitions.
    await waitFor('transaction complete', async () => {
      const d = await rawRequest<DescribeTransactionsResponse>(broker.port, ApiKeys.DescribeTransactions, 0, { transactionalIds: ['kafkajs-txn'] });
      return d.transactionStates[0]!.transactionState === 'CompleteAbort';
    });
    const described = await rawRequest<DescribeTransactionsResponse>(broker.port, ApiKeys.DescribeTransactions, 0, { transactionalIds: ['kafkajs-txn', 'nobody'] });
    assert.deepEqual(described.transactionStates.map((s) => [s.errorCode, s.transactionState, s.topics.length]), [[0, 'CompleteAbort', 0], [105, '', 0]]);
    const listed = await rawRequest<ListTransactionsResponse>(broker.port, ApiKeys.ListTransactions, 1, { stateFilters: [], producerIdFilters: [], durationFilter: -1n });
    assert.equal(listed.errorCode, 0);
    assert.deepEqual(listed.transactionStates.map((s) => [s.transactionalId, s.transactionState]), [['kafkajs-txn', 'CompleteAbort']]);

    // The logs: every partition got one marker per transaction, and the markers select exactly transactions 1 and 3.
    const a0 = transactionOutcome(await readPartitionLog(broker.port, 'txn-a', 0));
    const a1 = transactionOutcome(await readPartitionLog(broker.port, 'txn-a', 1));
    const b0 = transactionOutcome(await readPartitionLog(broker.port, 'txn-b', 0));
    assert.deepEqual([a0.markers, a1.markers, b0.markers], [4, 4, 4]);
    assert.deepEqual(a0.committed, ['t1-a0', 't1-a2', 't3-a0', 't3-a2']);
    assert.deepEqual(a1.committed, ['t1-a1', 't3-a1']);
    assert.deepEqual(b0.committed, ['t1-b0', 't1-b1', 't3-b0', 't3-b1']);
    assert.deepEqual(b0.aborted, ['t2-b0', 't2-b1', 't4-b0', 't4-b1']);
    assert.deepEqual([a0.open, a1.open, b0.open], [[], [], []]);

    // The group's offset is the one committed by transaction 3 (the aborted 40 never became visible).
    const offsets = await admin.fetchOffsets({ groupId: 'copier-group', topics: ['txn-src'] });
    assert.equal(offsets[0]!.partitions[0]!.offset, '30');

    await producer.disconnect();
    await admin.disconnect();

    // Consumers. read_uncommitted sees every record; read_committed only transactions 1 and 3, in order.
    const uncommitted = await consumeAll(kafka, ['txn-a', 'txn-b'], true, 20);
    assert.deepEqual(uncommitted.get('txn-b-0'), ['t1-b0', 't1-b1', 't2-b0', 't2-b1', 't3-b0', 't3-b1', 't4-b0', 't4-b1']);
    const committed = await consumeAll(kafka, ['txn-a', 'txn-b'], false, 10);
    assert.deepEqual(committed.get('txn-a-0'), a0.committed, 'read_committed consumer of txn-a-0 (needs the read side: LSO + aborted transactions)');
    assert.deepEqual(committed.get('txn-a-1'), a1.committed, 'read_committed consumer of txn-a-1 (needs the read side)');
    assert.deepEqual(committed.get('txn-b-0'), b0.committed, 'read_committed consumer of txn-b-0 (needs the read side)');
  } finally {
    await broker.cleanup();
  }
});

test('kafkajs: a second producer with the same transactional id fences the first and aborts its open transaction', { timeout: 60_000 }, async () => {
  const broker = await startBroker();
  try {
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 50, maxRetryTime: 500 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'fence', numPartitions: 1 }] });
    await admin.disconnect();
    const zombie = kafka.producer({ transactionalId: 'fenced-id', maxInFlightRequests: 1, idempotent: true });
    await zombie.connect();
    const open = await zombie.transaction();
    await open.send({ topic: 'fence', messages: [{ value: 'zombie-1' }] });

    const successor = kafka.producer({ transactionalId: 'fenced-id', maxInFlightRequests: 1, idempotent: true });
    await successor.connect();
    const txn = await successor.transaction();
    await txn.send({ topic: 'fence', messages: [{ value: 'successor-1' }] });
    await txn.commit();

    await assert.rejects(open.commit(), (e: Error & { type?: string }) => ['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED'].includes(e.type ?? ''));
    const outcome = transactionOutcome(await readPartitionLog(broker.port, 'fence', 0));
    assert.deepEqual(outcome.committed, ['successor-1']);
    assert.deepEqual(outcome.aborted, ['zombie-1']);
    await successor.disconnect();
    await zombie.disconnect().catch(() => undefined);
  } finally {
    await broker.cleanup();
  }
});
