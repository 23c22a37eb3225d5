import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DelayedOperationPurgatory } from '../../../src/replication/delayed-operation-purgatory.ts';

/** An operation that completes once `ready()` says so, recording how it ended. */
function op(ready: () => boolean): { tryComplete: () => Promise<boolean>; onExpiration: () => void; ended: Promise<'completed' | 'expired'> } {
  let end!: (how: 'completed' | 'expired') => void;
  const ended = new Promise<'completed' | 'expired'>((r) => (end = r));
  return {
    tryComplete: async () => {
      await new Promise((r) => setImmediate(r)); // asynchronous, like a log read
      if (!ready()) return false;
      end('completed');
      return true;
    },
    onExpiration: () => end('expired'),
    ended,
  };
}

test('a watched operation completes on checkAndComplete of its key, or expires after its timeout', async () => {
  const purgatory = new DelayedOperationPurgatory('Test');
  let data = false;
  const a = op(() => data);
  purgatory.watch(a, ['t-0'], 60_000);
  const b = op(() => false);
  purgatory.watch(b, ['t-1'], 20);
  assert.equal(purgatory.size, 2);
  data = true;
  purgatory.checkAndComplete('t-0');
  assert.equal(await a.ended, 'completed');
  assert.equal(await b.ended, 'expired');
  assert.equal(purgatory.size, 0);
});

test('a completion check that ran during the first attempt (before watch) is not lost', async () => {
  const purgatory = new DelayedOperationPurgatory('Test');
  let data = false;
  const before = purgatory.version;
  // The caller's first attempt found nothing; meanwhile an append completed and checked the key: nobody watched.
  data = true;
  purgatory.checkAndComplete('t-0');
  const late = op(() => data);
  purgatory.watch(late, ['t-0'], 60_000, before);
  assert.equal(await late.ended, 'completed', 'evaluated at once instead of waiting for the timeout');

  // Without a missed check, watch does not re-evaluate: the operation waits for its key.
  let evaluations = 0;
  const quiet = op(() => {
    evaluations++;
    return true;
  });
  purgatory.watch(quiet, ['t-1'], 60_000, purgatory.version);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(evaluations, 0);
  purgatory.checkAndComplete('t-1');
  assert.equal(await quiet.ended, 'completed');
});
