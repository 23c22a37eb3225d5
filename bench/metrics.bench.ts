// Prometheus scrape cost with many partitions (issue 19: scraping /metrics with 10,000 partitions takes < 100 ms
// and blocks the event loop < 20 ms): a BrokerMetrics registry with the broker's per-partition metrics (Log gauges,
// ReplicaManager counts, consumer lag of one group per 10 partitions) and BrokerTopicMetrics of 1,000 topics, each
// scraped as /metrics serves it (`scrapeRegistry`). Baseline in the same run: the same registry with no partitions.
// Run: node bench/metrics.bench.ts [--partitions 10000]   (prints a markdown table; medians of several rounds)
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { GroupCoordinatorMetrics } from '../src/coordinator/group/group-coordinator-metrics.ts';
import { scrapeRegistry } from '../src/observability/bulk-gauges.ts';
import { registerLogMetrics, type LogView } from '../src/observability/log-metrics.ts';
import { BrokerMetrics } from '../src/observability/metrics.ts';
import { ReplicaManagerMetrics } from '../src/observability/replica-manager-metrics.ts';

const ROUNDS = 9;
const { values } = parseArgs({ options: { partitions: { type: 'string', default: '10000' } } });
const PARTITIONS = Number(values.partitions);

function registry(partitions: number): BrokerMetrics {
  const metrics = new BrokerMetrics();
  const logs: LogView[] = Array.from({ length: partitions }, (_, i) => ({
    topic: `topic-${i % 1000}`, partition: Math.floor(i / 1000), size: 1_000_000 + i, logStartOffset: 0n, logEndOffset: BigInt(i * 10), numberOfSegments: 1,
  }));
  registerLogMetrics(metrics.registry, () => logs);
  const views = logs.map(() => ({ isLeader: true, isUnderReplicated: false, isUnderMinIsr: false, isAtMinIsr: false }));
  new ReplicaManagerMetrics(metrics.registry).attach({ partitions: () => views, offlineReplicaCount: () => 0, fetcherLags: () => [] });
  const lag = logs.map((l, i) => ({ group: `group-${i % (partitions / 10 || 1)}`, topic: l.topic, partition: l.partition, lag: i % 100 }));
  new GroupCoordinatorMetrics().register(metrics.registry, { groupCounts: () => [{ protocol: 'classic', state: 'Stable', count: partitions / 10 }], numOffsets: () => partitions, consumerLag: () => lag });
  for (let t = 0; t < Math.min(partitions, 1000); t++) metrics.topicStats(`topic-${t}`).bytesIn.inc(1000);
  return metrics;
}

/** Median scrape time (ms), the longest event-loop block seen during the scrapes (ms), and the text's size. */
async function measure(metrics: BrokerMetrics): Promise<{ ms: number; blockMs: number; bytes: number }> {
  await scrapeRegistry(metrics.registry);
  const times: number[] = [];
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let bytes = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    bytes = (await scrapeRegistry(metrics.registry)).length;
    times.push(performance.now() - t0);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  delay.disable();
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(ROUNDS / 2)]!, blockMs: delay.max / 1e6, bytes };
}

const base = await measure(registry(0));
const big = await measure(registry(PARTITIONS));
console.log('| Scrape | median ms | max event-loop block ms | exposition bytes |');
console.log('|---|---|---|---|');
console.log(`| no partitions (baseline) | ${base.ms.toFixed(1)} | ${base.blockMs.toFixed(1)} | ${base.bytes} |`);
console.log(`| ${PARTITIONS} partitions, ${PARTITIONS} lag series, 1,000 topics | ${big.ms.toFixed(1)} | ${big.blockMs.toFixed(1)} | ${big.bytes} |`);
console.log('');
console.log('Issue 19 target: < 100 ms per scrape, < 20 ms event-loop block, with 10,000 partitions.');
