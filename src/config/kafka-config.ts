// The broker's effective configuration, after Kafka's `KafkaConfig` + `DynamicBrokerConfig`: every entry parsed
// and validated against the table, unknown names rejected, synonyms resolved (log.retention.hours -> ms,
// log.dir vs log.dirs, broker.id vs node.id), layers of precedence tracked for DescribeConfigs.

import { resolve as resolvePath } from 'node:path';

import {
  BROKER_CONFIG_KEYS,
  NOT_CONFIGS,
  type BrokerConfigName,
  type BrokerConfigNameOfType,
} from './broker-configs.ts';
import { brokerConfigKey, LISTENER_PREFIX } from './broker-config-key.ts';
import { LISTENER_MECHANISM_CONFIGS } from './broker-security-configs.ts';
import { closestConfigName } from './closest-config-name.ts';
import { configSupport, inactivityOf, refusalOf, type InactiveSetting } from './config-support.ts';
import {
  canonicalConfigString,
  configTypeId,
  parseAndValidate,
  parseConfigValue,
  type BrokerConfigKey,
  type ParsedValue,
} from './config-def.ts';
import { ConfigException } from './config-exception.ts';
import { ConfigSource, type ConfigEntry, type ConfigSourceName, type ConfigSynonym } from './config-source.ts';
import { parseEndpoints, parseListenerSecurityProtocolMap, type Endpoint, type SecurityProtocol } from './endpoint.ts';
import { parseBootstrapServers, parseQuorumVoters, type HostPort, type QuorumVoter } from './quorum-voter.ts';
import { TOPIC_CONFIG_KEYS } from './topic-configs.ts';
import { validateKafkaConfig } from './validate-kafka-config.ts';

/** Dynamic broker configs (stored in the metadata log as BROKER ConfigRecords), raw strings by name. */
export interface DynamicBrokerConfigs {
  /** Configs set for this broker (resource name = node id): DYNAMIC_BROKER_CONFIG. */
  readonly perBroker?: Readonly<Record<string, string>>;
  /** Cluster-wide defaults (empty resource name): DYNAMIC_DEFAULT_BROKER_CONFIG. */
  readonly clusterDefault?: Readonly<Record<string, string>>;
}

/** Kafka's `DynamicBrokerConfig.brokerConfigSynonyms`: names that set the same broker value, by precedence. */
function brokerSynonymNames(name: string): string[] {
  switch (name) {
    case 'log.roll.ms':
    case 'log.roll.hours':
      return ['log.roll.ms', 'log.roll.hours'];
    case 'log.roll.jitter.ms':
    case 'log.roll.jitter.hours':
      return ['log.roll.jitter.ms', 'log.roll.jitter.hours'];
    case 'log.flush.interval.ms':
      return ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'];
    case 'log.retention.ms':
    case 'log.retention.minutes':
    case 'log.retention.hours':
      return ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'];
  }
  const m = LISTENER_PREFIX.exec(name);
  if (m !== null) {
    const mechanismConfig = LISTENER_MECHANISM_CONFIGS.find((c) => m[2].endsWith(c));
    return [name, mechanismConfig ?? m[2]];
  }
  return [name];
}

/** The error for a name that is not a broker config, with the closest known name as a hint. */
function unknownNameError(name: string): string {
  const special = NOT_CONFIGS.get(name);
  if (special !== undefined) return special;
  const topicKey = TOPIC_CONFIG_KEYS.get(name);
  if (topicKey !== undefined && topicKey.serverSynonyms.length > 0) {
    return `Unknown configuration '${name}': it is a topic config; the broker-wide default is '${topicKey.serverSynonyms[0].name}'`;
  }
  const hint = closestConfigName(name, BROKER_CONFIG_KEYS.keys());
  return `Unknown configuration '${name}'${hint === null ? '' : `. Did you mean '${hint}'?`}`;
}

function freeze(record: Readonly<Record<string, string>> | undefined): Readonly<Record<string, string>> {
  return Object.freeze({ ...(record ?? {}) });
}

const csv = (s: string | null): string[] => (s === null || s.trim() === '' ? [] : s.trim().split(/\s*,\s*/));

/**
 * A validated broker configuration. Create with {@link KafkaConfig.fromProps}; immutable (a dynamic change makes a
 * new instance with {@link KafkaConfig.withDynamicConfigs}). Typed getters take only names of the matching type.
 * LONG values are numbers: beyond 2^53 they round (Long.MAX_VALUE reads as LONG_MAX_VALUE); DescribeConfigs keeps
 * the exact text.
 */
export class KafkaConfig {
  /** The static configs as given (server.properties, env, CLI overrides), raw strings. */
  readonly originals: Readonly<Record<string, string>>;
  readonly dynamicBrokerConfigs: Readonly<Record<string, string>>;
  readonly dynamicDefaultConfigs: Readonly<Record<string, string>>;
  readonly #merged: Readonly<Record<string, string>>;
  readonly #values = new Map<string, ParsedValue>();
  readonly #strings = new Map<string, string | null>();
  #listenerCache: { map: Map<string, SecurityProtocol>; listeners: Endpoint[]; advertised: Endpoint[] } | undefined;

  private constructor(originals: Readonly<Record<string, string>>, dynamic: DynamicBrokerConfigs, crossCheck = true) {
    this.originals = freeze(originals);
    this.dynamicDefaultConfigs = freeze(dynamic.clusterDefault);
    this.dynamicBrokerConfigs = freeze(dynamic.perBroker);
    this.#merged = Object.freeze({ ...this.originals, ...this.dynamicDefaultConfigs, ...this.dynamicBrokerConfigs });
    const errors: string[] = [];
    for (const [name, raw] of Object.entries(this.#merged)) {
      const key = brokerConfigKey(name);
      if (key === undefined) {
        errors.push(unknownNameError(name));
        continue;
      }
      try {
        parseAndValidate(key, raw);
      } catch (e) {
        if (!(e instanceof ConfigException)) throw e;
        errors.push(e.message.replace(`for configuration ${key.name}:`, `for configuration ${name}:`));
      }
    }
    if (errors.length > 0) throw new ConfigException(errors);
    for (const key of BROKER_CONFIG_KEYS.values()) {
      const raw = this.#merged[key.name] ?? key.default;
      this.#values.set(key.name, raw === null ? null : parseConfigValue(key, raw));
      this.#strings.set(key.name, raw === null ? null : canonicalConfigString(key, raw));
    }
    // Kafka's KafkaConfig.populateSynonyms: broker.id and node.id name the same id.
    const nodeIdSet = this.#merged['node.id'] !== undefined;
    const brokerIdSet = this.#merged['broker.id'] !== undefined;
    if (brokerIdSet && !nodeIdSet) this.#alias('node.id', 'broker.id');
    if (nodeIdSet && !brokerIdSet) this.#alias('broker.id', 'node.id');
    // Settings this broker would otherwise silently ignore, where that weakens security or durability.
    const crossErrors = crossCheck ? [...validateKafkaConfig(this), ...configSupport(this).refusals] : [];
    if (brokerIdSet && nodeIdSet && this.#values.get('broker.id') !== this.#values.get('node.id')) {
      crossErrors.unshift('You must set `node.id` to the same value as `broker.id`.');
    }
    if (crossErrors.length > 0) throw new ConfigException(crossErrors);
  }

  #alias(target: string, from: string): void {
    this.#values.set(target, this.#values.get(from) ?? null);
    this.#strings.set(target, this.#strings.get(from) ?? null);
  }

  /**
   * Validates `props` (raw strings by name) and builds the configuration. Throws {@link ConfigException} listing
   * every unknown name (with the closest known name), bad value (name, value, rule) and contradiction.
   */
  static fromProps(props: Readonly<Record<string, string>>, dynamic: DynamicBrokerConfigs = {}): KafkaConfig {
    return new KafkaConfig(props, dynamic);
  }

  /**
   * Every config at its default, without the checks that need a real node (node.id, process.roles, quorum).
   * For topic-config defaults (LogConfig without a broker) and tests only; never to run a broker.
   */
  static defaults(): KafkaConfig {
    return (KafkaConfig.#defaults ??= new KafkaConfig({}, {}, false));
  }

  static #defaults: KafkaConfig | undefined;

  /** The same static configs with new dynamic layers (after an AlterConfigs on a BROKER resource). */
  withDynamicConfigs(dynamic: DynamicBrokerConfigs): KafkaConfig {
    return new KafkaConfig(this.originals, dynamic);
  }

  /** Effective parsed value (null when unset and without default). */
  get(name: BrokerConfigName): ParsedValue {
    return this.#values.get(name) ?? null;
  }

  #number(name: string): number {
    const v = this.#values.get(name);
    if (typeof v !== 'number') throw new Error(`Configuration ${name} has no value`);
    return v;
  }

  getInt(name: BrokerConfigNameOfType<'INT'>): number {
    return this.#number(name);
  }

  getShort(name: BrokerConfigNameOfType<'SHORT'>): number {
    return this.#number(name);
  }

  /**
   * LONG value. The synonym groups resolve to their effective value, as Kafka's accessors do: log.retention.ms
   * (else minutes, else hours; negative -> -1), log.roll.ms, log.roll.jitter.ms (else the hours forms) and
   * log.flush.interval.ms (else log.flush.scheduler.interval.ms). {@link getNumberOrNull} gives the raw value.
   */
  getLong(name: BrokerConfigNameOfType<'LONG'>): number {
    switch (name) {
      case 'log.retention.ms':
        return this.logRetentionTimeMs;
      case 'log.roll.ms':
        return this.logRollTimeMs;
      case 'log.roll.jitter.ms':
        return this.logRollTimeJitterMs;
      case 'log.flush.interval.ms':
        return this.logFlushIntervalMs;
      default:
        return this.#number(name);
    }
  }

  getDouble(name: BrokerConfigNameOfType<'DOUBLE'>): number {
    return this.#number(name);
  }

  /** The raw value of an INT or LONG config that may be unset (log.retention.ms, log.roll.ms...): null when unset. */
  getNumberOrNull(name: BrokerConfigNameOfType<'INT' | 'LONG'>): number | null {
    const v = this.#values.get(name);
    return typeof v === 'number' ? v : null;
  }

  getBoolean(name: BrokerConfigNameOfType<'BOOLEAN'>): boolean {
    return this.#values.get(name) === true;
  }

  getString(name: BrokerConfigNameOfType<'STRING' | 'CLASS'>): string | null {
    return (this.#values.get(name) as string | null | undefined) ?? null;
  }

  getPassword(name: BrokerConfigNameOfType<'PASSWORD'>): string | null {
    return (this.#values.get(name) as string | null | undefined) ?? null;
  }

  getList(name: BrokerConfigNameOfType<'LIST'>): readonly string[] {
    return (this.#values.get(name) as readonly string[] | null | undefined) ?? [];
  }

  /** Canonical string of the effective value (Kafka's `convertToString`), null when unset. */
  valueString(name: BrokerConfigName): string | null {
    return this.#strings.get(name) ?? null;
  }

  /**
   * Value of `name` for a listener (and SASL mechanism), honouring `listener.name.<listener>.[<mechanism>.]<name>`
   * overrides before the base config, as Kafka's `valuesWithPrefixOverride` does.
   */
  valueForListener(listenerName: string, name: BrokerConfigName, mechanism?: string): ParsedValue {
    const prefix = `listener.name.${listenerName.toLowerCase()}.`;
    const candidates = mechanism === undefined ? [] : [`${prefix}${mechanism.toLowerCase()}.${name}`];
    candidates.push(`${prefix}${name}`);
    const key = BROKER_CONFIG_KEYS.get(name);
    for (const c of candidates) {
      const raw = this.#merged[c];
      if (raw !== undefined && key !== undefined) return parseConfigValue(key, raw);
    }
    return this.get(name);
  }

  /** Raw configs whose name starts with `prefix`, with the prefix removed (Kafka's `originalsWithPrefix`). */
  originalsWithPrefix(prefix: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.#merged)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
    return out;
  }

  /** Where the value of `name` comes from (the first synonym's source; DEFAULT_CONFIG when none is set). */
  source(name: string): ConfigSourceName {
    return this.synonyms(name)[0]?.source ?? 'DEFAULT_CONFIG';
  }

  /**
   * Synonyms of a broker config in precedence order, as DescribeConfigs reports them (Kafka's
   * `ConfigHelper.configSynonyms`): each layer (dynamic per-broker, dynamic default, static, default) in turn, and
   * within it each synonym name, starting from the first entry named `name` (earlier ones are dropped, so an unset
   * config whose value comes from a lower-precedence synonym has no synonyms and source DEFAULT_CONFIG, as in Kafka).
   */
  synonyms(name: string): ConfigSynonym[] {
    const names = brokerSynonymNames(name);
    const sensitive = brokerConfigKey(name)?.type === 'PASSWORD' || brokerConfigKey(name) === undefined;
    const layers: [Readonly<Record<string, string>>, ConfigSourceName][] = [
      [this.dynamicBrokerConfigs, 'DYNAMIC_BROKER_CONFIG'],
      [this.dynamicDefaultConfigs, 'DYNAMIC_DEFAULT_BROKER_CONFIG'],
      [this.originals, 'STATIC_BROKER_CONFIG'],
    ];
    const all: ConfigSynonym[] = [];
    for (const [layer, source] of layers) {
      for (const n of names) {
        const v = layer[n];
        if (v !== undefined) all.push({ name: n, value: sensitive ? null : v, source });
      }
    }
    for (const n of names) {
      const d = BROKER_CONFIG_KEYS.get(n)?.default ?? null;
      if (d !== null) all.push({ name: n, value: sensitive ? null : d, source: 'DEFAULT_CONFIG' });
    }
    const first = all.findIndex((s) => s.name === name);
    return first < 0 ? [] : all.slice(first);
  }

  /**
   * DescribeConfigs entries for this broker (`scope` 'broker': every non-internal config plus every listener
   * override set) or for the cluster-wide defaults (`scope` 'cluster-default': only the dynamic defaults set).
   * Follows Kafka's `ConfigHelper.createBrokerConfigEntry`: PASSWORD values are null and sensitive; readOnly
   * unless the config is dynamically updatable.
   */
  describe(scope: 'broker' | 'cluster-default' = 'broker'): ConfigEntry[] {
    const names =
      scope === 'cluster-default'
        ? Object.keys(this.dynamicDefaultConfigs)
        : [
            ...[...BROKER_CONFIG_KEYS.values()].filter((k) => k.internal !== true).map((k) => k.name),
            ...Object.keys(this.#merged).filter((n) => !BROKER_CONFIG_KEYS.has(n)),
          ];
    return [...new Set(names)].sort().map((name) => {
      const key = brokerConfigKey(name);
      const sensitive = key === undefined || key.type === 'PASSWORD';
      const defined = BROKER_CONFIG_KEYS.get(name);
      let value: string | null;
      if (sensitive) value = null;
      else if (scope === 'cluster-default') value = this.dynamicDefaultConfigs[name] ?? null;
      else if (defined !== undefined) value = this.#strings.get(name) ?? null;
      else value = this.#merged[name] ?? null;
      let synonyms = this.synonyms(name);
      if (scope === 'cluster-default') synonyms = synonyms.filter((s) => s.source === 'DYNAMIC_DEFAULT_BROKER_CONFIG');
      const source = synonyms[0]?.source ?? 'DEFAULT_CONFIG';
      return {
        name,
        value,
        source,
        sourceId: ConfigSource[source],
        readOnly: defined === undefined || defined.dynamic === 'read-only',
        sensitive,
        synonyms,
        configType: key === undefined ? 0 : configTypeId(key.type),
        documentation: key?.doc ?? null,
      };
    });
  }

  /**
   * Errors for a dynamic update of broker configs (IncrementalAlterConfigs / AlterConfigs on a BROKER resource),
   * after Kafka's `DynamicBrokerConfig.validateConfigs`: unknown names, read-only configs, per-broker configs set as
   * a cluster default (`perBroker` false), and bad values. A null value deletes the config and is not type-checked.
   * A value that this broker would not act on is refused as well: a refused config set to a non-default value,
   * or an inactive one (see `ConfigSupport`). Empty when valid; handlers return INVALID_CONFIG (40) otherwise.
   */
  static validateDynamicUpdate(props: Readonly<Record<string, string | null>>, perBroker: boolean): string[] {
    const errors: string[] = [];
    for (const [name, raw] of Object.entries(props)) {
      const key = brokerConfigKey(name);
      if (key === undefined) {
        errors.push(unknownNameError(name));
        continue;
      }
      const listenerOverride = name !== key.name;
      if (key.dynamic === 'read-only') errors.push(`Cannot update these configs dynamically: [${name}]`);
      else if (!perBroker && (key.dynamic === 'per-broker' || listenerOverride)) {
        errors.push(`Cannot update these configs at default cluster level, broker id must be specified: [${name}]`);
      }
      if (raw !== null && key.dynamic !== 'read-only' && key.dynamicUpdateRefused !== undefined) {
        errors.push(`${name} cannot be updated dynamically yet: ${key.dynamicUpdateRefused}`);
      }
      if (raw !== null) {
        try {
          parseAndValidate(key, raw);
        } catch (e) {
          if (!(e instanceof ConfigException)) throw e;
          errors.push(e.message.replace(`for configuration ${key.name}:`, `for configuration ${name}:`));
          continue;
        }
        const refusal = refusalOf(name, raw);
        const inactive = inactivityOf(name, raw);
        if (refusal !== null) errors.push(refusal);
        else if (inactive !== null) {
          errors.push(`${inactive.name} is accepted but has no effect in this broker yet${inactive.note === null ? '' : ` (${inactive.note})`}`);
        }
      }
    }
    return errors;
  }

  /**
   * The settings of every layer that are accepted without effect (inactive configs set to a value other than
   * their default), for the one start-up warning.
   */
  inactiveSettings(): InactiveSetting[] {
    return configSupport(this).inactive;
  }

  // ---- Derived values (Kafka's KafkaConfig accessors) ----

  /** node.id (broker.id when only that is set). */
  get nodeId(): number {
    return this.getInt('node.id');
  }

  /** process.roles, e.g. ['broker', 'controller'] in combined mode. */
  get processRoles(): readonly ('broker' | 'controller')[] {
    return this.getList('process.roles') as readonly ('broker' | 'controller')[];
  }

  get isBroker(): boolean {
    return this.processRoles.includes('broker');
  }

  get isController(): boolean {
    return this.processRoles.includes('controller');
  }

  /** Log directories (log.dirs, else log.dir), resolved to absolute paths against the working directory. */
  get logDirs(): string[] {
    return csv(this.getString('log.dirs') ?? this.getString('log.dir')).map((d) => resolvePath(d));
  }

  /** Directory of the KRaft metadata log: metadata.log.dir, else the first log directory. */
  get metadataLogDir(): string {
    const dir = this.getString('metadata.log.dir');
    return dir !== null ? resolvePath(dir) : this.logDirs[0];
  }

  /** Effective retention in ms: log.retention.ms, else minutes, else hours; any negative value means -1. */
  get logRetentionTimeMs(): number {
    const ms =
      this.getNumberOrNull('log.retention.ms') ??
      (this.getNumberOrNull('log.retention.minutes') !== null
        ? this.getInt('log.retention.minutes') * 60_000
        : this.getInt('log.retention.hours') * 3_600_000);
    return ms < 0 ? -1 : ms;
  }

  /** Effective segment roll time in ms: log.roll.ms, else log.roll.hours. */
  get logRollTimeMs(): number {
    return this.getNumberOrNull('log.roll.ms') ?? this.getInt('log.roll.hours') * 3_600_000;
  }

  /** Effective roll jitter in ms: log.roll.jitter.ms, else log.roll.jitter.hours. */
  get logRollTimeJitterMs(): number {
    return this.getNumberOrNull('log.roll.jitter.ms') ?? this.getInt('log.roll.jitter.hours') * 3_600_000;
  }

  /** Effective flush interval in ms: log.flush.interval.ms, else log.flush.scheduler.interval.ms. */
  get logFlushIntervalMs(): number {
    return this.getNumberOrNull('log.flush.interval.ms') ?? this.#number('log.flush.scheduler.interval.ms');
  }

  /** offsets.retention.minutes in ms. */
  get offsetsRetentionMs(): number {
    return this.getInt('offsets.retention.minutes') * 60_000;
  }

  /** Controller listener names, upper-cased. */
  get controllerListenerNames(): string[] {
    return csv(this.getString('controller.listener.names')).map((n) => n.toUpperCase());
  }

  /**
   * Listener name -> security protocol. As Kafka's `effectiveListenerSecurityProtocolMap`: when the map was not set
   * explicitly and no SSL/SASL listener is in use, controller listeners are mapped to PLAINTEXT.
   */
  get listenerSecurityProtocolMap(): ReadonlyMap<string, SecurityProtocol> {
    return this.#listenerState().map;
  }

  /** Endpoints to bind (`listeners`). */
  get listeners(): readonly Endpoint[] {
    return this.#listenerState().listeners;
  }

  /** The controller's endpoints among `listeners`. */
  get controllerListeners(): readonly Endpoint[] {
    const names = this.controllerListenerNames;
    return this.listeners.filter((e) => names.includes(e.listenerName));
  }

  /**
   * Broker endpoints published to clients (advertised.listeners, else listeners), without controller listeners.
   * A null host means "this machine's host name" (the server fills it in).
   */
  get advertisedListeners(): readonly Endpoint[] {
    return this.#listenerState().advertised.filter((e) => !this.controllerListenerNames.includes(e.listenerName));
  }

  /** Controller endpoints published to other nodes (advertised.listeners entries, else listeners). */
  get advertisedControllerListeners(): readonly Endpoint[] {
    const names = this.controllerListenerNames;
    const advertised = this.#listenerState().advertised.filter((e) => names.includes(e.listenerName));
    const fromAdvertised = new Set(advertised.map((e) => e.listenerName));
    return [...advertised, ...this.controllerListeners.filter((e) => !fromAdvertised.has(e.listenerName))];
  }

  /** Listener used between brokers: inter.broker.listener.name, else the one named after security.inter.broker.protocol. */
  get interBrokerListenerName(): string {
    return (this.getString('inter.broker.listener.name') ?? this.getString('security.inter.broker.protocol') ?? 'PLAINTEXT').toUpperCase();
  }

  /** Static voters (controller.quorum.voters); empty with a dynamic quorum. */
  get quorumVoters(): QuorumVoter[] {
    return parseQuorumVoters(this.getList('controller.quorum.voters'));
  }

  /** controller.quorum.bootstrap.servers. */
  get quorumBootstrapServers(): HostPort[] {
    return parseBootstrapServers(this.getList('controller.quorum.bootstrap.servers'));
  }

  #listenerState(): { map: Map<string, SecurityProtocol>; listeners: Endpoint[]; advertised: Endpoint[] } {
    if (this.#listenerCache !== undefined) return this.#listenerCache;
    const map = parseListenerSecurityProtocolMap(this.getString('listener.security.protocol.map') ?? '');
    const listenersText = this.getString('listeners') ?? '';
    if (this.#merged['listener.security.protocol.map'] === undefined) {
      const sslOrSasl = (n: string): boolean => n === 'SSL' || n === 'SASL_SSL' || n === 'SASL_PLAINTEXT';
      const listenerNames = csv(listenersText).map((l) => l.split('://')[0].toUpperCase());
      if (!this.controllerListenerNames.some(sslOrSasl) && !listenerNames.some(sslOrSasl)) {
        for (const n of this.controllerListenerNames) if (!map.has(n)) map.set(n, 'PLAINTEXT');
      }
    }
    const protocolOf = (n: string): SecurityProtocol | undefined => map.get(n);
    const listeners = parseEndpoints(listenersText, protocolOf);
    const advertisedText = this.getString('advertised.listeners');
    const advertised = advertisedText === null ? listeners : parseEndpoints(advertisedText, protocolOf);
    this.#listenerCache = { map, listeners, advertised };
    return this.#listenerCache;
  }

  /** All configs set (every layer merged) with PASSWORD values replaced by '[hidden]', for startup logs. */
  redactedConfigs(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.#merged)) out[k] = brokerConfigKey(k)?.type === 'PASSWORD' ? '[hidden]' : v;
    return out;
  }

  /** Whether `name` was given a value in any layer (not just defaulted). */
  isSet(name: string): boolean {
    return this.#merged[name] !== undefined;
  }
}
