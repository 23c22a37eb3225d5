import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c as portable } from '@node-rs/crc32';
import { buildRecordBatchSync } from '../../../../src/protocol/records/record-batch-builder.ts';
import { RecordBatch } from '../../../../src/protocol/records/record-batch.ts';
import { ASYNC_CRC_MIN_BYTES, CRC32C_IMPLEMENTATION, crc32c, crc32cAsync } from '../../../../src/protocol/records/crc32c.ts';
import { validateBatchFully } from '../../../../src/protocol/records/validate-batch.ts';

test('crc32c: the standard check value, and @node-rs/crc32 on every length and alignment', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(Buffer.alloc(0)), 0);
  const data = Buffer.alloc(70_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 131 + (i >> 7)) & 0xff;
  for (let start = 0; start < 9; start++) {
    for (const len of [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4096, 69_000]) {
      const view = data.subarray(start, start + len);
      assert.equal(crc32c(view), portable(view) >>> 0, `start ${start}, length ${len}`);
    }
  }
  assert.ok(['hardware', 'table', 'portable'].includes(CRC32C_IMPLEMENTATION));
});

test('crc32cAsync of a large buffer (threadpool) equals the synchronous checksum; small ones too', async () => {
  const big = Buffer.alloc(ASYNC_CRC_MIN_BYTES * 8 + 5);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
  const results = await Promise.all([crc32cAsync(big), crc32cAsync(big.subarray(3)), crc32cAsync(big.subarray(0, 100))]);
  assert.deepEqual(results, [crc32c(big), crc32c(big.subarray(3)), crc32c(big.subarray(0, 100))]);
  assert.equal(results[0], portable(big) >>> 0);
});

test('validateBatchFully checks the CRC of a large batch off the event loop: valid passes, one flipped bit is CORRUPT_MESSAGE', async () => {
  const value = Buffer.alloc(1024, 'v');
  const bytes = buildRecordBatchSync({ records: Array.from({ length: 600 }, (_, i) => ({ key: `k${i}`, value, timestamp: 1_700_000_000_000 })) });
  assert.ok(bytes.length >= ASYNC_CRC_MIN_BYTES);
  assert.equal((await validateBatchFully(new RecordBatch(bytes))).errorCode, 0);
  bytes[bytes.length - 10]! ^= 0x01;
  const result = await validateBatchFully(new RecordBatch(bytes));
  assert.equal(result.errorCode, 2);
  assert.match(result.message ?? '', /record is corrupt/);
});
