import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Errors } from '../../../../src/protocol/generated/errors.ts';
import { TRANSACTION_STATE_TOPIC_NAME } from '../../../../src/coordinator/transaction/transaction-coordinator.ts';
import { TransactionLogRecordSerde } from '../../../../src/coordinator/transaction/transaction-log-record-serde.ts';
import { TransactionState } from '../../../../src/coordinator/transaction/transaction-state.ts';
import { eventually, harness, type Harness } from './transaction-test-kit.ts';

const serde = new TransactionLogRecordSerde();
const T0 = { topic: 't', partition: 0 };
const T1 = { topic: 't', partition: 1 };
const U0 = { topic: 'u', partition: 0 };

/** The decoded records of the __transaction_state partition of `id`. */
function logOf(h: Harness, id: string) {
  return h.writer.entries(h.coordinator.topicPartitionFor(id)).flatMap((e) => {
    if (e.kind !== 'record' || e.key === null) return [];
    const r = serde.deserialize(e.key, e.value);
    return r === null || r.transactionalId !== id ? [] : [r];
  });
}

async function initialized(h: Harness, id: string, timeoutMs = 60_000) {
  const r = await h.coordinator.initProducerId(id, timeoutMs, null);
  assert.equal(r.errorCode, Errors.NONE);
  return r;
}

async function waitCompleted(h: Harness, id: string, state: 'CompleteCommit' | 'CompleteAbort') {
  await eventually(`${id} in ${state}`, async () => (await h.coordinator.describeTransaction(id)).transactionState === state);
}

test('idempotent producers get a new producer id with epoch 0 each time, without touching __transaction_state', async () => {
  const h = harness();
  const a = await h.coordinator.initProducerId(null, 60_000, null);
  const b = await h.coordinator.initProducerId(null, 60_000, { producerId: a.producerId, producerEpoch: 0 });
  assert.deepEqual([a.errorCode, a.producerEpoch, b.errorCode, b.producerEpoch], [0, 0, 0, 0]);
  assert.notEqual(a.producerId, b.producerId);
  assert.equal(h.writer.appendCount, 0);
});

test('a transactional id is not served before its partition is loaded, and answers LOAD_IN_PROGRESS while loading', async () => {
  const h = harness();
  assert.equal((await h.coordinator.initProducerId('tx', 60_000, null)).errorCode, Errors.NOT_COORDINATOR);
  const release = h.writer.holdReads();
  const loading = h.coordinator.onPartitionLeadershipChange(h.coordinator.topicPartitionFor('tx'), true, 0);
  assert.equal((await h.coordinator.initProducerId('tx', 60_000, null)).errorCode, Errors.COORDINATOR_LOAD_IN_PROGRESS);
  release();
  await loading;
  assert.equal((await h.coordinator.initProducerId('tx', 60_000, null)).errorCode, Errors.NONE);
});

test('InitProducerId validates the id and the timeout against transaction.max.timeout.ms', async () => {
  const h = harness({ config: { transactionMaxTimeoutMs: 10_000 } });
  await h.loadAll();
  assert.equal((await h.coordinator.initProducerId('', 1000, null)).errorCode, Errors.INVALID_REQUEST);
  assert.equal((await h.coordinator.initProducerId('tx', 10_001, null)).errorCode, Errors.INVALID_TRANSACTION_TIMEOUT);
  assert.equal((await h.coordinator.initProducerId('tx', 0, null)).errorCode, Errors.INVALID_TRANSACTION_TIMEOUT);
  assert.equal((await h.coordinator.initProducerId('tx', 10_000, null)).errorCode, Errors.NONE);
});

test('InitProducerId allocates a producer id once, then bumps the epoch; each step is written to __transaction_state', async () => {
  const h = harness();
  await h.loadAll();
  const first = await initialized(h, 'tx');
  assert.equal(first.producerEpoch, 0);
  const second = await initialized(h, 'tx');
  assert.equal(second.producerId, first.producerId);
  assert.equal(second.producerEpoch, 1);
  assert.equal(h.producerIds.length, 1);
  const log = logOf(h, 'tx');
  assert.equal(log.length, 2);
  assert.deepEqual(log.map((r) => [r.value!.producerEpoch, r.value!.transactionStatus, r.value!.transactionPartitions]), [[0, TransactionState.Empty, null], [1, TransactionState.Empty, null]]);
});

test('a commit adds partitions (Ongoing), writes PrepareCommit, a COMMIT marker to every partition, then CompleteCommit', async () => {
  const h = harness();
  await h.loadAll(7);
  const { producerId, producerEpoch } = await initialized(h, 'tx');
  assert.equal(await h.coordinator.addPartitionsToTransaction('tx', producerId, producerEpoch, [T0, T1]), Errors.NONE);
  assert.equal(await h.coordinator.addPartitionsToTransaction('tx', producerId, producerEpoch, [U0, T0]), Errors.NONE);
  const described = await h.coordinator.describeTransaction('tx');
  assert.equal(described.transactionState, 'Ongoing');
  assert.deepEqual(described.topics.map((t) => [t.topic, [...t.partitions].sort()]), [['t', [0, 1]], ['u', [0]]]);
  assert.equal(await h.coordinator.endTransaction('tx', producerId, producerEpoch, true), Errors.NONE);
  await waitCompleted(h, 'tx', 'CompleteCommit');
  const markers = h.sender.sent.map((s) => s.marker);
  assert.equal(markers.length, 1);
  assert.deepEqual({ ...markers[0], partitions: markers[0]!.partitions.map((p) => `${p.topic}-${p.partition}`).sort() }, { producerId, producerEpoch, coordinatorEpoch: 7, commit: true, partitions: ['t-0', 't-1', 'u-0'] });
  const states = logOf(h, 'tx').map((r) => r.value!.transactionStatus);
  assert.deepEqual(states, [TransactionState.Empty, TransactionState.Ongoing, TransactionState.Ongoing, TransactionState.PrepareCommit, TransactionState.CompleteCommit]);
  // A retried EndTxn of the completed commit is answered NONE; an abort of it is an invalid transition.
  assert.equal(await h.coordinator.endTransaction('tx', producerId, producerEpoch, true), Errors.NONE);
  assert.equal(await h.coordinator.endTransaction('tx', producerId, producerEpoch, false), Errors.INVALID_TXN_STATE);
  assert.equal(h.coordinator.numTxnsWithPendingMarkers, 0);
});

test('EndTxn and AddPartitionsToTxn check the producer id and epoch and the state', async () => {
  const h = harness();
  await h.loadAll();
  const { producerId, producerEpoch } = await initialized(h, 'tx');
  assert.equal(await h.coordinator.addPartitionsToTransaction('other', producerId, producerEpoch, [T0]), Errors.INVALID_PRODUCER_ID_MAPPING);
  assert.equal(await h.coordinator.addPartitionsToTransaction('tx', producerId + 1n, producerEpoch, [T0]), Errors.INVALID_PRODUCER_ID_MAPPING);
  assert.equal(await h.coordinator.addPartitionsToTransaction('tx', producerId, producerEpoch + 1, [T0]), Errors.PRODUCER_FENCED);
  assert.equal(await h.coordinator.endTransaction('tx', producerId, producerEpoch, true), Errors.INVALID_TXN_STATE);
  assert.equal(await h.coordinator.addPartitionsToTransaction('tx', producerId, producerEpoch, [T0]), Errors.NONE);
  assert.equal(await h.coordinator.endTransaction('tx', producerId, producerEpoch + 1, true), Errors.PRODUCER_FENCED);
  // While the markers are being written the transaction is pending: adding partitions must wait.
  h.sender.hold();
  assert.equal(await h.coordinator.endTransaction('tx', producerId, producerEpoch, false), Errors.NONE);
  assert.equal(await h.coordinator.addPartitionsToTransaction('tx', producerId, producerEpoch, [T1]), Errors.CONCURRENT_TRANSACTIONS);
  assert.equal(await h.coordinator.endTransaction('tx', producerId, producerEpoch, false), Errors.CONCURRENT_TRANSACTIONS);
  assert.equal((await h.coordinator.initProducerId('tx', 60_000, null)).errorCode, Errors.CONCURRENT_TRANSACTIONS);
  h.sender.release();
  await waitCompleted(h, 'tx', 'CompleteAbort');
  assert.equal(await h.coordinator.addPartitionsToTransaction('tx', producerId, producerEpoch, [T1]), Errors.NONE);
});

test('a new producer instance fences the old one: its ongoing transaction is aborted with a bumped epoch', async () => {
  const h = harness();
  await h.loadAll();
  const old = await initialized(h, 'tx');
  await h.coordinator.addPartitionsToTransaction('tx', old.producerId, old.producerEpoch, [T0]);
  const first = await h.coordinator.initProducerId('tx', 60_000, null);
  assert.equal(first.errorCode, Errors.CONCURRENT_TRANSACTIONS);
  await waitCompleted(h, 'tx', 'CompleteAbort');
  const abort = h.sender.sent.at(-1)!.marker;
  assert.deepEqual([abort.commit, abort.producerEpoch], [false, old.producerEpoch + 1]);
  const next = await initialized(h, 'tx');
  assert.deepEqual([next.producerId, next.producerEpoch], [old.producerId, old.producerEpoch + 2]);
  assert.equal(await h.coordinator.addPartitionsToTransaction('tx', old.producerId, old.producerEpoch, [T0]), Errors.PRODUCER_FENCED);
  assert.equal(await h.coordinator.endTransaction('tx', old.producerId, old.producerEpoch, true), Errors.PRODUCER_FENCED);
});

test('KIP-360: InitProducerId with the current id/epoch bumps it, a retry of that bump is answered again, a stale one is fenced', async () => {
  const h = harness();
  await h.loadAll();
  const a = await initialized(h, 'tx');
  const b = await h.coordinator.initProducerId('tx', 60_000, { producerId: a.producerId, producerEpoch: a.producerEpoch });
  assert.deepEqual([b.errorCode, b.producerEpoch], [Errors.NONE, a.producerEpoch + 1]);
  const retry = await h.coordinator.initProducerId('tx', 60_000, { producerId: a.producerId, producerEpoch: a.producerEpoch });
  assert.deepEqual([retry.errorCode, retry.producerEpoch], [Errors.NONE, b.producerEpoch]);
  assert.equal((await h.coordinator.initProducerId('tx', 60_000, { producerId: a.producerId + 5n, producerEpoch: 0 })).errorCode, Errors.PRODUCER_FENCED);
  const fresh = await initialized(h, 'tx');
  assert.equal((await h.coordinator.initProducerId('tx', 60_000, { producerId: a.producerId, producerEpoch: b.producerEpoch })).errorCode, Errors.PRODUCER_FENCED);
  assert.equal(fresh.producerEpoch, b.producerEpoch + 1);
});

test('markers are retried after retriable errors and skipped for deleted partitions; completion waits for all', async () => {
  const h = harness();
  await h.loadAll();
  const { producerId, producerEpoch } = await initialized(h, 'tx');
  await h.coordinator.addPartitionsToTransaction('tx', producerId, producerEpoch, [T0, U0]);
  let failures = 3;
  h.sender.respond = (tp) => (tp.topic === 't' && failures-- > 0 ? Errors.NOT_LEADER_OR_FOLLOWER : Errors.NONE);
  // Topic u disappears before the markers go out.
  h.image = { ...h.image, topicsByName: new Map([...h.image.topicsByName].filter(([n]) => n !== 'u')) };
  assert.equal(await h.coordinator.endTransaction('tx', producerId, producerEpoch, true), Errors.NONE);
  await waitCompleted(h, 'tx', 'CompleteCommit');
  const sentTo = h.sender.sent.map((s) => s.marker.partitions.map((p) => `${p.topic}-${p.partition}`).join(','));
  assert.deepEqual(sentTo, ['t-0', 't-0', 't-0', 't-0']);
});

test('a fenced marker (INVALID_PRODUCER_EPOCH) stops the completion', async () => {
  const h = harness();
  await h.loadAll();
  const { producerId, producerEpoch } = await initialized(h, 'tx');
  await h.coordinator.addPartitionsToTransaction('tx', producerId, producerEpoch, [T0]);
  h.sender.respond = () => Errors.INVALID_PRODUCER_EPOCH;
  assert.equal(await h.coordinator.endTransaction('tx', producerId, producerEpoch, true), Errors.NONE);
  await eventually('marker sent', () => h.sender.sent.length === 1);
  await h.coordinator.idle();
  assert.equal(h.coordinator.numTxnsWithPendingMarkers, 0);
  assert.equal((await h.coordinator.describeTransaction('tx')).transactionState, 'PrepareCommit');
});

test('a coordinator that restarts between PrepareCommit and CompleteCommit re-sends the markers and completes', async () => {
  let h = harness();
  await h.loadAll(1);
  const { producerId, producerEpoch } = await initialized(h, 'tx');
  await h.coordinator.addPartitionsToTransaction('tx', producerId, producerEpoch, [T0, T1]);
  h.sender.hold();
  assert.equal(await h.coordinator.endTransaction('tx', producerId, producerEpoch, true), Errors.NONE);
  h = h.restart();
  h.sender.release();
  await h.loadAll(2);
  await waitCompleted(h, 'tx', 'CompleteCommit');
  const last = h.sender.sent.at(-1)!.marker;
  assert.deepEqual([last.commit, last.coordinatorEpoch, last.partitions.length], [true, 2, 2]);
  // The loaded state serves the same producer: its next transaction works.
  assert.equal(await h.coordinator.addPartitionsToTransaction('tx', producerId, producerEpoch, [T0]), Errors.NONE);
  const again = await h.coordinator.initProducerId('tx', 60_000, null);
  assert.equal(again.errorCode, Errors.CONCURRENT_TRANSACTIONS);
});

test('a failed write clears the pending transition (the client gets a retriable coordinator error) and a retry succeeds', async () => {
  const h = harness();
  await h.loadAll();
  const { producerId, producerEpoch } = await initialized(h, 'tx');
  h.writer.failNextAppends(h.coordinator.topicPartitionFor('tx'), 1);
  assert.equal(await h.coordinator.addPartitionsToTransaction('tx', producerId, producerEpoch, [T0]), Errors.NOT_COORDINATOR);
  // The runtime reloads nothing for these records (they were never replayed); the retry goes through.
  assert.equal(await h.coordinator.addPartitionsToTransaction('tx', producerId, producerEpoch, [T0]), Errors.NONE);
  assert.equal((await h.coordinator.describeTransaction('tx')).transactionState, 'Ongoing');
});

test('transactions older than their timeout are aborted and their producer fenced', async () => {
  const h = harness({ config: { abortTimedOutTransactionsIntervalMs: 1000 } });
  await h.loadAll();
  const { producerId, producerEpoch } = await initialized(h, 'tx', 5000);
  await h.coordinator.addPartitionsToTransaction('tx', producerId, producerEpoch, [T0]);
  h.time.sleep(1000);
  h.coordinator.poll();
  await h.coordinator.idle();
  assert.equal((await h.coordinator.describeTransaction('tx')).transactionState, 'Ongoing');
  h.time.sleep(5000);
  h.coordinator.poll();
  await waitCompleted(h, 'tx', 'CompleteAbort');
  const described = await h.coordinator.describeTransaction('tx');
  assert.equal(described.producerEpoch, producerEpoch + 1);
  assert.equal(h.sender.sent.at(-1)!.marker.commit, false);
  assert.equal(await h.coordinator.endTransaction('tx', producerId, producerEpoch, true), Errors.PRODUCER_FENCED);
});

test('idle transactional ids expire: a tombstone is written and the id is gone, also after a reload', async () => {
  let h = harness({ config: { transactionalIdExpirationMs: 10_000, removeExpiredTransactionalIdsIntervalMs: 1000 } });
  await h.loadAll();
  await initialized(h, 'old');
  h.time.sleep(9000);
  const young = await initialized(h, 'young');
  h.time.sleep(2000);
  h.coordinator.poll();
  await h.coordinator.idle();
  assert.equal((await h.coordinator.describeTransaction('old')).errorCode, Errors.TRANSACTIONAL_ID_NOT_FOUND);
  assert.equal((await h.coordinator.describeTransaction('young')).errorCode, Errors.NONE);
  const tombstones = h.writer.entries(h.coordinator.topicPartitionFor('old')).filter((e) => e.kind === 'record' && e.value === null);
  assert.equal(tombstones.length, 1);
  h = h.restart();
  await h.loadAll();
  assert.equal((await h.coordinator.describeTransaction('old')).errorCode, Errors.TRANSACTIONAL_ID_NOT_FOUND);
  assert.equal((await h.coordinator.describeTransaction('young')).producerId, young.producerId);
});

test('KIP-890 verification: only partitions of the ongoing transaction of that producer id and epoch pass', async () => {
  const h = harness();
  await h.loadAll();
  const { producerId, producerEpoch } = await initialized(h, 'tx');
  const verify = h.coordinator.verifyTransaction;
  assert.equal(await verify('tx', producerId, producerEpoch, T0), Errors.INVALID_TXN_STATE);
  await h.coordinator.addPartitionsToTransaction('tx', producerId, producerEpoch, [T0]);
  assert.equal(await verify('tx', producerId, producerEpoch, T0), Errors.NONE);
  assert.equal(await verify('tx', producerId, producerEpoch, T1), Errors.INVALID_TXN_STATE);
  assert.equal(await verify('tx', producerId, producerEpoch, T1, true), Errors.TRANSACTION_ABORTABLE);
  assert.equal(await verify('tx', producerId, producerEpoch - 1, T0), Errors.INVALID_PRODUCER_EPOCH);
  assert.equal(await verify('tx', producerId + 1n, producerEpoch, T0), Errors.INVALID_PRODUCER_ID_MAPPING);
  assert.equal(await verify('nobody', producerId, producerEpoch, T0), Errors.INVALID_PRODUCER_ID_MAPPING);
  assert.deepEqual(await h.coordinator.verifyPartitionsInTransaction('tx', producerId, producerEpoch, [T0, T1]), [Errors.NONE, Errors.TRANSACTION_ABORTABLE]);
  h.sender.hold();
  await h.coordinator.endTransaction('tx', producerId, producerEpoch, true);
  // While completing, a produce cannot be verified yet (retriable for the client).
  assert.equal(await verify('tx', producerId, producerEpoch, T0), Errors.NOT_ENOUGH_REPLICAS);
  h.sender.release();
  await waitCompleted(h, 'tx', 'CompleteCommit');
  assert.equal(await verify('tx', producerId, producerEpoch, T0), Errors.INVALID_TXN_STATE);
  const off = harness({ config: { transactionPartitionVerificationEnable: false } });
  assert.equal(await off.coordinator.verifyTransaction('tx', 1n, 0, T0), Errors.NONE);
});

test('ListTransactions filters by state, producer id and duration; unknown state names are echoed', async () => {
  const h = harness();
  await h.loadAll();
  const a = await initialized(h, 'a');
  const b = await initialized(h, 'b');
  await h.coordinator.addPartitionsToTransaction('b', b.producerId, b.producerEpoch, [T0]);
  const all = await h.coordinator.listTransactions([], []);
  assert.equal(all.errorCode, Errors.NONE);
  assert.deepEqual(all.transactionStates.map((t) => `${t.transactionalId}:${t.transactionState}`).sort(), ['a:Empty', 'b:Ongoing']);
  const ongoing = await h.coordinator.listTransactions(['Ongoing', 'Bogus'], []);
  assert.deepEqual(ongoing.transactionStates.map((t) => t.transactionalId), ['b']);
  assert.deepEqual(ongoing.unknownStateFilters, ['Bogus']);
  assert.deepEqual((await h.coordinator.listTransactions([], [a.producerId])).transactionStates.map((t) => t.transactionalId), ['a']);
  h.time.sleep(5000);
  assert.deepEqual((await h.coordinator.listTransactions(['Ongoing'], [], 4000n)).transactionStates.map((t) => t.transactionalId), ['b']);
  assert.deepEqual((await h.coordinator.listTransactions(['Ongoing'], [], 6000n)).transactionStates, []);
  h.coordinator.close();
  assert.equal((await h.coordinator.listTransactions([], [])).errorCode, Errors.COORDINATOR_NOT_AVAILABLE);
});

test('losing leadership unloads the partition: NOT_COORDINATOR until it is loaded again', async () => {
  const h = harness();
  await h.loadAll();
  const { producerId, producerEpoch } = await initialized(h, 'tx');
  const tp = h.coordinator.topicPartitionFor('tx');
  assert.equal(tp.topic, TRANSACTION_STATE_TOPIC_NAME);
  await h.coordinator.onPartitionLeadershipChange(tp, false, 1);
  assert.equal(await h.coordinator.addPartitionsToTransaction('tx', producerId, producerEpoch, [T0]), Errors.NOT_COORDINATOR);
  assert.equal((await h.coordinator.describeTransaction('tx')).errorCode, Errors.NOT_COORDINATOR);
  await h.coordinator.onPartitionLeadershipChange(tp, true, 2);
  assert.equal(await h.coordinator.addPartitionsToTransaction('tx', producerId, producerEpoch, [T0]), Errors.NONE);
});
