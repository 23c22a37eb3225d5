/**
 * Where a config value comes from: the DescribeConfigs `config_source` ids (v1+), after Kafka's
 * `DescribeConfigsResponse.ConfigSource`. Precedence for a broker config is DYNAMIC_BROKER_CONFIG >
 * DYNAMIC_DEFAULT_BROKER_CONFIG > STATIC_BROKER_CONFIG > DEFAULT_CONFIG; a topic config adds TOPIC_CONFIG on top.
 */
export const ConfigSource = {
  UNKNOWN: 0,
  TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
  CLIENT_METRICS_CONFIG: 7,
  GROUP_CONFIG: 8,
} as const;

/** A config source name, e.g. 'STATIC_BROKER_CONFIG'. */
export type ConfigSourceName = keyof typeof ConfigSource;

/**
 * One synonym of a config as DescribeConfigs reports it (`DescribeConfigsSynonym`): a name that sets the same
 * value, its value as written (null when sensitive), and where it is set. Listed in precedence order.
 */
export interface ConfigSynonym {
  readonly name: string;
  readonly value: string | null;
  readonly source: ConfigSourceName;
}

/**
 * One config as DescribeConfigs reports it (`DescribeConfigsResourceResult`): canonical value (null when sensitive
 * or unset), source, read-only flag, sensitivity, synonyms in precedence order, `configType` id (v3+) and our doc.
 */
export interface ConfigEntry {
  readonly name: string;
  readonly value: string | null;
  readonly source: ConfigSourceName;
  readonly sourceId: number;
  readonly readOnly: boolean;
  readonly sensitive: boolean;
  readonly synonyms: readonly ConfigSynonym[];
  readonly configType: number;
  readonly documentation: string | null;
}
