import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CorruptIndexError } from '../../../src/storage/errors.ts';
import { OffsetIndex } from '../../../src/storage/offset-index.ts';
import { prng } from '../../fixtures/storage/crash-batch.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'offset-index-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Random strictly increasing (offset, position) entries from `base`. */
function randomEntries(seed: number, base: number, n: number): { offset: number; position: number }[] {
  const rnd = prng(seed);
  const out: { offset: number; position: number }[] = [];
  let offset = base;
  let position = 0;
  for (let i = 0; i < n; i++) {
    offset += 1 + Math.floor(rnd() * 50);
    position += 1 + Math.floor(rnd() * 5000);
    out.push({ offset, position });
  }
  return out;
}

/** What a lookup must return: the largest entry <= target, or (base, 0). */
function linearLookup(entries: { offset: number; position: number }[], base: number, target: number): { offset: number; position: number } {
  let best = { offset: base, position: 0 };
  for (const e of entries) if (e.offset <= target) best = e;
  return best;
}

test('lookups agree with a linear scan over random entries', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const base = seed * 1000;
    const entries = randomEntries(seed, base, 1 + (seed * 37) % 300);
    const index = new OffsetIndex(join(dir, `${seed}.index`), base, 1024 * 1024);
    for (const e of entries) index.append(e.offset, e.position);
    const last = entries.at(-1)!.offset;
    for (let target = base - 5; target <= last + 5; target++) {
      assert.deepEqual(index.lookup(target), linearLookup(entries, base, target), `seed ${seed} target ${target}`);
    }
  }
});

test('append rejects non-increasing offsets, offsets outside int32 and a full index', () => {
  const index = new OffsetIndex(join(dir, 'rej.index'), 100, 3 * 8);
  index.append(105, 10);
  assert.throws(() => index.append(105, 20), RangeError);
  assert.throws(() => index.append(99, 20), RangeError);
  assert.throws(() => index.append(100 + 2 ** 31, 20), RangeError);
  index.append(106, 20);
  index.append(107, 30);
  assert.equal(index.isFull, true);
  assert.throws(() => index.append(108, 40), RangeError);
});

test('truncateTo removes entries at or above the offset', () => {
  const index = new OffsetIndex(join(dir, 'trunc.index'), 0, 1024);
  for (let i = 1; i <= 10; i++) index.append(i * 10, i * 100);
  index.truncateTo(55);
  assert.equal(index.entries, 5);
  assert.equal(index.lastOffset, 50);
  index.truncateTo(50);
  assert.equal(index.entries, 4);
  index.truncateTo(0);
  assert.equal(index.entries, 0);
  assert.equal(index.lastOffset, 0);
});

test('flush writes Kafka layout (relative offset, position as int32 pairs) and load reads it back', async () => {
  const path = join(dir, '00000000000000000500.index');
  const index = new OffsetIndex(path, 500, 8 * 100);
  await index.resize(8 * 100);
  assert.equal((await stat(path)).size, 800, 'preallocated to segment.index.bytes');
  index.append(510, 4100);
  index.append(530, 8300);
  await index.flush();
  await index.trimToValidSize();
  const raw = await readFile(path);
  assert.equal(raw.length, 16);
  assert.deepEqual([raw.readInt32BE(0), raw.readInt32BE(4), raw.readInt32BE(8), raw.readInt32BE(12)], [10, 4100, 30, 8300]);
  const loaded = new OffsetIndex(path, 500, 8 * 100);
  await loaded.load(10_000);
  assert.equal(loaded.entries, 2);
  assert.deepEqual(loaded.lookup(529), { offset: 510, position: 4100 });
});

test('load rejects a partial entry, entries out of order, and positions beyond the segment', async () => {
  const path = join(dir, 'bad.index');
  await writeFile(path, Buffer.alloc(12));
  await assert.rejects(new OffsetIndex(path, 0, 1024).load(100), CorruptIndexError);
  const unordered = Buffer.alloc(16);
  unordered.writeInt32BE(5, 0);
  unordered.writeInt32BE(100, 4);
  unordered.writeInt32BE(3, 8);
  unordered.writeInt32BE(200, 12);
  await writeFile(path, unordered);
  await assert.rejects(new OffsetIndex(path, 0, 1024).load(1000), CorruptIndexError);
  const beyond = Buffer.alloc(8);
  beyond.writeInt32BE(5, 0);
  beyond.writeInt32BE(5000, 4);
  await writeFile(path, beyond);
  await assert.rejects(new OffsetIndex(path, 0, 1024).load(1000), CorruptIndexError);
  // A preallocated file left by a crash (entries followed by zeros) is not a valid index.
  const prealloc = Buffer.alloc(64);
  prealloc.writeInt32BE(5, 0);
  prealloc.writeInt32BE(100, 4);
  await writeFile(path, prealloc);
  await assert.rejects(new OffsetIndex(path, 0, 1024).load(1000), CorruptIndexError);
});
