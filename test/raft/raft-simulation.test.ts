import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { SimulationResult } from './raft-simulation.ts';

// Seeds run in CI: each is an 8 s (simulated) storm of faults and appends, then a liveness check after healing.
// `npm run sim -- --seeds N` runs more, and longer ones.
const SEEDS = 1000;
const CHAOS_MS = 8000;

function runSeeds(first: number, count: number, chaosMs: number): Promise<SimulationResult[]> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./simulation-worker.ts', import.meta.url), { workerData: { first, count, chaosMs } });
    w.once('message', resolve);
    w.once('error', reject);
    w.once('exit', (code) => {
      if (code !== 0) reject(new Error(`simulation worker exited with code ${code}`));
    });
  });
}

test(`raft simulation: ${SEEDS} seeds keep every invariant and elect a leader after healing`, async () => {
  const results = await runSeeds(1, SEEDS, CHAOS_MS);
  assert.equal(results.length, SEEDS);
  const failures = results
    .filter((r) => r.failure !== null)
    .map((r) => `seed ${r.seed}: ${r.failure}\n  replay: npm run sim -- --seed ${r.seed} --chaos-ms ${CHAOS_MS} --trace`);
  assert.deepEqual(failures, []);
  // The runs must actually exercise the faults and the features they are meant to.
  const totals: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.stats)) totals[k] = (totals[k] ?? 0) + v;
  for (const k of ['crashes', 'shutdowns', 'partitions', 'acknowledged', 'snapshots', 'snapshotLoads']) assert.ok(totals[k]! > SEEDS / 10, `${k}: ${totals[k]}`);
  // Half the seeds run a dynamic quorum (KIP-853): voters added, removed (the leader too), moved to other
  // endpoints, disks lost.
  for (const k of ['committedVoterSets', 'addVoter', 'removeVoter', 'voterEndpointUpdates', 'diskReplacements']) assert.ok(totals[k]! > SEEDS / 50, `${k}: ${totals[k]}`);
});

test('a seed replays exactly', async () => {
  const [a] = await runSeeds(4242, 1, 3000);
  const [b] = await runSeeds(4242, 1, 3000);
  assert.equal(a!.failure, null);
  assert.deepEqual(b, a);
});
