import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32c } from '../../../src/protocol/records/crc32c.ts';
import { ProducerSnapshotFile } from '../../../src/storage/producer-snapshot-file.ts';
import { ProducerStateEntry } from '../../../src/storage/producer-state-entry.ts';
import { CorruptSnapshotError } from '../../../src/storage/errors.ts';

/** The bytes Kafka's ProducerStateManager.writeSnapshot produces for these entries, built field by field. */
function kafkaSnapshot(entries: { pid: bigint; epoch: number; seq: number; offset: bigint; delta: number; ts: bigint; coord: number; txn: bigint }[]): Buffer {
  const body = Buffer.alloc(4 + entries.length * 46);
  body.writeInt32BE(entries.length, 0);
  let at = 4;
  for (const e of entries) {
    body.writeBigInt64BE(e.pid, at);
    body.writeInt16BE(e.epoch, at + 8);
    body.writeInt32BE(e.seq, at + 10);
    body.writeBigInt64BE(e.offset, at + 14);
    body.writeInt32BE(e.delta, at + 22);
    body.writeBigInt64BE(e.ts, at + 26);
    body.writeInt32BE(e.coord, at + 34);
    body.writeBigInt64BE(e.txn, at + 38);
    at += 46;
  }
  const head = Buffer.alloc(6);
  head.writeInt16BE(1, 0);
  head.writeUInt32BE(crc32c(body), 2);
  return Buffer.concat([head, body]);
}

test('snapshot encoding is byte for byte Kafka version 1 (version, CRC-32C, entries of 46 bytes)', () => {
  const a = new ProducerStateEntry(7n, 3, 2, 1_700_000_000_123, null, { lastSeq: 41, lastOffset: 1000, offsetDelta: 9, timestamp: 1_700_000_000_123 });
  const b = new ProducerStateEntry(9n, 0, 5, 1_700_000_000_456, 1200, { lastSeq: 0, lastOffset: 1200, offsetDelta: 0, timestamp: 1_700_000_000_456 });
  const c = new ProducerStateEntry(11n, 1, 4, 1_700_000_000_789, null);
  const expected = kafkaSnapshot([
    { pid: 7n, epoch: 3, seq: 41, offset: 1000n, delta: 9, ts: 1_700_000_000_123n, coord: 2, txn: -1n },
    { pid: 9n, epoch: 0, seq: 0, offset: 1200n, delta: 0, ts: 1_700_000_000_456n, coord: 5, txn: 1200n },
    { pid: 11n, epoch: 1, seq: -1, offset: -1n, delta: 0, ts: 1_700_000_000_789n, coord: 4, txn: -1n },
  ]);
  assert.deepEqual(ProducerSnapshotFile.encode([a, b, c]), expected);
});

test('decoding restores each producer with its last batch, transaction and epochs', () => {
  const bytes = kafkaSnapshot([
    { pid: 7n, epoch: 3, seq: 41, offset: 1000n, delta: 9, ts: 55n, coord: 2, txn: -1n },
    { pid: 11n, epoch: 1, seq: -1, offset: -1n, delta: 0, ts: 66n, coord: 4, txn: 900n },
  ]);
  const [a, b] = ProducerSnapshotFile.decode(bytes);
  assert.equal(a!.producerId, 7n);
  assert.equal(a!.producerEpoch, 3);
  assert.equal(a!.lastSeq, 41);
  assert.equal(a!.firstSeq, 32);
  assert.equal(a!.lastDataOffset, 1000);
  assert.equal(a!.firstDataOffset, 991);
  assert.equal(a!.lastTimestamp, 55);
  assert.equal(a!.coordinatorEpoch, 2);
  assert.equal(a!.currentTxnFirstOffset, null);
  assert.equal(b!.isEmpty, true);
  assert.equal(b!.currentTxnFirstOffset, 900);
  assert.equal(b!.coordinatorEpoch, 4);
});

test('a flipped byte, an unknown version or a bad length is a CorruptSnapshotError', () => {
  const good = ProducerSnapshotFile.encode([new ProducerStateEntry(1n, 0, -1, 5, null, { lastSeq: 4, lastOffset: 4, offsetDelta: 4, timestamp: 5 })]);
  const flipped = Buffer.from(good);
  flipped[20]! ^= 0xff;
  assert.throws(() => ProducerSnapshotFile.decode(flipped), CorruptSnapshotError);
  const version = Buffer.from(good);
  version.writeInt16BE(2, 0);
  assert.throws(() => ProducerSnapshotFile.decode(version), CorruptSnapshotError);
  assert.throws(() => ProducerSnapshotFile.decode(good.subarray(0, good.length - 1)), CorruptSnapshotError);
  assert.throws(() => ProducerSnapshotFile.decode(Buffer.alloc(3)), CorruptSnapshotError);
});

test('write then read round-trips through a 20-digit <offset>.snapshot file; list finds only snapshots', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'producer-snapshot-'));
  try {
    const entries = [new ProducerStateEntry(42n, 2, 1, 99, 10, { lastSeq: 7, lastOffset: 12, offsetDelta: 2, timestamp: 99 })];
    await ProducerSnapshotFile.write(ProducerSnapshotFile.path(dir, 12), ProducerSnapshotFile.encode(entries), true);
    await ProducerSnapshotFile.write(ProducerSnapshotFile.path(dir, 3), ProducerSnapshotFile.encode([]), false);
    await writeFile(join(dir, '00000000000000000012.log'), '');
    await writeFile(join(dir, '00000000000000000005.snapshot.deleted'), '');
    assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.snapshot')).sort(), ['00000000000000000003.snapshot', '00000000000000000012.snapshot']);
    assert.deepEqual(await ProducerSnapshotFile.list(dir), [3, 12]);
    const [e] = await ProducerSnapshotFile.read(ProducerSnapshotFile.path(dir, 12));
    assert.equal(e!.producerId, 42n);
    assert.equal(e!.lastSeq, 7);
    assert.equal(e!.currentTxnFirstOffset, 10);
    assert.deepEqual(await readFile(ProducerSnapshotFile.path(dir, 12)), ProducerSnapshotFile.encode(entries));
    assert.deepEqual(await ProducerSnapshotFile.list(join(dir, 'missing')), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
