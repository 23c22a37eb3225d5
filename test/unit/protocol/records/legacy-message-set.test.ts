import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { compressSync } from '../../../../src/protocol/records/compression.ts';
import { readLegacyEntry } from '../../../../src/protocol/records/legacy-record.ts';
import { readLegacyEntries, readLegacyMessageSet } from '../../../../src/protocol/records/legacy-message-set.ts';
import { RecordsError } from '../../../../src/protocol/records/records-error.ts';
import { legacyEntry as entry } from './helpers.ts';

const T = 1_600_000_000_000n;
const reject = (code: number) => (e: unknown): boolean => e instanceof RecordsError && e.errorCode === code;

describe('legacy message sets: uncompressed', () => {
  it('magic 0: keys, values, NoTimestamp, offsets as written', async () => {
    const set = Buffer.concat([entry(-1n, 0, 0, 0n, 'k1', 'v1'), entry(-1n, 0, 0, 0n, null, 'v2'), entry(-1n, 0, 0, 0n, 'k3', null)]);
    const decoded = await readLegacyMessageSet(set);
    assert.equal(decoded.magic, 0);
    assert.equal(decoded.compression, 0);
    assert.deepEqual(
      decoded.records.map((r) => [r.offset, r.key?.toString() ?? null, r.value?.toString() ?? null, r.timestamp, r.timestampType]),
      [
        [-1n, 'k1', 'v1', -1n, 'NoTimestampType'],
        [-1n, null, 'v2', -1n, 'NoTimestampType'],
        [-1n, 'k3', null, -1n, 'NoTimestampType'],
      ],
    );
  });

  it('magic 1: timestamps and timestamp types', async () => {
    const set = Buffer.concat([entry(0n, 1, 0, T, 'a', 'x'), entry(1n, 1, 0x08, T + 5n, 'b', 'y')]);
    const decoded = await readLegacyMessageSet(set);
    assert.deepEqual(decoded.records.map((r) => [r.timestamp, r.timestampType]), [[T, 'CreateTime'], [T + 5n, 'LogAppendTime']]);
  });

  it('ignores a partial trailing entry (a fetch cut it), as Kafka does', async () => {
    const whole = entry(0n, 1, 0, T, 'a', 'x');
    const set = Buffer.concat([whole, entry(1n, 1, 0, T, 'b', 'y').subarray(0, 20)]);
    const decoded = await readLegacyMessageSet(set);
    assert.equal(decoded.records.length, 1);
    assert.equal(decoded.validBytes, whole.length);
  });

  it('CRC mismatch, bad magic, tiny size are CORRUPT_MESSAGE', async () => {
    const e = entry(0n, 1, 0, T, 'a', 'x');
    for (let i = 12; i < e.length; i++) {
      const copy = Buffer.from(e);
      copy[i]! ^= 0x10;
      assert.throws(() => readLegacyEntry(copy, 0), reject(2), `byte ${i}`);
    }
    const tiny = Buffer.from(e);
    tiny.writeInt32BE(10, 8);
    await assert.rejects(readLegacyMessageSet(tiny), reject(2));
    const magic5 = entry(0n, 1, 0, T, 'a', 'x');
    magic5[16] = 5;
    magic5.writeUInt32BE(zlib.crc32(magic5.subarray(16)), 12);
    await assert.rejects(readLegacyMessageSet(magic5), reject(2));
  });

  it('mixed magic and an empty set are INVALID_RECORD', async () => {
    await assert.rejects(readLegacyMessageSet(Buffer.concat([entry(0n, 0, 0, 0n, 'a', 'b'), entry(0n, 1, 0, T, 'a', 'b')])), reject(87));
    await assert.rejects(readLegacyMessageSet(Buffer.alloc(0)), reject(87));
  });
});

describe('legacy message sets: compressed wrappers', () => {
  function inner(magic: 0 | 1, offsets: bigint[]): Buffer {
    return Buffer.concat(offsets.map((o, i) => entry(o, magic, 0, T + BigInt(i), `k${i}`, `v${i}`)));
  }

  it('magic 1: relative inner offsets become absolute from the wrapper (last) offset', async () => {
    const value = compressSync('gzip', inner(1, [0n, 1n, 2n]));
    const set = entry(102n, 1, 1, T + 50n, null, value);
    const decoded = await readLegacyMessageSet(set);
    assert.equal(decoded.compression, 1);
    assert.deepEqual(decoded.records.map((r) => r.offset), [100n, 101n, 102n]);
    assert.deepEqual(decoded.records.map((r) => r.timestamp), [T, T + 1n, T + 2n], 'CreateTime: inner timestamps');
    assert.deepEqual(decoded.records.map((r) => r.key!.toString()), ['k0', 'k1', 'k2']);
  });

  it('magic 1: wrapper offset 0 (some librdkafka versions) keeps the inner offsets', async () => {
    const set = entry(0n, 1, 2, T, null, compressSync('snappy', inner(1, [0n, 1n])));
    assert.deepEqual((await readLegacyMessageSet(set)).records.map((r) => r.offset), [0n, 1n]);
  });

  it('magic 1 LogAppendTime wrapper: inner records take the wrapper timestamp', async () => {
    const set = entry(1n, 1, 0x08 | 3, T + 999n, null, compressSync('lz4', inner(1, [0n, 1n])));
    const decoded = await readLegacyMessageSet(set);
    assert.deepEqual(decoded.records.map((r) => [r.timestamp, r.timestampType]), [[T + 999n, 'LogAppendTime'], [T + 999n, 'LogAppendTime']]);
  });

  it('magic 0: inner offsets are absolute; LZ4 with the KIP-57 header checksum decodes', async () => {
    const set = entry(7n, 0, 3, 0n, null, compressSync('lz4', inner(0, [5n, 6n, 7n]), { magic: 0 }));
    const decoded = await readLegacyMessageSet(set);
    assert.deepEqual(decoded.records.map((r) => r.offset), [5n, 6n, 7n]);
    assert.deepEqual(decoded.records.map((r) => r.timestamp), [-1n, -1n, -1n]);
  });

  it('rejects what Kafka rejects in wrappers (INVALID_RECORD unless the bytes are corrupt)', async () => {
    const ok = inner(1, [0n, 1n]);
    const cases: [string, Buffer, number][] = [
      ['wrapper offset below last inner', entry(0n + 1n, 1, 1, T, null, compressSync('gzip', inner(1, [0n, 1n, 2n]))), 87],
      ['null wrapper value', entry(1n, 1, 1, T, null, null), 87],
      ['zstd wrapper', entry(1n, 1, 4, T, null, compressSync('zstd', ok)), 87],
      ['empty wrapper', entry(1n, 1, 1, T, null, compressSync('gzip', Buffer.alloc(0))), 87],
      ['inner magic differs', entry(1n, 1, 1, T, null, compressSync('gzip', inner(0, [0n, 1n]))), 87],
      ['nested compression', entry(0n, 1, 1, T, null, compressSync('gzip', entry(0n, 1, 1, T, null, 'x'))), 87],
      ['wrapper next to another entry', Buffer.concat([entry(1n, 1, 1, T, null, compressSync('gzip', ok)), entry(2n, 1, 0, T, 'a', 'b')]), 87],
      ['undecodable value', entry(1n, 1, 1, T, null, Buffer.from('not gzip')), 2],
      ['corrupt inner CRC', entry(1n, 1, 1, T, null, compressSync('gzip', (() => { const b = Buffer.from(ok); b[20]! ^= 1; return b; })())), 2],
    ];
    for (const [name, set, code] of cases) {
      await assert.rejects(readLegacyMessageSet(set), reject(code), name);
    }
  });

  it('readLegacyEntries returns wrappers unopened', () => {
    const set = entry(1n, 1, 1, T, null, compressSync('gzip', inner(1, [0n, 1n])));
    const { entries } = readLegacyEntries(set);
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.compression, 1);
    assert.equal(entries[0]!.key, null);
  });
});
