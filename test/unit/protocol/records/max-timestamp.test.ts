// The pieces of Kafka's LogValidator maxTimestamp rule: validation reports the largest record timestamp exactly
// (over the whole int64 range, -1 when no record has a larger one), and RecordBatch.setMaxTimestamp rewrites the
// header and CRC only when they change (DefaultRecordBatch.setMaxTimestamp).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRecordBatch, buildRecordBatchSync } from '../../../../src/protocol/records/record-batch-builder.ts';
import { BatchLayout, RecordBatch, type CompressionTypeName } from '../../../../src/protocol/records/record-batch.ts';
import { validateBatch, validateBatchFully } from '../../../../src/protocol/records/validate-batch.ts';

const T = 1_700_000_000_000;

function withTimestamps(timestamps: (number | bigint)[]): Buffer {
  return buildRecordBatchSync({ records: timestamps.map((timestamp, i) => ({ value: `r${i}`, timestamp })) });
}

describe('validation reports the largest record timestamp', () => {
  it('whatever the header says: out-of-order records, all -1, negative timestamps', () => {
    const cases: [(number | bigint)[], bigint][] = [
      [[T + 10, T + 30, T + 20], BigInt(T + 30)],
      [[-1, -1], -1n],
      // Kafka starts from NO_TIMESTAMP (-1): timestamps below it never become the maximum.
      [[-5, -3], -1n],
      [[-1, T], BigInt(T)],
    ];
    for (const [timestamps, expected] of cases) {
      const bytes = withTimestamps(timestamps);
      // A header that disagrees with the records must not matter.
      bytes.writeBigInt64BE(123n, BatchLayout.MAX_TIMESTAMP);
      new RecordBatch(bytes).writeChecksum();
      const result = validateBatch(new RecordBatch(bytes));
      assert.equal(result.errorCode, 0);
      assert.equal(result.maxTimestamp, expected, String(timestamps));
    }
  });

  it('exactly beyond 2^53 ms, where doubles round, and with Kafka long arithmetic wrapping past 2^63', async () => {
    const big = 2n ** 62n + 1n;
    const wrapped = -(2n ** 63n) + 1n;
    for (const codec of ['none', 'gzip'] as CompressionTypeName[]) {
      const cases: [bigint[], bigint][] = [
        [[big, big + 2n, big + 1n], big + 2n],
        [[2n ** 63n - 1n, wrapped], 2n ** 63n - 1n],
        [[BigInt(T), 2n ** 60n + 3n], 2n ** 60n + 3n],
      ];
      for (const [timestamps, expected] of cases) {
        const bytes = await buildRecordBatch({ compression: codec, records: timestamps.map((timestamp) => ({ value: 'x', timestamp })) });
        const result = await validateBatchFully(new RecordBatch(bytes));
        assert.equal(result.errorCode, 0);
        assert.equal(result.maxTimestamp, expected, `${codec} ${timestamps}`);
      }
    }
  });
});

describe('RecordBatch.setMaxTimestamp', () => {
  it('leaves a batch byte for byte when type and value are already those', () => {
    const bytes = withTimestamps([T, T + 7]);
    const before = Buffer.from(bytes);
    assert.equal(new RecordBatch(bytes).setMaxTimestamp('CreateTime', BigInt(T + 7)), false);
    assert.ok(bytes.equals(before));
  });

  it('rewrites maxTimestamp, the timestamp type bit and the CRC otherwise', () => {
    const bytes = withTimestamps([T, T + 7]);
    const b = new RecordBatch(bytes);
    const crc = b.crc;
    assert.equal(b.setMaxTimestamp('CreateTime', -1n), true);
    assert.deepEqual([b.maxTimestamp, b.isLogAppendTime, b.isValid()], [-1n, false, true]);
    assert.notEqual(b.crc, crc);
    assert.equal(b.setMaxTimestamp('LogAppendTime', -1n), true, 'same value, other type');
    assert.deepEqual([b.maxTimestamp, b.isLogAppendTime, b.isValid()], [-1n, true, true]);
    assert.equal(b.setMaxTimestamp('CreateTime', BigInt(T + 7)), true);
    assert.deepEqual([b.maxTimestamp, b.isLogAppendTime, b.crc], [BigInt(T + 7), false, crc], 'back to the original bytes');
  });
});
