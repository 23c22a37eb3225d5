// Transactions with @platformatic/kafka, which picks the newest versions the broker advertises: InitProducerId v5
// (with producer id/epoch 0/0 for a new id), the batched AddPartitionsToTxn v5 (verifyOnly false) and EndTxn v4.
// A committed and an aborted transaction; the markers in the log decide which records are visible.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, waitFor } from '../../helpers/broker.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { rawRequest, readPartitionLog, transactionOutcome } from './txn-test-kit.ts';

test('platformatic transactions: commit and abort with AddPartitionsToTxn v5', { timeout: 60_000 }, async () => {
  const broker = await startBroker();
  try {
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'pl-txn', numPartitions: 2 }] });
    await admin.disconnect();

    const producer = new Producer({ clientId: 'pl-txn', bootstrapBrokers: [broker.bootstrap], serializers: stringSerializers, idempotent: true, transactionalId: 'pl-txn-id', retries: 10, retryDelay: 100 });
    try {
      const first = await producer.beginTransaction();
      await first.send({ messages: [{ topic: 'pl-txn', partition: 0, value: 'c0' }, { topic: 'pl-txn', partition: 1, value: 'c1' }] });
      await first.commit();
      const second = await producer.beginTransaction();
      await second.send({ messages: [{ topic: 'pl-txn', partition: 0, value: 'a0' }, { topic: 'pl-txn', partition: 1, value: 'a1' }] });
      await second.abort();
    } finally {
      await producer.close();
    }
    await waitFor('transaction aborted', async () => {
      const d = await rawRequest<{ transactionStates: { transactionState: string }[] }>(broker.port, ApiKeys.DescribeTransactions, 0, { transactionalIds: ['pl-txn-id'] });
      return d.transactionStates[0]!.transactionState === 'CompleteAbort';
    });
    for (const p of [0, 1]) {
      const outcome = transactionOutcome(await readPartitionLog(broker.port, 'pl-txn', p));
      assert.deepEqual([outcome.committed, outcome.aborted, outcome.open, outcome.markers], [[`c${p}`], [`a${p}`], [], 2], `pl-txn-${p}`);
    }
  } finally {
    await broker.cleanup();
  }
});
