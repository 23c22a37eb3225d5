import { closestConfigName } from './closest-config-name.ts';
import { parseAndValidate } from './config-def.ts';
import { ConfigException } from './config-exception.ts';
import { TOPIC_CONFIG_KEYS } from './topic-configs.ts';

/** The error for a name that is not a topic config. */
function unknownTopicConfigError(name: string): string {
  const asTopic = [...TOPIC_CONFIG_KEYS.values()].find((k) => k.serverSynonyms.some((s) => s.name === name));
  if (asTopic !== undefined) {
    return `Unknown topic config name: ${name} (a broker config; the topic config is ${asTopic.name})`;
  }
  const hint = closestConfigName(name, TOPIC_CONFIG_KEYS.keys());
  return `Unknown topic config name: ${name}${hint === null ? '' : `. Did you mean '${hint}'?`}`;
}

/**
 * Error message for one topic config entry, or null when `name` is a topic config and `value` parses and passes
 * its validator. For CreateTopics / AlterConfigs / IncrementalAlterConfigs, which answer INVALID_CONFIG (40).
 * Cross-field rules need the whole config: see `LogConfig.validate`.
 */
export function validateTopicConfig(name: string, value: string): string | null {
  const key = TOPIC_CONFIG_KEYS.get(name);
  if (key === undefined) return unknownTopicConfigError(name);
  try {
    parseAndValidate(key, value);
    return null;
  } catch (e) {
    if (e instanceof ConfigException) return e.message;
    throw e;
  }
}
