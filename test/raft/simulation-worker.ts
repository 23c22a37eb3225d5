// Runs seeds of the raft simulation in a worker thread: the node:test runner tracks every promise of the test
// process (async hooks), which makes the simulation's millions of promises several times slower there.

import { parentPort, workerData } from 'node:worker_threads';
import { runSimulation, type SimulationResult } from './raft-simulation.ts';

const { first, count, chaosMs } = workerData as { first: number; count: number; chaosMs: number };
const results: SimulationResult[] = [];
for (let seed = first; seed < first + count; seed++) results.push(await runSimulation({ seed, chaosMs }));
parentPort!.postMessage(results);
