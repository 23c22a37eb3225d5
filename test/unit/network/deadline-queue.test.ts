import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeadlineQueue, type Deadline } from '../../../src/network/deadline-queue.ts';
import { MockTime, SystemTime } from '../../../src/common/time.ts';
import { SeededRandom } from '../../../src/common/random.ts';
import { waitFor } from './net-test-kit.ts';

function deadline(deadlineMs: number, log: number[], id = deadlineMs): Deadline {
  return { deadlineMs, deadlineIndex: -1, expire: () => log.push(id) };
}

test('expires due deadlines in deadline order when polled at the mock time', () => {
  const time = new MockTime();
  const q = new DeadlineQueue(time);
  const log: number[] = [];
  for (const ms of [50, 10, 30, 20, 40]) q.add(deadline(ms, log));
  time.sleep(25);
  q.poll();
  assert.deepEqual(log, [10, 20]);
  assert.equal(q.size, 3);
  time.sleep(100);
  q.poll();
  assert.deepEqual(log, [10, 20, 30, 40, 50]);
  assert.equal(q.size, 0);
  q.close();
});

test('removed deadlines never expire; the heap stays consistent under random adds and removes', () => {
  const time = new MockTime();
  const q = new DeadlineQueue(time);
  const random = new SeededRandom(11);
  const log: number[] = [];
  const live = new Map<number, Deadline>();
  for (let id = 0; id < 2000; id++) {
    const d = deadline(random.nextInt(10_000), log, id);
    q.add(d);
    live.set(id, d);
    if (random.nextInt(3) === 0) {
      const victim = [...live.keys()][random.nextInt(live.size)]!;
      q.remove(live.get(victim)!);
      assert.equal(live.get(victim)!.deadlineIndex, -1);
      live.delete(victim);
    }
  }
  assert.equal(q.size, live.size);
  time.sleep(10_000);
  q.poll();
  assert.deepEqual(new Set(log), new Set(live.keys()));
  const times = log.map((id) => live.get(id)!.deadlineMs);
  assert.deepEqual(times, [...times].sort((a, b) => a - b));
  q.close();
});

test('its own timer expires deadlines on the real clock; an expiry may add another', async () => {
  const q = new DeadlineQueue(SystemTime);
  const log: number[] = [];
  const now = SystemTime.hiResClockMs();
  q.add({ deadlineMs: now + 5, deadlineIndex: -1, expire: () => { log.push(1); q.add(deadline(SystemTime.hiResClockMs() + 5, log, 2)); } });
  await waitFor(() => log.length === 2, 'both deadlines expired');
  assert.deepEqual(log, [1, 2]);
  q.close();
  assert.throws(() => q.add(deadline(0, log)), /closed/);
});

test('adding a queued deadline twice is an error', () => {
  const q = new DeadlineQueue(new MockTime());
  const d = deadline(5, []);
  q.add(d);
  assert.throws(() => q.add(d), /already queued/);
  q.remove(d);
  q.remove(d);
  assert.equal(q.size, 0);
  q.close();
});
