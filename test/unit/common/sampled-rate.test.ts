import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SampledRate } from '../../../src/common/sampled-rate.ts';

test('rate: a fresh sensor divides by at least samples - 1 windows; idle windows are reset after the period', () => {
  const r = new SampledRate({ windowMs: 1000, samples: 3, stat: 'rate' });
  r.record(100, 0);
  assert.equal(r.windowSizeMs(0), 2000);
  assert.equal(r.measure(0), 50);
  r.record(100, 1000);
  r.record(100, 2000);
  assert.equal(r.measure(2500), 300 / 2.5);
  r.record(100, 3000);
  // the window of t=0 has had no event for samples x windowMs: reset, so 300 over 2 windows
  assert.equal(r.measure(3000), 150);
  r.record(100, 3100);
  assert.equal(r.measure(3100), 400 / 2.1);
  r.record(100, 4000); // samples + 1 = 4 windows in use: reuses the oldest one
  assert.equal(r.windowSizeMs(4000), 2000);
  // 3 windows x 1000 ms without an event: everything is reset
  assert.equal(r.measure(7000), 0);
});

test('simple-rate: an empty sensor measures 0; at least one window; windows older than the period are dropped', () => {
  const r = new SampledRate({ windowMs: 1000, samples: 2, stat: 'simple-rate' });
  assert.equal(r.measure(0), 0);
  r.record(500, 0);
  assert.equal(r.windowSizeMs(100), 1000);
  assert.equal(r.measure(100), 500);
  r.record(500, 1000);
  assert.equal(r.measure(1500), 1000 / 1.5);
  r.record(300, 2000); // only `samples` windows: the one started at 0 is dropped
  assert.equal(r.measure(2000), 800);
  assert.equal(r.measure(5000), 0);
});

test('a non-positive window or sample count is refused', () => {
  assert.throws(() => new SampledRate({ windowMs: 0, samples: 1, stat: 'rate' }), RangeError);
  assert.throws(() => new SampledRate({ windowMs: 1000, samples: 0, stat: 'simple-rate' }), RangeError);
});
