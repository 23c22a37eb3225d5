// The KRaft cluster figures of issue 14 ("Performance"), on real broker processes (test/cluster's TestCluster:
// `kafka-broker format` and `start` of generated server.properties, loopback ports, one data dir each):
// - metadata commit latency: sequential CreateTopics (one topic of one partition each) sent to the active
//   controller's controller listener, answered once the records are committed and applied; 3 voters (three
//   combined nodes) beside 1 voter (one combined node) in the same run, p50 and p99;
// - idle memory: the settled RSS of each node of those clusters right after start-up, per node beside the single
//   node;
// - controller failover: kill -9 of the active controller of three combined nodes with Kafka's default quorum
//   timeouts (controller.quorum.election.timeout.ms 1000, fetch.timeout.ms 2000), timed to the first CreateTopics
//   a surviving broker answers successfully (retried every 10 ms, each node in turn, as an application would),
//   over `kills` kills; the victim is restarted and caught up before the next one.
import { ApiKeys } from '../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../src/protocol/generated/errors.ts';
import type { CreateTopicsResponse } from '../../src/protocol/generated/messages/create-topics-response.ts';
import { RawKafkaClient } from '../../test/fixtures/e2e/raw-kafka-client.ts';
import { SHORT_BROKER_SESSION, TestCluster } from '../../test/cluster/test-cluster.ts';
import type { BenchContext } from '../lib/bench-context.ts';
import type { Row } from '../lib/report.ts';
import { fmt, percentileSorted } from '../lib/stats.ts';
import { settledRss } from './memory.ts';

const SECTION = 'Cluster (KRaft processes)';
/** Commits before the timed ones (connections, code paths, the first segment). */
const WARM_UP = 20;
/**
 * CreateTopics round trips (ms, ascending) to the active controller of a cluster of `voters` combined nodes, and
 * each node's idle RSS (bytes) before them.
 */
async function commitLatencies(ctx: BenchContext, voters: number, count: number): Promise<{ latencies: number[]; idleRss: number[] }> {
  const cluster = await TestCluster.start({ combined: voters });
  try {
    const idleRss: number[] = [];
    for (const n of cluster.nodes) idleRss.push(await settledRss(n.pid!));
    const { node } = await cluster.waitForLeader();
    const client = await RawKafkaClient.connect(node.controllerPort!);
    try {
      const commit = async (topic: string): Promise<number> => {
        const t0 = performance.now();
        const r = await client.request<CreateTopicsResponse>(ApiKeys.CreateTopics, 7, {
          topics: [{ name: topic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
          timeoutMs: 10_000,
          validateOnly: false,
        }, 15_000);
        const elapsed = performance.now() - t0;
        const code = r.topics[0]?.errorCode;
        if (code !== Errors.NONE) throw new Error(`CreateTopics ${topic} on ${voters} voter(s): error ${code} ${r.topics[0]?.errorMessage ?? ''}`);
        return elapsed;
      };
      for (let i = 0; i < WARM_UP; i++) await commit(`warm-up-${i}`);
      const latencies: number[] = [];
      for (let i = 0; i < count; i++) latencies.push(await commit(`commit-${i}`));
      ctx.progress('cluster', `${voters} voter(s): ${count} commits, p50 ${fmt(percentileSorted([...latencies].sort((a, b) => a - b), 50), 2)} ms`);
      return { latencies: latencies.sort((a, b) => a - b), idleRss };
    } finally {
      await client.close();
    }
  } finally {
    await cluster.teardown();
  }
}

/** Failover times (ms, ascending): kill -9 of the active controller -> first successful CreateTopics. */
async function failoverTimes(ctx: BenchContext, kills: number): Promise<number[]> {
  // A short broker session only so that a killed node registers again soon after its restart (a new incarnation
  // waits for the old session to expire); the quorum timeouts, which decide the failover, keep Kafka's defaults.
  const cluster = await TestCluster.start({ combined: 3, overrides: SHORT_BROKER_SESSION });
  try {
    await cluster.createTopics([{ topic: 'before-the-kills' }]);
    const times: number[] = [];
    for (let i = 1; i <= kills; i++) {
      const { node: victim } = await cluster.waitForLeader();
      const t0 = performance.now();
      await victim.kill();
      await cluster.createTopics([{ topic: `after-kill-${i}` }], 60_000, 10);
      times.push(performance.now() - t0);
      ctx.progress('cluster', `kill ${i}/${kills} of node ${victim.nodeId}: metadata writes again after ${fmt(times.at(-1), 0)} ms`);
      await victim.start(60_000);
      await cluster.waitForCatchUp(victim, 60_000);
    }
    return times.sort((a, b) => a - b);
  } finally {
    await cluster.teardown();
  }
}

/** The cluster rows: commit latency 3 voters vs 1 voter (p50, p99), failover p50 and max over `kills` kills. */
export async function runCluster(ctx: BenchContext, commits: number, kills: number): Promise<Row[]> {
  const single = await commitLatencies(ctx, 1, commits);
  const cluster = await commitLatencies(ctx, 3, commits);
  const one = single.latencies;
  const three = cluster.latencies;
  const mb = (bytes: number): number => bytes / 1e6;
  const meanRss = cluster.idleRss.reduce((a, b) => a + b, 0) / cluster.idleRss.length;
  const failovers = await failoverTimes(ctx, kills);
  const commitNote = `${commits} sequential CreateTopics (1 partition) to the active controller's listener, after ${WARM_UP} warm-up; combined nodes on loopback; includes controller.quorum.append.linger.ms (Kafka's default 25 ms)`;
  return [
    { section: SECTION, figure: 'metadata commit latency p50, 3 voters', value: percentileSorted(three, 50), unit: 'ms', digits: 2, baseline: { label: '1 voter', value: percentileSorted(one, 50) }, note: commitNote },
    { section: SECTION, figure: 'metadata commit latency p99, 3 voters', value: percentileSorted(three, 99), unit: 'ms', digits: 2, baseline: { label: '1 voter', value: percentileSorted(one, 99) }, note: `max ${fmt(three.at(-1), 1)} ms (1 voter: ${fmt(one.at(-1), 1)} ms)` },
    {
      section: SECTION,
      figure: 'idle RSS per node, 3 combined nodes (mean)',
      value: mb(meanRss),
      unit: 'MB',
      baseline: { label: 'single node', value: mb(single.idleRss[0]!) },
      note: `nodes: ${cluster.idleRss.map((r) => fmt(mb(r), 0)).join(', ')} MB; right after start-up, settled`,
    },
    {
      section: SECTION,
      figure: `controller failover p50 (${kills} x kill -9 of the active controller)`,
      value: percentileSorted(failovers, 50),
      unit: 'ms',
      target: { op: '<=', value: 2000 },
      note: 'kill -9 -> first successful CreateTopics through a surviving broker; Kafka\'s default quorum timeouts; target of issue 14',
    },
    {
      section: SECTION,
      figure: `controller failover max (${kills} kills)`,
      value: failovers.at(-1),
      unit: 'ms',
      target: { op: '<=', value: 5000 },
      note: `all: ${failovers.map((t) => fmt(t, 0)).join(', ')} ms`,
    },
  ];
}
