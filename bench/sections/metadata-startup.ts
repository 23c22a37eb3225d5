// Start-up of a node whose metadata log holds `topics` topics' records (issue 14 "Performance": 100,000 topics,
// target <= 2 s with a snapshot), without a metadata snapshot (the whole log is replayed) and with one (the latest
// snapshot is loaded, then the tail). The node is a controller-only process (`process.roles=controller`, the only
// voter) so that the figure is the metadata log's: no partition logs are opened. The topics (one partition each)
// are created by CreateTopics of `BATCH` topics on its controller listener, placed on a broker-only node that
// registered and was then killed (its session outlives the run, so it stays the unfenced placement target).
// Time is spawn -> "Kafka broker started" (the metadata log replayed up to the high watermark, listener bound),
// after a clean shutdown, median of `runs`. The snapshot comes from the SnapshotGenerator: the node restarts with
// metadata.log.max.record.bytes.between.snapshots below the log's size and writes one from its image.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiKeys } from '../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../src/protocol/generated/errors.ts';
import type { CreateTopicsResponse } from '../../src/protocol/generated/messages/create-topics-response.ts';
import type { ClusterNode } from '../../test/cluster/cluster-node.ts';
import { TestCluster } from '../../test/cluster/test-cluster.ts';
import { RawKafkaClient } from '../../test/fixtures/e2e/raw-kafka-client.ts';
import type { BenchContext } from '../lib/bench-context.ts';
import type { Row } from '../lib/report.ts';
import { fmt, median } from '../lib/stats.ts';

const SECTION = 'Start-up (metadata log)';
/** Topics per CreateTopics request. */
const BATCH = 1000;
/** No snapshot by size while the log is written and replayed (Kafka's maximum). */
const NO_SNAPSHOT_BYTES = String(2n ** 63n - 1n);
/** The broker's session must outlive the run so that the dead broker stays the placement target. */
const LONG_SESSION = { 'broker.session.timeout.ms': '86400000', 'metadata.log.max.snapshot.interval.ms': '0' };

const metadataDir = (node: ClusterNode): string => join(node.logDirs[0]!, '__cluster_metadata-0');

function metadataLogBytes(node: ClusterNode): number {
  let bytes = 0;
  for (const f of readdirSync(metadataDir(node))) if (f.endsWith('.log')) bytes += readFileSync(join(metadataDir(node), f)).length;
  return bytes;
}

function snapshots(node: ClusterNode): string[] {
  return readdirSync(metadataDir(node)).filter((f) => f.endsWith('.checkpoint')).sort();
}

/** Sets `key=value` in the node's server.properties (a later line of a key wins). */
function setProperty(node: ClusterNode, key: string, value: string): void {
  writeFileSync(node.configFile, `${readFileSync(node.configFile, 'utf8')}${key}=${value}\n`);
}

async function createTopics(controllerPort: number, count: number, progress: (m: string) => void): Promise<void> {
  const client = await RawKafkaClient.connect(controllerPort);
  try {
    for (let first = 0; first < count; first += BATCH) {
      const names = Array.from({ length: Math.min(BATCH, count - first) }, (_, i) => `t-${String(first + i).padStart(6, '0')}`);
      const r = await client.request<CreateTopicsResponse>(ApiKeys.CreateTopics, 7, {
        topics: names.map((name) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] })),
        timeoutMs: 60_000,
        validateOnly: false,
      }, 120_000);
      const failed = r.topics.find((t) => t.errorCode !== Errors.NONE);
      if (failed !== undefined) throw new Error(`CreateTopics ${failed.name}: error ${failed.errorCode} ${failed.errorMessage ?? ''}`);
      if ((first / BATCH) % 20 === 19) progress(`${first + names.length} topics created`);
    }
  } finally {
    await client.close();
  }
}

/** Median start-up time (ms) of `node` over `runs` clean restarts. */
async function restartMs(node: ClusterNode, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    await node.stop(120_000);
    const t0 = performance.now();
    await node.start(600_000);
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** The rows: start-up with `topics` topics in the metadata log, without and with a snapshot. */
export async function runMetadataStartup(ctx: BenchContext, topics: number): Promise<Row[]> {
  const cluster = await TestCluster.create({
    controllers: 1,
    brokers: 1,
    overrides: LONG_SESSION,
    nodeOverrides: { 1: { 'metadata.log.max.record.bytes.between.snapshots': NO_SNAPSHOT_BYTES } },
  });
  try {
    await cluster.startAll(60_000);
    const controller = cluster.node(1);
    await cluster.node(2).kill();
    const t0 = performance.now();
    await createTopics(controller.controllerPort!, topics, (m) => ctx.progress('metadata-startup', m));
    ctx.progress('metadata-startup', `${topics} topics in ${fmt((performance.now() - t0) / 1000, 1)} s; log ${fmt(metadataLogBytes(controller) / 1e6, 1)} MB`);
    const emptyRun = await TestCluster.create({ controllers: 1 });
    let emptyMs: number;
    try {
      await emptyRun.startAll(60_000);
      emptyMs = await restartMs(emptyRun.node(1), ctx.options.runs);
    } finally {
      await emptyRun.teardown();
    }

    const withoutMs = await restartMs(controller, ctx.options.runs);
    if (snapshots(controller).length !== 0) throw new Error(`unexpected snapshots: ${snapshots(controller).join(', ')}`);
    const logBytes = metadataLogBytes(controller);
    ctx.progress('metadata-startup', `without a snapshot: ${fmt(withoutMs)} ms (${fmt(logBytes / 1e6, 1)} MB of log)`);

    // The generator takes a snapshot of the image once more bytes than this were applied: at the first start.
    await controller.stop(120_000);
    setProperty(controller, 'metadata.log.max.record.bytes.between.snapshots', String(Math.floor(logBytes / 2)));
    await controller.start(600_000);
    const deadline = Date.now() + 120_000;
    while (snapshots(controller).length === 0) {
      if (Date.now() > deadline) throw new Error('no metadata snapshot was written within 120 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    setProperty(controller, 'metadata.log.max.record.bytes.between.snapshots', NO_SNAPSHOT_BYTES);
    const withMs = await restartMs(controller, ctx.options.runs);
    const snapshot = snapshots(controller).at(-1)!;
    const snapshotBytes = readFileSync(join(metadataDir(controller), snapshot)).length;
    ctx.progress('metadata-startup', `with snapshot ${snapshot}: ${fmt(withMs)} ms`);
    const shape = `${topics.toLocaleString('en-US')} topics of 1 partition (${fmt(logBytes / 1e6, 1)} MB of metadata log)`;
    return [
      {
        section: SECTION,
        figure: `${topics.toLocaleString('en-US')} topics, with a metadata snapshot`,
        value: withMs,
        unit: 'ms',
        baseline: { label: 'without a snapshot', value: withoutMs },
        target: { op: '<=', value: 2000 },
        note: `${shape}; snapshot ${snapshot} (${fmt(snapshotBytes / 1e6, 1)} MB), then the tail; controller-only node, spawn to "Kafka broker started", clean shutdown before; target of issue 14`,
      },
      {
        section: SECTION,
        figure: `${topics.toLocaleString('en-US')} topics, without a snapshot`,
        value: withoutMs,
        unit: 'ms',
        baseline: { label: 'empty metadata log', value: emptyMs },
        note: `${shape} replayed from offset 0`,
      },
    ];
  } finally {
    await cluster.teardown();
  }
}
