// The replication figures of issue 15 ("Performance"), on real processes (test/cluster's TestCluster): three
// controller-only nodes (the metadata quorum, which survives every broker kill) and three broker-only nodes (ids 4,
// 5, 6), every timeout at Kafka's default. Load comes from librdkafka (kcat, bench/native/*.c), never our code.
// - Produce throughput, 1 KiB records, one partition: RF 3 (replicas 4,5,6, leader 4) with acks=all beside RF 1
//   (replica 4) with acks=1, interleaved runs of the same message file; the CPU of every process over each run
//   (procfs) says how the two cores were split.
// - Replication lag during the RF 3 produce runs (full load: the leader is ahead by what the producer has in
//   flight) and during the RF 3 latency runs (50 % load, open loop: the steady-state lag): every LAG_SAMPLE_MS the
//   sampler asks the three replicas at once for their log end offset (ListOffsets LATEST from the debugging replica
//   id -2, which Kafka answers from any replica with its log end offset); lag = leader LEO - follower LEO, per
//   follower and sample. The three answers are not of the same instant (each broker answers when its event loop
//   gets to it), so a sample is off by what the leader appends in that skew: a sampled estimate, not an exact
//   bound. In ms: lag / the run's record rate.
// - End-to-end latency (bench/native/e2e-latency.c: open loop, due time in the record, consumer on the leader,
//   which delivers only below the high watermark) with acks=all on RF 3 at 50 % of the measured RF 3 throughput,
//   beside acks=1 on RF 1 at the same rate.
// - Failover: bench/native/ack-probe.c produces one record every PROBE_INTERVAL_MS with acks=all to an RF 3 topic
//   with min.insync.replicas=2; kill -9 of the partition's leader -> the first record acknowledged by another
//   broker. A dead broker is found only when its session expires (broker.session.timeout.ms, 9 s by default, after
//   its last heartbeat, sent every broker.heartbeat.interval.ms = 2 s: 7 to 9 s after the kill): the survivors'
//   metadata is polled to tell when the leader moved, which splits the time into detection + election
//   and the client's own discovery. The victim is restarted and back in the ISR before the next kill.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { TestCluster } from '../../test/cluster/test-cluster.ts';
import type { ClusterNode } from '../../test/cluster/cluster-node.ts';
import { waitFor } from '../../test/helpers/broker.ts';
import type { BenchContext } from '../lib/bench-context.ts';
import { PRODUCER_DEFAULTS, runKcat } from '../lib/kcat.ts';
import { cpuSeconds } from '../lib/proc-stat.ts';
import { createAssignedTopic, partitionState, ReplicaOffsets } from '../lib/replica-admin.ts';
import type { Row } from '../lib/report.ts';
import { fmt, median, percentileSorted } from '../lib/stats.ts';
import { buildLatencyProbe, runLatencyProbe, type LatencyResult } from './latency.ts';
import { messageFile } from './produce.ts';

const run = promisify(execFile);
const SECTION = 'Replication (RF 3, processes)';
const RECORD_BYTES = 1024;
const LAG_SAMPLE_MS = 20;
const PROBE_INTERVAL_MS = 10;
/** Kafka's default broker.session.timeout.ms, which the cluster keeps. */
const SESSION_TIMEOUT_MS = 9000;

interface ProduceRun {
  recordsPerSec: number;
  mbPerSec: number;
  payloadBytes: number;
  wallSec: number;
  /** CPU seconds over the run, by node id, and of kcat. */
  cpu: Map<number, number>;
  kcatCpu: number;
  /** Lag samples (records) of each follower, RF 3 runs only. */
  lags: number[];
  /** Lag samples that failed (no answer in time). */
  failedSamples: number;
}

/** Reads the CPU seconds of every running node. */
function nodeCpu(cluster: TestCluster): Map<number, number> {
  const m = new Map<number, number>();
  for (const n of cluster.nodes) if (n.pid !== null) m.set(n.nodeId, cpuSeconds(n.pid));
  return m;
}

/**
 * Waits until partition 0 of `topic` is led by `node` with all of `replicas` in the ISR, per its metadata, and
 * each replica's broker serves it (a broker's metadata names a partition a moment before its replica exists).
 */
async function waitForFullIsr(cluster: TestCluster, node: ClusterNode, topic: string, replicas: readonly number[], timeoutMs = 60_000): Promise<void> {
  const want = [...replicas].sort((a, b) => a - b).join(',');
  await waitFor(`${topic}-0 led by ${node.nodeId} with ISR [${want}], every replica serving it`, async () => {
    const s = await partitionState(node.brokerPort!, topic).catch(() => null);
    if (s === null || s.leader !== node.nodeId || s.isr.join(',') !== want) return false;
    const served = await Promise.all(replicas.map(async (id) => {
      const c = await ReplicaOffsets.connect(cluster.node(id).brokerPort!);
      try {
        return await c.logEndOffset(topic).then(() => true, () => false);
      } finally {
        await c.close();
      }
    }));
    return served.every((x) => x);
  }, timeoutMs, 100);
}

/**
 * Makes sure the followers of `topic` fetch before a timed run: one 1-byte record with acks=all through kcat,
 * answered once every ISR member has it. A follower that fetched before its leader had the partition backs off
 * replica.fetch.backoff.ms (1 s) first, which would otherwise stall the start of the run.
 */
async function primeReplication(ctx: BenchContext, bootstrap: string, topic: string): Promise<void> {
  const path = join(ctx.scratch, 'prime-record.txt');
  writeFileSync(path, 'x\n');
  await runKcat(['-P', '-b', bootstrap, '-t', topic, '-p', '0', '-X', 'acks=all', '-l', path]);
}

/**
 * Samples every `LAG_SAMPLE_MS` the log end offsets of the replicas on `brokers` (the first is the leader) until
 * stopped; each sample gives leader LEO - follower LEO for each follower; samples of the first `skipMs` are not kept.
 */
async function startLagSampler(brokers: readonly ClusterNode[], topic: string, skipMs = 0): Promise<{ stop: () => Promise<{ lags: number[]; failed: number }> }> {
  const countFrom = performance.now() + skipMs;
  const conns = await Promise.all(brokers.map((b) => ReplicaOffsets.connect(b.brokerPort!)));
  const lags: number[] = [];
  let failed = 0;
  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      const next = performance.now() + LAG_SAMPLE_MS;
      // A failed sample (a timeout under load) is counted, not fatal: the run goes on.
      const leos = await Promise.all(conns.map((c) => c.logEndOffset(topic))).catch(() => null);
      if (leos === null) failed++;
      else if (performance.now() >= countFrom) for (let i = 1; i < leos.length; i++) lags.push(leos[0]! - leos[i]!);
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    async stop() {
      stopping = true;
      try {
        await loop;
      } finally {
        await Promise.all(conns.map((c) => c.close()));
      }
      return { lags, failed };
    },
  };
}

/** One kcat produce run of the message file into a fresh topic on `replicas` with `acks`; checks every LEO. */
async function produceOnce(ctx: BenchContext, cluster: TestCluster, replicas: readonly number[], acks: '1' | 'all', topic: string): Promise<ProduceRun> {
  const file = messageFile(ctx, RECORD_BYTES);
  const nodes = replicas.map((id) => cluster.node(id));
  await createAssignedTopic(nodes[0]!.brokerPort!, topic, replicas);
  await waitForFullIsr(cluster, nodes[0]!, topic, replicas);
  await primeReplication(ctx, nodes[0]!.bootstrap, topic);
  const expected = file.count + 1;
  try {
    const sampler = replicas.length > 1 ? await startLagSampler(nodes, topic) : undefined;
    const cpu0 = nodeCpu(cluster);
    const r = await runKcat(['-P', '-b', nodes[0]!.bootstrap, '-t', topic, '-p', '0', '-X', `acks=${acks}`, ...PRODUCER_DEFAULTS, '-l', file.path]);
    const cpu1 = nodeCpu(cluster);
    const sampled = (await sampler?.stop()) ?? { lags: [], failed: 0 };
    // Nothing lost: the leader holds every record (the priming one and the file's), and each follower the same.
    for (const n of nodes) {
      const c = await ReplicaOffsets.connect(n.brokerPort!);
      try {
        await waitFor(`node ${n.nodeId}'s replica of ${topic} to hold ${expected} records`, async () => (await c.logEndOffset(topic)) === expected, 60_000, 100);
      } finally {
        await c.close();
      }
    }
    const cpu = new Map([...cpu1].map(([id, s]) => [id, s - (cpu0.get(id) ?? 0)]));
    return { payloadBytes: file.payloadBytes, recordsPerSec: file.count / r.wallSec, mbPerSec: file.payloadBytes / 1e6 / r.wallSec, wallSec: r.wallSec, cpu, kcatCpu: r.clientCpuSec, lags: sampled.lags, failedSamples: sampled.failed };
  } finally {
    await cluster.deleteTopics([topic], 60_000);
  }
}

/** "leader 4 1.2 (2.3 CPU-s/GB), ..." median CPU-s of the runs by process, with the share of the two cores' wall time. */
function cpuSplit(runs: readonly ProduceRun[], roles: Map<number, string>): string {
  const m = (f: (x: ProduceRun) => number): number => median(runs.map(f));
  const wall = m((x) => x.wallSec);
  const gb = runs[0]!.payloadBytes / 1e9;
  const parts = [...roles].map(([id, role]) => `${role} ${fmt(m((x) => x.cpu.get(id) ?? 0), 1)} (${fmt(m((x) => x.cpu.get(id) ?? 0) / gb, 1)} CPU-s/GB)`);
  const total = m((x) => [...x.cpu.values()].reduce((a, b) => a + b, 0) + x.kcatCpu);
  return `CPU-s over ${fmt(wall, 1)} s: ${parts.join(', ')}, kcat ${fmt(m((x) => x.kcatCpu), 1)}; ${fmt((total / (2 * wall)) * 100)} % of 2 cores`;
}

/**
 * The warnings and errors (pino level >= 40) the brokers logged since `from` (ms), as "node N: msg xcount" parts,
 * most frequent first: ISR shrinks, fetch errors and the like explain a slow or stalled replication.
 */
function brokerWarnings(cluster: TestCluster, from: number): string {
  const counts = new Map<string, number>();
  for (const n of cluster.brokers) {
    for (const l of n.log.lines) {
      if (l.time < from || (l.level ?? 0) < 40) continue;
      const key = `node ${n.nodeId}: ${l.msg}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  const parts = [...counts].sort((a, b) => b[1] - a[1]).map(([k, c]) => `${k} x${c}`);
  return parts.length === 0 ? 'none' : parts.slice(0, 6).join('; ').replaceAll('|', '/');
}

/** One line of bench/native/ack-probe.c. */
interface ProbeLine {
  ok: boolean;
  atMs: number;
  broker: number;
}

/** Compiles and starts the ack probe on `topic`; its lines are collected in `lines`. */
async function startAckProbe(ctx: BenchContext, bootstrap: string, topic: string): Promise<{ child: ChildProcess; lines: ProbeLine[] }> {
  const binary = join(ctx.scratch, 'ack-probe');
  await run('cc', ['-O2', '-o', binary, join(ctx.repo, 'bench/native/ack-probe.c'), '-lrdkafka']);
  const child = spawn(binary, [bootstrap, topic, 'all', String(PROBE_INTERVAL_MS)], { stdio: ['ignore', 'pipe', 'ignore'] });
  const lines: ProbeLine[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    const [kind, at, broker] = l.split(' ');
    lines.push({ ok: kind === 'ack', atMs: Number(at), broker: Number(broker) });
  });
  return { child, lines };
}

interface Failover {
  /** kill -9 -> first record acknowledged by another broker (ms). */
  ackMs: number;
  /** kill -9 -> a surviving broker's metadata names a new leader (ms). */
  electedMs: number;
}

/** `kills` times: kill -9 of the leader of an RF 3 acks=all topic, time to the first ack, restart, full ISR. */
async function failovers(ctx: BenchContext, cluster: TestCluster, kills: number): Promise<{ times: Failover[]; errors: number }> {
  const topic = 'failover';
  const replicas = cluster.brokers.map((b) => b.nodeId);
  await createAssignedTopic(cluster.brokers[0]!.brokerPort!, topic, replicas, { 'min.insync.replicas': '2' });
  await waitForFullIsr(cluster, cluster.brokers[0]!, topic, replicas);
  const probe = await startAckProbe(ctx, cluster.bootstrapServers().join(','), topic);
  try {
    await waitFor('the probe\'s first ack', () => probe.lines.some((l) => l.ok), 30_000);
    const times: Failover[] = [];
    for (let i = 1; i <= kills; i++) {
      const { leader } = await partitionState(cluster.brokers[0]!.brokerPort!, topic);
      const victim = cluster.node(leader);
      const survivors = cluster.brokers.filter((b) => b !== victim);
      const t0 = Date.now();
      await victim.kill();
      const elected = waitFor('a survivor to name a new leader', async () => {
        for (const s of survivors) {
          const st = await partitionState(s.brokerPort!, topic).catch(() => null);
          if (st !== null && st.leader !== -1 && st.leader !== victim.nodeId) return Date.now();
        }
        return null;
      }, 60_000, 20);
      const acked = await waitFor('the first ack from the new leader', () => probe.lines.find((l) => l.ok && l.atMs >= t0 && l.broker !== victim.nodeId), 60_000, 5);
      const f = { ackMs: acked.atMs - t0, electedMs: (await elected) - t0 };
      times.push(f);
      ctx.progress('replication', `kill ${i}/${kills} of leader ${victim.nodeId}: new leader in metadata after ${fmt(f.electedMs)} ms, first acks=all ack after ${fmt(f.ackMs)} ms`);
      await victim.start(60_000);
      const { leader: now } = await partitionState(survivors[0]!.brokerPort!, topic);
      await waitForFullIsr(cluster, cluster.node(now), topic, replicas, 120_000);
    }
    return { times, errors: probe.lines.filter((l) => !l.ok).length };
  } finally {
    probe.child.kill('SIGTERM');
    await cluster.deleteTopics([topic], 60_000).catch(() => undefined);
  }
}

/** The replication rows: throughput RF 3 vs RF 1 and CPU split, lag, e2e latency at 50 % load, failover. */
export async function runReplication(ctx: BenchContext, kills: number): Promise<Row[]> {
  const cluster = await TestCluster.start({ controllers: 3, brokers: 3 });
  try {
    const [b1, b2, b3] = cluster.brokers.map((b) => b.nodeId) as [number, number, number];
    const rf3: ProduceRun[] = [];
    const rf1: ProduceRun[] = [];
    const loadFrom = Date.now();
    for (let r = 0; r < ctx.options.runs; r++) {
      const one = await produceOnce(ctx, cluster, [b1], '1', `rf1-${r}`);
      rf1.push(one);
      const three = await produceOnce(ctx, cluster, [b1, b2, b3], 'all', `rf3-${r}`);
      rf3.push(three);
      ctx.progress('replication', `run ${r + 1}/${ctx.options.runs}: RF 3 acks=all ${fmt(three.recordsPerSec)} rec/s, RF 1 acks=1 ${fmt(one.recordsPerSec)} rec/s`);
    }
    const rec = (runs: ProduceRun[]): number => median(runs.map((x) => x.recordsPerSec));
    const lags = rf3.flatMap((x) => x.lags).sort((a, b) => a - b);
    const rf3Rate = rec(rf3);
    const controllers = new Map(cluster.controllers.map((c) => [c.nodeId, `controller ${c.nodeId}`]));
    const rows: Row[] = [
      {
        section: SECTION,
        figure: '1 KiB produce, RF 3 acks=all on 3 brokers: records/s',
        value: rf3Rate,
        unit: 'rec/s',
        baseline: { label: 'RF 1 acks=1 on 1 broker', value: rec(rf1) },
        target: { op: '>=', value: 0.5, on: 'ratio' },
        note: `${fmt(median(rf3.map((x) => x.mbPerSec)))} MB/s vs ${fmt(median(rf1.map((x) => x.mbPerSec)))} MB/s; Kafka 2014: 421,823 vs 821,557 rec/s (0.51); kcat, linger.ms=5, 1 MB batches, ${fmt(messageFile(ctx, RECORD_BYTES).count)} records/run`,
      },
      { section: SECTION, figure: 'CPU split, RF 3 acks=all', unit: '', text: 'see note', note: cpuSplit(rf3, new Map([[b1, `leader ${b1}`], [b2, `follower ${b2}`], [b3, `follower ${b3}`], ...controllers])) },
      { section: SECTION, figure: 'CPU split, RF 1 acks=1', unit: '', text: 'see note', note: cpuSplit(rf1, new Map([[b1, `broker ${b1}`], [b2, `idle ${b2}`], [b3, `idle ${b3}`], ...controllers])) },
      {
        section: SECTION,
        figure: 'replication lag p99 at full load (leader LEO - follower LEO)',
        value: percentileSorted(lags, 99),
        unit: 'records',
        note: `= ${fmt((percentileSorted(lags, 99) / rf3Rate) * 1000)} ms at the RF 3 rate; p50 ${fmt(percentileSorted(lags, 50))}, max ${fmt(lags.at(-1))} records; ${fmt(lags.length)} samples (2 followers x every ${LAG_SAMPLE_MS} ms, ListOffsets replica id -2 to the three replicas at once; ${rf3.reduce((n, x) => n + x.failedSamples, 0)} failed); at full load the leader runs ahead by what the producer has in flight, which librdkafka caps at queue.buffering.max.messages (100,000)`,
      },
    ];
    rows.push(...(await latencyRows(ctx, cluster, [b1, b2, b3], rf3Rate / 2)));
    rows.push({ section: SECTION, figure: 'broker warnings/errors during the load runs', unit: '', text: 'see note', note: brokerWarnings(cluster, loadFrom) });
    const { times, errors } = await failovers(ctx, cluster, kills);
    const acks = times.map((t) => t.ackMs).sort((a, b) => a - b);
    const elected = times.map((t) => t.electedMs).sort((a, b) => a - b);
    rows.push(
      {
        section: SECTION,
        figure: `failover p50 (${kills} x kill -9 of the leader -> first acks=all ack)`,
        value: percentileSorted(acks, 50),
        unit: 'ms',
        target: { op: '<=', value: 3000 },
        note: `new leader in a survivor's metadata after p50 ${fmt(percentileSorted(elected, 50))} ms (max ${fmt(elected.at(-1))}): the controller fences a dead broker ${fmt(SESSION_TIMEOUT_MS)} ms (broker.session.timeout.ms) after its last heartbeat (every 2 s), 7-9 s after the kill, then elects from the ISR; the client's discovery after that: p50 ${fmt(median(times.map((t) => t.ackMs - t.electedMs)))} ms; ${errors} delivery errors; Kafka has the same bound, so the 3 s target is out of reach with the default session timeout`,
      },
      { section: SECTION, figure: `failover max (${kills} kills)`, value: acks.at(-1), unit: 'ms', note: `all: ${acks.map((t) => fmt(t)).join(', ')} ms; Kafka's default timeouts; RF 3, min.insync.replicas=2, probe every ${PROBE_INTERVAL_MS} ms` },
    );
    return rows;
  } finally {
    await cluster.teardown();
  }
}

/** E2E latency acks=all RF 3 at `rate` rec/s beside acks=1 RF 1 at the same rate (p50, p99). */
async function latencyRows(ctx: BenchContext, cluster: TestCluster, replicas: readonly number[], rate: number): Promise<Row[]> {
  const probe = await buildLatencyProbe(ctx);
  if (probe.binary === undefined) return [{ section: SECTION, figure: 'e2e latency acks=all RF 3', unit: '', text: probe.skipped }];
  const leader = cluster.node(replicas[0]!);
  const three: LatencyResult[] = [];
  const one: LatencyResult[] = [];
  const lags: number[] = [];
  const once = async (topic: string, on: readonly number[], acks: '1' | 'all', into: LatencyResult[]): Promise<void> => {
    await createAssignedTopic(leader.brokerPort!, topic, on);
    await waitForFullIsr(cluster, leader, topic, on);
    await primeReplication(ctx, leader.bootstrap, topic);
    try {
      // Only the probe's measured window counts (its warm-up is the first max(1, latencySec / 5) seconds).
      const warmupMs = Math.max(1, ctx.options.latencySec / 5) * 1000;
      const sampler = on.length > 1 ? await startLagSampler(on.map((id) => cluster.node(id)), topic, warmupMs) : undefined;
      into.push(await runLatencyProbe(ctx, probe.binary!, leader.bootstrap, topic, rate, acks));
      lags.push(...((await sampler?.stop())?.lags ?? []));
    } finally {
      await cluster.deleteTopics([topic], 60_000);
    }
  };
  for (let r = 0; r < ctx.options.runs; r++) {
    await once(`latency-rf1-${r}`, [replicas[0]!], '1', one);
    await once(`latency-rf3-${r}`, replicas, 'all', three);
  }
  const ms = (xs: LatencyResult[], f: (x: LatencyResult) => number): number => median(xs.map(f)) / 1000;
  const note = `${fmt(rate)} rec/s (50 % of the RF 3 figure), 1 KiB, linger.ms=1, open loop; ack p50 ${fmt(ms(three, (x) => x.ackP50Us), 2)} ms, p99 ${fmt(ms(three, (x) => x.ackP99Us), 2)} ms (RF 1: ${fmt(ms(one, (x) => x.ackP50Us), 2)} / ${fmt(ms(one, (x) => x.ackP99Us), 2)} ms)`;
  ctx.progress('replication', `e2e latency at ${fmt(rate)} rec/s: RF 3 p50 ${fmt(ms(three, (x) => x.e2eP50Us), 2)} ms p99 ${fmt(ms(three, (x) => x.e2eP99Us), 2)} ms`);
  lags.sort((a, b) => a - b);
  return [
    {
      section: SECTION,
      figure: 'replication lag p99 at 50 % load (leader LEO - follower LEO)',
      value: percentileSorted(lags, 99),
      unit: 'records',
      note: `= ${fmt((percentileSorted(lags, 99) / rate) * 1000, 1)} ms at ${fmt(rate)} rec/s; p50 ${fmt(percentileSorted(lags, 50))}, max ${fmt(lags.at(-1))} records; ${fmt(lags.length)} samples during the acks=all e2e runs below (after their warm-up); the records of a lag this long would wait as long end to end: compare with the e2e max`,
    },
    { section: SECTION, figure: 'e2e latency p50, acks=all RF 3 at 50 % load', value: ms(three, (x) => x.e2eP50Us), unit: 'ms', digits: 2, baseline: { label: 'acks=1 RF 1, same rate', value: ms(one, (x) => x.e2eP50Us) }, note },
    { section: SECTION, figure: 'e2e latency p99, acks=all RF 3 at 50 % load', value: ms(three, (x) => x.e2eP99Us), unit: 'ms', digits: 2, baseline: { label: 'acks=1 RF 1, same rate', value: ms(one, (x) => x.e2eP99Us) }, note: `p99.9 ${fmt(ms(three, (x) => x.e2eP999Us), 1)} ms, max ${fmt(ms(three, (x) => x.e2eMaxUs), 1)} ms` },
  ];
}
