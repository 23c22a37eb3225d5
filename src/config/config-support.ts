// What a configuration asks of this broker that it does not do: the refused settings that stop a start (or a
// dynamic update), and the inactive ones that the start-up warning lists. Both come from the `support` field of
// the config tables (see `ConfigSupport` in config-def.ts), so the classification lives in one place.

import { brokerConfigKey } from './broker-config-key.ts';
import { differsFromDefault, parseConfigValue, type BrokerConfigKey } from './config-def.ts';
import type { KafkaConfig } from './kafka-config.ts';

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
 * Listeners whose security protocol this broker cannot serve: SSL, SASL_PLAINTEXT and SASL_SSL on the inter-broker
 * listener and the controller listeners, which the broker's own outgoing connections (replica fetchers, Raft,
 * controller channel) would use without TLS or SASL client support. Listeners that do not parse are left
 * to validateKafkaConfig, which reports them.
 */
function listenerRefusals(config: KafkaConfig): string[] {
  const out: string[] = [];
  let listeners;
  let interBroker: string | null;
  try {
    listeners = config.listeners;
    interBroker = config.interBrokerListenerName;
  } catch {
    return out;
  }
  const controllerNames = config.controllerListenerNames;
  const refusal = (name: string, protocol: string): string | null => {
    if (protocol === 'PLAINTEXT') return null;
    const client = protocol === 'SSL' ? 'TLS' : protocol === 'SASL_SSL' ? 'TLS and SASL' : 'SASL';
    if (controllerNames.includes(name)) return `uses security protocol ${protocol}: ${protocol} controller listeners are not supported yet (the outgoing ${client} client is not built)`;
    if (name === interBroker) return `uses security protocol ${protocol}: ${protocol === 'SSL' ? 'an' : 'a'} ${protocol} inter-broker listener is not supported yet (the outgoing ${client} client is not built)`;
    return null;
  };
  for (const l of listeners) {
    const why = refusal(l.listenerName, l.securityProtocol);
    if (why !== null) out.push(`listener ${l.listenerName} ${why}`);
  }
  for (const name of controllerNames) {
    const protocol = config.listenerSecurityProtocolMap.get(name);
    if (protocol === undefined || listeners.some((l) => l.listenerName === name)) continue;
    const why = refusal(name, protocol);
    if (why !== null) out.push(`controller listener ${name} ${why}`);
  }
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
  refusals.push(...listenerRefusals(config));
  const merged = { ...config.originals, ...config.dynamicDefaultConfigs, ...config.dynamicBrokerConfigs };
  const inactive: InactiveSetting[] = [];
  for (const name of Object.keys(merged).sort()) {
    const setting = inactivityOf(name, merged[name]!);
    if (setting !== null) inactive.push(setting);
  }
  return { refusals, inactive };
}
