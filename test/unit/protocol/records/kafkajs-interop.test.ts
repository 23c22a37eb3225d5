// Batches and message sets written by kafkajs' own encoders (its producer code paths), decoded by ours.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convertLegacyToV2 } from '../../../../src/protocol/records/legacy-conversion.ts';
import { readLegacyMessageSet } from '../../../../src/protocol/records/legacy-message-set.ts';
import { RecordBatch } from '../../../../src/protocol/records/record-batch.ts';
import { readRecords } from '../../../../src/protocol/records/record-iterator.ts';
import { singleProduceBatch, validateBatchFully } from '../../../../src/protocol/records/validate-batch.ts';
import { KafkajsCompression, kafkajsBatch, kafkajsMessageSetV1 } from './helpers.ts';
import type { KafkajsMessage } from './helpers.ts';

const T0 = 1_700_000_000_000;
const MESSAGES: (KafkajsMessage & { timestamp: number })[] = [
  { key: 'user-1', value: 'login', timestamp: T0, headers: { source: 'web', trace: 'a1' } },
  { key: null, value: 'no key', timestamp: T0 + 20 },
  { key: 'user-2', value: 'x'.repeat(5000), timestamp: T0 + 3, headers: { empty: '' } },
  { key: 'user-3', value: null, timestamp: T0 + 11 },
];

const CODECS = [
  ['none', KafkajsCompression.None],
  ['gzip', KafkajsCompression.GZIP],
  ['snappy (raw block, as kafkajs-snappy)', KafkajsCompression.Snappy],
  ['lz4 (frame)', KafkajsCompression.LZ4],
  ['zstd (zstd-napi frame)', KafkajsCompression.ZSTD],
] as const;

describe('kafkajs v2 batches', () => {
  for (const [name, codec] of CODECS) {
    it(`${name}: validates and decodes to the original records`, async () => {
      const buf = await kafkajsBatch(MESSAGES, codec, { producerId: 77, producerEpoch: 3, firstSequence: 40 });
      const single = singleProduceBatch(buf);
      assert.ok(single.batch !== undefined);
      const batch = single.batch;
      const validation = await validateBatchFully(batch, { produceVersion: 7 });
      assert.equal(validation.errorCode, 0, validation.message ?? '');
      assert.equal(validation.maxTimestamp, BigInt(T0 + 20));
      assert.equal(validation.offsetsInOrder, true);
      assert.equal(batch.producerId, 77n);
      assert.equal(batch.producerEpoch, 3);
      assert.equal(batch.baseSequence, 40);
      const records = await readRecords(batch);
      assert.deepEqual(
        records.map((r) => ({
          offset: r.offset,
          sequence: r.sequence,
          key: r.key?.toString() ?? null,
          value: r.value?.toString() ?? null,
          timestamp: r.timestamp,
          headers: r.headers.map((h) => [h.key, h.value?.toString()]),
        })),
        [
          { offset: 0n, sequence: 40, key: 'user-1', value: 'login', timestamp: BigInt(T0), headers: [['source', 'web'], ['trace', 'a1']] },
          { offset: 1n, sequence: 41, key: null, value: 'no key', timestamp: BigInt(T0 + 20), headers: [] },
          { offset: 2n, sequence: 42, key: 'user-2', value: 'x'.repeat(5000), timestamp: BigInt(T0 + 3), headers: [['empty', '']] },
          { offset: 3n, sequence: 43, key: 'user-3', value: null, timestamp: BigInt(T0 + 11), headers: [] },
        ],
      );
    });
  }

  it('a transactional kafkajs batch keeps its transactional bit', async () => {
    const batch = new RecordBatch(await kafkajsBatch(MESSAGES.slice(0, 1), KafkajsCompression.None, { producerId: 5, transactional: true }));
    assert.equal(batch.isTransactional, true);
    assert.equal((await validateBatchFully(batch)).errorCode, 0);
  });

  it('zstd from kafkajs is refused below Produce v7', async () => {
    const batch = new RecordBatch(await kafkajsBatch(MESSAGES, KafkajsCompression.ZSTD));
    assert.equal((await validateBatchFully(batch, { produceVersion: 6 })).errorCode, 76);
  });
});

describe('kafkajs magic-1 message sets (Produce v2)', () => {
  for (const [name, codec] of CODECS.slice(0, 4)) {
    it(`${name}: decodes and converts to an equivalent v2 batch`, async () => {
      const plain = MESSAGES.map(({ key, value, timestamp }) => ({ key: key as string | null, value: value as string | null, timestamp }));
      const set = await kafkajsMessageSetV1(plain, codec);
      const legacy = await readLegacyMessageSet(set);
      assert.equal(legacy.magic, 1);
      assert.equal(legacy.compression, codec);
      assert.deepEqual(
        legacy.records.map((r) => [r.key?.toString() ?? null, r.value?.toString() ?? null, r.timestamp]),
        plain.map((m) => [m.key, m.value, BigInt(m.timestamp)]),
      );
      const v2 = new RecordBatch(await convertLegacyToV2(set));
      assert.equal((await validateBatchFully(v2)).errorCode, 0);
      assert.equal(v2.compression, codec);
      const records = await readRecords(v2);
      assert.deepEqual(
        records.map((r) => [r.offset, r.key?.toString() ?? null, r.value?.toString() ?? null, r.timestamp]),
        plain.map((m, i) => [BigInt(i), m.key, m.value, BigInt(m.timestamp)]),
      );
    });
  }
});
