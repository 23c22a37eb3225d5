// DescribeTransactions and ListTransactions answer from committed state only: a transactional id whose first
// InitProducerId record is held back by the in-memory partition writer is not described or listed until the
// record commits, and never once its append failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Errors } from '../../../../src/protocol/generated/errors.ts';
import { eventually, harness } from './transaction-test-kit.ts';

async function heldInit(committed: boolean) {
  const h = harness();
  await h.loadAll();
  const tp = h.coordinator.topicPartitionFor('x');
  h.writer.pause(tp);
  const appendsBefore = h.writer.appendCount;
  const init = h.coordinator.initProducerId('x', 60_000, null);
  await eventually('the InitProducerId record to be appended', () => h.writer.appendCount > appendsBefore);
  const described = h.coordinator.describeTransaction('x');
  const listed = h.coordinator.listTransactions([], []);
  let answered = false;
  void Promise.race([described, listed]).then(() => (answered = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(answered, false, 'no answer while the record is held back');
  if (committed) h.writer.resume(tp);
  else h.writer.failHeld(tp);
  return { h, tp, init: await init, described: await described, listed: await listed };
}

test('a transactional id is described and listed once its first record commits', async () => {
  const { init, described, listed } = await heldInit(true);
  assert.equal(init.errorCode, Errors.NONE);
  assert.deepEqual([described.errorCode, described.transactionState, described.producerEpoch], [Errors.NONE, 'Empty', 0]);
  assert.deepEqual(listed.transactionStates.map((t) => t.transactionalId), ['x']);
});

test('a transactional id whose first record failed to append is never described or listed', async () => {
  const { h, tp, init, described, listed } = await heldInit(false);
  assert.notEqual(init.errorCode, Errors.NONE);
  // Transaction state changes apply only once committed (replayRecords: false): nothing to revert, no reload.
  assert.equal(h.coordinator.shardState(tp.partition), 'active');
  assert.equal(described.errorCode, Errors.TRANSACTIONAL_ID_NOT_FOUND);
  assert.deepEqual([listed.errorCode, listed.transactionStates], [Errors.NONE, []]);
  h.writer.resume(tp);
  const again = await h.coordinator.initProducerId('x', 60_000, null);
  assert.deepEqual([again.errorCode, again.producerEpoch], [Errors.NONE, 0], 'a retry creates the id afresh');
  assert.equal((await h.coordinator.describeTransaction('x')).producerId, again.producerId);
});
