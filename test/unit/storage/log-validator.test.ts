import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordBatch } from '../../../src/protocol/records/record-batch.ts';
import { LogValidator } from '../../../src/storage/log-validator.ts';
import { buildBatch, simpleRecords } from './batches.ts';

const config = { maxMessageBytes: 1_000_000, segmentBytes: 10_000_000, compacted: false, logAppendTime: false };

test('checkFraming counts batches and records and rejects what is not whole magic-2 batches', () => {
  const two = Buffer.concat([buildBatch(simpleRecords(3)), buildBatch(simpleRecords(2))]);
  assert.deepEqual(LogValidator.checkFraming(two, config), { batchCount: 2, recordCount: 5 });
  const code = (fn: () => unknown): number => {
    try {
      fn();
    } catch (e) {
      return (e as { code: number }).code;
    }
    return 0;
  };
  assert.equal(code(() => LogValidator.checkFraming(Buffer.alloc(0), config)), 2);
  assert.equal(code(() => LogValidator.checkFraming(two.subarray(0, two.length - 1), config)), 2);
  const magic1 = Buffer.from(two);
  magic1.writeInt8(1, 16);
  assert.equal(code(() => LogValidator.checkFraming(magic1, config)), 2);
  assert.equal(code(() => LogValidator.checkFraming(two, { ...config, maxMessageBytes: 100 })), 10);
  assert.equal(code(() => LogValidator.checkFraming(two, { ...config, segmentBytes: 100 })), 18);
});

test('assignOffsets rewrites base offsets and epochs in place without touching the CRC', () => {
  const records = Buffer.concat([buildBatch(simpleRecords(3, 8, 100)), buildBatch(simpleRecords(2, 8, 300))]);
  const info = LogValidator.assignOffsets(records, 1000, 9, 5, config, { batchCount: 2, recordCount: 5 });
  assert.deepEqual([info.firstOffset, info.lastOffset, info.maxTimestamp, info.offsetOfMaxTimestamp, info.logAppendTime], [1000, 1004, 300, 1004, -1]);
  const first = new RecordBatch(records, 0);
  const second = new RecordBatch(records, first.sizeInBytes);
  assert.deepEqual([first.baseOffset, second.baseOffset, first.partitionLeaderEpoch, second.partitionLeaderEpoch], [1000n, 1003n, 9, 9]);
  assert.ok(first.isValid() && second.isValid());
  assert.deepEqual(info.epochStarts, [{ epoch: 9, startOffset: 1000 }]);
});

test('analyzeFollower keeps offsets, collects epoch changes, rejects an offset below the log end', () => {
  const records = Buffer.concat([buildBatch(simpleRecords(2), { baseOffset: 10, partitionLeaderEpoch: 1 }), buildBatch(simpleRecords(1), { baseOffset: 15, partitionLeaderEpoch: 2 })]);
  const info = LogValidator.analyzeFollower(records, 10, { batchCount: 2, recordCount: 3 });
  assert.deepEqual([info.firstOffset, info.lastOffset], [10, 15]);
  assert.deepEqual(info.epochStarts, [{ epoch: 1, startOffset: 10 }, { epoch: 2, startOffset: 15 }]);
  assert.throws(() => LogValidator.analyzeFollower(records, 11, { batchCount: 2, recordCount: 3 }), /Unexpected offset/);
  const backwards = Buffer.concat([buildBatch(simpleRecords(2), { baseOffset: 10 }), buildBatch(simpleRecords(1), { baseOffset: 11 })]);
  assert.throws(() => LogValidator.analyzeFollower(backwards, 0, { batchCount: 2, recordCount: 3 }), /Out of order/);
});

test('checkKeys: keyless data records are INVALID_RECORD on compacted topics; control batches are exempt', async () => {
  await LogValidator.checkKeys(buildBatch([{ key: 'k', value: 'v' }]), 't-0');
  await LogValidator.checkKeys(buildBatch([{ key: null, value: 'marker' }], { attributes: 0x30 }), 't-0');
  await assert.rejects(LogValidator.checkKeys(buildBatch([{ key: 'k' }, { key: null }], { compression: 2 }), 't-0'), (e: { code?: number }) => e.code === 87);
});
