import { parseKafkaPrincipal } from '../../security/kafka-principal.ts';
import type { KafkaRaftServer } from '../kafka-raft-server.ts';
import { ConsoleServer } from './console-server.ts';

/**
 * Starts the web console of `node` when `console.listener` is set (null otherwise), acting as `console.principal`
 * over the node's broker services.
 * @throws Error when the node has no broker role, `console.principal` is not `type:name`, or the listener is
 *   malformed or cannot be bound.
 */
export async function startConsole(node: KafkaRaftServer): Promise<ConsoleServer | null> {
  const listener = node.config.getString('console.listener') ?? '';
  if (listener === '') return null;
  const broker = node.brokerServer;
  if (broker === null) throw new Error('console.listener is set on a node without the broker role: the console reads the broker\'s logs and groups');
  const principalText = node.config.getString('console.principal') ?? '';
  let principal;
  try {
    principal = parseKafkaPrincipal(principalText);
  } catch (cause) {
    throw new Error(`console.principal must be type:name (e.g. User:console), got '${principalText}'`, { cause });
  }
  return ConsoleServer.start(listener, {
    nodeId: node.nodeId,
    clusterId: node.clusterId,
    metadata: () => node.metadata,
    raft: node.shared.raft.client,
    replicaManager: broker.replicaManager,
    groupCoordinator: broker.groupCoordinator,
    registry: node.metrics.registry,
    authorizer: node.shared.authorizer,
    principal,
  }, node.logger.child({ component: 'ConsoleServer' }));
}
