import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CorruptIndexError } from '../../../src/storage/errors.ts';
import { TimeIndex } from '../../../src/storage/time-index.ts';
import { prng } from '../../fixtures/storage/crash-batch.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'time-index-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('lookups agree with a linear scan; only growing timestamps are appended', () => {
  for (let seed = 1; seed <= 10; seed++) {
    const rnd = prng(seed);
    const base = 1000;
    const index = new TimeIndex(join(dir, `${seed}.timeindex`), base, 1024 * 1024);
    const kept: { timestamp: number; offset: number }[] = [];
    let ts = 1_700_000_000_000;
    let offset = base;
    for (let i = 0; i < 300; i++) {
      ts += Math.floor(rnd() * 10) - 2; // sometimes equal or smaller: those are not new maxima
      offset += 1 + Math.floor(rnd() * 5);
      const max = kept.length === 0 ? -1 : kept.at(-1)!.timestamp;
      const candidate = Math.max(ts, max);
      index.maybeAppend(candidate, offset);
      if (candidate > max) kept.push({ timestamp: candidate, offset });
    }
    assert.equal(index.entries, kept.length);
    for (let t = kept[0]!.timestamp - 3; t <= kept.at(-1)!.timestamp + 3; t++) {
      let expected = { timestamp: -1, offset: base };
      for (const e of kept) if (e.timestamp <= t) expected = e;
      assert.deepEqual(index.lookup(t), expected);
    }
  }
});

test('keeps one slot for the entry written when the segment rolls', () => {
  const index = new TimeIndex(join(dir, 'full.timeindex'), 0, 12 * 3);
  index.maybeAppend(10, 1);
  index.maybeAppend(20, 2);
  assert.equal(index.isFull, true);
  assert.throws(() => index.maybeAppend(30, 3), RangeError);
  index.maybeAppend(30, 3, true);
  assert.equal(index.entries, 3);
  assert.deepEqual(index.lastEntry, { timestamp: 30, offset: 3 });
});

test('rejects offsets going backwards, truncates by offset, round-trips the Kafka layout', async () => {
  const path = join(dir, '00000000000000000100.timeindex');
  const index = new TimeIndex(path, 100, 12 * 50);
  index.maybeAppend(1000, 110);
  assert.throws(() => index.maybeAppend(2000, 105), RangeError);
  index.maybeAppend(2000, 120);
  index.maybeAppend(3000, 130);
  index.truncateTo(120);
  assert.equal(index.entries, 1);
  index.maybeAppend(2500, 125);
  await index.trimToValidSize();
  const raw = await readFile(path);
  assert.equal(raw.length, 24);
  assert.equal(raw.readBigInt64BE(0), 1000n);
  assert.equal(raw.readInt32BE(8), 10);
  assert.equal(raw.readBigInt64BE(12), 2500n);
  assert.equal(raw.readInt32BE(20), 25);
  const loaded = new TimeIndex(path, 100, 12 * 50);
  await loaded.load(0);
  assert.deepEqual(loaded.lastEntry, { timestamp: 2500, offset: 125 });
});

test('load rejects unordered timestamps', async () => {
  const path = join(dir, 'bad.timeindex');
  const raw = Buffer.alloc(24);
  raw.writeBigInt64BE(2000n, 0);
  raw.writeInt32BE(1, 8);
  raw.writeBigInt64BE(1000n, 12);
  raw.writeInt32BE(2, 20);
  await writeFile(path, raw);
  await assert.rejects(new TimeIndex(path, 0, 1024).load(0), CorruptIndexError);
});
