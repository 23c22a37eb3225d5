// Start-up of the embedded broker for tests (issue 19 item 5: "starts a real broker for a test run in well under a
// second"): `KafkaBroker.start()` -> resolved (bootstrapServers usable), then stop(), measured
// - in a fresh Node process, from the process's time origin (so module loading is counted), with Node's compile
//   cache cold (an empty NODE_COMPILE_CACHE directory) and then warm (the same directory again: the case of every
//   test run after the first on a machine);
// - in-process again in a process that already loaded the modules (each further test file's broker of a run);
// - child-process mode (spawn of `kafka-broker start`, its own module loading included), with one topic.
// Apache Kafka's JVM start (and a Testcontainers start) is not measured here: no Docker engine on the project
// machine, and the Kafka JVM start helper is test/reference's (issue 17); the README quotes the figures it has.
// Run: node bench/embedded.bench.ts [--runs 5]   (prints a markdown table; medians)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KafkaBroker } from '../src/embedded/kafka-broker.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const RUNS = Number(values.runs);
const REPO = new URL('..', import.meta.url).pathname;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** ms from a fresh process's time origin to start() resolving, with `cacheDir` as its compile cache. */
function freshProcessStartMs(cacheDir: string): number {
  const script = `import { KafkaBroker } from 'kafka-broker';
const b = await KafkaBroker.start({ topics: ['t'] });
const ms = performance.now();
await b.stop();
console.log(JSON.stringify({ ms }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO, encoding: 'utf8', env: { ...process.env, NODE_COMPILE_CACHE: cacheDir, LOG_LEVEL: 'warn' } });
  return (JSON.parse(out.trim().split('\n').at(-1)!) as { ms: number }).ms;
}

async function timed(run: () => Promise<KafkaBroker>): Promise<number> {
  const t0 = performance.now();
  const broker = await run();
  const ms = performance.now() - t0;
  await broker.stop();
  return ms;
}

const cold: number[] = [];
const warm: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const cacheDir = mkdtempSync(join(tmpdir(), 'compile-cache-'));
  try {
    cold.push(freshProcessStartMs(cacheDir));
    warm.push(freshProcessStartMs(cacheDir));
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}
await timed(() => KafkaBroker.start());
const again: number[] = [];
const againTopics: number[] = [];
const child: number[] = [];
for (let i = 0; i < RUNS; i++) {
  again.push(await timed(() => KafkaBroker.start()));
  againTopics.push(await timed(() => KafkaBroker.start({ topics: ['a', { name: 'b', partitions: 3 }] })));
  child.push(await timed(() => KafkaBroker.start({ mode: 'child-process', topics: ['t'] })));
}

console.log(`Embedded broker start-up, medians of ${RUNS} (load average ${loadavg()[0]!.toFixed(1)} on ${(await import('node:os')).cpus().length} cores)\n`);
console.log('| KafkaBroker.start() | ms |');
console.log('|---|---|');
console.log(`| fresh process, compile cache cold, 1 topic (modules loaded and compiled) | ${median(cold).toFixed(0)} |`);
console.log(`| fresh process, compile cache warm, 1 topic | ${median(warm).toFixed(0)} |`);
console.log(`| in-process, modules already loaded, no topic | ${median(again).toFixed(0)} |`);
console.log(`| in-process, modules already loaded, 2 topics (1 + 3 partitions) | ${median(againTopics).toFixed(0)} |`);
console.log(`| child-process mode, 1 topic | ${median(child).toFixed(0)} |`);
console.log('\nIssue 19 target: well under a second (in-process). Apache Kafka JVM / Testcontainers: not measured here (no Docker engine; see the header).');
