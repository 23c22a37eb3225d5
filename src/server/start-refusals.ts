// The checks a start makes before it writes anything (meta.properties included), so that a refused start leaves
// the log directories as they were: the node shapes this broker cannot run yet.

import type { KafkaConfig } from '../config/kafka-config.ts';

/**
 * Every reason this node cannot start with `config` (empty when it can). Both forms of the quorum start: static
 * voters (controller.quorum.voters) and a dynamic quorum (KIP-853: empty controller.quorum.voters, the voters in
 * the log and the bootstrap checkpoint of `format --standalone` / `--initial-controllers`, found through
 * controller.quorum.bootstrap.servers).
 * - every node runs the broker role with the controller role in one process (combined mode) so far: brokers and
 *   controllers in separate processes need the brokers to pass metadata writes on to the active controller
 *   (request forwarding), which is not built yet.
 */
export function startRefusals(config: KafkaConfig): string[] {
  const problems: string[] = [];
  if (!(config.isBroker && config.isController)) {
    problems.push(
      `process.roles=${config.processRoles.join(',')}: only combined nodes (process.roles=broker,controller) are supported so far; ` +
        'separate broker and controller processes need request forwarding to the active controller, which is not built yet',
    );
  }
  return problems;
}
