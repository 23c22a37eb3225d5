// What the replication tests ask of a cluster about one partition: its state as every running broker's metadata image
// holds it, and its records as kcat (librdkafka) reads them from the leader.
import { waitFor } from '../helpers/broker.ts';
import { runKcat } from '../fixtures/e2e/kcat.ts';
import { nodeMetadata, type PartitionMetadata } from './node-metadata.ts';
import type { TestCluster } from './test-cluster.ts';

/**
 * Polls every broker that is up and not paused (Metadata on its own listener) until all of them describe partition
 * `partition` of `topic` identically and `accept` holds for that description: what a client sees wherever it asks.
 * @returns the agreed description. @throws Error naming `what` and the last answers when `timeoutMs` passes.
 */
export async function waitForPartition(
  cluster: TestCluster,
  topic: string,
  partition: number,
  what: string,
  accept: (p: PartitionMetadata) => boolean,
  timeoutMs = 30_000,
): Promise<PartitionMetadata> {
  let last = '';
  try {
    return await waitFor(`${topic}-${partition}: ${what}`, async () => {
      const running = cluster.brokers.filter((n) => n.isUp && n.state !== 'paused');
      const views = await Promise.all(running.map((n) => nodeMetadata(n.brokerPort!).then((m) => m.partitions.get(topic)?.[partition]).catch(() => undefined)));
      last = JSON.stringify(views);
      const first = views[0];
      if (first === undefined || views.some((v) => v === undefined || JSON.stringify(v) !== JSON.stringify(first))) return null;
      return accept(first) ? first : null;
    }, timeoutMs, 100);
  } catch (e) {
    throw new Error(`${(e as Error).message}; last views: ${last}`);
  }
}

/** Every ISR (or replica) set equal: `[4, 5, 6]` vs the partition's ascending ISR. */
export function isrIs(expected: readonly number[]): (p: PartitionMetadata) => boolean {
  const want = [...expected].sort((a, b) => a - b).join(',');
  return (p) => p.leader >= 0 && p.isr.join(',') === want;
}

/**
 * The values of partition `partition` of `topic` from the beginning to the end the broker at `bootstrap` serves
 * (its high watermark), read by kcat's consumer (no group).
 */
export async function kcatValues(bootstrap: string, topic: string, partition: number): Promise<string[]> {
  const { stdout } = await runKcat(['-C', '-b', bootstrap, '-t', topic, '-p', String(partition), '-o', 'beginning', '-e', '-q', '-f', '%s\\n'], { timeoutMs: 30_000 });
  return stdout.toString().split('\n').filter((l) => l !== '');
}
