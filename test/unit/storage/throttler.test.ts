import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MockTime } from '../../../src/common/time.ts';
import { Throttler } from '../../../src/storage/throttler.ts';

/** A throttler on a mock clock whose sleeps advance the clock and are recorded. */
function mockThrottler(desiredRatePerSec: number): { throttler: Throttler; time: MockTime; sleeps: number[] } {
  const time = new MockTime();
  const sleeps: number[] = [];
  const throttler = new Throttler({
    desiredRatePerSec,
    time,
    sleep: async (ms) => {
      sleeps.push(ms);
      time.sleep(ms);
    },
  });
  return { throttler, time, sleeps };
}

test('work above the rate waits until it fits the rate, measured every check interval', async () => {
  const { throttler, time, sleeps } = mockThrottler(1000);
  await throttler.maybeThrottle(500);
  time.sleep(100);
  await throttler.maybeThrottle(500);
  assert.deepEqual(sleeps, [], 'no measure before 300 ms');
  time.sleep(300);
  await throttler.maybeThrottle(1000);
  // 2000 bytes in 400 ms at 1000 bytes/s should have taken 2000 ms: wait the 1600 ms left.
  assert.deepEqual(sleeps, [1600]);
  time.sleep(500);
  await throttler.maybeThrottle(400);
  assert.deepEqual(sleeps, [1600], '400 bytes in 500 ms is under the rate');
});

test('no throttle at Double.MAX_VALUE (the default), and the rate can change at run time', async () => {
  const { throttler, time, sleeps } = mockThrottler(Number.MAX_VALUE);
  await throttler.maybeThrottle(1 << 30);
  time.sleep(1000);
  await throttler.maybeThrottle(1 << 30);
  assert.deepEqual(sleeps, []);
  throttler.desiredRatePerSec = 1 << 20;
  // 1 MiB over the second since the last measure: at the rate, a new period starts.
  await throttler.maybeThrottle(1 << 20);
  time.sleep(500);
  // 1 MiB in 500 ms at 1 MiB/s should have taken 1000 ms.
  await throttler.maybeThrottle(1 << 20);
  assert.deepEqual(sleeps, [500]);
});
