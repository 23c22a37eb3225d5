// In-process nodes of a small KRaft cluster with separate roles (broker-only, controller-only, combined) on
// loopback ports, for the tests of roles, forwarding and the broker lifecycle. Controller ports must be known
// before any node starts (controller.quorum.voters), so they are picked free up front.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaConfig } from '../../src/config/kafka-config.ts';
import { KafkaRaftServer, type KafkaRaftServerOptions } from '../../src/server/kafka-raft-server.ts';

export const TEST_CLUSTER_ID = 'test-cluster-id-00000A';

/** `n` distinct free loopback ports (bound to port 0, then released). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<import('node:net').Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  })));
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** What a node of the test cluster is: its id, roles and ports (a broker port of 0 picks a free one). */
export interface RoleNodeSpec {
  readonly nodeId: number;
  readonly roles: 'broker' | 'controller' | 'broker,controller';
  /** The PLAINTEXT port of a broker role. */
  readonly brokerPort?: number;
  /** The CONTROLLER port of a controller role (must be the one in the voters). */
  readonly controllerPort?: number;
  /** controller.quorum.voters, e.g. `1@127.0.0.1:19093`. */
  readonly voters: string;
  readonly dataDir: string;
  readonly overrides?: Record<string, string>;
}

/** The properties of a test node of `spec`. */
export function roleNodeProps(spec: RoleNodeSpec): Record<string, string> {
  const listeners: string[] = [];
  const advertised: string[] = [];
  if (spec.roles.includes('broker')) {
    listeners.push(`PLAINTEXT://127.0.0.1:${spec.brokerPort ?? 0}`);
    advertised.push(`PLAINTEXT://127.0.0.1:${spec.brokerPort ?? 0}`);
  }
  if (spec.roles.includes('controller')) {
    listeners.push(`CONTROLLER://127.0.0.1:${spec.controllerPort}`);
    advertised.push(`CONTROLLER://127.0.0.1:${spec.controllerPort}`);
  }
  return {
    'process.roles': spec.roles,
    'node.id': String(spec.nodeId),
    'controller.quorum.voters': spec.voters,
    listeners: listeners.join(','),
    'advertised.listeners': advertised.join(','),
    'controller.listener.names': 'CONTROLLER',
    ...(spec.roles.includes('broker') ? { 'inter.broker.listener.name': 'PLAINTEXT' } : {}),
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': join(spec.dataDir, `node-${spec.nodeId}`),
    'num.partitions': '1',
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '3',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '3',
    'group.initial.rebalance.delay.ms': '0',
    ...spec.overrides,
  };
}

/** Starts one node of `spec` in this process (its dirs formatted with TEST_CLUSTER_ID on first start). */
export function startRoleNode(spec: RoleNodeSpec, options: KafkaRaftServerOptions = {}): Promise<KafkaRaftServer> {
  return KafkaRaftServer.start(KafkaConfig.fromProps(roleNodeProps(spec)), { formatClusterId: TEST_CLUSTER_ID, ...options });
}

/** A fresh temp dir for a test cluster, and its removal. */
export async function clusterDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'kafka-roles-test-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
