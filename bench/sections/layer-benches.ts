// The per-layer benches owned by their layers (bench/protocol.bench.ts, bench/records.bench.ts,
// bench/network.bench.ts, bench/storage.bench.ts when present, bench/metrics.bench.ts, bench/embedded.bench.ts), each run as a child process; their own
// markdown tables are appended to the results under one heading each.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BenchContext } from '../lib/bench-context.ts';
import { fmt } from '../lib/stats.ts';

const run = promisify(execFile);

const LAYER_BENCHES: readonly { file: string; args: (ctx: BenchContext) => string[] }[] = [
  { file: 'bench/protocol.bench.ts', args: () => [] },
  { file: 'bench/records.bench.ts', args: () => [] },
  { file: 'bench/network.bench.ts', args: (ctx) => ['--mib', ctx.options.runs > 1 ? '1024' : '256', '--runs', String(ctx.options.runs)] },
  { file: 'bench/storage.bench.ts', args: () => [] },
  { file: 'bench/metrics.bench.ts', args: () => [] },
  { file: 'bench/embedded.bench.ts', args: (ctx) => ['--runs', String(Math.max(3, ctx.options.runs))] },
];

export async function runLayerBenches(ctx: BenchContext): Promise<string> {
  const parts = ['## Per-layer benches', ''];
  for (const b of LAYER_BENCHES) {
    const path = join(ctx.repo, b.file);
    if (!existsSync(path)) {
      parts.push(`### ${b.file}`, '', 'not present in this tree', '');
      continue;
    }
    const t0 = performance.now();
    try {
      const { stdout } = await run(process.execPath, [path, ...b.args(ctx)], { cwd: ctx.repo, timeout: 300_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, LOG_LEVEL: 'silent' } });
      const sec = (performance.now() - t0) / 1000;
      ctx.progress('layers', `${b.file}: ${fmt(sec, 1)} s`);
      parts.push(`### ${b.file} ${b.args(ctx).join(' ')}`.trimEnd(), '', stdout.trim(), '');
    } catch (e) {
      const msg = e instanceof Error ? e.message.split('\n').slice(0, 3).join(' ') : String(e);
      ctx.progress('layers', `${b.file} failed: ${msg}`);
      parts.push(`### ${b.file}`, '', `failed: ${msg}`, '');
    }
  }
  return parts.join('\n');
}
