// Helpers shared by the config tests.
import { ConfigException } from '../../../src/config/config-exception.ts';
import { DEFAULT_SERVER_PROPERTIES } from '../../../src/config/default-server-properties.ts';
import { KafkaConfig } from '../../../src/config/kafka-config.ts';

/** The built-in single-node settings with `extra` on top, validated. */
export const withProps = (extra: Record<string, string>): KafkaConfig => KafkaConfig.fromProps({ ...DEFAULT_SERVER_PROPERTIES, ...extra });

/** The messages of the ConfigException thrown by `fn`; empty when it throws none. Other errors propagate. */
export function configErrors(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigException) return e.errors;
    throw e;
  }
  return [];
}
