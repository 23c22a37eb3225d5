// The server.properties of one node of a test cluster, as an operator would write them for several processes on
// one machine: the single-node test settings of test/helpers/broker.ts (small internal topics, no rebalance delay)
// with this node's roles, id, fixed loopback ports and the static quorum of the cluster's controllers.
import { writeFile } from 'node:fs/promises';
import { testBrokerProps } from '../helpers/broker.ts';

/** A role of `process.roles`. */
export type NodeRole = 'broker' | 'controller';

/**
 * Where a node listens: the PLAINTEXT port (broker role) and the CONTROLLER port (controller role), or null, on
 * `host` (127.0.0.1 by default).
 */
export interface NodePorts {
  readonly brokerPort: number | null;
  readonly controllerPort: number | null;
  readonly host?: string;
}

/** One member of a cluster's `controller.quorum.voters` (on `host`, 127.0.0.1 by default). */
export interface Voter {
  readonly nodeId: number;
  readonly controllerPort: number;
  readonly host?: string;
}

/** `controller.quorum.voters` of `voters`: `id@host:port,...` in node id order. */
export function quorumVoters(voters: readonly Voter[]): string {
  return [...voters].sort((a, b) => a.nodeId - b.nodeId).map((v) => `${v.nodeId}@${v.host ?? '127.0.0.1'}:${v.controllerPort}`).join(',');
}

/**
 * The properties of node `nodeId` with `roles`, its data under `dataDir` (log.dirs = `dataDir`/logs) and the
 * listeners of `ports` on 127.0.0.1: a combined node has PLAINTEXT and CONTROLLER listeners; a controller-only
 * node only CONTROLLER (no advertised.listeners, no inter.broker.listener.name); a broker-only node only PLAINTEXT
 * (it still names CONTROLLER in controller.listener.names and the protocol map: that is how it reaches the voters).
 * `overrides` (Kafka config names) come last.
 * @throws Error when a role's port is missing.
 */
export function clusterNodeProps(
  nodeId: number,
  roles: readonly NodeRole[],
  ports: NodePorts,
  voters: readonly Voter[],
  dataDir: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  const isBroker = roles.includes('broker');
  const isController = roles.includes('controller');
  if (isBroker && ports.brokerPort === null) throw new Error(`node ${nodeId} has the broker role and no broker port`);
  if (isController && ports.controllerPort === null) throw new Error(`node ${nodeId} has the controller role and no controller port`);
  const host = ports.host ?? '127.0.0.1';
  const listeners = [
    ...(isBroker ? [`PLAINTEXT://${host}:${ports.brokerPort}`] : []),
    ...(isController ? [`CONTROLLER://${host}:${ports.controllerPort}`] : []),
  ];
  const props = testBrokerProps(dataDir, {
    'process.roles': roles.join(','),
    'node.id': String(nodeId),
    'controller.quorum.voters': quorumVoters(voters),
    listeners: listeners.join(','),
    'advertised.listeners': `PLAINTEXT://${host}:${ports.brokerPort}`,
  });
  if (!isBroker) {
    delete props['advertised.listeners'];
    delete props['inter.broker.listener.name'];
  }
  return { ...props, ...overrides };
}

/** Writes `props` as a Java properties file (`key=value` lines; the values used here need no escapes). */
export async function writeProperties(path: string, props: Record<string, string>, comment: string): Promise<void> {
  const lines = Object.entries(props).map(([k, v]) => `${k}=${v}`);
  await writeFile(path, `# ${comment}\n${lines.join('\n')}\n`);
}
