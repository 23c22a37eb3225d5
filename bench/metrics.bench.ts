// Prometheus scrape cost with many partitions (issue 19: scraping /metrics with 10,000 partitions takes < 100 ms
// and blocks the event loop < 20 ms). Two setups, each scraped as /metrics serves it (`scrapeRegistry`), the median
// scrape time and the longest event-loop block seen during the scrapes (monitorEventLoopDelay, 1 ms resolution):
// - synthetic: a BrokerMetrics registry with the broker's per-partition metrics over fixed rows (Log gauges,
//   ReplicaManager counts, consumer lag of one group per 10 partitions) and BrokerTopicMetrics of 1,000 topics;
//   baseline in the same run: the same registry with no partitions;
// - broker: a real broker started in this process (test/helpers/broker.ts) with 10 topics of partitions/10
//   partitions created by kafkajs, its own registry (process metrics, ~3 open files per partition included).
// `--compare <git rev>` also runs the same measurements on the src/ of that revision (git archive into a temp
// dir sharing node_modules and native/) in a child process just before, and prints both: before/after in the same run.
// Run: node bench/metrics.bench.ts [--partitions 10000] [--compare main]   (prints a markdown table)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';

const ROUNDS = 9;
const { values } = parseArgs({ options: { partitions: { type: 'string', default: '10000' }, compare: { type: 'string' }, json: { type: 'boolean', default: false } } });
const PARTITIONS = Number(values.partitions);
const REPO = new URL('..', import.meta.url).pathname;

interface Scrape { ms: number; blockMs: number; blockCpuMs: number; bytes: number }
interface Results { synthetic0: Scrape; synthetic: Scrape; broker: Scrape }

/**
 * Median scrape time (ms), the longest event-loop block seen during the scrapes (wall-clock ms, monitorEventLoopDelay:
 * on a loaded machine it includes the time the OS ran other processes), the main thread's CPU time of that longest
 * block (a 1 ms timer reads process.threadCpuUsage(): the CPU the loop spent between two of its turns, which the
 * machine's load does not inflate), and the text's size.
 */
async function measure(scrape: () => Promise<string>): Promise<Scrape> {
  await scrape();
  const times: number[] = [];
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let lastCpu = process.threadCpuUsage();
  let blockCpuMs = 0;
  const probe = setInterval(() => {
    const cpu = process.threadCpuUsage();
    blockCpuMs = Math.max(blockCpuMs, (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000);
    lastCpu = cpu;
  }, 1);
  let bytes = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    bytes = (await scrape()).length;
    times.push(performance.now() - t0);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  delay.disable();
  clearInterval(probe);
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(ROUNDS / 2)]!, blockMs: delay.max / 1e6, blockCpuMs, bytes };
}

/** Every measurement on the modules of this checkout (paths relative to this file, so an archived tree works too). */
async function measureHere(): Promise<Results> {
  const { GroupCoordinatorMetrics } = await import('../src/coordinator/group/group-coordinator-metrics.ts');
  const { scrapeRegistry } = await import('../src/observability/bulk-gauges.ts');
  const { registerLogMetrics } = await import('../src/observability/log-metrics.ts');
  const { BrokerMetrics } = await import('../src/observability/metrics.ts');
  const { ReplicaManagerMetrics } = await import('../src/observability/replica-manager-metrics.ts');
  const { startBroker, waitFor } = await import('../test/helpers/broker.ts');

  const synthetic = (partitions: number): InstanceType<typeof BrokerMetrics> => {
    const metrics = new BrokerMetrics();
    const logs = Array.from({ length: partitions }, (_, i) => ({
      topic: `topic-${i % 1000}`, partition: Math.floor(i / 1000), size: 1_000_000 + i, logStartOffset: 0n, logEndOffset: BigInt(i * 10), numberOfSegments: 1,
    }));
    registerLogMetrics(metrics.registry, () => logs);
    const views = logs.map(() => ({ isLeader: true, isUnderReplicated: false, isUnderMinIsr: false, isAtMinIsr: false }));
    new ReplicaManagerMetrics(metrics.registry).attach({ partitions: () => views, offlineReplicaCount: () => 0, fetcherLags: () => [] });
    const lag = logs.map((l, i) => ({ group: `group-${i % (partitions / 10 || 1)}`, topic: l.topic, partition: l.partition, lag: i % 100 }));
    new GroupCoordinatorMetrics().register(metrics.registry, { groupCounts: () => [{ protocol: 'classic', state: 'Stable', count: partitions / 10 }], numOffsets: () => partitions, consumerLag: () => lag });
    for (let t = 0; t < Math.min(partitions, 1000); t++) metrics.topicStats(`topic-${t}`).bytesIn.inc(1000);
    return metrics;
  };
  const m0 = synthetic(0);
  const synthetic0 = await measure(() => scrapeRegistry(m0.registry));
  const mN = synthetic(PARTITIONS);
  const syntheticN = await measure(() => scrapeRegistry(mN.registry));

  const broker = await startBroker({ overrides: { 'log.segment.bytes': String(1 << 20) } });
  try {
    const admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, requestTimeout: 300_000 }).admin();
    await admin.connect();
    await admin.createTopics({ timeout: 120_000, topics: Array.from({ length: 10 }, (_, i) => ({ topic: `scrape-${i}`, numPartitions: Math.max(1, PARTITIONS / 10) })) });
    await admin.disconnect();
    await waitFor('partitions hosted', () => [...broker.server.replicaManager.allPartitions()].length >= PARTITIONS, 300_000, 200);
    const brokerScrape = await measure(() => scrapeRegistry(broker.server.metrics.registry));
    return { synthetic0, synthetic: syntheticN, broker: brokerScrape };
  } finally {
    await broker.cleanup();
  }
}

/** The same measurements on `rev`'s src/ and test/helpers/ (this bench file copied in), in a child process. */
function measureRevision(rev: string): Results {
  const dir = mkdtempSync(join(tmpdir(), 'metrics-bench-'));
  try {
    execFileSync('git', ['-C', REPO, 'archive', '-o', join(dir, 'rev.tar'), rev, 'src', 'test/helpers', 'package.json']);
    execFileSync('tar', ['-x', '-C', dir, '-f', join(dir, 'rev.tar')]);
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
    symlinkSync(join(REPO, 'native'), join(dir, 'native'));
    mkdirSync(join(dir, 'bench'));
    copyFileSync(new URL(import.meta.url).pathname, join(dir, 'bench', 'metrics.bench.ts'));
    const child = spawnSync(process.execPath, [join(dir, 'bench', 'metrics.bench.ts'), '--json', '--partitions', String(PARTITIONS)], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'warn' }, maxBuffer: 1 << 26 });
    const line = child.stdout.split('\n').find((l) => l.startsWith('{"synthetic0"'));
    if (line === undefined) throw new Error(`${rev}: ${child.stderr.slice(-2000)}`);
    return JSON.parse(line) as Results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values.json) {
  console.log(JSON.stringify(await measureHere()));
} else {
  const before = values.compare === undefined ? null : measureRevision(values.compare);
  const after = await measureHere();
  const row = (what: string, r: Scrape, b: Scrape | undefined): string =>
    `| ${what} | ${r.ms.toFixed(1)}${b ? ` (${b.ms.toFixed(1)})` : ''} | ${r.blockMs.toFixed(1)}${b ? ` (${b.blockMs.toFixed(1)})` : ''} | ${r.blockCpuMs.toFixed(1)}${b ? ` (${b.blockCpuMs.toFixed(1)})` : ''} | ${r.bytes} |`;
  console.log(before === null ? '' : `Figures of this checkout; in parentheses, those of ${values.compare} in the same run.\n`);
  console.log('| Scrape | median ms | max event-loop block, wall ms | its main-thread CPU ms | exposition bytes |');
  console.log('|---|---|---|---|---|');
  console.log(row('synthetic, no partitions (baseline)', after.synthetic0, before?.synthetic0));
  console.log(row(`synthetic, ${PARTITIONS} partitions, ${PARTITIONS} lag series, 1,000 topics`, after.synthetic, before?.synthetic));
  console.log(row(`real broker, ${PARTITIONS} partitions (10 topics)`, after.broker, before?.broker));
  console.log('');
  console.log('Issue 19 target: < 100 ms per scrape, < 20 ms event-loop block, with 10,000 partitions.');
}
