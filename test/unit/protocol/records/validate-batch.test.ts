import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compress } from '../../../../src/protocol/records/compression.ts';
import { buildRecordBatch, buildRecordBatchSync } from '../../../../src/protocol/records/record-batch-builder.ts';
import type { RecordBatchOptions } from '../../../../src/protocol/records/record-batch-builder.ts';
import { BatchLayout, RecordBatch } from '../../../../src/protocol/records/record-batch.ts';
import { singleProduceBatch, validateBatch, validateBatchFully } from '../../../../src/protocol/records/validate-batch.ts';
import { fixCrc } from './helpers.ts';

const T0 = 1_700_000_000_000;
const CORRUPT_MESSAGE = 2;
const MESSAGE_TOO_LARGE = 10;
const INVALID_TIMESTAMP = 32;
const UNSUPPORTED_COMPRESSION_TYPE = 76;
const INVALID_RECORD = 87;

function batch(options: Partial<RecordBatchOptions> = {}): Buffer {
  return buildRecordBatchSync({
    records: [
      { key: 'a', value: 'one', timestamp: T0, headers: [{ key: 'h', value: 'x' }] },
      { key: 'b', value: 'two', timestamp: T0 + 5 },
    ],
    ...options,
  });
}

function code(buf: Buffer, options = {}): number {
  return validateBatch(new RecordBatch(buf), options).errorCode;
}

describe('validateBatch', () => {
  it('accepts a valid batch and reports max timestamp and in-order offsets', () => {
    const v = validateBatch(new RecordBatch(batch()));
    assert.deepEqual(v, { errorCode: 0, message: null, recordErrors: [], recordsChecked: true, maxTimestamp: BigInt(T0 + 5), offsetsInOrder: true });
  });

  it('detects a flipped bit in every byte of the CRC-covered range (and in the CRC itself)', () => {
    const original = batch();
    for (let i = BatchLayout.CRC; i < original.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const copy = Buffer.from(original);
        copy[i]! ^= mask;
        const result = validateBatch(new RecordBatch(copy), { checkRecords: false });
        // Bytes 21+ are covered by the CRC; a flip may also trip an earlier check (e.g. codec id 5-7 → 76).
        assert.ok(
          result.errorCode === CORRUPT_MESSAGE || result.errorCode === UNSUPPORTED_COMPRESSION_TYPE,
          `byte ${i} mask ${mask}: ${result.errorCode} ${result.message}`,
        );
        if (i >= BatchLayout.LAST_OFFSET_DELTA || i < BatchLayout.ATTRIBUTES) {
          assert.equal(result.errorCode, CORRUPT_MESSAGE, `byte ${i} mask ${mask}`);
        }
      }
    }
  });

  it('bytes outside the CRC: baseOffset must be 0 from clients, the leader epoch is free', () => {
    const moved = batch();
    moved.writeBigInt64BE(5n, 0);
    assert.equal(code(moved), INVALID_RECORD);
    assert.equal(code(moved, { origin: 'replication' }), 0);
    const epoch = batch();
    epoch.writeInt32BE(99, BatchLayout.PARTITION_LEADER_EPOCH);
    assert.equal(code(epoch), 0);
  });

  it('rejects bad sizes and magic as Kafka does', () => {
    const b = batch();
    const set = (f: (x: Buffer) => void): Buffer => {
      const c = Buffer.from(b);
      f(c);
      return c;
    };
    assert.equal(code(set((x) => x.writeInt32BE(13, BatchLayout.BATCH_LENGTH))), CORRUPT_MESSAGE);
    assert.equal(code(set((x) => x.writeInt32BE(40, BatchLayout.BATCH_LENGTH))), CORRUPT_MESSAGE, 'smaller than the v2 header');
    assert.equal(code(set((x) => x.writeInt32BE(b.length, BatchLayout.BATCH_LENGTH))), CORRUPT_MESSAGE, 'past the buffer');
    assert.equal(code(b.subarray(0, 8)), CORRUPT_MESSAGE);
    assert.equal(code(set((x) => x.writeInt8(1, BatchLayout.MAGIC))), INVALID_RECORD, 'magic 1 in a v3+ produce');
    assert.equal(code(set((x) => x.writeInt8(0, BatchLayout.MAGIC))), INVALID_RECORD);
    assert.equal(code(set((x) => x.writeInt8(7, BatchLayout.MAGIC))), CORRUPT_MESSAGE);
    assert.equal(code(b, { maxMessageBytes: b.length - 1 }), MESSAGE_TOO_LARGE);
    assert.equal(code(b, { maxMessageBytes: b.length }), 0);
  });

  it('rejects count/offset inconsistencies, control batches and missing sequences from clients', () => {
    const edit = (f: (x: Buffer) => void): Buffer => {
      const c = batch();
      f(c);
      return fixCrc(c);
    };
    assert.equal(code(edit((x) => x.writeInt32BE(5, BatchLayout.LAST_OFFSET_DELTA))), INVALID_RECORD, 'count != lastOffsetDelta + 1');
    assert.equal(code(edit((x) => x.writeInt32BE(-1, BatchLayout.LAST_OFFSET_DELTA))), INVALID_RECORD);
    assert.equal(code(edit((x) => x.writeInt32BE(0, BatchLayout.RECORD_COUNT))), INVALID_RECORD);
    assert.equal(code(edit((x) => x.writeInt32BE(-3, BatchLayout.RECORD_COUNT)), { origin: 'replication' }), INVALID_RECORD);
    const control = batch({ isControl: true, isTransactional: true, producerId: 1n, producerEpoch: 0, baseSequence: 0 });
    assert.equal(code(control), INVALID_RECORD);
    assert.equal(code(control, { origin: 'coordinator' }), 0);
    assert.equal(code(batch({ producerId: 9n, producerEpoch: 0 })), INVALID_RECORD, 'producer id without a base sequence');
    assert.equal(code(batch({ producerId: 9n, producerEpoch: 0, baseSequence: 0 })), 0);
  });

  it('checks the codec: zstd needs Produce v7, ids 5-7 are unknown', () => {
    const zstd = batch({ compression: 'zstd' });
    assert.equal(code(zstd, { produceVersion: 6 }), UNSUPPORTED_COMPRESSION_TYPE);
    assert.equal(code(zstd, { produceVersion: 7 }), 0);
    const unknown = batch();
    unknown.writeInt16BE(6, BatchLayout.ATTRIBUTES);
    assert.equal(code(fixCrc(unknown)), UNSUPPORTED_COMPRESSION_TYPE);
  });

  it('rejects records that do not parse, and bytes after the last record, as INVALID_RECORD', () => {
    const headerCountNegative = batch();
    headerCountNegative[headerCountNegative.length - 1] = 0x01;
    assert.equal(code(fixCrc(headerCountNegative)), INVALID_RECORD);
    const trailing = Buffer.concat([batch(), Buffer.from([0])]);
    trailing.writeInt32BE(trailing.length - 12, BatchLayout.BATCH_LENGTH);
    const v = validateBatch(new RecordBatch(fixCrc(trailing)));
    assert.equal(v.errorCode, INVALID_RECORD);
    assert.match(v.message!, /remain/);
    const short = batch();
    short.writeInt32BE(3, BatchLayout.RECORD_COUNT);
    short.writeInt32BE(2, BatchLayout.LAST_OFFSET_DELTA);
    assert.equal(code(fixCrc(short)), INVALID_RECORD, 'premature end of records');
    assert.equal(code(short, { checkRecords: false }), 0, 'header-only validation skips the walk');
  });

  it('compacted topics need keys: per-record errors', () => {
    const v = validateBatch(
      new RecordBatch(buildRecordBatchSync({ records: [{ key: 'k', value: 'a' }, { key: null, value: 'b' }, { value: 'c' }] })),
      { compactedTopic: true },
    );
    assert.equal(v.errorCode, INVALID_RECORD);
    assert.deepEqual(v.recordErrors.map((e) => e.batchIndex), [1, 2]);
  });

  it('timestamps outside message.timestamp.{before,after}.max.ms are INVALID_TIMESTAMP with record errors', () => {
    const opts = { nowMs: T0, timestampBeforeMaxMs: 1000, timestampAfterMaxMs: 1000 };
    const b = buildRecordBatchSync({ records: [{ value: 'ok', timestamp: T0 }, { value: 'old', timestamp: T0 - 5000 }, { value: 'future', timestamp: T0 + 2000 }, { value: 'none', timestamp: -1 }] });
    const v = validateBatch(new RecordBatch(b), opts);
    assert.equal(v.errorCode, INVALID_TIMESTAMP);
    assert.deepEqual(v.recordErrors.map((e) => e.batchIndex), [1, 2]);
    assert.equal(validateBatch(new RecordBatch(b), { ...opts, timestampType: 'LogAppendTime' }).errorCode, 0);
    const producerLat = buildRecordBatchSync({ records: [{ value: 'x', timestamp: -1 }], timestampType: 'LogAppendTime', logAppendTimeMs: T0 });
    assert.equal(validateBatch(new RecordBatch(producerLat), { ...opts, timestampType: 'LogAppendTime' }).errorCode, INVALID_TIMESTAMP);
  });

  it('reports out-of-order offset deltas (Kafka rebuilds such batches) without rejecting them', () => {
    const v = validateBatch(
      new RecordBatch(buildRecordBatchSync({ records: [{ value: 'a', offsetDelta: 0 }, { value: 'b', offsetDelta: 4 }] })),
      { origin: 'replication' },
    );
    assert.equal(v.errorCode, 0);
    assert.equal(v.offsetsInOrder, false);
  });
});

describe('validateBatchFully', () => {
  it('walks the records of compressed batches', async () => {
    for (const compression of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
      const b = new RecordBatch(await buildRecordBatch({ compression, records: [{ key: null, value: 'v', timestamp: T0 + 9 }] }));
      assert.equal(validateBatch(b).recordsChecked, false);
      const full = await validateBatchFully(b);
      assert.equal(full.errorCode, 0);
      assert.equal(full.recordsChecked, true);
      assert.equal(full.maxTimestamp, BigInt(T0 + 9));
      assert.equal((await validateBatchFully(b, { compactedTopic: true })).errorCode, INVALID_RECORD);
    }
  });

  it('an undecodable compressed payload with a valid CRC is CORRUPT_MESSAGE', async () => {
    const b = await buildRecordBatch({ compression: 'gzip', records: [{ value: 'x'.repeat(100) }] });
    b.fill(0x41, BatchLayout.RECORDS + 10);
    fixCrc(b);
    assert.equal(validateBatch(new RecordBatch(b)).errorCode, 0, 'header and CRC are fine');
    assert.equal((await validateBatchFully(new RecordBatch(b))).errorCode, CORRUPT_MESSAGE);
  });

  it('a compressed payload inflating past maxDecompressedBytes is MESSAGE_TOO_LARGE', async () => {
    const b = await buildRecordBatch({ compression: 'zstd', records: [{ value: Buffer.alloc(2_000_000) }] });
    assert.equal((await validateBatchFully(new RecordBatch(b), { maxDecompressedBytes: 1_000_000 })).errorCode, MESSAGE_TOO_LARGE);
  });

  it('a compressed blob holding fewer records than recordCount is INVALID_RECORD', async () => {
    const header = batch({ compression: 'gzip' }).subarray(0, BatchLayout.HEADER_SIZE);
    const inner = batch().subarray(BatchLayout.RECORDS);
    const blob = await compress('gzip', inner);
    const b = Buffer.concat([header, blob]);
    b.writeInt32BE(b.length - 12, BatchLayout.BATCH_LENGTH);
    b.writeInt32BE(3, BatchLayout.RECORD_COUNT);
    b.writeInt32BE(2, BatchLayout.LAST_OFFSET_DELTA);
    assert.equal((await validateBatchFully(new RecordBatch(fixCrc(b)))).errorCode, INVALID_RECORD);
  });
});

describe('singleProduceBatch', () => {
  it('returns the one batch of a Produce v3+ records field', () => {
    const b = batch();
    const r = singleProduceBatch(b);
    assert.ok(r.batch !== undefined);
    assert.equal(r.batch.sizeInBytes, b.length);
  });

  it('applies ProduceRequest.validateRecords: none, two, magic, and ignores a partial trailing entry', () => {
    const b = batch();
    assert.equal(singleProduceBatch(null).errorCode, INVALID_RECORD);
    assert.equal(singleProduceBatch(Buffer.alloc(0)).errorCode, INVALID_RECORD);
    assert.equal(singleProduceBatch(b.subarray(0, b.length - 1)).errorCode, INVALID_RECORD);
    assert.equal(singleProduceBatch(Buffer.concat([b, b])).errorCode, INVALID_RECORD);
    const legacy = Buffer.from(b);
    legacy.writeInt8(1, BatchLayout.MAGIC);
    assert.equal(singleProduceBatch(legacy).errorCode, INVALID_RECORD);
    const tiny = Buffer.from(b);
    tiny.writeInt32BE(3, BatchLayout.BATCH_LENGTH);
    assert.equal(singleProduceBatch(tiny).errorCode, CORRUPT_MESSAGE);
    const partial = singleProduceBatch(Buffer.concat([b, b.subarray(0, 30)]));
    assert.ok(partial.batch !== undefined);
    assert.equal(partial.batch.bytes.length, b.length);
  });
});
