import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Errors } from '../../../../src/protocol/generated/errors.ts';
import { IllegalTransactionStateError, TransactionMetadata } from '../../../../src/coordinator/transaction/transaction-metadata.ts';

function fresh(state: ConstructorParameters<typeof TransactionMetadata>[0]['state'] = 'Empty', producerEpoch = 3) {
  return new TransactionMetadata({ transactionalId: 't', producerId: 7n, producerEpoch, txnTimeoutMs: 1000, state, txnLastUpdateTimestamp: 0 });
}

test('a prepared transition is pending until completed; another one cannot be prepared meanwhile', () => {
  const m = fresh();
  const transit = m.prepareAddPartitions([{ topic: 'a', partition: 0 }], 100);
  assert.equal(m.pendingState, 'Ongoing');
  assert.throws(() => m.prepareAddPartitions([{ topic: 'a', partition: 1 }], 101), IllegalTransactionStateError);
  assert.equal(m.state, 'Empty');
  m.completeTransitionTo(transit);
  assert.deepEqual([m.state, m.pendingState, m.txnStartTimestamp, m.partitions()], ['Ongoing', null, 100, [{ topic: 'a', partition: 0 }]]);
});

test('the state table: PrepareCommit only from Ongoing, Complete* only from Prepare*', () => {
  assert.throws(() => fresh('Empty').prepareAbortOrCommit('PrepareCommit', 1), IllegalTransactionStateError);
  assert.throws(() => fresh('CompleteCommit').prepareComplete(1), IllegalTransactionStateError);
  const m = fresh('Empty');
  m.completeTransitionTo(m.prepareAddPartitions([{ topic: 'a', partition: 0 }], 5));
  m.completeTransitionTo(m.prepareAbortOrCommit('PrepareAbort', 6));
  m.removePartition({ topic: 'a', partition: 0 });
  m.completeTransitionTo(m.prepareComplete(7));
  assert.deepEqual([m.state, m.topicPartitions.size, m.producerEpoch, m.lastProducerEpoch], ['CompleteAbort', 0, 3, -1]);
  assert.throws(() => m.removePartition({ topic: 'a', partition: 0 }), IllegalTransactionStateError);
});

test('epoch bumps follow KIP-360: new producer, recovering producer, retried bump, fenced producer', () => {
  const m = fresh();
  const bump = m.prepareIncrementProducerEpoch(2000, null, 1);
  assert.ok(typeof bump !== 'number');
  assert.deepEqual([bump.producerEpoch, bump.lastProducerEpoch, bump.txnTimeoutMs], [4, -1, 2000]);
  m.completeTransitionTo(bump);
  const recover = m.prepareIncrementProducerEpoch(2000, 4, 2);
  assert.ok(typeof recover !== 'number');
  assert.deepEqual([recover.producerEpoch, recover.lastProducerEpoch], [5, 4]);
  m.completeTransitionTo(recover);
  const retried = m.prepareIncrementProducerEpoch(2000, 4, 3);
  assert.ok(typeof retried !== 'number');
  assert.equal(retried.producerEpoch, 5);
  m.pendingState = null;
  assert.equal(m.prepareIncrementProducerEpoch(2000, 2, 4), Errors.PRODUCER_FENCED);
});

test('fencing bumps the epoch once even when an earlier fence was not written; exhausted epochs rotate the producer id', () => {
  const m = fresh('Ongoing', 10);
  assert.equal(m.prepareFenceProducerEpoch().producerEpoch, 11);
  m.pendingState = null;
  m.hasFailedEpochFence = true;
  assert.equal(m.prepareFenceProducerEpoch().producerEpoch, 10);
  const old = fresh('CompleteCommit', 32766);
  assert.ok(old.isProducerEpochExhausted);
  assert.throws(() => old.prepareIncrementProducerEpoch(1, null, 1), IllegalTransactionStateError);
  const rotated = old.prepareProducerIdRotation(99n, 1, 1, true);
  old.completeTransitionTo(rotated);
  assert.deepEqual([old.producerId, old.producerEpoch, old.lastProducerEpoch, old.previousProducerId], [99n, 0, 32766, 7n]);
});
