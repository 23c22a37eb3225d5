import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SharedRuns } from '../../../src/storage/shared-runs.ts';

/** An operation whose runs are counted and finished by hand. */
function manual(): { runs: SharedRuns<string>; started: string[]; finish: (error?: Error) => void } {
  const started: string[] = [];
  const pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const runs = new SharedRuns<string>(
    (key) =>
      new Promise<void>((resolve, reject) => {
        started.push(key);
        pending.push({ resolve, reject });
      }),
  );
  return { runs, started, finish: (error) => (error === undefined ? pending.shift()!.resolve() : pending.shift()!.reject(error)) };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

test('callers during a run share the next run, which starts after it; other keys run apart', async () => {
  const { runs, started, finish } = manual();
  const order: string[] = [];
  const first = runs.run('a').then(() => order.push('first'));
  const others = Array.from({ length: 10 }, (_, i) => runs.run('a').then(() => order.push(`later ${i}`)));
  const b = runs.run('b').then(() => order.push('b'));
  await settle();
  assert.deepEqual(started, ['a', 'b'], 'the callers during the run of a wait: no run of theirs yet');
  finish(); // a's first run
  await first;
  await settle();
  assert.deepEqual(started, ['a', 'b', 'a'], 'one run for the ten callers');
  assert.deepEqual(order, ['first']);
  finish(); // b
  finish(); // a's second run
  await Promise.all([...others, b]);
  assert.equal(order.length, 12);
  runs.run('a').catch(() => undefined);
  await settle();
  assert.equal(started.length, 4, 'an idle key starts at once');
  finish();
});

test("a failed run rejects the calls it answers; the next call runs again", async () => {
  const { runs, started, finish } = manual();
  const failing = runs.run('k');
  await settle();
  finish(new Error('EIO'));
  await assert.rejects(failing, /EIO/);
  const again = runs.run('k');
  await settle();
  finish();
  await again;
  assert.deepEqual(started, ['k', 'k']);
});
