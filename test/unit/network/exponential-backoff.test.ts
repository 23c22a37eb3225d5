import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExponentialBackoff } from '../../../src/network/exponential-backoff.ts';
import { SeededRandom, type Random } from '../../../src/common/random.ts';

/** A Random returning the given doubles in turn. */
function fixed(...values: number[]): Random {
  let i = 0;
  return { nextDouble: () => values[i++ % values.length]!, nextInt: () => 0 };
}

test('doubles per attempt from the initial interval and stops at the maximum (Kafka reconnect.backoff defaults)', () => {
  const b = new ExponentialBackoff(50, 2, 1000, 0.2, fixed(0.5)); // factor exactly 1
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 20].map((a) => b.backoff(a)), [50, 100, 200, 400, 800, 1000, 1000, 1000]);
});

test('jitter stays within +/- 20 % and never exceeds the maximum', () => {
  const low = new ExponentialBackoff(50, 2, 1000, 0.2, fixed(0));
  const high = new ExponentialBackoff(50, 2, 1000, 0.2, fixed(0.999999));
  assert.equal(low.backoff(0), 40);
  assert.equal(high.backoff(0), 59);
  assert.equal(low.backoff(10), 800);
  assert.equal(high.backoff(10), 1000, 'capped, not 1200');
  const seeded = new ExponentialBackoff(10_000, 2, 30_000, 0.2, new SeededRandom(1));
  for (let attempt = 0; attempt < 50; attempt++) {
    const term = Math.min(10_000 * 2 ** attempt, 30_000);
    const v = seeded.backoff(attempt);
    assert.ok(v >= 0.8 * term && v <= Math.min(1.2 * term, 30_000), `${v} for attempt ${attempt}`);
  }
});

test('a maximum not above the initial interval gives a constant backoff without jitter', () => {
  assert.deepEqual([0, 3].map((a) => new ExponentialBackoff(50, 2, 50, 0.2, fixed(0)).backoff(a)), [50, 50]);
  assert.deepEqual([0, 3].map((a) => new ExponentialBackoff(100, 2, 30, 0.2, fixed(0)).backoff(a)), [30, 30]);
  assert.equal(new ExponentialBackoff(0, 2, 0, 0.2, fixed(0)).backoff(5), 0);
});

test('rejects invalid parameters', () => {
  assert.throws(() => new ExponentialBackoff(-1, 2, 10, 0.2, fixed(0)), RangeError);
  assert.throws(() => new ExponentialBackoff(1, 0.5, 10, 0.2, fixed(0)), RangeError);
  assert.throws(() => new ExponentialBackoff(1, 2, 10, 1, fixed(0)), RangeError);
});
