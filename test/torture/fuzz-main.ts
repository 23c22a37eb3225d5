// `npm run fuzz -- --frames 1000000 --seed S [--connections 16] [--out FILE]`: a long protocol fuzz run (issue 16
// item 5). Writes the result as JSON (bench/results/fuzz-<date>-seed-<S>.json by default); exits 1 when the broker
// died, answered an unparseable frame, lost or duplicated a record of the well-behaved workload, or kept its heap.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runFuzz } from './fuzz-run.ts';

const { values } = parseArgs({ options: { frames: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '1' }, connections: { type: 'string', default: '16' }, out: { type: 'string' } } });
const frames = Number(values.frames);
const seed = Number(values.seed);
if (!Number.isSafeInteger(frames) || frames <= 0) throw new Error(`--frames: expected a positive integer, got '${values.frames}'`);
if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`--seed: expected a non-negative integer, got '${values.seed}'`);
const r = await runFuzz({ frames, seed, connections: Number(values.connections) });
const out = values.out ?? join(new URL('../..', import.meta.url).pathname, 'bench/results', `fuzz-${new Date().toISOString().slice(0, 10)}-seed-${seed}.json`);
await writeFile(out, JSON.stringify(r, null, 2) + '\n');
const ok = r.brokerAlive && r.stats.answeredUnparseable.length === 0 && r.workload.missingLive === 0 && r.workload.duplicatesLive === 0 &&
  r.workload.matchesAfterRestart && r.heap.afterBytes <= r.heap.baselineBytes * 1.5 + 32e6;
process.stdout.write(`${ok ? 'OK' : 'FAILED'}: ${r.stats.frames} frames (${r.stats.mutated} mutated, ${r.stats.unparseable} unparseable), ${r.stats.responses} answers, ` +
  `${r.stats.closedByBroker} connections closed by the broker; heap ${(r.heap.baselineBytes / 1e6).toFixed(1)} -> peak ${(r.heap.peakBytes / 1e6).toFixed(1)} -> ${(r.heap.afterBytes / 1e6).toFixed(1)} MB; ` +
  `${r.workload.acknowledged} workload records acknowledged; ${(r.durationMs / 1000).toFixed(0)} s; result ${out}\n`);
process.exitCode = ok ? 0 : 1;
