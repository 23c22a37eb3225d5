import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateQuotaSensor } from '../../../src/network/rate-quota-sensor.ts';

test('a fresh sensor measures over at least samples - 1 windows: Kafka allows that burst, then throttles', () => {
  const s = new RateQuotaSensor({ quota: 10, windowMs: 1000, samples: 11 });
  for (let i = 0; i < 100; i++) assert.equal(s.record(0, 1000), 0, `event ${i + 1}: 100 events / 10 s is the quota`);
  // 101 events over 10 s: 10.1/s; delay = (10.1 - 10) / 10 * 10 s (QuotaUtils.throttleTime).
  assert.equal(s.record(0, 1000), 100);
  assert.equal(s.record(0, 1000), 200);
  assert.equal(s.record(0, 150), 150, 'capped at the given maximum (one quota window in ConnectionQuotas)');
});

test('the rate decays as windows age out; a higher quota applies at once', () => {
  const s = new RateQuotaSensor({ quota: 2, windowMs: 1000, samples: 2 });
  assert.equal(s.record(0, 1000), 0);
  assert.equal(s.record(0, 1000), 0);
  // 3 events over max(elapsed, 1 window) = 1 s: 3/s, delay = (3 - 2) / 2 * 1000 ms.
  assert.equal(s.record(0, 1000), 500);
  assert.ok(Math.abs(s.measure(0) - 3) < 1e-9);
  // Two windows (the monitored period) later the old events are gone.
  assert.equal(s.record(2000, 1000), 0);
  assert.ok(s.measure(2000) <= 1);
  s.quota = 100;
  assert.equal(s.quota, 100);
  for (let i = 0; i < 50; i++) assert.equal(s.record(2000, 1000), 0);
});

test('invalid windows are refused', () => {
  assert.throws(() => new RateQuotaSensor({ quota: 1, windowMs: 0, samples: 1 }), RangeError);
  assert.throws(() => new RateQuotaSensor({ quota: 1, windowMs: 1000, samples: 0 }), RangeError);
});
