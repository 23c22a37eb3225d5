// Start-up time with a large log (1 GiB by default, 10 GiB with --big: issue #7's figure), after a clean
// shutdown and after kill -9, beside the start-up of the same broker over an empty log in the same run. Time is
// spawn -> "Kafka broker started" (recovery done, listeners bound); the log end offset is checked after each
// restart (nothing acknowledged may be lost). The page cache is warm (the log was just written). The broker keeps
// Node's module compile cache (bin/kafka-broker.js): one more empty-log start with a new, empty cache directory
// shows the very first start on a machine.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTopics } from '../lib/admin.ts';
import { BenchBroker } from '../lib/bench-broker.ts';
import type { BenchContext } from '../lib/bench-context.ts';
import { PRODUCER_DEFAULTS, runKcat } from '../lib/kcat.ts';
import type { Row } from '../lib/report.ts';
import { fmt } from '../lib/stats.ts';
import { messageFile } from './produce.ts';

const run = promisify(execFile);
const TOPIC = 'big';

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}

/** Offset of the last record of partition 0 (kcat reads from end - 1). */
async function lastOffset(bootstrap: string): Promise<number> {
  const { stdout } = await run('kcat', ['-C', '-b', bootstrap, '-t', TOPIC, '-p', '0', '-o', '-1', '-c', '1', '-e', '-q', '-f', '%o\\n'], { timeout: 60_000 });
  return Number(stdout.trim());
}

/** Bare `node -e 0` wall time (ms): the floor of any Node start-up. */
async function bareNodeStartMs(): Promise<number> {
  const t0 = performance.now();
  await run(process.execPath, ['-e', '0']);
  return performance.now() - t0;
}

export async function runStartup(ctx: BenchContext): Promise<Row[]> {
  const section = 'Start-up';
  const gib = ctx.options.startupGiB;
  const dir = mkdtempSync(join(ctx.scratch, 'startup-'));
  const rows: Row[] = [];
  let broker: BenchBroker | undefined;
  try {
    const bareMs = await bareNodeStartMs();
    broker = await BenchBroker.start(dir);
    await broker.stop();
    const coldCacheDir = mkdtempSync(join(ctx.scratch, 'compile-cache-'));
    const savedCacheDir = process.env.NODE_COMPILE_CACHE;
    process.env.NODE_COMPILE_CACHE = coldCacheDir;
    try {
      broker = await BenchBroker.start(dir);
    } finally {
      if (savedCacheDir === undefined) delete process.env.NODE_COMPILE_CACHE;
      else process.env.NODE_COMPILE_CACHE = savedCacheDir;
    }
    const coldCacheMs = broker.startMs;
    await broker.stop();
    rmSync(coldCacheDir, { recursive: true, force: true });
    broker = await BenchBroker.start(dir);
    const emptyMs = broker.startMs;
    ctx.progress('startup', `empty log: ${fmt(emptyMs)} ms (bare node ${fmt(bareMs)} ms); writing ${gib} GiB`);
    await createTopics(broker.bootstrap, [{ topic: TOPIC, numPartitions: 1 }]);
    const file = messageFile(ctx, 1024);
    const passes = Math.ceil((gib * 1024) / ctx.options.produceMiB);
    for (let i = 0; i < passes; i++) {
      await runKcat(['-P', '-b', broker.bootstrap, '-t', TOPIC, '-p', '0', '-X', 'acks=1', ...PRODUCER_DEFAULTS, '-l', file.path]);
    }
    const expectedLast = passes * file.count - 1;
    const logBytes = dirBytes(join(dir, 'logs'));
    rows.push({ section, figure: 'empty log', value: emptyMs, unit: 'ms', baseline: { label: 'bare `node -e 0`', value: bareMs }, target: { op: '<=', value: 1000 }, note: 'spawn to "Kafka broker started"' });
    rows.push({ section, figure: 'empty log, empty compile cache (first start)', value: coldCacheMs, unit: 'ms', baseline: { label: 'bare `node -e 0`', value: bareMs }, note: 'Node compiles every broker module (NODE_COMPILE_CACHE = a new directory)' });

    await broker.kill('SIGKILL');
    broker = await BenchBroker.start(dir, { timeoutMs: 600_000 });
    const crashMs = broker.startMs;
    const afterCrash = await lastOffset(broker.bootstrap);
    ctx.progress('startup', `after kill -9 with ${fmt(logBytes / 2 ** 30, 2)} GiB: ${fmt(crashMs)} ms, last offset ${afterCrash}/${expectedLast}`);

    await broker.stop();
    broker = await BenchBroker.start(dir, { timeoutMs: 600_000 });
    const cleanMs = broker.startMs;
    const afterClean = await lastOffset(broker.bootstrap);
    ctx.progress('startup', `after clean shutdown: ${fmt(cleanMs)} ms, last offset ${afterClean}/${expectedLast}`);

    const size = `${fmt(logBytes / 2 ** 30, 2)} GiB log${ctx.options.startupGiB < 10 ? ' (issue: 10 GiB; run with --big)' : ''}`;
    rows.push({
      section,
      figure: `${gib} GiB log, after clean shutdown`,
      value: cleanMs,
      unit: 'ms',
      baseline: { label: 'empty log', value: emptyMs },
      target: { op: '<=', value: 1000 },
      note: `${size}; ${afterClean === expectedLast ? 'all records there' : `LOST: last offset ${afterClean}, expected ${expectedLast}`}`,
    });
    rows.push({
      section,
      figure: `${gib} GiB log, after kill -9`,
      value: crashMs,
      unit: 'ms',
      baseline: { label: 'empty log', value: emptyMs },
      target: { op: '<=', value: 3000 },
      note: `killed right after the last acknowledged write; ${afterCrash === expectedLast ? 'all records there' : `LOST: last offset ${afterCrash}, expected ${expectedLast}`}`,
    });
  } finally {
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
