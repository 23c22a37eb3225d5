// The command line of `kafka-broker configs` as Kafka 4.4's ConfigCommandOptions reads it: the entity types and names
// from --entity-type/--entity-name/--entity-default or the specific flags (--topic, --broker-defaults...), the
// argument rules of checkArgs with Kafka's messages, and the configs to add (--add-config with its [a,b] grouping,
// or --add-config-file) and to delete.

import { readFile } from 'node:fs/promises';
import { parseProperties } from '../config/parse-properties.ts';
import { UsageError } from './admin-tool.ts';

/** The entity types this command serves (Kafka's BrokerSupportedConfigTypes, in Kafka's message order). */
export const SUPPORTED_ENTITY_TYPES = ['broker-loggers', 'topics', 'clients', 'users', 'brokers', 'ips', 'client-metrics', 'groups'] as const;
/** The specific entity flags and the type each stands for (Kafka's entityFlags). */
export const ENTITY_FLAGS = [['topic', 'topics'], ['client', 'clients'], ['user', 'users'], ['broker', 'brokers'], ['broker-logger', 'broker-loggers'], ['ip', 'ips'], ['client-metrics', 'client-metrics'], ['group', 'groups']] as const;
/** The default-entity flags and their types (Kafka's entityDefaultsFlags). */
export const ENTITY_DEFAULT_FLAGS = [['client-defaults', 'clients'], ['user-defaults', 'users'], ['broker-defaults', 'brokers'], ['ip-defaults', 'ips']] as const;

/**
 * An argument Kafka's ConfigCommand rejects with an IllegalArgumentException or InvalidConfigurationException: the
 * message alone on stderr, exit 1.
 */
export class ConfigArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigArgumentError';
  }
}

/** The parsed entity part of the command line. */
export interface ConfigEntities {
  /** --entity-type values in order, then the types of the specific flags given. */
  readonly types: string[];
  /** --entity-name values and '' for each --entity-default, in command-line order, then the specific flags' names. */
  readonly names: string[];
}

/**
 * ConfigCommandOptions.entityTypes/entityNames: `ordered` holds --entity-name values and '' for --entity-default in
 * the order given; `flags` the specific flags given with their values.
 */
export function configEntities(entityTypes: readonly string[], ordered: readonly string[], flags: ReadonlyMap<string, string | true>): ConfigEntities {
  const types = [...entityTypes];
  const names = [...ordered];
  for (const [flag, type] of ENTITY_FLAGS) {
    const value = flags.get(flag);
    if (value !== undefined) {
      types.push(type);
      names.push(value === true ? '' : value);
    }
  }
  for (const [flag, type] of ENTITY_DEFAULT_FLAGS) {
    if (flags.has(flag)) {
      types.push(type);
      names.push('');
    }
  }
  return { types, names };
}

/** ConfigCommandOptions.checkArgs (Kafka 4.4: no --zookeeper). @throws UsageError or ConfigArgumentError with Kafka's messages. */
export function checkConfigArgs(given: ReadonlySet<string>, entities: ConfigEntities): void {
  if (['alter', 'describe'].filter((a) => given.has(a)).length !== 1) throw new UsageError('Command must include exactly one action: --describe, --alter');
  if (given.has('describe')) {
    for (const o of ['alter', 'add-config', 'delete-config']) if (given.has(o)) throw new UsageError(`Option "[describe]" can't be used with option "[${o}]"`);
  }
  const { types, names } = entities;
  const duplicates = types.filter((t, i) => types.indexOf(t) !== i);
  if (duplicates.length > 0) throw new ConfigArgumentError(`Duplicate entity type(s) specified: ${[...new Set(duplicates)].join(',')}`);
  for (const t of types) {
    if (!(SUPPORTED_ENTITY_TYPES as readonly string[]).includes(t)) throw new ConfigArgumentError(`Invalid entity type ${t}, the entity type must be one of ${SUPPORTED_ENTITY_TYPES.join(', ')} with a --bootstrap-server or --bootstrap-controller argument`);
  }
  if (types.length === 0) throw new ConfigArgumentError('At least one entity type must be specified');
  if (types.length > 1 && !(types.length === 2 && types.includes('users') && types.includes('clients'))) throw new ConfigArgumentError("Only 'users' and 'clients' entity types may be specified together");
  const specific = [...ENTITY_FLAGS, ...ENTITY_DEFAULT_FLAGS].some(([flag]) => given.has(flag));
  if ((given.has('entity-name') || given.has('entity-type') || given.has('entity-default')) && specific) throw new ConfigArgumentError('--entity-{type,name,default} should not be used in conjunction with specific entity flags');
  const hasName = names.some((n) => n !== '');
  const hasDefault = names.some((n) => n === '');
  const connects = ['bootstrap-server', 'bootstrap-controller'].filter((o) => given.has(o)).length;
  if (connects === 0) throw new ConfigArgumentError('Either --bootstrap-server or --bootstrap-controller must be specified.');
  if (connects > 1) throw new ConfigArgumentError('Only one of --bootstrap-server or --bootstrap-controller can be specified');
  if (hasName && (types.includes('brokers') || types.includes('broker-loggers'))) {
    for (const id of names.filter((n) => n !== '')) {
      if (!/^[-+]?\d+$/.test(id) || Number(id) > 2 ** 31 - 1 || Number(id) < -(2 ** 31)) throw new ConfigArgumentError(`The entity name for ${types[0]} must be a valid integer broker id, but it is: ${id}`);
    }
  }
  const quotaOrBroker = ['users', 'clients', 'brokers', 'ips'].some((t) => types.includes(t));
  if (given.has('describe')) {
    if (!quotaOrBroker && given.has('entity-default')) throw new ConfigArgumentError(`--entity-default must not be specified with --describe of ${types.join(',')}`);
    if (types.includes('broker-loggers') && !hasName) throw new ConfigArgumentError(`An entity name must be specified with --describe of ${types.join(',')}`);
  }
  if (given.has('alter')) {
    if (quotaOrBroker) {
      if (!hasName && !hasDefault) throw new ConfigArgumentError('An entity-name or default entity must be specified with --alter of users, clients, brokers or ips');
    } else if (!hasName) {
      throw new ConfigArgumentError(`An entity name must be specified with --alter of ${types.join(',')}`);
    }
    if (given.has('add-config') && given.has('add-config-file')) throw new ConfigArgumentError('Only one of --add-config or --add-config-file must be specified');
    if (!given.has('add-config') && !given.has('add-config-file') && !given.has('delete-config')) throw new ConfigArgumentError('At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter');
  }
}

/** Kafka's lookahead: a comma or '=' outside square brackets. */
const OUTSIDE_BRACKETS = '(?=[^\\]]*(?:\\[|$))';

/**
 * ConfigCommand.parseConfigsToBeAdded: the --add-config-file properties, then --add-config `k1=v1,k2=[v1,v2]`
 * (brackets group values with commas and are dropped). Keys must match [a-zA-Z0-9._-]*.
 * @throws ConfigArgumentError with Kafka's messages; Error when the file cannot be read.
 */
export async function parseConfigsToBeAdded(addConfig: string | undefined, addConfigFile: string | undefined): Promise<Map<string, string>> {
  const props = new Map<string, string>();
  if (addConfigFile !== undefined) {
    let text: string;
    try {
      text = await readFile(addConfigFile, 'utf8');
    } catch {
      throw new Error(`java.nio.file.NoSuchFileException: ${addConfigFile}`);
    }
    for (const [k, v] of Object.entries(parseProperties(text))) props.set(k, v);
  }
  if (addConfig !== undefined) {
    const pairs = addConfig.split(new RegExp(`,${OUTSIDE_BRACKETS}`)).map((s) => s.split(new RegExp(`\\s*=\\s*${OUTSIDE_BRACKETS}`)));
    if (!pairs.every((p) => p.length === 2)) throw new ConfigArgumentError('Invalid entity config: all configs to be added must be in the format "key=val" or  "key=[val1,val2]" to group values which contain commas.');
    for (const [k, v] of pairs) props.set(k!.trim(), v!.replace(/[[\]]/g, '').trim());
  }
  for (const key of props.keys()) if (!/^[a-zA-Z0-9._-]*$/.test(key)) throw new ConfigArgumentError(`Invalid character found for config key: ${key}`);
  return props;
}

/** ConfigCommand.parseConfigsToBeDeleted: each --delete-config is 'k1,k2'; keys trimmed. */
export function parseConfigsToBeDeleted(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((k) => k.trim());
}
