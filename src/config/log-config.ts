// The effective configuration of one topic, after Kafka's `LogConfig.fromProps(config.extractLogConfigMap,
// topicOverrides)` and `ConfigHelper.createTopicConfigEntry`: topic overrides win, then the broker's value of the
// first set broker synonym (log.retention.ms, then minutes, then hours...), then the topic default. Each entry
// carries its source and synonyms in the shape DescribeConfigs needs.

import type { BrokerConfigName } from './broker-configs.ts';
import { canonicalConfigString, configTypeId, parseConfigValue, type ConfigType, type ParsedValue } from './config-def.ts';
import { ConfigException } from './config-exception.ts';
import { ConfigSource, type ConfigEntry, type ConfigSourceName, type ConfigSynonym } from './config-source.ts';
import { KafkaConfig } from './kafka-config.ts';
import {
  TOPIC_CONFIG_KEYS,
  TOPIC_CONFIGS,
  type TopicConfigKey,
  type TopicConfigName,
  type TopicConfigNameOfType,
} from './topic-configs.ts';
import { validateTopicConfig } from './validate-topic-config.ts';

/** Topic overrides as stored in metadata (ConfigRecords) or sent in CreateTopics/AlterConfigs: raw strings. */
export type TopicOverrides = Readonly<Record<string, string>> | ReadonlyMap<string, string>;

const UNIT_FACTOR = { hours: 3_600_000n, minutes: 60_000n } as const;

function toRecord(overrides: TopicOverrides): Record<string, string> {
  return overrides instanceof Map ? Object.fromEntries(overrides) : { ...(overrides as Readonly<Record<string, string>>) };
}

/**
 * A topic's effective configuration. Build with {@link LogConfig.fromProps}; read values with the typed getters,
 * DescribeConfigs entries with {@link LogConfig.describe}, and the storage engine's shape with `toLogConfigValues`.
 */
export class LogConfig {
  /** The topic's own overrides, raw strings by name. */
  readonly overrides: Readonly<Record<string, string>>;
  /** The broker configuration the defaults come from. */
  readonly brokerConfig: KafkaConfig;
  readonly #values = new Map<string, ParsedValue>();
  readonly #strings = new Map<string, string | null>();

  private constructor(overrides: Record<string, string>, brokerConfig: KafkaConfig) {
    this.overrides = Object.freeze(overrides);
    this.brokerConfig = brokerConfig;
    for (const key of TOPIC_CONFIGS as readonly TopicConfigKey[]) {
      const raw = overrides[key.name];
      if (raw !== undefined) {
        this.#values.set(key.name, parseConfigValue(key, raw));
        this.#strings.set(key.name, canonicalConfigString(key, raw));
        continue;
      }
      const fromBroker = this.#brokerDefault(key);
      if (fromBroker !== null) {
        this.#values.set(key.name, parseConfigValue(key, fromBroker));
        this.#strings.set(key.name, fromBroker);
      } else {
        this.#values.set(key.name, key.default === null ? null : parseConfigValue(key, key.default));
        this.#strings.set(key.name, key.default === null ? null : canonicalConfigString(key, key.default));
      }
    }
  }

  /** The broker-derived value of a topic config as canonical text, or null when no synonym has a value. */
  #brokerDefault(key: TopicConfigKey): string | null {
    for (const synonym of key.serverSynonyms) {
      const text = this.brokerConfig.valueString(synonym.name as BrokerConfigName);
      if (text === null) continue;
      let value = synonym.unit === undefined ? text : (BigInt(text) * UNIT_FACTOR[synonym.unit]).toString();
      // Kafka's logRetentionTimeMillis: any negative retention means unlimited (-1).
      if (key.name === 'retention.ms' && BigInt(value) < 0n) value = '-1';
      return value;
    }
    return null;
  }

  /**
   * Every problem with a set of topic overrides (empty when valid): unknown names (with a hint), bad values, and
   * the cross-field rules of Kafka's `LogConfig.validateValues` / `validateTopicLogConfigValues`
   * (min.compaction.lag.ms <= max.compaction.lag.ms; remote storage needs broker support and a non-compacted topic).
   */
  static validate(topicOverrides: TopicOverrides, brokerConfig: KafkaConfig = KafkaConfig.defaults()): string[] {
    const overrides = toRecord(topicOverrides);
    const errors: string[] = [];
    for (const [name, value] of Object.entries(overrides)) {
      const error = validateTopicConfig(name, value);
      if (error !== null) errors.push(error);
    }
    if (errors.length > 0) return errors;
    const config = new LogConfig(overrides, brokerConfig);
    const minLag = config.getLong('min.compaction.lag.ms');
    const maxLag = config.getLong('max.compaction.lag.ms');
    if (minLag > maxLag) {
      errors.push(`conflict topic config setting min.compaction.lag.ms (${minLag}) > max.compaction.lag.ms (${maxLag})`);
    }
    if (config.getBoolean('remote.storage.enable')) {
      if (!brokerConfig.getBoolean('remote.log.storage.system.enable')) {
        errors.push('Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.');
      } else if (config.getList('cleanup.policy').includes('compact')) {
        errors.push('Remote log storage is unsupported for the compacted topics');
      }
    }
    return errors;
  }

  /**
   * Validates `topicOverrides` and builds the effective topic config over `brokerConfig` (default: every broker
   * config at its default). Throws {@link ConfigException} (INVALID_CONFIG) listing every problem.
   */
  static fromProps(topicOverrides: TopicOverrides, brokerConfig: KafkaConfig = KafkaConfig.defaults()): LogConfig {
    const errors = LogConfig.validate(topicOverrides, brokerConfig);
    if (errors.length > 0) throw new ConfigException(errors);
    return new LogConfig(toRecord(topicOverrides), brokerConfig);
  }

  /** Effective parsed value. */
  get(name: TopicConfigName): ParsedValue {
    return this.#values.get(name) ?? null;
  }

  #number(name: string): number {
    const v = this.#values.get(name);
    if (typeof v !== 'number') throw new Error(`Topic config ${name} has no value`);
    return v;
  }

  getInt(name: TopicConfigNameOfType<'INT'>): number {
    return this.#number(name);
  }

  getLong(name: TopicConfigNameOfType<'LONG'>): number {
    return this.#number(name);
  }

  getDouble(name: TopicConfigNameOfType<'DOUBLE'>): number {
    return this.#number(name);
  }

  getBoolean(name: TopicConfigNameOfType<'BOOLEAN'>): boolean {
    return this.#values.get(name) === true;
  }

  getString(name: TopicConfigNameOfType<'STRING'>): string {
    return String(this.#values.get(name) ?? '');
  }

  getList(name: TopicConfigNameOfType<'LIST'>): readonly string[] {
    return (this.#values.get(name) as readonly string[] | null | undefined) ?? [];
  }

  /** Canonical text of the effective value (what DescribeConfigs returns). */
  valueString(name: TopicConfigName): string | null {
    return this.#strings.get(name) ?? null;
  }

  /** Whether the topic overrides `name`. */
  isOverridden(name: string): boolean {
    return Object.hasOwn(this.overrides, name);
  }

  /**
   * Synonyms in precedence order: the topic override (TOPIC_CONFIG) if any, then the broker synonyms of the
   * config's primary broker name across the broker's layers (Kafka's `createTopicConfigEntry`).
   */
  synonyms(name: TopicConfigName): ConfigSynonym[] {
    const key = TOPIC_CONFIG_KEYS.get(name);
    if (key === undefined) return [];
    const list: ConfigSynonym[] = [];
    if (this.isOverridden(name)) list.push({ name, value: this.valueString(name), source: 'TOPIC_CONFIG' });
    if (key.serverSynonyms.length > 0) list.push(...this.brokerConfig.synonyms(key.serverSynonyms[0].name));
    return list;
  }

  /** Where the effective value comes from. */
  source(name: TopicConfigName): ConfigSourceName {
    return this.synonyms(name)[0]?.source ?? 'DEFAULT_CONFIG';
  }

  /** The DescribeConfigs entry of one topic config. */
  entry(name: TopicConfigName): ConfigEntry {
    const key = TOPIC_CONFIG_KEYS.get(name) as TopicConfigKey;
    const synonyms = this.synonyms(name);
    const source = synonyms[0]?.source ?? 'DEFAULT_CONFIG';
    return {
      name,
      value: this.valueString(name),
      source,
      sourceId: ConfigSource[source],
      readOnly: false,
      sensitive: false,
      synonyms,
      configType: configTypeId(key.type as ConfigType),
      documentation: key.doc,
    };
  }

  /** DescribeConfigs entries for `names` (default: every topic config), sorted by name; unknown names skipped. */
  describe(names?: readonly string[]): ConfigEntry[] {
    const wanted = names === undefined || names.length === 0 ? [...TOPIC_CONFIG_KEYS.keys()] : names;
    return [...new Set(wanted)]
      .filter((n) => TOPIC_CONFIG_KEYS.has(n))
      .sort()
      .map((n) => this.entry(n as TopicConfigName));
  }
}
