// Golden bytes from librdkafka 2.0.2 (kcat 1.7.1): the `records` field of Produce requests it sent to a fake
// broker (test/fixtures/records/capture-kcat.ts regenerates them). Input lines were k1:v1, k2:value two,
// k3:<300 x>; magic 2 runs added headers -H h1=hv1 -H h2=.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { convertLegacyToV2 } from '../../../../src/protocol/records/legacy-conversion.ts';
import { readLegacyEntries, readLegacyMessageSet } from '../../../../src/protocol/records/legacy-message-set.ts';
import { scanLz4Frame } from '../../../../src/protocol/records/lz4-frame.ts';
import { CompressionType, RecordBatch } from '../../../../src/protocol/records/record-batch.ts';
import { readRecords } from '../../../../src/protocol/records/record-iterator.ts';
import { singleProduceBatch, validateBatchFully } from '../../../../src/protocol/records/validate-batch.ts';

const FIXTURES = new URL('../../../fixtures/records/', import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES));
const EXPECTED = [
  ['k1', 'v1'],
  ['k2', 'value two'],
  ['k3', 'x'.repeat(300)],
];
// Capture time of the fixtures: timestamps must be librdkafka's wall clock then, not garbage.
const plausible = (ts: bigint): boolean => ts > 1_600_000_000_000n && ts < 1_900_000_000_000n;

describe('kcat (librdkafka) magic-2 batches', () => {
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    it(`${codec}: validates and decodes keys, values, headers, timestamps`, async () => {
      const single = singleProduceBatch(fixture(`kcat-v2-${codec}.bin`));
      assert.ok(single.batch !== undefined);
      const batch = single.batch;
      assert.equal(batch.compression, CompressionType[codec]);
      const validation = await validateBatchFully(batch, { produceVersion: 7 });
      assert.equal(validation.errorCode, 0, validation.message ?? '');
      const records = await readRecords(batch);
      assert.deepEqual(records.map((r) => [r.key!.toString(), r.value!.toString()]), EXPECTED);
      assert.deepEqual(records.map((r) => r.offset), [0n, 1n, 2n]);
      for (const r of records) {
        assert.ok(plausible(r.timestamp));
        assert.deepEqual(r.headers, [{ key: 'h1', value: Buffer.from('hv1') }, { key: 'h2', value: Buffer.alloc(0) }]);
      }
      assert.equal(validation.maxTimestamp, records.reduce((m, r) => (r.timestamp > m ? r.timestamp : m), -1n));
    });
  }
});

describe('kcat (librdkafka) legacy message sets', () => {
  for (const magic of [0, 1] as const) {
    for (const codec of ['none', 'gzip', 'snappy', 'lz4'] as const) {
      it(`magic ${magic} ${codec}: decodes and up-converts to v2`, async () => {
        const buf = fixture(`kcat-v${magic}-${codec}.bin`);
        const set = await readLegacyMessageSet(buf);
        assert.equal(set.magic, magic);
        assert.equal(set.compression, CompressionType[codec]);
        assert.deepEqual(set.records.map((r) => [r.key!.toString(), r.value!.toString()]), EXPECTED);
        assert.deepEqual(set.records.map((r) => r.offset), [0n, 1n, 2n]);
        for (const r of set.records) {
          if (magic === 0) assert.equal(r.timestamp, -1n);
          else assert.ok(plausible(r.timestamp));
        }
        const v2 = new RecordBatch(await convertLegacyToV2(buf));
        assert.equal((await validateBatchFully(v2)).errorCode, 0);
        const records = await readRecords(v2);
        assert.deepEqual(records.map((r) => [r.key!.toString(), r.value!.toString()]), EXPECTED);
        assert.deepEqual(records.map((r) => r.timestamp), set.records.map((r) => r.timestamp));
      });
    }
  }

  it('librdkafka writes the KIP-57 broken LZ4 header checksum for magic 0 only, and wrapper offset 0 for v1', () => {
    const v0 = readLegacyEntries(fixture('kcat-v0-lz4.bin')).entries[0]!;
    const v1 = readLegacyEntries(fixture('kcat-v1-lz4.bin')).entries[0]!;
    assert.equal(scanLz4Frame(v0.value!, 1 << 20).headerChecksumOk, false);
    assert.equal(scanLz4Frame(v1.value!, 1 << 20).headerChecksumOk, true);
    assert.equal(v1.offset, 0n);
  });
});
