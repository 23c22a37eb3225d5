// `npm run sim -- --seeds N [--seed S] [--trace]`: runs seeds of the raft simulation and prints seeds/s; a failing
// seed prints the command that replays it.

import { parseArgs } from 'node:util';
import { runSimulation } from './raft-simulation.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string' },
    seed: { type: 'string' },
    trace: { type: 'boolean', default: false },
    'chaos-ms': { type: 'string' },
    dynamic: { type: 'boolean' },
    static: { type: 'boolean' },
  },
});

// --seed S alone replays one seed; with --seeds N it runs N seeds from S.
const first = values.seed === undefined ? 1 : Number(values.seed);
const count = values.seeds !== undefined ? Number(values.seeds) : values.seed !== undefined ? 1 : 1000;
const chaosMs = values['chaos-ms'] === undefined ? undefined : Number(values['chaos-ms']);
// --dynamic / --static force the quorum kind (by default each seed picks one).
const dynamic = values.dynamic === true ? true : values.static === true ? false : undefined;
const replayFlags = `${chaosMs === undefined ? '' : ` --chaos-ms ${chaosMs}`}${dynamic === undefined ? '' : dynamic ? ' --dynamic' : ' --static'}`;
const started = performance.now();
let failed = 0;
let events = 0;
const totals: Record<string, number> = {};
for (let seed = first; seed < first + count; seed++) {
  const r = await runSimulation({ seed, trace: values.trace, ...(chaosMs === undefined ? {} : { chaosMs }), ...(dynamic === undefined ? {} : { dynamic }) });
  events += r.events;
  for (const [k, v] of Object.entries(r.stats)) totals[k] = (totals[k] ?? 0) + v;
  if (r.failure !== null) {
    failed++;
    process.stdout.write(`seed ${seed} FAILED: ${r.failure}\n  replay: npm run sim -- --seed ${seed}${replayFlags} --trace\n`);
  }
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${count} seeds, ${failed} failed, ${events} events in ${seconds.toFixed(1)} s: ${(count / seconds).toFixed(1)} seeds/s\n`);
process.stdout.write(`totals: ${JSON.stringify(totals)}\n`);
process.exitCode = failed > 0 ? 1 : 0;
