import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { compressSync } from '../../../../src/protocol/records/compression.ts';
import { encodeControlBatch } from '../../../../src/protocol/records/control-record.ts';
import { convertLegacyToV2, convertV2ToLegacy } from '../../../../src/protocol/records/legacy-conversion.ts';
import { readLegacyEntries, readLegacyMessageSet } from '../../../../src/protocol/records/legacy-message-set.ts';
import { scanLz4Frame } from '../../../../src/protocol/records/lz4-frame.ts';
import { buildRecordBatch } from '../../../../src/protocol/records/record-batch-builder.ts';
import { RecordBatch } from '../../../../src/protocol/records/record-batch.ts';
import { readRecords } from '../../../../src/protocol/records/record-iterator.ts';
import { RecordsError } from '../../../../src/protocol/records/records-error.ts';
import { validateBatchFully } from '../../../../src/protocol/records/validate-batch.ts';
import { kafkajsDecodeMessageSet, legacyEntry } from './helpers.ts';

const T = 1_650_000_000_000n;

describe('convertLegacyToV2', () => {
  it('magic 0 uncompressed → one v2 batch with NoTimestamp records, offsets 0..n-1', async () => {
    const set = Buffer.concat([legacyEntry(-1n, 0, 0, 0n, 'a', '1'), legacyEntry(-1n, 0, 0, 0n, null, '2')]);
    const batch = new RecordBatch(await convertLegacyToV2(set));
    assert.equal((await validateBatchFully(batch)).errorCode, 0);
    assert.equal(batch.compression, 0);
    assert.equal(batch.baseTimestamp, -1n);
    assert.equal(batch.maxTimestamp, -1n);
    assert.equal(batch.producerId, -1n);
    assert.deepEqual(
      (await readRecords(batch)).map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value!.toString(), r.headers.length]),
      [
        [0n, -1n, 'a', '1', 0],
        [1n, -1n, null, '2', 0],
      ],
    );
  });

  it('magic 1 compressed wrapper → v2 batch with the same codec (compression.type=producer), timestamps kept', async () => {
    const inner = Buffer.concat([legacyEntry(0n, 1, 0, T, 'k0', 'v0'), legacyEntry(1n, 1, 0, T + 9n, 'k1', 'v1')]);
    const set = legacyEntry(41n, 1, 2, T + 9n, null, compressSync('snappy', inner));
    const batch = new RecordBatch(await convertLegacyToV2(set, { baseOffset: 0n, partitionLeaderEpoch: 3 }));
    assert.equal(batch.compression, 2);
    assert.equal(batch.partitionLeaderEpoch, 3);
    assert.equal(batch.baseTimestamp, T);
    assert.equal(batch.maxTimestamp, T + 9n);
    const records = await readRecords(batch);
    assert.deepEqual(records.map((r) => [r.offset, r.timestamp, r.value!.toString()]), [[0n, T, 'v0'], [1n, T + 9n, 'v1']]);
    const recompressed = new RecordBatch(await convertLegacyToV2(set, { compression: 'zstd' }));
    assert.equal(recompressed.compression, 4);
    assert.equal((await readRecords(recompressed)).length, 2);
  });

  it('invalid message sets are rejected with their Kafka error codes', async () => {
    const bad = legacyEntry(0n, 1, 0, T, 'a', 'b');
    bad[bad.length - 1]! ^= 1;
    await assert.rejects(convertLegacyToV2(bad), (e: unknown) => e instanceof RecordsError && e.errorCode === 2);
    await assert.rejects(convertLegacyToV2(Buffer.alloc(0)), (e: unknown) => e instanceof RecordsError && e.errorCode === 87);
  });
});

async function logSegment(): Promise<Buffer> {
  return Buffer.concat([
    await buildRecordBatch({ baseOffset: 10n, records: [{ key: 'a', value: '1', timestamp: T, headers: [{ key: 'h', value: 'dropped' }] }, { key: null, value: '2', timestamp: T + 1n }] }),
    encodeControlBatch({ producerId: 1n, producerEpoch: 0, type: 'COMMIT', coordinatorEpoch: 0, baseOffset: 12n }),
    await buildRecordBatch({ baseOffset: 13n, compression: 'gzip', records: [{ key: 'c', value: '3', timestamp: T + 7n }, { key: 'd', value: '4', timestamp: T + 3n }] }),
  ]);
}

describe('convertV2ToLegacy (Fetch v0-3 down-conversion)', () => {
  for (const magic of [0, 1] as const) {
    it(`magic ${magic}: skips control batches, drops headers, keeps absolute offsets`, async () => {
      const out = await convertV2ToLegacy(await logSegment(), magic);
      const { entries } = readLegacyEntries(out);
      assert.deepEqual(entries.map((e) => [e.offset, e.compression]), [[10n, 0], [11n, 0], [14n, 1]], 'two plain messages, one gzip wrapper at the last offset');
      const wrapper = entries[2]!;
      if (magic === 1) assert.equal(wrapper.timestamp, T + 7n, 'wrapper timestamp = max record timestamp');
      const innerOffsets = readLegacyEntries(zlib.gunzipSync(wrapper.value!)).entries.map((e) => e.offset);
      assert.deepEqual(innerOffsets, magic === 1 ? [0n, 1n] : [13n, 14n], 'v1 relative, v0 absolute inner offsets');
      const flat = await readLegacyMessageSet(out.subarray(entries[0]!.sizeInBytes + entries[1]!.sizeInBytes));
      assert.deepEqual(flat.records.map((r) => [r.offset, r.key!.toString(), r.value!.toString(), r.timestamp]), [
        [13n, 'c', '3', magic === 1 ? T + 7n : -1n],
        [14n, 'd', '4', magic === 1 ? T + 3n : -1n],
      ]);
      // kafkajs' Fetch v0-3 consumer decoder reads the whole converted set.
      const viaKafkajs = await kafkajsDecodeMessageSet(out);
      assert.deepEqual(viaKafkajs.map((m) => [m.offset, m.value!.toString()]), [['10', '1'], ['11', '2'], ['13', '3'], ['14', '4']]);
    });
  }

  it('drops records below the fetch offset from uncompressed batches only', async () => {
    const out = await convertV2ToLegacy(await logSegment(), 1, { firstOffset: 11n });
    assert.deepEqual(readLegacyEntries(out).entries.map((e) => e.offset), [11n, 14n]);
  });

  it('LogAppendTime batches: messages carry the append time and the timestamp-type bit', async () => {
    const lat = await buildRecordBatch({ records: [{ value: 'a', timestamp: T }], timestampType: 'LogAppendTime', logAppendTimeMs: T + 100n });
    const [e] = readLegacyEntries(await convertV2ToLegacy(lat, 1)).entries;
    assert.equal(e!.timestamp, T + 100n);
    assert.equal(e!.timestampType, 'LogAppendTime');
    const compressed = await buildRecordBatch({ compression: 'lz4', records: [{ value: 'a', timestamp: T }], timestampType: 'LogAppendTime', logAppendTimeMs: T + 100n });
    const set = await readLegacyMessageSet(await convertV2ToLegacy(compressed, 1));
    assert.deepEqual(set.records.map((r) => [r.timestamp, r.timestampType]), [[T + 100n, 'LogAppendTime']]);
  });

  it('LZ4 for magic 0 is written with the KIP-57 header checksum; for magic 1 with the correct one', async () => {
    const lz = await buildRecordBatch({ compression: 'lz4', records: [{ value: 'x'.repeat(50) }] });
    const v0 = readLegacyEntries(await convertV2ToLegacy(lz, 0)).entries[0]!;
    const v1 = readLegacyEntries(await convertV2ToLegacy(lz, 1)).entries[0]!;
    assert.equal(scanLz4Frame(v0.value!, 1 << 20).headerChecksumOk, false);
    assert.equal(scanLz4Frame(v1.value!, 1 << 20).headerChecksumOk, true);
    assert.equal((await readLegacyMessageSet(await convertV2ToLegacy(lz, 0))).records[0]!.value!.length, 50);
  });

  it('zstd cannot be down-converted: UNSUPPORTED_COMPRESSION_TYPE', async () => {
    const z = await buildRecordBatch({ compression: 'zstd', records: [{ value: 'x' }] });
    await assert.rejects(convertV2ToLegacy(z, 1), (e: unknown) => e instanceof RecordsError && e.errorCode === 76);
  });

  it('round trip: v2 → magic 1 → v2 keeps keys, values, timestamps', async () => {
    for (const compression of ['none', 'gzip', 'snappy', 'lz4'] as const) {
      const original = await buildRecordBatch({ compression, records: [{ key: 'k', value: 'v', timestamp: T }, { key: null, value: null, timestamp: T + 2n }] });
      const back = new RecordBatch(await convertLegacyToV2(await convertV2ToLegacy(original, 1)));
      assert.deepEqual(
        (await readRecords(back)).map((r) => [r.key?.toString() ?? null, r.value?.toString() ?? null, r.timestamp]),
        [['k', 'v', T], [null, null, T + 2n]],
        compression,
      );
    }
  });
});
