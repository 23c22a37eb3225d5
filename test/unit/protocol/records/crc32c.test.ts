import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { buildRecordBatchSync } from '../../../../src/protocol/records/record-batch-builder.ts';
import { RecordBatch } from '../../../../src/protocol/records/record-batch.ts';
import { ASYNC_CRC_MIN_BYTES, CRC32C_IMPLEMENTATION, CRC32C_IMPLEMENTATIONS, crc32c, crc32cAsync } from '../../../../src/protocol/records/crc32c.ts';
import { validateBatchFully } from '../../../../src/protocol/records/validate-batch.ts';

/** Bit-at-a-time CRC-32C from its definition (reflected polynomial 0x82F63B78): the reference for every path. */
function definitionCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

test('crc32c uses the first available implementation, the native addon before @node-rs/crc32', () => {
  assert.equal(CRC32C_IMPLEMENTATIONS[0]!.name, CRC32C_IMPLEMENTATION);
  assert.equal(CRC32C_IMPLEMENTATIONS.at(-1)!.name, 'portable');
  assert.equal(CRC32C_IMPLEMENTATION === 'portable', CRC32C_IMPLEMENTATIONS.length === 1);
});

// npm install builds the addon where a C toolchain exists (its install script falls back otherwise).
const ADDON_BUILT = existsSync(new URL('../../../../native/build/Release/crc32c.node', import.meta.url));

test('with the addon built, it is the one used, and on an SSE4.2 CPU its table path is listed as well', { skip: ADDON_BUILT ? false : 'native addon not built' }, () => {
  assert.notEqual(CRC32C_IMPLEMENTATION, 'portable', 'native/build/Release/crc32c.node exists but did not load');
  const names = CRC32C_IMPLEMENTATIONS.map((i) => i.name);
  assert.equal(new Set(names).size, names.length);
  // On a CPU with SSE4.2 the addon's table path is listed too, so every path of native/crc32c.c is checked below.
  if (CRC32C_IMPLEMENTATION === 'hardware') assert.deepEqual(names, ['hardware', 'table', 'portable']);
});

test('every CRC-32C implementation gives the standard check value and agrees with the definition on every length and alignment', () => {
  const data = Buffer.alloc(70_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 131 + (i >> 7)) & 0xff;
  for (const impl of CRC32C_IMPLEMENTATIONS) {
    assert.equal(impl.crc32c(Buffer.from('123456789')), 0xe3069283, impl.name);
    assert.equal(impl.crc32c(Buffer.alloc(0)), 0, impl.name);
    for (let start = 0; start < 9; start++) {
      for (const len of [1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4096, 69_000]) {
        const view = data.subarray(start, start + len);
        assert.equal(impl.crc32c(view), definitionCrc32c(view), `${impl.name}: start ${start}, length ${len}`);
      }
    }
  }
  assert.equal(crc32c(data), definitionCrc32c(data));
});

test('crc32cAsync of a large buffer (threadpool) equals the synchronous checksum; small ones too', async () => {
  const big = Buffer.alloc(ASYNC_CRC_MIN_BYTES * 8 + 5);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
  const results = await Promise.all([crc32cAsync(big), crc32cAsync(big.subarray(3)), crc32cAsync(big.subarray(0, 100))]);
  assert.deepEqual(results, [crc32c(big), crc32c(big.subarray(3)), crc32c(big.subarray(0, 100))]);
  for (const impl of CRC32C_IMPLEMENTATIONS) assert.equal(results[0], impl.crc32c(big), impl.name);
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

test('no module but crc32c.ts computes a CRC-32C of its own: src/, test/ and bench/ import the implementations only through it', async () => {
  const root = new URL('../../../../', import.meta.url);
  const owner = 'src/protocol/records/crc32c.ts';
  const offenders: string[] = [];
  for (const dir of ['src', 'test', 'bench']) {
    for (const entry of await readdir(new URL(dir, root), { recursive: true })) {
      const path = `${dir}/${entry}`;
      if (!path.endsWith('.ts') || path === owner || path === 'test/unit/protocol/records/crc32c.test.ts') continue;
      const text = await readFile(new URL(path, root), 'utf8');
      if (/from '@node-rs\/crc32'|crc32c\.node|0x82f63b78/i.test(text)) offenders.push(path);
    }
  }
  assert.deepEqual(offenders, []);
});
