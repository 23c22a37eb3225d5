// The full broker config table: Kafka 3.9's `AbstractKafkaConfig.CONFIG_DEF` minus ZooKeeper, plus the configs
// Kafka 4.x added and this broker's extensions, with name types for typed getters. Every entry is classified
// (implemented, inactive or refused: `ConfigKey.support`).

import { BROKER_COORDINATOR_CONFIGS } from './broker-coordinator-configs.ts';
import { BROKER_KAFKA4_CONFIGS } from './broker-kafka4-configs.ts';
import { BROKER_LOG_CONFIGS } from './broker-log-configs.ts';
import { BROKER_SECURITY_CONFIGS } from './broker-security-configs.ts';
import { BROKER_SERVER_CONFIGS } from './broker-server-configs.ts';
import type { BrokerConfigKey, ConfigType } from './config-def.ts';

/** Every broker config this broker accepts. */
export const BROKER_CONFIGS = [
  ...BROKER_SERVER_CONFIGS,
  ...BROKER_LOG_CONFIGS,
  ...BROKER_COORDINATOR_CONFIGS,
  ...BROKER_SECURITY_CONFIGS,
  ...BROKER_KAFKA4_CONFIGS,
] as const;

/** A broker config name. */
export type BrokerConfigName = (typeof BROKER_CONFIGS)[number]['name'];

/** Broker config names whose type is T (for the typed getters of KafkaConfig). */
export type BrokerConfigNameOfType<T extends ConfigType> = Extract<(typeof BROKER_CONFIGS)[number], { type: T }>['name'];

/** Broker configs by name. */
export const BROKER_CONFIG_KEYS: ReadonlyMap<string, BrokerConfigKey> = new Map(
  (BROKER_CONFIGS as readonly BrokerConfigKey[]).map((k) => [k.name, k]),
);

/**
 * Names that look like configs but are not, with the reason given to whoever sets them.
 * (`cluster.id` lives in meta.properties, written when the log directories are formatted.)
 */
export const NOT_CONFIGS: ReadonlyMap<string, string> = new Map([
  ['cluster.id', 'cluster.id is not a broker config: it is stored in meta.properties when the log directories are formatted'],
  [
    'eligible.leader.replicas.enable',
    'eligible.leader.replicas.enable was a Kafka 3.x early-access switch that Kafka 4 removed: eligible leader replicas (KIP-966) are on when the ' +
      "cluster's eligible.leader.replicas.version feature is 1, which new clusters get from metadata.version 4.1-IV0",
  ],
  ['zookeeper.connect', 'ZooKeeper mode is not supported: this broker runs in KRaft mode only (set process.roles, node.id and controller.quorum.voters)'],
]);
