// The checks a start makes before it writes anything (meta.properties included), so that a refused start leaves
// the log directories as they were: the node shapes this broker cannot run yet.

import type { KafkaConfig } from '../config/kafka-config.ts';

/**
 * Every reason this node cannot start with `config` (empty when it can). Every process.roles (broker, controller,
 * or both) starts, with either form of the quorum: static voters (controller.quorum.voters) or a dynamic quorum
 * (KIP-853: empty controller.quorum.voters, the voters in the log and in the bootstrap checkpoint of `format
 * --standalone` / `--initial-controllers`, found through controller.quorum.bootstrap.servers). What a role needs of
 * its listeners and voters is checked by the config's validation, with Kafka's messages.
 */
export function startRefusals(_config: KafkaConfig): string[] {
  return [];
}
