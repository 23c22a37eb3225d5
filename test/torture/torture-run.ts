// One torture run (issue 16 item 7): a three-node cluster (combined nodes, each in its own network namespace when
// the machine allows), the queue workload through kafkajs, the nemesis injecting one fault at a time, then a
// final heal, a complete read, the checker, and a report on disk.
//
// Between faults the run waits for recovery: every partition of the workload topic led, with a full ISR (3), and
// at least one more acknowledged write; that wait is the fault's recovery time (from heal).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TestCluster, SHORT_BROKER_SESSION } from '../cluster/test-cluster.ts';
import { nodeMetadata } from '../cluster/node-metadata.ts';
import { checkQueueHistory, type CheckResult } from './checker.ts';
import { HistoryRecorder } from './history.ts';
import { Nemesis, type FaultEvent, type NemesisFault } from './nemesis.ts';
import { NetworkHosts } from './network-hosts.ts';
import { QueueWorkload } from './queue-workload.ts';
import { writeTortureReport } from './torture-report.ts';

/** Settings of a run; times in ms. */
export interface TortureOptions {
  durationMs: number;
  faults: readonly NemesisFault[];
  seed: number;
  /** Report directory (created). */
  outDir: string;
  partitions?: number;
  /** Quiet time after recovery before the next fault. */
  quietMs?: number;
  minHoldMs?: number;
  maxHoldMs?: number;
  /** Longest wait for recovery after a heal before the run records it as not recovered and goes on. */
  recoveryTimeoutMs?: number;
  /** Progress lines (stderr by default). */
  log?: (line: string) => void;
}

/** What a run found. */
export interface TortureResult {
  check: CheckResult;
  faults: FaultEvent[];
  /** Recovery times of healed faults, ms: median and maximum (undefined without faults). */
  recovery: { p50Ms?: number; maxMs?: number; notRecovered: number };
  drainComplete: boolean;
  /** Node processes that exited on their own (not killed by the nemesis), e.g. a crash: must be 0. */
  unexpectedExits: string[];
  reportDir: string;
}

const TOPIC = 'torture';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether every partition of the topic has a leader and a full ISR in some running broker's metadata. */
async function fullIsr(cluster: TestCluster, partitions: number): Promise<boolean> {
  for (const n of cluster.brokers) {
    if (!n.isUp || n.state === 'paused') continue;
    const md = await nodeMetadata(n.brokerPort!, 2000, n.host).catch(() => null);
    const ps = md?.partitions.get(TOPIC);
    if (ps === undefined || ps.length !== partitions) continue;
    return ps.every((p) => p.leader >= 0 && p.isr.length === 3);
  }
  return false;
}

/**
 * Runs a torture run. @throws Error when the cluster cannot be built or started (a broken environment), never
 * for what the checker finds: that is in the result.
 */
export async function runTorture(options: TortureOptions): Promise<TortureResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[torture] ${line}\n`));
  const partitions = options.partitions ?? 4;
  const t0 = performance.now();
  const hosts = NetworkHosts.available() ? await NetworkHosts.create([1, 2, 3]) : undefined;
  if (hosts === undefined) log('network namespaces unavailable (not root, or no iptables): process faults only');
  const faults = hosts === undefined ? options.faults.filter((f) => f === 'kill' || f === 'pause') : options.faults;
  let cluster: TestCluster | undefined;
  let keepClusterDir = false;
  const history = new HistoryRecorder();
  const unexpectedExits: string[] = [];
  try {
    cluster = await TestCluster.start({
      hosts,
      overrides: {
        ...SHORT_BROKER_SESSION,
        'replica.lag.time.max.ms': '5000',
        'min.insync.replicas': '2',
        'unclean.leader.election.enable': 'false',
        'offsets.topic.replication.factor': '3',
        'transaction.state.log.replication.factor': '3',
        'transaction.state.log.min.isr': '2',
      },
    }, 90_000);
    await cluster.createTopics([{ topic: TOPIC, numPartitions: partitions, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
    await cluster.waitForTopic(TOPIC, partitions);
    const c = cluster;
    const workload = new QueueWorkload(history, () => c.bootstrapServers(), {
      topic: TOPIC, partitions, idempotentProducers: 2, transactionalProducers: 1, consumers: 2, seed: options.seed, opIntervalMs: 20,
    });
    await workload.start();
    const nemesis = new Nemesis(cluster, hosts, { kinds: faults, seed: options.seed, minHoldMs: options.minHoldMs ?? 2000, maxHoldMs: options.maxHoldMs ?? 8000 }, t0);
    const recoverWithin = options.recoveryTimeoutMs ?? 60_000;
    const recover = async (event: FaultEvent | undefined): Promise<void> => {
      const from = performance.now();
      const writesBefore = workload.okWrites;
      const deadline = from + recoverWithin;
      while (performance.now() < deadline) {
        if (workload.okWrites > writesBefore && (await fullIsr(c, partitions))) {
          if (event !== undefined) event.recoveryMs = Math.round(performance.now() - from);
          return;
        }
        await sleep(200);
      }
      log(`not recovered within ${recoverWithin} ms after ${event?.kind ?? 'start'}`);
    };
    await recover(undefined);
    while (performance.now() - t0 < options.durationMs && faults.length > 0) {
      await sleep(options.quietMs ?? 1000);
      const event = await nemesis.inject();
      log(`${(event.startMs / 1000).toFixed(1)} s: ${event.kind} ${event.nodes.join(',')}${event.error !== undefined ? ` (error: ${event.error})` : ''}`);
      await sleep(nemesis.nextHoldMs());
      await nemesis.heal();
      // A node that exited on its own (the nemesis restarts the ones it killed) is a finding: its last log lines and
      // stderr go into the report at once, and it is started again so that the run goes on.
      for (const n of c.nodes) {
        if (n.isUp) continue;
        const finding = `node ${n.nodeId} exited on its own during ${event.kind} at ${(event.startMs / 1000).toFixed(1)} s (${JSON.stringify(n.lastExit)})`;
        unexpectedExits.push(finding);
        log(finding);
        await mkdir(options.outDir, { recursive: true });
        await writeFile(join(options.outDir, `node-${n.nodeId}-exit-${unexpectedExits.length}.log`), `${finding}\n${n.log.tail(200)}\nstderr: ${n.stderr}\n`);
        await n.start(60_000).catch((e: Error) => log(`node ${n.nodeId} did not restart: ${e.message}`));
      }
      await recover(event);
      log(`  healed; recovered in ${event.recoveryMs ?? '-'} ms; ${workload.okWrites} writes acknowledged`);
    }
    await workload.stop();
    for (const n of c.nodes) if (!n.isUp) unexpectedExits.push(`node ${n.nodeId} down at the end (${JSON.stringify(n.lastExit)})`);
    const drainComplete = await workload.drain(60_000);
    const check = checkQueueHistory(history.ops);
    // An invalid run keeps the nodes' data (logs, metadata, checkpoints) for the diagnosis; its path is logged.
    keepClusterDir = !check.valid || unexpectedExits.length > 0;
    const healed = nemesis.events.filter((e) => e.recoveryMs !== undefined).map((e) => e.recoveryMs!).sort((a, b) => a - b);
    const recovery = {
      p50Ms: healed.length > 0 ? healed[Math.floor(healed.length / 2)] : undefined,
      maxMs: healed.at(-1),
      notRecovered: nemesis.events.length - healed.length,
    };
    await mkdir(options.outDir, { recursive: true });
    const result: TortureResult = { check, faults: nemesis.events, recovery, drainComplete, unexpectedExits, reportDir: options.outDir };
    await writeTortureReport(options.outDir, { options: { ...options, log: undefined }, result, history: history.ops, durationMs: performance.now() - t0 });
    return result;
  } finally {
    if (cluster !== undefined && keepClusterDir) {
      await cluster.killKeepingData();
      log(`the cluster's data is kept in ${cluster.dir}`);
    } else if (cluster !== undefined) {
      await cluster.teardown();
    }
    await hosts?.teardown();
  }
}
