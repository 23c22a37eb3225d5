// The broker is killed with SIGKILL (a child process) in the middle of transactions and of idempotent producing.
// After a restart over the same data: a transaction that was open is aborted (by the coordinator's timeout, or by
// the fencing of a new producer instance); a transaction killed while committing completes one way or the other in
// every partition (never half-visible), committed whenever its EndTxn succeeded; an idempotent producer's retry of
// an acknowledged batch is deduplicated (same offsets, nothing written twice).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { startBrokerProcess, waitFor, type BrokerProcess } from '../../helpers/broker.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import { buildRecordBatch } from '../../../src/protocol/records/record-batch-builder.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { readPartitionLog, rawRequest, transactionOutcome } from './txn-test-kit.ts';

const OVERRIDES = {
  'num.partitions': '4',
  'transaction.abort.timed.out.transaction.cleanup.interval.ms': '500',
};

function client(bootstrap: string): Kafka {
  return new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 40, initialRetryTime: 100, maxRetryTime: 1000 } });
}

async function createTopic(kafka: Kafka, topic: string, numPartitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions }] });
  await admin.disconnect();
}

async function withBrokerDir(fn: (dataDir: string, start: (port?: number) => Promise<BrokerProcess>) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'txn-crash-'));
  const running: BrokerProcess[] = [];
  try {
    await fn(dataDir, async (port = 0) => {
      const b = await startBrokerProcess(dataDir, { port, overrides: OVERRIDES });
      running.push(b);
      return b;
    });
  } finally {
    for (const b of running) await b.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
}

interface DescribeTransactionsResponse {
  transactionStates: { errorCode: number; transactionState: string; producerEpoch: number }[];
}

async function transactionState(port: number, id: string): Promise<string> {
  const r = await rawRequest<DescribeTransactionsResponse>(port, ApiKeys.DescribeTransactions, 0, { transactionalIds: [id] }).catch(() => null);
  return r?.transactionStates[0]?.transactionState ?? '';
}

test('broker killed mid-transaction: after the restart the coordinator aborts it (timeout), and a new producer commits', { timeout: 90_000 }, async () => {
  await withBrokerDir(async (_dir, start) => {
    let broker = await start();
    const kafka = client(broker.bootstrap);
    await createTopic(kafka, 'crash-open', 4);
    const producer = kafka.producer({ transactionalId: 'crash-open-txn', maxInFlightRequests: 1, idempotent: true, transactionTimeout: 3000 });
    await producer.connect();
    const txn = await producer.transaction();
    for (let p = 0; p < 4; p++) await txn.send({ topic: 'crash-open', acks: -1, messages: [{ partition: p, value: `open-${p}` }] });
    await broker.kill('SIGKILL');
    await producer.disconnect().catch(() => undefined);

    broker = await start(broker.port);
    // Nobody touches the transactional id: the coordinator aborts the hung transaction on its own.
    await waitFor('the open transaction aborted', async () => (await transactionState(broker.port, 'crash-open-txn')) === 'CompleteAbort', 30_000, 200);
    for (let p = 0; p < 4; p++) {
      const outcome = transactionOutcome(await readPartitionLog(broker.port, 'crash-open', p));
      assert.deepEqual([outcome.committed, outcome.aborted, outcome.open], [[], [`open-${p}`], []], `crash-open-${p}`);
    }
    const kafka2 = client(broker.bootstrap);
    const successor = kafka2.producer({ transactionalId: 'crash-open-txn', maxInFlightRequests: 1, idempotent: true });
    await successor.connect();
    const next = await successor.transaction();
    await next.send({ topic: 'crash-open', messages: [0, 1, 2, 3].map((p) => ({ partition: p, value: `next-${p}` })) });
    await next.commit();
    await successor.disconnect();
    await waitFor('committed', async () => (await transactionState(broker.port, 'crash-open-txn')) === 'CompleteCommit');
    for (let p = 0; p < 4; p++) assert.deepEqual(transactionOutcome(await readPartitionLog(broker.port, 'crash-open', p)).committed, [`next-${p}`]);
  });
});

test('broker killed while committing: every transaction ends the same way in all its partitions, committed if EndTxn succeeded', { timeout: 90_000 }, async (t) => {
  await withBrokerDir(async (_dir, start) => {
    let broker = await start();
    await createTopic(client(broker.bootstrap), 'crash-commit', 6);
    const rounds = 3;
    const committedRounds = new Set<number>();
    for (let round = 0; round < rounds; round++) {
      const kafka = client(broker.bootstrap);
      const producer = kafka.producer({ transactionalId: 'crash-commit-txn', maxInFlightRequests: 1, idempotent: true, transactionTimeout: 3000 });
      await producer.connect();
      const txn = await producer.transaction();
      await txn.send({ topic: 'crash-commit', acks: -1, messages: Array.from({ length: 6 }, (_, p) => ({ partition: p, value: `r${round}-p${p}` })) });
      let endTxnSucceeded = false;
      const commit = txn.commit().then(() => (endTxnSucceeded = true), () => undefined);
      // Kill at different points of the two-phase commit: before, during and after the markers.
      await delay(round * 4);
      await broker.kill('SIGKILL');
      await Promise.race([commit, delay(200)]);
      if (endTxnSucceeded) committedRounds.add(round);
      await producer.disconnect().catch(() => undefined);
      broker = await start(broker.port);
      await waitFor(`round ${round} resolved`, async () => ['CompleteCommit', 'CompleteAbort'].includes(await transactionState(broker.port, 'crash-commit-txn')), 30_000, 200);
    }
    const fate = new Map<number, Set<string>>();
    for (let p = 0; p < 6; p++) {
      const outcome = transactionOutcome(await readPartitionLog(broker.port, 'crash-commit', p));
      assert.deepEqual(outcome.open, [], `crash-commit-${p}: nothing left open`);
      for (const v of outcome.committed) fate.set(Number(v.slice(1, v.indexOf('-'))), (fate.get(Number(v.slice(1, v.indexOf('-')))) ?? new Set()).add(`committed:${p}`));
      for (const v of outcome.aborted) fate.set(Number(v.slice(1, v.indexOf('-'))), (fate.get(Number(v.slice(1, v.indexOf('-')))) ?? new Set()).add(`aborted:${p}`));
    }
    for (let round = 0; round < rounds; round++) {
      const outcomes = [...(fate.get(round) ?? [])];
      const kinds = new Set(outcomes.map((o) => o.split(':')[0]));
      assert.equal(outcomes.length, 6, `round ${round}: one outcome per partition (${outcomes.join(' ')})`);
      assert.equal(kinds.size, 1, `round ${round}: the same outcome in every partition (${outcomes.join(' ')})`);
      if (committedRounds.has(round)) assert.deepEqual([...kinds], ['committed'], `round ${round}: EndTxn succeeded, so it must be committed`);
      t.diagnostic(`round ${round}: EndTxn ${committedRounds.has(round) ? 'answered' : 'unanswered'} before the kill; ${[...kinds].join()} in all 6 partitions`);
    }
  });
});

interface ProduceResponse {
  responses: { name: string; partitionResponses: { index: number; errorCode: number; baseOffset: bigint }[] }[];
}

async function produceIdempotent(port: number, producerId: bigint, baseSequence: number, values: string[]): Promise<{ errorCode: number; baseOffset: bigint }> {
  const records = await buildRecordBatch({ producerId, producerEpoch: 0, baseSequence, records: values.map((value) => ({ value })) });
  const c = await RawKafkaClient.connect(port);
  try {
    const r = await c.request<ProduceResponse>(ApiKeys.Produce, 7, { transactionalId: null, acks: -1, timeoutMs: 10_000, topicData: [{ name: 'crash-idem', partitionData: [{ index: 0, records }] }] });
    return r.responses[0]!.partitionResponses[0]!;
  } finally {
    await c.close();
  }
}

test('broker killed after acknowledging an idempotent batch: the retry after the restart is deduplicated', { timeout: 90_000 }, async () => {
  await withBrokerDir(async (_dir, start) => {
    let broker = await start();
    await createTopic(client(broker.bootstrap), 'crash-idem', 1);
    const init = await rawRequest<{ errorCode: number; producerId: bigint; producerEpoch: number }>(broker.port, ApiKeys.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    assert.equal(init.errorCode, Errors.NONE);
    const first = await produceIdempotent(broker.port, init.producerId, 0, ['a', 'b', 'c']);
    const second = await produceIdempotent(broker.port, init.producerId, 3, ['d', 'e']);
    assert.deepEqual([first.errorCode, second.errorCode, second.baseOffset - first.baseOffset], [0, 0, 3n]);
    await broker.kill('SIGKILL');

    broker = await start(broker.port);
    // The client did not see the second acknowledgement and retries it, then sends the next batch.
    const retry = await produceIdempotent(broker.port, init.producerId, 3, ['d', 'e']);
    assert.deepEqual([retry.errorCode, retry.baseOffset], [Errors.NONE, second.baseOffset], 'a retried batch gets its original offset (producer state restored after kill -9)');
    const third = await produceIdempotent(broker.port, init.producerId, 5, ['f']);
    assert.deepEqual([third.errorCode, third.baseOffset], [Errors.NONE, second.baseOffset + 2n]);
    const gap = await produceIdempotent(broker.port, init.producerId, 9, ['z']);
    assert.equal(gap.errorCode, Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
    const values = (await readPartitionLog(broker.port, 'crash-idem', 0)).flatMap((e) => (e.kind === 'record' ? [e.value] : []));
    assert.deepEqual(values, ['a', 'b', 'c', 'd', 'e', 'f']);
    // A new idempotent producer after the restart never gets an id handed out before it.
    const again = await rawRequest<{ errorCode: number; producerId: bigint }>(broker.port, ApiKeys.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    assert.ok(again.producerId > init.producerId, `producer id ${again.producerId} after restart must be new (was ${init.producerId})`);
  });
});
