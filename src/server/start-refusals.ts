// The checks a start makes before it writes anything (meta.properties included), so that a refused start leaves
// the log directories as they were: the node shapes this broker cannot run yet.

import type { KafkaConfig } from '../config/kafka-config.ts';

/**
 * Every reason this node cannot start with `config` (empty when it can): an empty controller.quorum.voters (the
 * KIP-853 dynamic quorum of Kafka 4.x's own server.properties, found through controller.quorum.bootstrap.servers)
 * is not supported yet: the message says which static voter to set. Every process.roles (broker, controller, or
 * both) starts; what a role needs of its listeners and voters is checked by the config's validation, with
 * Kafka's messages.
 */
export function startRefusals(config: KafkaConfig): string[] {
  const problems: string[] = [];
  const voters = config.quorumVoters;
  if (voters.length === 0) {
    const controller = config.controllerListeners[0];
    const example = controller === undefined ? '' : ` (for this node alone: controller.quorum.voters=${config.nodeId}@${controller.host === null || controller.host === '' || controller.host === '0.0.0.0' ? 'localhost' : controller.host}:${controller.port})`;
    problems.push(
      'controller.quorum.voters is empty: the dynamic controller quorum (KIP-853, controller.quorum.bootstrap.servers and ' +
        `kafka-storage format --standalone) is not supported yet; set a static quorum in controller.quorum.voters${example}`,
    );
  }
  return problems;
}
