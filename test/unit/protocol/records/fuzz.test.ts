// Seeded fuzzing of every decoder in protocol/records: random, truncated and mutated bytes must give typed errors
// (RecordsError / its CompressionError subclass) or Kafka error codes, never another exception, never a hang.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { iterateBatches } from '../../../../src/protocol/records/batch-iterator.ts';
import { compressSync } from '../../../../src/protocol/records/compression.ts';
import { encodeControlBatch, readEndTransactionMarker } from '../../../../src/protocol/records/control-record.ts';
import { convertLegacyToV2, convertV2ToLegacy } from '../../../../src/protocol/records/legacy-conversion.ts';
import { readLegacyMessageSet } from '../../../../src/protocol/records/legacy-message-set.ts';
import { buildRecordBatchSync } from '../../../../src/protocol/records/record-batch-builder.ts';
import { BatchLayout, RecordBatch } from '../../../../src/protocol/records/record-batch.ts';
import { readRecords } from '../../../../src/protocol/records/record-iterator.ts';
import { RecordsError } from '../../../../src/protocol/records/records-error.ts';
import { singleProduceBatch, validateBatch, validateBatchFully } from '../../../../src/protocol/records/validate-batch.ts';
import { fixCrc, legacyEntry, prng, randomBytes } from './helpers.ts';

const CODES = new Set([0, 2, 10, 32, 43, 76, 87]);
const LIMITS = { maxBytes: 1 << 20 };
/** Codes the full validation returned, to show the fuzzing reaches the deep checks (not just the framing). */
const seen = new Map<number, number>();

async function typedOnly(what: string, fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!(err instanceof RecordsError)) assert.fail(`${what}: untyped ${String((err as Error)?.stack ?? err)}`);
    assert.ok(CODES.has(err.errorCode), `${what}: code ${err.errorCode}`);
  }
}

/** Every v2-side decoder over one buffer; checks the validator and the decoder agree. */
async function exerciseV2(buf: Buffer, what: string): Promise<void> {
  const single = singleProduceBatch(buf);
  if (single.errorCode !== undefined) assert.ok(CODES.has(single.errorCode));
  const it = iterateBatches(buf, { maxBatchBytes: 1 << 20 });
  for (const batch of it) {
    const quick = validateBatch(batch, { origin: 'replication' });
    assert.ok(CODES.has(quick.errorCode), `${what}: ${quick.errorCode}`);
    const full = await validateBatchFully(batch, { origin: 'replication', maxDecompressedBytes: LIMITS.maxBytes, nowMs: 0, timestampBeforeMaxMs: 1e15, timestampAfterMaxMs: 1e15 });
    assert.ok(CODES.has(full.errorCode), `${what}: ${full.errorCode}`);
    seen.set(full.errorCode, (seen.get(full.errorCode) ?? 0) + 1);
    if (full.errorCode === 0 && full.recordsChecked) {
      const records = await readRecords(batch, LIMITS);
      assert.equal(records.length, batch.recordCount, `${what}: validator and decoder disagree`);
    } else {
      await typedOnly(`${what} readRecords`, () => readRecords(batch, LIMITS));
    }
    await typedOnly(`${what} marker`, () => readEndTransactionMarker(batch));
  }
  assert.ok(it.validBytes <= buf.length);
  await typedOnly(`${what} down-convert`, () => convertV2ToLegacy(buf, 1, LIMITS));
}

async function exerciseLegacy(buf: Buffer, what: string): Promise<void> {
  await typedOnly(`${what} legacy read`, () => readLegacyMessageSet(buf, LIMITS));
  await typedOnly(`${what} legacy convert`, () => convertLegacyToV2(buf, LIMITS));
}

function seeds(): Buffer[] {
  const records = [
    { key: 'key', value: 'value', headers: [{ key: 'h', value: 'v' }], timestamp: 1000 },
    { key: null, value: 'x'.repeat(40), timestamp: 1003 },
    { key: 'k', value: null, timestamp: 999 },
  ];
  const out = (['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const).map((compression) =>
    buildRecordBatchSync({ compression, records, producerId: 5n, producerEpoch: 1, baseSequence: 0 }),
  );
  out.push(encodeControlBatch({ producerId: 5n, producerEpoch: 1, type: 'ABORT', coordinatorEpoch: 2, timestamp: 5 }));
  return out;
}

function legacySeeds(): Buffer[] {
  const inner = Buffer.concat([legacyEntry(0n, 1, 0, 5n, 'a', 'b'), legacyEntry(1n, 1, 0, 6n, null, 'c')]);
  return [
    Buffer.concat([legacyEntry(0n, 0, 0, 0n, 'k', 'v'), legacyEntry(1n, 0, 0, 0n, null, 'w')]),
    legacyEntry(1n, 1, 1, 6n, null, compressSync('gzip', inner)),
    legacyEntry(1n, 1, 2, 6n, null, compressSync('snappy', inner)),
    legacyEntry(1n, 1, 3, 6n, null, compressSync('lz4', inner)),
  ];
}

function mutate(rand: () => number, src: Buffer): Buffer {
  const b = Buffer.from(src);
  const flips = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < flips; i++) {
    const at = Math.floor(rand() * b.length);
    b[at] = rand() < 0.5 ? b[at]! ^ (1 << Math.floor(rand() * 8)) : Math.floor(rand() * 256);
  }
  return b;
}

describe('fuzz', { timeout: 60_000 }, () => {
  it('random buffers', async () => {
    const rand = prng(1);
    for (let i = 0; i < 1500; i++) {
      const buf = randomBytes(rand, Math.floor(rand() * 120));
      if (buf.length >= 17 && rand() < 0.7) {
        // Make the framing plausible so the deeper checks run: a sane length and magic 2.
        buf.writeInt32BE(buf.length - 12, BatchLayout.BATCH_LENGTH);
        buf[BatchLayout.MAGIC] = 2;
        if (buf.length >= BatchLayout.HEADER_SIZE && rand() < 0.5) fixCrc(buf);
      }
      await exerciseV2(buf, `random #${i}`);
      await exerciseLegacy(buf, `random #${i}`);
    }
  });

  it('every truncation of valid batches and message sets', async () => {
    for (const [n, seed] of seeds().entries()) {
      for (let len = 0; len <= seed.length; len++) await exerciseV2(seed.subarray(0, len), `seed ${n} cut ${len}`);
    }
    for (const [n, seed] of legacySeeds().entries()) {
      for (let len = 0; len <= seed.length; len++) await exerciseLegacy(seed.subarray(0, len), `legacy ${n} cut ${len}`);
    }
  });

  it('mutated batches, with and without a recomputed CRC (to reach the record parser)', async () => {
    seen.clear();
    const rand = prng(2);
    const all = seeds();
    for (let i = 0; i < 3000; i++) {
      const seed = all[i % all.length]!;
      const m = mutate(rand, seed);
      if (rand() < 0.8 && m.length >= BatchLayout.HEADER_SIZE) {
        const declared = m.readInt32BE(BatchLayout.BATCH_LENGTH) + 12;
        if (declared >= BatchLayout.HEADER_SIZE && declared <= m.length) fixCrc(m);
      }
      await exerciseV2(m, `mutant #${i}`);
      const flip = new RecordBatch(m);
      if (m.length >= BatchLayout.HEADER_SIZE && m.readInt32BE(BatchLayout.BATCH_LENGTH) + 12 === m.length && !flip.isValid()) {
        assert.equal(validateBatch(flip, { origin: 'replication' }).errorCode !== 0, true, 'a bad CRC never validates');
      }
    }
    for (const code of [0, 2, 87]) assert.ok((seen.get(code) ?? 0) > 10, `code ${code} seen ${seen.get(code) ?? 0} times`);
  });

  it('mutated legacy message sets', async () => {
    const rand = prng(3);
    const all = legacySeeds();
    for (let i = 0; i < 1500; i++) await exerciseLegacy(mutate(rand, all[i % all.length]!), `legacy mutant #${i}`);
  });
});
