import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaConfig } from '../../../src/config/kafka-config.ts';
import { KafkaRaftServer, type KafkaRaftServerOptions } from '../../../src/server/kafka-raft-server.ts';
import { testBrokerProps } from '../../helpers/broker.ts';

export const CLUSTER_ID = 'test-cluster-id-00000A';

/** `n` ports nothing listens on right now (the nodes bind them a moment later). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve(server));
  })));
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** A temp directory removed by the returned cleanup. */
export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** One combined node of a static quorum of `controllerPorts.length` voters (ids 1..n), started in this process. */
export interface StaticQuorumNode {
  readonly nodeId: number;
  readonly dataDir: string;
  server: KafkaRaftServer | null;
  start(): Promise<KafkaRaftServer>;
  stop(): Promise<void>;
}

/**
 * Nodes 1..n of a static quorum on loopback (controller.quorum.voters with fixed controller ports, broker listeners
 * on free ports), each with its own data dir under `root`; `overrides` apply to every node.
 */
export function staticQuorum(root: string, controllerPorts: readonly number[], overrides: Record<string, string> = {}, options: KafkaRaftServerOptions = {}): StaticQuorumNode[] {
  const voters = controllerPorts.map((p, i) => `${i + 1}@127.0.0.1:${p}`).join(',');
  return controllerPorts.map((port, i) => {
    const nodeId = i + 1;
    const dataDir = join(root, `node-${nodeId}`);
    const node: StaticQuorumNode = {
      nodeId,
      dataDir,
      server: null,
      async start() {
        const config = KafkaConfig.fromProps(testBrokerProps(dataDir, {
          'node.id': String(nodeId),
          'controller.quorum.voters': voters,
          listeners: `PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:${port}`,
          ...overrides,
        }));
        node.server = await KafkaRaftServer.start(config, { formatClusterId: CLUSTER_ID, ...options });
        return node.server;
      },
      async stop() {
        const server = node.server;
        node.server = null;
        await server?.shutdown();
      },
    };
    return node;
  });
}
