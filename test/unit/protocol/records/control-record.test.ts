import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ControlRecordType,
  controlRecordKey,
  decodeControlRecordKey,
  decodeControlRecordValue,
  encodeControlBatch,
  readEndTransactionMarker,
} from '../../../../src/protocol/records/control-record.ts';
import { buildRecordBatchSync } from '../../../../src/protocol/records/record-batch-builder.ts';
import { RecordBatch } from '../../../../src/protocol/records/record-batch.ts';
import { readRecordsSync } from '../../../../src/protocol/records/record-iterator.ts';
import { RecordsError } from '../../../../src/protocol/records/records-error.ts';
import { validateBatch } from '../../../../src/protocol/records/validate-batch.ts';
import { kafkajsDecodeBatch } from './helpers.ts';

const invalid = (e: unknown): boolean => e instanceof RecordsError && e.errorCode === 87;

describe('control batches (transaction markers)', () => {
  it('encodes a COMMIT marker batch as MemoryRecords.withEndTransactionMarker does', () => {
    const buf = encodeControlBatch({
      producerId: 4242n,
      producerEpoch: 7,
      type: 'COMMIT',
      coordinatorEpoch: 12,
      baseOffset: 300n,
      partitionLeaderEpoch: 3,
      timestamp: 1_700_000_000_123n,
    });
    const batch = new RecordBatch(buf);
    assert.ok(batch.isValid());
    assert.equal(batch.isControl, true);
    assert.equal(batch.isTransactional, true);
    assert.equal(batch.compression, 0);
    assert.equal(batch.isLogAppendTime, false);
    assert.equal(batch.producerId, 4242n);
    assert.equal(batch.producerEpoch, 7);
    assert.equal(batch.baseSequence, -1);
    assert.equal(batch.baseOffset, 300n);
    assert.equal(batch.partitionLeaderEpoch, 3);
    assert.equal(batch.recordCount, 1);
    const [record] = readRecordsSync(batch);
    assert.deepEqual(record!.key, Buffer.from([0, 0, 0, 1]));
    assert.deepEqual(record!.value, Buffer.from([0, 0, 0, 0, 0, 12]));
    assert.equal(record!.timestamp, 1_700_000_000_123n);
    assert.deepEqual(decodeControlRecordKey(record!.key), { version: 0, type: ControlRecordType.COMMIT });
    assert.deepEqual(decodeControlRecordValue(record!.value), { version: 0, coordinatorEpoch: 12 });
    assert.deepEqual(readEndTransactionMarker(batch), { type: 'COMMIT', coordinatorEpoch: 12 });
  });

  it('ABORT markers read back; data batches and KRaft control batches are not markers', () => {
    const abort = new RecordBatch(encodeControlBatch({ producerId: 1n, producerEpoch: 0, type: 'ABORT', coordinatorEpoch: -1 }));
    assert.deepEqual(readEndTransactionMarker(abort), { type: 'ABORT', coordinatorEpoch: -1 });
    const data = new RecordBatch(buildRecordBatchSync({ records: [{ value: 'x' }] }));
    assert.equal(readEndTransactionMarker(data), null);
    const leaderChange = new RecordBatch(
      buildRecordBatchSync({ isControl: true, records: [{ key: controlRecordKey(ControlRecordType.LEADER_CHANGE), value: Buffer.from([0, 0]) }] }),
    );
    assert.equal(readEndTransactionMarker(leaderChange), null);
  });

  it('validation: clients may not write control batches, the transaction coordinator may', () => {
    const b = new RecordBatch(encodeControlBatch({ producerId: 1n, producerEpoch: 0, type: 'COMMIT', coordinatorEpoch: 0 }));
    assert.equal(validateBatch(b).errorCode, 87);
    assert.equal(validateBatch(b, { origin: 'coordinator' }).errorCode, 0);
  });

  it('kafkajs sees a control batch in a transaction', async () => {
    const decoded = await kafkajsDecodeBatch(encodeControlBatch({ producerId: 1n, producerEpoch: 0, type: 'ABORT', coordinatorEpoch: 5 }));
    assert.equal(decoded.isControlBatch, true);
    assert.equal(decoded.inTransaction, true);
  });

  it('decodes keys and values leniently about versions, strictly about sizes and negative versions', () => {
    assert.deepEqual(decodeControlRecordKey(Buffer.from([0, 3, 0, 0, 9, 9])), { version: 3, type: ControlRecordType.ABORT });
    assert.deepEqual(decodeControlRecordKey(Buffer.from([0, 0, 0, 99])), { version: 0, type: ControlRecordType.UNKNOWN });
    assert.deepEqual(decodeControlRecordKey(Buffer.from([0, 0, 0, 6])), { version: 0, type: ControlRecordType.KRAFT_VOTERS });
    assert.throws(() => decodeControlRecordKey(Buffer.from([0, 0, 0])), invalid);
    assert.throws(() => decodeControlRecordKey(null), invalid);
    assert.throws(() => decodeControlRecordKey(Buffer.from([0xff, 0xff, 0, 1])), invalid);
    assert.deepEqual(decodeControlRecordValue(Buffer.from([0, 1, 0, 0, 1, 0, 7])), { version: 1, coordinatorEpoch: 256 });
    assert.throws(() => decodeControlRecordValue(Buffer.from([0, 0, 0, 0, 0])), invalid);
    assert.throws(() => decodeControlRecordValue(null), invalid);
    assert.throws(() => decodeControlRecordValue(Buffer.from([0x80, 0, 0, 0, 0, 0])), invalid);
    assert.throws(() => controlRecordKey(-1), RangeError);
  });
});
