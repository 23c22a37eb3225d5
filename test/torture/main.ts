// `npm run torture -- --time 30m --faults all --seed S [--out DIR] [--min-hold 2s --max-hold 8s] [--partitions 4]`: a long torture run (issue 16 item 7). The
// same seed replays the same fault schedule (kinds, nodes, hold times); client timing still varies. Exits 1 when
// the run is not valid (an anomaly, an incomplete final read, or a node that exited on its own).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FAULT_KINDS, type NemesisFault } from './nemesis.ts';
import { runTorture } from './torture-run.ts';

/** Parses "90s", "30m", "1h" or plain ms. @throws Error on anything else. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (m === null) throw new Error(`--time: expected a duration like 90s, 30m or 1h, got '${text}'`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

/** Parses "all" or a comma list of fault kinds. @throws Error naming an unknown kind. */
export function parseFaults(text: string): NemesisFault[] {
  if (text === 'all') return [...FAULT_KINDS];
  const kinds = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const k of kinds) if (!(FAULT_KINDS as readonly string[]).includes(k)) throw new Error(`--faults: unknown fault '${k}' (known: all, ${FAULT_KINDS.join(', ')})`);
  return kinds as NemesisFault[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      time: { type: 'string', default: '5m' },
      faults: { type: 'string', default: 'all' },
      seed: { type: 'string' },
      out: { type: 'string' },
      partitions: { type: 'string', default: '4' },
      'min-hold': { type: 'string', default: '2s' },
      'max-hold': { type: 'string', default: '8s' },
    },
  });
  const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`--seed: expected a non-negative integer, got '${values.seed}'`);
  const outDir = values.out ?? join(new URL('../..', import.meta.url).pathname, 'bench/results', `torture-${new Date().toISOString().slice(0, 10)}-seed-${seed}`);
  process.stderr.write(`[torture] seed ${seed}, report in ${outDir}\n`);
  const result = await runTorture({ durationMs: parseDuration(values.time!), faults: parseFaults(values.faults!), seed, outDir, partitions: Number(values.partitions),
    minHoldMs: parseDuration(values['min-hold']!), maxHoldMs: parseDuration(values['max-hold']!) });
  const valid = result.check.valid && result.drainComplete && result.unexpectedExits.length === 0;
  process.stdout.write(`${valid ? 'VALID' : 'INVALID'}: ${result.faults.length} faults, ${result.check.totals.acknowledgedSends} acknowledged sends; report ${join(outDir, 'summary.md')}\n`);
  process.exitCode = valid ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
