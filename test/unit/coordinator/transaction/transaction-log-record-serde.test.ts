import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransactionLogRecordSerde, transactionLogValue } from '../../../../src/coordinator/transaction/transaction-log-record-serde.ts';
import { TransactionState } from '../../../../src/coordinator/transaction/transaction-state.ts';

const serde = new TransactionLogRecordSerde();

test('a transaction state record has Kafka\'s bytes: key v0 + transactional id, value v0', () => {
  const value = transactionLogValue({
    producerId: 5n, prevProducerId: -1n, producerEpoch: 2, lastProducerEpoch: -1, txnTimeoutMs: 60_000, txnState: 'Ongoing',
    topicPartitions: [{ topic: 'a', partition: 0 }, { topic: 'b', partition: 3 }, { topic: 'a', partition: 1 }], txnStartTimestamp: 1000, txnLastUpdateTimestamp: 2000,
  });
  const bytes = serde.serialize({ transactionalId: 'tx', value });
  assert.deepEqual(bytes.key, Buffer.from([0, 0, 0, 2, 0x74, 0x78]));
  const v = bytes.value!;
  let pos = 0;
  assert.equal(v.readInt16BE(pos), 0); pos += 2; // value version 0
  assert.equal(v.readBigInt64BE(pos), 5n); pos += 8;
  assert.equal(v.readInt16BE(pos), 2); pos += 2;
  assert.equal(v.readInt32BE(pos), 60_000); pos += 4;
  assert.equal(v.readInt8(pos), TransactionState.Ongoing); pos += 1;
  assert.equal(v.readInt32BE(pos), 2); // two topics (a: [0, 1], b: [3])
  const back = serde.deserialize(bytes.key, bytes.value);
  assert.equal(back!.transactionalId, 'tx');
  assert.deepEqual(back!.value!.transactionPartitions!.map((p) => [p.topic, p.partitionIds]), [['a', [0, 1]], ['b', [3]]]);
  assert.deepEqual([back!.value!.transactionStartTimestampMs, back!.value!.transactionLastUpdateTimestampMs], [1000n, 2000n]);
});

test('Empty carries a null partition list; tombstones have a null value; unknown key versions are skipped', () => {
  const empty = transactionLogValue({ producerId: 1n, prevProducerId: -1n, producerEpoch: 0, lastProducerEpoch: -1, txnTimeoutMs: 1, txnState: 'Empty', topicPartitions: [], txnStartTimestamp: -1, txnLastUpdateTimestamp: 0 });
  assert.equal(empty.transactionPartitions, null);
  const tomb = serde.serialize({ transactionalId: 'x', value: null });
  assert.equal(tomb.value, null);
  assert.deepEqual(serde.deserialize(tomb.key, null), { transactionalId: 'x', value: null });
  assert.equal(serde.deserialize(Buffer.from([0, 1, 0, 1, 0x78]), null), null);
  assert.throws(() => serde.deserialize(tomb.key, Buffer.from([0, 9])), { name: 'DecodeError' });
});

test('a flexible (v1) value written by a newer broker is read, its tagged fields included', async () => {
  const { Writer } = await import('../../../../src/protocol/writer.ts');
  const { encodeTransactionLogValue } = await import('../../../../src/protocol/generated/records/transaction-log-value.ts');
  const w = new Writer(64);
  w.writeInt16(1);
  encodeTransactionLogValue(w, 1, { producerId: 9n, previousProducerId: 8n, producerEpoch: 0, transactionTimeoutMs: 5, transactionStatus: 4, transactionPartitions: [], transactionLastUpdateTimestampMs: 1n, transactionStartTimestampMs: 1n, clientTransactionVersion: 2 });
  const r = serde.deserialize(serde.serialize({ transactionalId: 'n', value: null }).key, w.toBuffer());
  assert.deepEqual([r!.value!.producerId, r!.value!.previousProducerId, r!.value!.clientTransactionVersion], [9n, 8n, 2]);
});
