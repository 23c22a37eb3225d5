import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordBatchBuilder, buildRecordBatch, buildRecordBatchSync } from '../../../../src/protocol/records/record-batch-builder.ts';
import { BatchLayout, CompressionType, RecordBatch } from '../../../../src/protocol/records/record-batch.ts';
import { RecordIterator, decompressRecords, readRecords, readRecordsSync } from '../../../../src/protocol/records/record-iterator.ts';
import { RecordsError } from '../../../../src/protocol/records/records-error.ts';
import { fixCrc, kafkajsDecodeBatch } from './helpers.ts';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const T0 = 1_700_000_000_000;

const RECORDS = [
  { key: 'k0', value: 'v0', timestamp: T0, headers: [{ key: 'trace', value: 'abc' }] },
  { key: null, value: Buffer.from([0, 1, 2]), timestamp: T0 + 7 },
  { key: Buffer.alloc(0), value: null, timestamp: T0 - 3, headers: [{ key: 'a', value: null }, { key: 'b', value: '' }] },
  { key: 'big', value: 'z'.repeat(70_000), timestamp: T0 + 1 },
];

describe('RecordBatchBuilder', () => {
  for (const codec of CODECS) {
    it(`${codec}: writes the header Kafka expects and the records decode back`, async () => {
      const buf = await buildRecordBatch({
        compression: codec,
        baseOffset: 0n,
        partitionLeaderEpoch: 4,
        producerId: 1234n,
        producerEpoch: 2,
        baseSequence: 10,
        records: RECORDS,
      });
      const batch = new RecordBatch(buf);
      assert.equal(batch.sizeInBytes, buf.length);
      assert.equal(batch.magic, 2);
      assert.ok(batch.isValid());
      assert.equal(batch.compression, CompressionType[codec]);
      assert.equal(batch.partitionLeaderEpoch, 4);
      assert.equal(batch.lastOffsetDelta, 3);
      assert.equal(batch.recordCount, 4);
      assert.equal(batch.baseTimestamp, BigInt(T0), 'first record timestamp');
      assert.equal(batch.maxTimestamp, BigInt(T0 + 7));
      assert.equal(batch.producerId, 1234n);
      assert.equal(batch.producerEpoch, 2);
      assert.equal(batch.baseSequence, 10);
      assert.equal(batch.lastSequence, 13);
      assert.equal(batch.isTransactional, false);
      assert.equal(batch.isControl, false);
      const records = await readRecords(batch);
      assert.deepEqual(
        records.map((r) => [r.offset, r.timestamp, r.sequence, r.key?.toString() ?? null, r.value?.length ?? null]),
        [
          [0n, BigInt(T0), 10, 'k0', 2],
          [1n, BigInt(T0 + 7), 11, null, 3],
          [2n, BigInt(T0 - 3), 12, '', null],
          [3n, BigInt(T0 + 1), 13, 'big', 70_000],
        ],
      );
      assert.deepEqual(records[0]!.headers, [{ key: 'trace', value: Buffer.from('abc') }]);
      assert.deepEqual(records[2]!.headers, [{ key: 'a', value: null }, { key: 'b', value: Buffer.alloc(0) }]);
      assert.deepEqual(readRecordsSync(batch).map((r) => r.value), records.map((r) => r.value));
    });

    it(`${codec}: kafkajs' consumer decoder reads our batch`, async () => {
      const buf = await buildRecordBatch({ compression: codec, records: RECORDS.slice(0, 2) });
      const decoded = await kafkajsDecodeBatch(buf);
      assert.deepEqual(
        decoded.records.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString('hex') ?? null]),
        [
          ['0', String(T0), 'k0', Buffer.from('v0').toString('hex')],
          ['1', String(T0 + 7), null, '000102'],
        ],
      );
      assert.deepEqual(decoded.records[0]!.headers, { trace: Buffer.from('abc') });
    });
  }

  it('buildSync writes the same bytes as build for uncompressed batches, and decodable ones for every codec', async () => {
    const opts = { records: RECORDS, defaultTimestamp: T0 };
    assert.deepEqual(buildRecordBatchSync(opts), await buildRecordBatch(opts));
    for (const codec of CODECS) {
      const batch = new RecordBatch(buildRecordBatchSync({ ...opts, compression: codec }));
      assert.equal((await readRecords(batch)).length, RECORDS.length);
    }
  });

  it('sets transactional, control, LogAppendTime and delete-horizon attributes', async () => {
    const buf = await buildRecordBatch({
      records: [{ value: 'x', timestamp: T0 }, { value: 'y', timestamp: T0 + 5 }],
      isTransactional: true,
      timestampType: 'LogAppendTime',
      logAppendTimeMs: 99n,
      deleteHorizonMs: T0 - 1000,
    });
    const batch = new RecordBatch(buf);
    assert.equal(batch.attributes, 0x08 | 0x10 | 0x40);
    assert.equal(batch.isLogAppendTime, true);
    assert.equal(batch.hasDeleteHorizon, true);
    assert.equal(batch.baseTimestamp, BigInt(T0 - 1000), 'the horizon replaces the base timestamp');
    assert.equal(batch.maxTimestamp, 99n);
    const records = await readRecords(batch);
    assert.deepEqual(records.map((r) => r.timestamp), [99n, 99n], 'LogAppendTime: every record carries maxTimestamp');
    const control = new RecordBatch(await buildRecordBatch({ records: [{ value: 'c' }], isControl: true }));
    assert.equal(control.isControl, true);
  });

  it('keeps offset-delta gaps and writes empty batches', async () => {
    const gappy = new RecordBatch(await buildRecordBatch({ records: [{ value: 'a', offsetDelta: 0 }, { value: 'b', offsetDelta: 5 }], baseOffset: 100n }));
    assert.equal(gappy.lastOffsetDelta, 5);
    assert.equal(gappy.lastOffset, 105n);
    assert.deepEqual((await readRecords(gappy)).map((r) => r.offset), [100n, 105n]);
    const empty = new RecordBatch(await buildRecordBatch({ records: [], emptyLastOffsetDelta: 9, producerId: 3n, producerEpoch: 1 }));
    assert.equal(empty.sizeInBytes, BatchLayout.HEADER_SIZE);
    assert.equal(empty.recordCount, 0);
    assert.equal(empty.lastOffsetDelta, 9);
    assert.equal(empty.baseTimestamp, -1n);
    assert.deepEqual(await readRecords(empty), []);
    assert.throws(() => buildRecordBatchSync({ records: [{ value: 'a', offsetDelta: 3 }, { value: 'b', offsetDelta: 3 }] }), RangeError);
  });

  it('records without a timestamp get the default one; NoTimestamp (-1) stays -1', async () => {
    const b = new RecordBatch(await buildRecordBatch({ records: [{ value: 'a' }, { value: 'b', timestamp: 5n }], defaultTimestamp: 10 }));
    assert.deepEqual((await readRecords(b)).map((r) => r.timestamp), [10n, 5n]);
    const none = new RecordBatch(await buildRecordBatch({ records: [{ value: 'a', timestamp: -1 }] }));
    assert.equal(none.baseTimestamp, -1n);
    assert.equal(none.maxTimestamp, -1n);
  });

  it('the builder API appends records incrementally', async () => {
    const builder = new RecordBatchBuilder({ compression: 'gzip', defaultTimestamp: T0 });
    for (let i = 0; i < 100; i++) builder.append({ key: `k${i}`, value: `v${i}` });
    assert.equal(builder.numRecords, 100);
    const records = await readRecords(new RecordBatch(await builder.build()));
    assert.equal(records[99]!.key!.toString(), 'k99');
  });

  it('RecordBatch.setLogAppendTime keeps the CRC valid; baseOffset/epoch rewrites need no CRC', async () => {
    const buf = await buildRecordBatch({ records: [{ value: 'a', timestamp: T0 }] });
    const batch = new RecordBatch(buf);
    batch.baseOffset = 500n;
    batch.partitionLeaderEpoch = 7;
    assert.ok(batch.isValid());
    batch.setLogAppendTime(123n);
    assert.ok(batch.isValid());
    assert.equal((await readRecords(batch))[0]!.timestamp, 123n);
  });
});

describe('RecordIterator', () => {
  it('is lazy: records before a broken one decode, the broken one throws INVALID_RECORD', async () => {
    const buf = await buildRecordBatch({ records: [{ value: 'first' }, { value: 'second' }, { value: 'third' }] });
    const batch = new RecordBatch(buf);
    // Corrupt the third record's header count (last byte of the batch) to -1, then fix the CRC.
    buf[buf.length - 1] = 0x01;
    fixCrc(buf);
    const it = new RecordIterator(batch);
    assert.equal(it.next().value!.value!.toString(), 'first');
    assert.equal(it.next().value!.value!.toString(), 'second');
    assert.throws(() => it.next(), (e: unknown) => e instanceof RecordsError && e.errorCode === 87);
  });

  it('detects a record count that disagrees with the bytes', async () => {
    const buf = await buildRecordBatch({ records: [{ value: 'a' }, { value: 'b' }] });
    buf.writeInt32BE(1, BatchLayout.RECORD_COUNT);
    assert.throws(() => Array.from(new RecordIterator(new RecordBatch(buf))), /bytes remain/);
    buf.writeInt32BE(3, BatchLayout.RECORD_COUNT);
    assert.throws(() => Array.from(new RecordIterator(new RecordBatch(buf))), /premature end/);
    buf.writeInt32BE(-1, BatchLayout.RECORD_COUNT);
    assert.throws(() => new RecordIterator(new RecordBatch(buf)), RecordsError);
  });

  it('a view shorter than a batch header is CORRUPT_MESSAGE, not a RangeError', async () => {
    const tiny = new RecordBatch(Buffer.alloc(30));
    assert.throws(() => new RecordIterator(tiny), (e: unknown) => e instanceof RecordsError && e.errorCode === 2);
    await assert.rejects(readRecords(tiny), (e: unknown) => e instanceof RecordsError && e.errorCode === 2);
  });

  it('needs the decompressed bytes for a compressed batch', async () => {
    const batch = new RecordBatch(await buildRecordBatch({ compression: 'zstd', records: [{ value: 'a' }] }));
    assert.throws(() => new RecordIterator(batch), TypeError);
    const it = new RecordIterator(batch, await decompressRecords(batch));
    assert.equal(it.next().value!.value!.toString(), 'a');
    assert.equal(it.next().done, true);
  });

  it('decodes a batch sitting at a non-zero position of a larger buffer', async () => {
    const one = await buildRecordBatch({ records: [{ value: 'one' }] });
    const two = await buildRecordBatch({ records: [{ value: 'two' }], baseOffset: 1n });
    const both = Buffer.concat([one, two]);
    const second = new RecordBatch(both, one.length);
    assert.ok(second.isValid());
    const [rec] = await readRecords(second);
    assert.equal(rec!.value!.toString(), 'two');
    assert.equal(rec!.offset, 1n);
  });
});
