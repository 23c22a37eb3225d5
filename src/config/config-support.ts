// What a configuration asks of this broker that it does not do: the refused settings that stop a start (or a
// dynamic update), and the inactive ones that the start-up warning lists. Both come from the `support` field of
// the config tables (see `ConfigSupport` in config-def.ts), so the classification lives in one place.

import { brokerConfigKey } from './broker-config-key.ts';
import { differsFromDefault, parseConfigValue, type BrokerConfigKey } from './config-def.ts';
import type { KafkaConfig } from './kafka-config.ts';
import { CLIENT_SASL_MECHANISMS } from './broker-security-configs.ts';

/** A setting that is accepted without effect: the name as written, and why it has none (null: not built yet). */
export interface InactiveSetting {
  readonly name: string;
  readonly note: string | null;
}

/** What {@link configSupport} finds. */
export interface ConfigSupportReport {
  /** One message per refused setting of the static configuration (file, environment, --override). */
  readonly refusals: string[];
  /** Inactive settings of every layer (static and dynamic) that differ from their default, by name. */
  readonly inactive: InactiveSetting[];
}

/** The value as it may be shown in a message: PASSWORD values are hidden. */
function shown(key: BrokerConfigKey, raw: string): string {
  return key.type === 'PASSWORD' ? '[hidden]' : raw;
}

/**
 * The refusal of one setting (`name`=`raw`, `name` possibly listener-prefixed), or null when it is allowed:
 * a `refused` config set to a value other than its default.
 */
export function refusalOf(name: string, raw: string): string | null {
  const key = brokerConfigKey(name);
  if (key === undefined || key.support !== 'refused' || !differsFromDefault(key, raw)) return null;
  return `${name}=${shown(key, raw)} is refused: ${key.supportNote}`;
}

/**
 * Why an inactive setting has no effect, or null when `name`=`raw` acts (implemented, or set to the default).
 * A config that is implemented except for some values (`partlyInactive`) is inactive when it lists one of them.
 */
export function inactivityOf(name: string, raw: string): InactiveSetting | null {
  const key = brokerConfigKey(name);
  if (key === undefined) return null;
  if (key.support === 'inactive') return differsFromDefault(key, raw) ? { name, note: key.supportNote ?? null } : null;
  const partly = key.partlyInactive;
  if (partly === undefined) return null;
  const value = parseConfigValue(key, raw);
  const values = Array.isArray(value) ? (value as readonly string[]) : [String(value)];
  const idle = values.filter((v) => partly.values.includes(v));
  return idle.length === 0 ? null : { name: `${name} (${idle.join(', ')})`, note: partly.note };
}

/**
 * The SASL settings of the node's own connections that cannot work: Kafka's KafkaConfig.validateValues check
 * ("requirement failed: sasl.mechanism.inter.broker.protocol must be included in sasl.enabled.mechanisms when SASL is
 * used for inter-broker communication"), and a sasl.mechanism.inter.broker.protocol or
 * sasl.mechanism.controller.protocol whose client is not built (GSSAPI, Kafka's default, and OAUTHBEARER) on a SASL
 * inter-broker or (first) controller listener. The listeners' ssl.* and JAAS credentials are checked when their
 * channels are built at start-up (server/client-channel-builder.ts). Listeners that do not parse are left to
 * validateKafkaConfig, which reports them.
 */
function interNodeSaslRefusals(config: KafkaConfig): string[] {
  const out: string[] = [];
  let map;
  let interBroker: string;
  try {
    map = config.listenerSecurityProtocolMap;
    interBroker = config.interBrokerListenerName;
  } catch {
    return out;
  }
  const isSasl = (listener: string | undefined): boolean => {
    const protocol = listener === undefined ? undefined : map.get(listener);
    return protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  };
  const unsupported = (name: 'sasl.mechanism.inter.broker.protocol' | 'sasl.mechanism.controller.protocol', listener: string): void => {
    const mechanism = config.getString(name) ?? '';
    if (!CLIENT_SASL_MECHANISMS.includes(mechanism)) {
      out.push(`${name}=${mechanism} is refused: the node's own connections to the SASL listener ${listener} authenticate with ${CLIENT_SASL_MECHANISMS.join(', ')} only (GSSAPI and OAUTHBEARER clients are not built)`);
    }
  };
  if (isSasl(interBroker)) {
    const enabled = config.valueForListener(interBroker, 'sasl.enabled.mechanisms');
    const mechanism = config.getString('sasl.mechanism.inter.broker.protocol');
    if (!Array.isArray(enabled) || !enabled.includes(mechanism)) {
      out.push('requirement failed: sasl.mechanism.inter.broker.protocol must be included in sasl.enabled.mechanisms when SASL is used for inter-broker communication');
    } else {
      unsupported('sasl.mechanism.inter.broker.protocol', interBroker);
    }
  }
  const controller = config.controllerListenerNames[0];
  if (isSasl(controller)) unsupported('sasl.mechanism.controller.protocol', controller!);
  return out;
}

/**
 * The refused and the inactive settings of `config`. Refusals cover the static configuration only: dynamic
 * updates are refused one by one when they are made (KafkaConfig.validateDynamicUpdate).
 */
export function configSupport(config: KafkaConfig): ConfigSupportReport {
  const refusals: string[] = [];
  for (const [name, raw] of Object.entries(config.originals)) {
    const refusal = refusalOf(name, raw);
    if (refusal !== null) refusals.push(refusal);
  }
  refusals.push(...interNodeSaslRefusals(config));
  const merged = { ...config.originals, ...config.dynamicDefaultConfigs, ...config.dynamicBrokerConfigs };
  const inactive: InactiveSetting[] = [];
  for (const name of Object.keys(merged).sort()) {
    const setting = inactivityOf(name, merged[name]!);
    if (setting !== null) inactive.push(setting);
  }
  return { refusals, inactive };
}
