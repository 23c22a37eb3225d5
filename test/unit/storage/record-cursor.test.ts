import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CorruptRecordError } from '../../../src/storage/errors.ts';
import { RecordCursor, decompressRecords, varintSize, varlongSize, writeVarint, writeVarlong } from '../../../src/storage/record-cursor.ts';
import { buildBatch, encodeRecords } from './batches.ts';

test('walks records: keys, values, null key and tombstone, timestamp and offset deltas', () => {
  const body = encodeRecords(
    [
      { key: 'a', value: 'x', timestamp: 1000 },
      { key: null, value: 'y', timestamp: 900 },
      { key: 'c', value: null, timestamp: 5_000_000_000_000 },
    ],
    1000,
  );
  const c = new RecordCursor().reset(body, 0, body.length, 3);
  assert.ok(c.next());
  assert.deepEqual([c.keyString(), c.valueLength, c.timestampDelta, c.offsetDelta], ['a', 1, 0, 0]);
  assert.ok(c.next());
  assert.deepEqual([c.keyLength, c.timestampDelta, c.offsetDelta], [-1, -100, 1]);
  assert.ok(c.next());
  assert.deepEqual([c.keyString(), c.valueLength, c.timestampDelta], ['c', -1, 5_000_000_000_000 - 1000]);
  assert.equal(c.next(), false);
  assert.equal(c.recordEnd, body.length);
});

test('truncated or overlong records throw CorruptRecordError', () => {
  const body = encodeRecords([{ key: 'abc', value: 'defg' }], 0);
  assert.throws(() => new RecordCursor().reset(body, 0, body.length - 2, 1).next(), CorruptRecordError);
  const lying = Buffer.from(body);
  lying[0] = 2; // length varint (zig-zag 1) shorter than the fields
  assert.throws(() => new RecordCursor().reset(lying, 0, lying.length, 1).next(), CorruptRecordError);
});

test('zig-zag varint/varlong writers match the sizes and the reader', () => {
  for (const v of [0, 1, -1, 63, -64, 64, 300, -300, 2 ** 31 - 1, -(2 ** 31)]) {
    const buf = Buffer.alloc(10);
    assert.equal(writeVarint(buf, 0, v), varintSize(v));
  }
  for (const v of [0, -1, 2 ** 40, -(2 ** 40), 1_700_000_000_000, -1_700_000_000_000]) {
    const buf = Buffer.alloc(12);
    assert.equal(writeVarlong(buf, 0, v), varlongSize(v));
  }
});

test('decompressRecords loads the codecs lazily and inflates a compressed batch', async () => {
  const plain = encodeRecords([{ key: 'k', value: 'v', timestamp: 0 }], 0);
  const batch = buildBatch([{ key: 'k', value: 'v', timestamp: 0 }], { compression: 4 });
  assert.ok((await decompressRecords(4, batch.subarray(61))).equals(plain));
});
