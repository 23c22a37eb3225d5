import { LogConfig } from '../config/log-config.ts';
import { ConfigSource, type ConfigEntry } from '../config/config-source.ts';
import type { ApiServices } from './api-services.ts';

/**
 * The effective configs of a topic with the given dynamic overrides (topic override > broker synonym > Kafka
 * default), as DescribeConfigs and CreateTopics v5+ report them: one entry per topic config, sorted by name.
 * @param names restrict to these config names (unknown ones are skipped); all when omitted or empty.
 */
export function describeTopicConfigs(services: ApiServices, overrides: ReadonlyMap<string, string>, names?: readonly string[]): ConfigEntry[] {
  return LogConfig.fromProps(overrides, services.config).describe(names);
}

/** Numeric ConfigSource id of a source name (DescribeConfigs v1+ `config_source`, synonyms' `source`). */
export function configSourceId(name: keyof typeof ConfigSource): number {
  return ConfigSource[name];
}
