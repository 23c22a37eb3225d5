// The broker config definition a configuration name refers to, plain or listener-prefixed, as Kafka's
// `KafkaConfig.configType` resolves names.

import { BROKER_CONFIG_KEYS } from './broker-configs.ts';
import { LISTENER_MECHANISM_CONFIGS } from './broker-security-configs.ts';
import type { BrokerConfigKey } from './config-def.ts';

/** `listener.name.<listener>.<rest>`: group 1 is the listener name, group 2 the rest. */
export const LISTENER_PREFIX = /^listener\.name\.([^.]*)\.(.+)$/;

/**
 * The definition `name` refers to: a broker config, or a listener override of one (`listener.name.<l>.<config>`,
 * or `listener.name.<l>.<mechanism>.<config>` for the SASL login settings); undefined for an unknown name.
 */
export function brokerConfigKey(name: string): BrokerConfigKey | undefined {
  const direct = BROKER_CONFIG_KEYS.get(name);
  if (direct !== undefined) return direct;
  const m = LISTENER_PREFIX.exec(name);
  if (m === null) return undefined;
  const overridden = BROKER_CONFIG_KEYS.get(m[2]);
  if (overridden !== undefined) return overridden;
  const mechanismConfig = LISTENER_MECHANISM_CONFIGS.find((c) => m[2].endsWith(`.${c}`));
  return mechanismConfig === undefined ? undefined : BROKER_CONFIG_KEYS.get(mechanismConfig);
}
