import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsoleSampler, MAX_TRACKED_GROUPS, SAMPLES_KEPT, type TrafficTotals } from '../../../../src/server/console/console-sampler.ts';

/** A sampler over totals and lags the test sets, at a clock the test moves. */
function sampler() {
  const state = { now: 1_000_000, totals: { messagesIn: 0, bytesIn: 0, bytesOut: 0 } as TrafficTotals, lags: new Map<string, number>(), fail: false };
  const s = new ConsoleSampler({
    totals: async () => {
      if (state.fail) throw new Error('unloading');
      return state.totals;
    },
    groupLags: async () => new Map(state.lags),
    now: () => state.now,
  }, 1000);
  return { s, state };
}

test('rates are per second between consecutive samples; the first sample only sets the base', async () => {
  const { s, state } = sampler();
  await s.sample();
  assert.deepEqual(s.rates(), []);
  state.now += 2000;
  state.totals = { messagesIn: 100, bytesIn: 10_000, bytesOut: 4000 };
  await s.sample();
  assert.deepEqual(s.rates(), [{ t: state.now, messagesInPerSec: 50, bytesInPerSec: 5000, bytesOutPerSec: 2000 }]);
  // A failed read leaves a gap, not an error, and the next rate spans from the last good sample.
  state.fail = true;
  state.now += 1000;
  await s.sample();
  assert.equal(s.rates().length, 1);
  state.fail = false;
  state.now += 1000;
  state.totals = { messagesIn: 300, bytesIn: 10_000, bytesOut: 4000 };
  await s.sample();
  assert.deepEqual(s.rates().at(-1), { t: state.now, messagesInPerSec: 100, bytesInPerSec: 0, bytesOutPerSec: 0 });
});

test('series keep the last SAMPLES_KEPT points and at most MAX_TRACKED_GROUPS groups, dropping the least recently seen', async () => {
  const { s, state } = sampler();
  state.lags.set('busy', 0);
  for (let i = 0; i < SAMPLES_KEPT + 20; i++) {
    state.now += 1000;
    state.lags.set('busy', i);
    await s.sample();
  }
  assert.equal(s.rates().length, SAMPLES_KEPT);
  assert.equal(s.lag('busy').length, SAMPLES_KEPT);
  assert.equal(s.lag('busy').at(-1)!.lag, SAMPLES_KEPT + 19);
  assert.equal(s.lag('busy')[0]!.lag, 20);

  state.lags.clear();
  for (let g = 0; g < MAX_TRACKED_GROUPS; g++) state.lags.set(`g${g}`, g);
  await s.sample();
  assert.equal(s.lag('busy').length, 0, 'the group not seen for longest was dropped');
  assert.equal(s.lag('g0').length, 1);
  assert.deepEqual(s.lag('never'), []);
});
