// `kafka-broker configs`: Apache Kafka's kafka-configs.sh (ConfigCommand, Kafka 4.4) with its flags, argument rules,
// messages and output: --describe [--all] and --alter (--add-config / --add-config-file / --delete-config) of topics,
// brokers, the broker defaults and broker loggers (DescribeConfigs, IncrementalAlterConfigs), and of users, clients
// and ips: client quotas (DescribeClientQuotas, AlterClientQuotas) and users' SCRAM credentials
// (DescribeUserScramCredentials, AlterUserScramCredentials). Argument errors print their message on stderr; a
// failure of the command prints "Error while executing config command with args '...'" and the exception line Kafka
// prints first (without the Java stack); both exit with 1. Not offered: --bootstrap-controller and the
// client-metrics and groups entity types (refused with a message).

import { Command } from 'commander';
import { UnsupportedVersionError } from '../network/network-client-errors.ts';
import { API_KEY_NAMES } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import { TOPIC_CONFIG_KEYS } from '../config/topic-configs.ts';
import { AdminError } from './admin-client.ts';
import { collect, givenOptions, PROCESS_OUTPUT, runTool, withAdminClient, type ToolOutput } from './admin-tool.ts';
import { checkConfigArgs, ConfigArgumentError, configEntities, ENTITY_DEFAULT_FLAGS, ENTITY_FLAGS, parseConfigsToBeAdded, parseConfigsToBeDeleted, type ConfigEntities } from './config-command-options.ts';
import { ConfigService, ResourceType, SCRAM_MECHANISMS, type QuotaEntry } from './config-service.ts';
import { exceptionClass } from './java-format.ts';
import { javaDoubleText } from '../protocol/json-node.ts';
import { javaHashMapOrder, javaStringHash } from './java-hash-map-order.ts';

/** Kafka's ConfigEntry.ConfigSource names by wire id (DescribeConfigsResponse.ConfigSource). */
const SOURCE_NAMES = ['UNKNOWN', 'DYNAMIC_TOPIC_CONFIG', 'DYNAMIC_BROKER_CONFIG', 'DYNAMIC_DEFAULT_BROKER_CONFIG', 'STATIC_BROKER_CONFIG', 'DEFAULT_CONFIG', 'DYNAMIC_BROKER_LOGGER_CONFIG', 'DYNAMIC_CLIENT_METRICS_CONFIG', 'DYNAMIC_GROUP_CONFIG'];
/** Kafka's QuotaConfig client and user quota names. */
const CLIENT_QUOTAS = ['consumer_byte_rate', 'controller_mutation_rate', 'producer_byte_rate', 'request_percentage'];
/** Kafka's QuotaConfig IP quota name. */
const IP_QUOTAS = ['connection_creation_rate'];
/** ClientQuotaEntity types by ConfigCommand entity type. */
const QUOTA_ENTITY = new Map([['users', 'user'], ['clients', 'client-id'], ['ips', 'ip']]);
/** How describe names a quota entity type. */
const QUOTA_LABEL = new Map([['user', 'user-principal'], ['client-id', 'client-id'], ['ip', 'ip']]);
/** Kafka's DefaultScramIterations. */
const DEFAULT_SCRAM_ITERATIONS = 4096;

interface ConfigsOptions {
  bootstrapServer?: string;
  commandConfig?: string;
  entityType?: string[];
  addConfig?: string;
  addConfigFile?: string;
  deleteConfig?: string[];
}

/** The line Kafka's stack trace starts with for `e`, as the Admin future raised it. */
function exceptionLine(e: unknown): string {
  const execution = 'java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.';
  if (e instanceof AdminError) return `${execution}${exceptionClass(e.code)}: ${e.message}`;
  if (e instanceof UnsupportedVersionError) {
    const api = (API_KEY_NAMES[e.apiKey] ?? String(e.apiKey)).replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
    return `${execution}UnsupportedVersionException: The node does not support ${api}`;
  }
  return e instanceof Error ? e.message : String(e);
}

/** The help text of --add-config: Kafka's, with the configs this broker knows. */
function addConfigHelp(): string {
  const list = (names: readonly string[]): string => names.map((n) => `\n\t${n}`).join('');
  return "Key Value pairs of configs to add. Square brackets can be used to group values which contain commas: 'k1=v1,k2=[v1,v2,v2],k3=v3'. The following is a list of valid configurations: " +
    `For entity-type 'topics': ${list([...TOPIC_CONFIG_KEYS.keys()].sort())}\n` +
    "For entity-type 'brokers': the broker's dynamic configs (see kafka-broker's config documentation)\n" +
    `For entity-type 'users': ${list([...SCRAM_MECHANISMS.keys(), ...CLIENT_QUOTAS])}\n` +
    `For entity-type 'clients': ${list(CLIENT_QUOTAS)}\n` +
    `For entity-type 'ips': ${list(IP_QUOTAS)}\n` +
    "Entity types 'users' and 'clients' may be specified together to update config for clients of a specific user.";
}

/** ConfigCommand.describeResourceConfig for topics, brokers and broker loggers. */
async function describeResource(service: ConfigService, type: string, name: string | undefined, all: boolean, io: ToolOutput): Promise<void> {
  const names = name !== undefined ? [name] : type === 'topics' ? (await service.topicNames()).sort() : [...(await service.brokerIds()).map(String), ''];
  for (const entity of names) {
    const resourceType = type === 'topics' ? ResourceType.TOPIC : type === 'brokers' ? ResourceType.BROKER : ResourceType.BROKER_LOGGER;
    let configs;
    try {
      configs = await service.describe(resourceType, entity);
    } catch (e) {
      if (type === 'topics' && e instanceof AdminError && e.code === Errors.UNKNOWN_TOPIC_OR_PARTITION) {
        io.out(`The topic '${entity}' doesn't exist and doesn't have dynamic config.\n`);
        continue;
      }
      throw e;
    }
    io.out(entity === '' ? `Default configs for ${type} in the cluster are:\n` : `${all ? 'All' : 'Dynamic'} configs for ${type.slice(0, -1)} ${entity} are:\n`);
    const dynamicSource = type === 'topics' ? 1 : type === 'brokers' ? (entity === '' ? 3 : 2) : null;
    const shown = configs.filter((c) => all || dynamicSource === null || c.configSource === dynamicSource).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const c of shown) {
      const synonyms = c.synonyms.map((s) => `${SOURCE_NAMES[s.source] ?? 'UNKNOWN'}:${s.name}=${s.value}`).join(', ');
      io.out(`  ${c.name}=${c.value} sensitive=${c.isSensitive} synonyms={${synonyms}}\n`);
    }
  }
}

/** The filter of describeClientQuotas (getAllClientQuotasConfigs): each type with its name, or any entity. */
function quotaFilter(entities: ConfigEntities): { entityType: string; name: string | undefined }[] {
  if (entities.names.length > entities.types.length) throw new ConfigArgumentError('More entity names specified than entity types');
  return entities.types.map((t, i) => {
    const entityType = QUOTA_ENTITY.get(t);
    if (entityType === undefined) throw new ConfigArgumentError(`Unexpected entity type ${t}`);
    return { entityType, name: entities.names[i] };
  });
}

/** ConfigCommand.describeQuotaConfigs: one "Quota configs for ... are k=v, ..." line per entity. */
function printQuotas(entries: readonly QuotaEntry[], io: ToolOutput): void {
  for (const entry of entries) {
    const parts = ['user', 'client-id', 'ip'].flatMap((type) => {
      const part = entry.entity.find((p) => p.entityType === type);
      if (part === undefined) return [];
      return [part.entityName === null ? `the default ${QUOTA_LABEL.get(type)}` : `${QUOTA_LABEL.get(type)} '${part.entityName}'`];
    });
    const values = javaHashMapOrder(entry.values.map((v) => [v.key, v.value] as const), ([key]) => javaStringHash(key));
    io.out(`Quota configs for ${parts.join(', ')} are ${values.map(([k, v]) => `${k}=${javaDoubleText(v)}`).join(', ')}\n`);
  }
}

/** ConfigCommand.describeClientQuotaAndUserScramCredentialConfigs (and describeQuotaConfigs for ips). */
async function describeQuotasAndScram(service: ConfigService, entities: ConfigEntities, io: ToolOutput): Promise<void> {
  printQuotas(await service.describeQuotas(quotaFilter(entities)), io);
  if (!entities.types.includes('users') || entities.types.includes('clients') || entities.names.includes('')) return;
  for (const [user, result] of await service.describeScram(entities.names)) {
    if ('error' in result) {
      if (result.error.code === Errors.RESOURCE_NOT_FOUND) continue;
      io.out(`Error retrieving SCRAM credential configs for user-principal '${user}': ${exceptionClass(result.error.code)}: ${result.error.message}\n`);
      continue;
    }
    io.out(`SCRAM credential configs for user-principal '${user}' are ${result.credentials.map((c) => `${c.mechanism}=iterations=${c.iterations}`).join(', ')}\n`);
  }
}

/** ConfigCommand's alter of users, clients and ips: quota or SCRAM alterations, with Kafka's checks. */
async function alterQuotasOrScram(service: ConfigService, entities: ConfigEntities, add: ReadonlyMap<string, string>, remove: readonly string[]): Promise<void> {
  const head = entities.types[0]!;
  const isScram = (k: string): boolean => SCRAM_MECHANISMS.has(k);
  const quotaNames = head === 'ips' ? IP_QUOTAS : CLIENT_QUOTAS;
  const isQuota = (k: string): boolean => quotaNames.includes(k);
  if (head === 'ips') {
    const unknown = [...add.keys(), ...remove].filter((k) => !isQuota(k));
    if (unknown.length > 0) throw new ConfigArgumentError(`Only connection quota configs can be added for 'ips' using --bootstrap-server. Unexpected config names: ${unknown.join(',')}`);
  } else if (head === 'clients' || entities.types.length === 2) {
    const badAdd = [...add.keys()].filter((k) => !isQuota(k));
    if (badAdd.length > 0) throw new ConfigArgumentError(`Only quota configs can be added for 'clients' using --bootstrap-server. Unexpected config names: ${badAdd.join(',')}`);
    const badDelete = remove.filter((k) => !isQuota(k));
    if (badDelete.length > 0) throw new ConfigArgumentError(`Only quota configs can be deleted for 'clients' using --bootstrap-server. Unexpected config names: ${badDelete.join(',')}`);
  } else {
    const badAdd = [...add.keys()].filter((k) => !isQuota(k) && !isScram(k));
    if (badAdd.length > 0) throw new ConfigArgumentError(`Only quota and SCRAM credential configs can be added for 'users' using --bootstrap-server. Unexpected config names: ${badAdd.join(',')}`);
    const badDelete = remove.filter((k) => !isQuota(k) && !isScram(k));
    if (badDelete.length > 0) throw new ConfigArgumentError(`Only quota and SCRAM credential configs can be deleted for 'users' using --bootstrap-server. Unexpected config names: ${badDelete.join(',')}`);
    const scramAdd = [...add].filter(([k]) => isScram(k));
    const scramDelete = remove.filter(isScram);
    if (scramAdd.length > 0 || scramDelete.length > 0) {
      if (entities.names.includes('')) throw new ConfigArgumentError('The use of --entity-default or --user-defaults is not allowed with User SCRAM Credentials using --bootstrap-server.');
      if ([...add.keys(), ...remove].some(isQuota)) throw new ConfigArgumentError("Cannot alter both quota and SCRAM credential configs simultaneously for 'users' using --bootstrap-server.");
      const user = entities.names[0]!;
      const upserts = scramAdd.map(([mechanism, value]) => {
        const m = /^(?:iterations=(-?[0-9]*),)?password=(.*)$/s.exec(value);
        if (m === null) throw new ConfigArgumentError(`Invalid credential property ${mechanism}=${value}`);
        const iterations = m[1] !== undefined && m[1] !== '-1' ? Number(m[1]) : DEFAULT_SCRAM_ITERATIONS;
        const min = SCRAM_MECHANISMS.get(mechanism)!.minIterations;
        if (iterations < min) throw new ConfigArgumentError(`Iterations ${iterations} is less than the minimum ${min} required for ${mechanism}`);
        return { user, mechanism, upsert: { iterations, password: m[2]! } };
      });
      await service.alterScram([...scramDelete.map((mechanism) => ({ user, mechanism })), ...upserts]);
      return;
    }
  }
  // alterQuotaConfigs: every name given, deletions of quotas the entity has.
  if (entities.types.length !== entities.names.length) throw new ConfigArgumentError('Exactly one entity name must be specified for every entity type');
  const current = (await service.describeQuotas(quotaFilter(entities)))[0]?.values ?? [];
  const invalid = remove.filter((k) => !current.some((v) => v.key === k));
  if (invalid.length > 0) throw new ConfigArgumentError(`Invalid config(s): ${invalid.join(',')}`);
  const set = new Map<string, number>();
  for (const [k, v] of add) {
    const n = Number(v.trim());
    if (v.trim() === '' || Number.isNaN(n)) throw new ConfigArgumentError(`Cannot parse quota configuration value for ${k}: ${v}`);
    set.set(k, n);
  }
  const entity = entities.types.map((t, i) => ({ entityType: QUOTA_ENTITY.get(t)!, entityName: entities.names[i] === '' ? null : entities.names[i]! }));
  await service.alterQuotas(entity, set, remove);
}

/** ConfigCommand.alterConfig. */
async function alter(service: ConfigService, entities: ConfigEntities, opts: ConfigsOptions, io: ToolOutput): Promise<void> {
  const add = await parseConfigsToBeAdded(opts.addConfig, opts.addConfigFile);
  const remove = parseConfigsToBeDeleted(opts.deleteConfig);
  if (entities.types.length !== entities.names.length) throw new ConfigArgumentError('An entity name must be specified for every entity type');
  const type = entities.types[0]!;
  const name = entities.names[0]!;
  if (type === 'topics') await service.incrementalAlter(ResourceType.TOPIC, name, add, remove);
  else if (type === 'brokers') await service.incrementalAlter(ResourceType.BROKER, name, add, remove);
  else if (type === 'broker-loggers') {
    const loggers = new Set((await service.describe(ResourceType.BROKER_LOGGER, name)).map((c) => c.name));
    const invalid = [...remove, ...add.keys()].filter((l) => !loggers.has(l));
    if (invalid.length > 0) throw new ConfigArgumentError(`Invalid broker logger(s): ${invalid.join(',')}`);
    await service.incrementalAlter(ResourceType.BROKER_LOGGER, name, add, remove);
  } else await alterQuotasOrScram(service, entities, add, remove);
  io.out(name !== '' ? `Completed updating config for ${type.slice(0, -1)} ${name}.\n` : `Completed updating default config for ${type} in the cluster.\n`);
}

/** The `configs` command; `io` gets what Kafka's tool prints on stdout and stderr. */
export function configsCommand(io: ToolOutput = PROCESS_OUTPUT): Command {
  // --entity-name and --entity-default pair with the --entity-type values in command-line order.
  const ordered: string[] = [];
  const command = new Command('configs')
    .description('This tool helps to manipulate and describe entity config for a topic, client, user, broker, ip, client-metrics or group (kafka-configs).')
    .option('--add-config <String>', addConfigHelp())
    .option('--add-config-file <String>', 'Path to a properties file with configs to add. See add-config for a list of valid configurations.')
    .option('--all', 'List all configs for the given entity, including static configs if available.')
    .option('--alter', 'Alter the configuration for the entity.')
    .option('--bootstrap-controller <String: controller to connect to>', 'The Kafka controllers to connect to.')
    .option('--bootstrap-server <String: server to connect to>', 'The Kafka servers to connect to.')
    .option('--broker <String>', "The broker's ID.")
    .option('--broker-defaults', 'The config defaults for all brokers.')
    .option('--broker-logger <String>', "The broker's ID for its logger config.")
    .option('--client <String>', "The client's ID.")
    .option('--client-defaults', 'The config defaults for all clients.')
    .option('--client-metrics <String>', 'The client metrics config resource name.')
    .option('--command-config <String: command config property file>', 'Property file containing configs to be passed to Admin Client. This is used only with --bootstrap-server option for describing and altering broker configs.')
    .option('--delete-config <String>', "config keys to remove 'k1,k2'", collect)
    .option('--describe', 'List configs for the given entity.')
    .option('--entity-default', 'Default entity name for clients/users/brokers/ips (applies to corresponding entity type)')
    .option('--entity-name <String>', 'Name of entity (topic name/client id/user principal name/broker id/ip/client metrics/group id)')
    .option('--entity-type <String>', 'Type of entity (topics/clients/users/brokers/broker-loggers/ips/client-metrics/groups)', collect)
    .option('--group <String>', "The group's ID.")
    .option('--ip <String>', 'The IP address.')
    .option('--ip-defaults', 'The config defaults for all IPs.')
    .option('--topic <String>', "The topic's name.")
    .option('--user <String>', "The user's principal name.")
    .option('--user-defaults', 'The config defaults for all users.');
  command.on('option:entity-name', (value: string) => ordered.push(value));
  command.on('option:entity-default', () => ordered.push(''));
  command.action(async (opts: ConfigsOptions) => {
    const args = process.argv.slice(process.argv.indexOf('configs') + 1).join(' ');
    await runTool(command, io, (message) => ({ stream: 'err', text: `${message}\n` }), async () => {
      const given = givenOptions(command);
      const values = command.opts<Record<string, string | true>>();
      const flags = new Map<string, string | true>();
      for (const [flag] of [...ENTITY_FLAGS, ...ENTITY_DEFAULT_FLAGS]) if (given.has(flag)) flags.set(flag, values[flag.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())]!);
      const entities = configEntities(opts.entityType ?? [], ordered, flags);
      checkConfigArgs(given, entities);
      if (given.has('bootstrap-controller')) throw new ConfigArgumentError('--bootstrap-controller is not supported by kafka-broker configs: use --bootstrap-server');
      const unsupported = entities.types.find((t) => t === 'client-metrics' || t === 'groups');
      if (unsupported !== undefined) throw new ConfigArgumentError(`Entity type ${unsupported} is not supported by kafka-broker configs`);
      try {
        await withAdminClient(opts.bootstrapServer!, opts.commandConfig, 'adminclient-1', async (client) => {
          const service = new ConfigService(client);
          if (given.has('alter')) return alter(service, entities, opts, io);
          const type = entities.types[0]!;
          if (type === 'topics' || type === 'brokers' || type === 'broker-loggers') return describeResource(service, type, entities.names[0], given.has('all'), io);
          return describeQuotasAndScram(service, entities, io);
        });
      } catch (e) {
        if (e instanceof ConfigArgumentError) throw e;
        throw new Error(`Error while executing config command with args '${args}'\n${exceptionLine(e)}`);
      }
    });
  });
  return command;
}
