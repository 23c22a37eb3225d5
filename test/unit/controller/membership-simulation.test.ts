import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runMembershipSimulation } from './membership-simulation.ts';

// CONTROLLER_SIM_SEED replays one seed; CONTROLLER_SIM_SEEDS runs more of them.
const only = process.env.CONTROLLER_SIM_SEED;
const seeds = only !== undefined ? [Number(only)] : Array.from({ length: Number(process.env.CONTROLLER_SIM_SEEDS ?? 300) }, (_, i) => i + 1);
const STEPS = 300;

test(`controller membership simulation: ${seeds.length} seeds of ${STEPS} steps keep the invariants after every step`, async (t) => {
  const totals = { unfencings: 0, fencings: 0, leaderChanges: 0, elections: 0, uncleanElections: 0, isrChanges: 0, preferredLeaders: 0, elrElections: 0, lastKnownLeaderElections: 0, elrStates: 0 };
  for (const seed of seeds) {
    const r = await runMembershipSimulation(seed, STEPS);
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += r[k];
  }
  t.diagnostic(JSON.stringify(totals));
  // The simulation must exercise the transitions it checks.
  assert.ok(totals.unfencings > seeds.length, `unfencings: ${totals.unfencings}`);
  if (seeds.length > 20) {
    assert.ok(totals.fencings > seeds.length / 2, `fencings: ${totals.fencings}`);
    assert.ok(totals.elections > seeds.length, `elections: ${totals.elections}`);
    assert.ok(totals.leaderChanges > seeds.length, `leader changes: ${totals.leaderChanges}`);
    assert.ok(totals.uncleanElections > seeds.length / 2, `unclean elections: ${totals.uncleanElections}`);
    assert.ok(totals.isrChanges > seeds.length, `ISR changes: ${totals.isrChanges}`);
    assert.ok(totals.preferredLeaders > seeds.length, `preferred leaders back: ${totals.preferredLeaders}`);
    assert.ok(totals.elrStates > seeds.length, `partition states with an ELR: ${totals.elrStates}`);
    assert.ok(totals.elrElections > seeds.length / 4, `leaders from the ELR: ${totals.elrElections}`);
    assert.ok(totals.lastKnownLeaderElections > 0, `last known leaders elected: ${totals.lastKnownLeaderElections}`);
  }
});
