import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readInt64, writeInt64 } from '../../../src/storage/int64.ts';

test('int64 fields as numbers agree with BigInt encoding for offsets and timestamps', () => {
  const buf = Buffer.alloc(8);
  for (const v of [0, 1, -1, 4294967295, 4294967296, -4294967297, 1_700_000_000_000, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]) {
    writeInt64(buf, 0, v);
    assert.equal(buf.readBigInt64BE(0), BigInt(v));
    assert.equal(readInt64(buf, 0), v);
  }
});
