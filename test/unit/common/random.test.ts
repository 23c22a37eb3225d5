import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../../src/common/random.ts';

test('a seed replays the same sequence; different seeds differ', () => {
  const a = new SeededRandom(42);
  const b = new SeededRandom(42);
  const c = new SeededRandom(43);
  const seqA = Array.from({ length: 100 }, () => a.nextUint32());
  const seqB = Array.from({ length: 100 }, () => b.nextUint32());
  const seqC = Array.from({ length: 100 }, () => c.nextUint32());
  assert.deepEqual(seqA, seqB);
  assert.notDeepEqual(seqA, seqC);
});

test('nextInt stays in [0, bound) and covers it roughly uniformly', () => {
  const r = new SeededRandom(7);
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < 100_000; i++) {
    const v = r.nextInt(10);
    assert.ok(v >= 0 && v < 10 && Number.isInteger(v));
    counts[v]!++;
  }
  for (const c of counts) assert.ok(c > 9_000 && c < 11_000, `bucket count ${c}`);
  assert.throws(() => r.nextInt(0), RangeError);
});

test('nextDouble is in [0, 1)', () => {
  const r = new SeededRandom(1);
  for (let i = 0; i < 10_000; i++) {
    const d = r.nextDouble();
    assert.ok(d >= 0 && d < 1);
  }
});
