// The building blocks of the config tables, after Kafka's `org.apache.kafka.common.config.ConfigDef`:
// value types, parsing of the string form (ConfigDef.parseType), validators (Range, ValidString, ValidList, ...)
// and the canonical string form of a parsed value (ConfigDef.convertToString), which DescribeConfigs returns.

import { ConfigException } from './config-exception.ts';

/** Kafka's `ConfigDef.Type`. */
export type ConfigType = 'BOOLEAN' | 'STRING' | 'INT' | 'SHORT' | 'LONG' | 'DOUBLE' | 'LIST' | 'CLASS' | 'PASSWORD';

/** Kafka's `ConfigDef.Importance`. */
export type Importance = 'HIGH' | 'MEDIUM' | 'LOW';

/**
 * How a broker config may be changed at run time, as Kafka's `DynamicBrokerConfig` classifies it:
 * `read-only` needs a restart; `per-broker` may be altered for one broker; `cluster-wide` may also be altered as a
 * cluster default (the empty broker resource name).
 */
export type DynamicUpdateMode = 'read-only' | 'per-broker' | 'cluster-wide';

/** A parsed config value: BOOLEAN -> boolean; INT/SHORT/LONG/DOUBLE -> number; LIST -> string[]; others -> string. */
export type ParsedValue = boolean | number | string | readonly string[] | null;

/** What each ConfigType parses to (null when the config has no value). */
export type ValueOfType<T extends ConfigType> = T extends 'BOOLEAN'
  ? boolean
  : T extends 'INT' | 'SHORT' | 'LONG' | 'DOUBLE'
    ? number
    : T extends 'LIST'
      ? readonly string[]
      : string;

/**
 * Checks a parsed, non-null value. `check` returns null when valid, else the reason (Kafka's wording);
 * `describe` is the "Valid Values" text of the generated docs (Kafka's validator `toString()`).
 */
export interface Validator {
  readonly describe: string;
  check(value: Exclude<ParsedValue, null>): string | null;
}

/**
 * What this broker does with a config (every configuration is honest):
 * - `implemented`: read by code and acting as in Kafka (a test walks the tables and checks the code reads it);
 * - `inactive`: accepted and validated but without effect yet; a start-up warning lists the inactive configs
 *   set to a value other than their default, docs/configuration.md marks them "accepted, no effect yet", and a
 *   dynamic update of one is refused;
 * - `refused`: its silent absence would weaken security or durability, so a value other than the default
 *   stops the start (and is refused as a dynamic update) with the reason.
 */
export type ConfigSupport = 'implemented' | 'inactive' | 'refused';

/**
 * One config definition. `default` is Kafka's default in its canonical string form (exactly what
 * DescribeConfigs reports, e.g. '9223372036854775807' for Long.MAX_VALUE), or null where Kafka has none.
 * `doc` is one sentence of our own. `internal` marks Kafka's `defineInternal` configs; `extension` marks
 * configs that only this broker has; `deprecated` says what replaces a deprecated config. `support` classifies
 * it ({@link ConfigSupport}); `supportNote` says why it is refused (always given) or inactive (when the reason
 * is not simply "not built yet").
 */
export interface ConfigKey<N extends string = string, T extends ConfigType = ConfigType> {
  readonly name: N;
  readonly type: T;
  readonly default: string | null;
  readonly validator?: Validator;
  readonly importance: Importance;
  readonly doc: string;
  readonly internal?: boolean;
  readonly extension?: boolean;
  readonly deprecated?: string;
  readonly support: ConfigSupport;
  readonly supportNote?: string;
  /** For an implemented LIST or STRING config: values accepted without effect yet, and why. */
  readonly partlyInactive?: PartlyInactive;
}

/** Values of an implemented config that are accepted without effect (listed by the start-up warning). */
export interface PartlyInactive {
  readonly values: readonly string[];
  readonly note: string;
}

/**
 * The classification options shared by the table builders: `inactive: true` (or the reason it has no effect)
 * for an accepted config without effect, `refused: reason` for one whose non-default values stop the start.
 */
export interface SupportOptions {
  readonly inactive?: true | string;
  readonly refused?: string;
  readonly partlyInactive?: PartlyInactive;
}

/** The `support`, `supportNote` and `partlyInactive` fields of a key from its {@link SupportOptions}. */
export function supportOf(opts: SupportOptions): { support: ConfigSupport; supportNote?: string; partlyInactive?: PartlyInactive } {
  if (opts.refused !== undefined) return { support: 'refused', supportNote: opts.refused };
  if (opts.inactive !== undefined) return { support: 'inactive', ...(opts.inactive === true ? {} : { supportNote: opts.inactive }) };
  return { support: 'implemented', ...(opts.partlyInactive === undefined ? {} : { partlyInactive: opts.partlyInactive }) };
}

/**
 * Whether `raw` (a set value of `key`) differs from the key's default: compared in canonical form, so
 * `1.0`/`1` or ` 5` and `5` are the same; for a config without default an empty value counts as unset.
 */
export function differsFromDefault(key: ConfigKey, raw: string): boolean {
  if (key.default === null) return raw.trim() !== '';
  return canonicalConfigString(key, raw) !== canonicalConfigString(key, key.default);
}

/** A broker config: a {@link ConfigKey} plus how it may be updated dynamically. */
export interface BrokerConfigKey<N extends string = string, T extends ConfigType = ConfigType> extends ConfigKey<N, T> {
  readonly dynamic: DynamicUpdateMode;
  /**
   * Why a dynamic update is refused although Kafka allows one (`dynamic` keeps Kafka's mode, for DescribeConfigs):
   * the config is read at start-up only, and applying it at run time is not built.
   */
  readonly dynamicUpdateRefused?: string;
}

/** Java's Long range, checked exactly with bigint. */
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/**
 * Long.MAX_VALUE as a JS number (it rounds to 2^63). LONG configs are numbers; compare "unlimited" defaults
 * such as flush.messages against this.
 */
export const LONG_MAX_VALUE = Number(LONG_MAX);

/** Integer.MAX_VALUE. */
export const INT_MAX_VALUE = 2147483647;

const INTEGER_TEXT = /^[+-]?\d+$/;
// Java's Double.parseDouble also takes hex floats; decimal forms, NaN and Infinity cover real configs.
const DOUBLE_TEXT = /^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?)$/;

/** Parses a Java integer of the given bit width; null if not one (Integer.parseInt/Long.parseLong rules). */
function parseJavaInteger(text: string, bits: 16 | 32 | 64): bigint | null {
  if (!INTEGER_TEXT.test(text)) return null;
  const v = BigInt(text);
  const min = bits === 64 ? LONG_MIN : -(2n ** BigInt(bits - 1));
  const max = bits === 64 ? LONG_MAX : 2n ** BigInt(bits - 1) - 1n;
  return v < min || v > max ? null : v;
}

/**
 * Parses the string form of a value as Kafka's `ConfigDef.parseType` does: surrounding whitespace is trimmed;
 * BOOLEAN is true/false in any case; numbers follow Java's parse rules and ranges; LIST splits on commas with
 * optional whitespace ('' is the empty list). Throws {@link ConfigException} naming key, value and rule.
 */
export function parseConfigValue(key: ConfigKey, raw: string): Exclude<ParsedValue, null> {
  const trimmed = raw.trim();
  const fail = (reason: string): never => {
    throw new ConfigException(ConfigException.invalidValue(key.name, raw, reason));
  };
  switch (key.type) {
    case 'BOOLEAN': {
      const lower = trimmed.toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
      return fail('Expected value to be either true or false');
    }
    case 'INT':
    case 'SHORT':
    case 'LONG': {
      const v = parseJavaInteger(trimmed, key.type === 'INT' ? 32 : key.type === 'SHORT' ? 16 : 64);
      return v === null ? fail(`Not a number of type ${key.type}`) : Number(v);
    }
    case 'DOUBLE': {
      if (!DOUBLE_TEXT.test(trimmed)) return fail('Not a number of type DOUBLE');
      return Number.parseFloat(trimmed.replace(/[fFdD]$/, ''));
    }
    case 'LIST':
      return trimmed === '' ? [] : trimmed.split(/\s*,\s*/);
    case 'STRING':
    case 'CLASS':
    case 'PASSWORD':
      return trimmed;
  }
}

/**
 * Java's `Double.toString`: plain decimal with at least one fractional digit for 1e-3 <= |d| < 1e7, otherwise
 * computerized scientific notation (`1.0E10`). Both languages print the shortest round-tripping digits.
 */
export function javaDoubleToString(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (!Number.isFinite(d)) return d > 0 ? 'Infinity' : '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(d);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(d);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exponent] = d.toExponential().split('e');
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${m}E${exponent.startsWith('+') ? exponent.slice(1) : exponent}`;
}

/**
 * The canonical string of a value as given (Kafka's `convertToString` of the parsed value): trimmed strings,
 * `true`/`false`, Java integer and double formatting, lists joined with ','. LONG keeps every digit because it
 * is re-derived from the text, not from the (possibly rounded) number. Assumes `raw` already parsed.
 */
export function canonicalConfigString(key: ConfigKey, raw: string): string {
  const value = parseConfigValue(key, raw);
  switch (key.type) {
    case 'INT':
    case 'SHORT':
    case 'LONG':
      return BigInt(raw.trim()).toString();
    case 'DOUBLE':
      return javaDoubleToString(value as number);
    case 'LIST':
      return (value as readonly string[]).join(',');
    default:
      return String(value);
  }
}

/** Parses then validates; throws {@link ConfigException} on a bad value. */
export function parseAndValidate(key: ConfigKey, raw: string): Exclude<ParsedValue, null> {
  const value = parseConfigValue(key, raw);
  const reason = key.validator?.check(value);
  if (reason !== undefined && reason !== null) {
    throw new ConfigException(ConfigException.invalidValue(key.name, raw, reason));
  }
  return value;
}

/**
 * Validation error for one (key, raw value) pair, or null when the value parses and passes the validator.
 */
export function checkConfigValue(key: ConfigKey, raw: string): string | null {
  try {
    parseAndValidate(key, raw);
    return null;
  } catch (e) {
    if (e instanceof ConfigException) return e.message;
    throw e;
  }
}

/** Kafka's `ConfigDef.Range.atLeast`: "[min,...]". */
export function atLeast(min: number): Validator {
  return {
    describe: `[${min},...]`,
    check: (v) => ((v as number) < min ? `Value must be at least ${min}` : null),
  };
}

/** Kafka's `ConfigDef.Range.between`: "[min,...,max]". */
export function between(min: number, max: number): Validator {
  return {
    describe: `[${min},...,${max}]`,
    check: (v) =>
      (v as number) < min ? `Value must be at least ${min}` : (v as number) > max ? `Value must be no more than ${max}` : null,
  };
}

/** Kafka's `ConfigDef.ValidString.in` (case-sensitive). */
export function oneOf(...valid: readonly string[]): Validator {
  return {
    describe: `[${valid.join(', ')}]`,
    check: (v) => (valid.includes(v as string) ? null : `String must be one of: ${valid.join(', ')}`),
  };
}

/** Kafka's `ConfigDef.CaseInsensitiveValidString.in`. */
export function oneOfIgnoreCase(...valid: readonly string[]): Validator {
  const lower = valid.map((s) => s.toLowerCase());
  return {
    describe: `(case insensitive) [${valid.map((s) => s.toUpperCase()).join(', ')}]`,
    check: (v) =>
      lower.includes((v as string).toLowerCase()) ? null : `String must be one of (case insensitive): ${valid.join(', ')}`,
  };
}

/** Kafka's `ConfigDef.ValidList.in`: every element must be one of `valid`. */
export function listOf(...valid: readonly string[]): Validator {
  return {
    describe: `[${valid.join(', ')}]`,
    check: (v) => {
      const bad = (v as readonly string[]).find((e) => !valid.includes(e));
      return bad === undefined ? null : `String must be one of: ${valid.join(', ')}`;
    },
  };
}

/** A validator from a predicate returning the reason or null. */
export function validator(describe: string, check: (v: Exclude<ParsedValue, null>) => string | null): Validator {
  return { describe, check };
}

/** Kafka's `ConfigDef.NonEmptyString`-style check for strings that must not be blank. */
export const nonEmptyString: Validator = validator('non-empty string', (v) =>
  (v as string).length === 0 ? 'String must be non-empty' : null,
);

/** DescribeConfigs v3+ `config_type` ids (Kafka's `DescribeConfigsResponse.ConfigType`). */
export const ConfigTypeId = {
  UNKNOWN: 0,
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
} as const;

/** `config_type` id of a ConfigType. */
export function configTypeId(type: ConfigType): number {
  return ConfigTypeId[type];
}

/** Options of {@link defineBroker}: validator, importance (default MEDIUM), dynamic mode (default read-only), flags. */
export interface BrokerConfigOptions extends SupportOptions {
  readonly v?: Validator;
  readonly imp?: Importance;
  readonly dyn?: DynamicUpdateMode;
  readonly internal?: boolean;
  readonly extension?: boolean;
  readonly deprecated?: string;
  /** See {@link BrokerConfigKey.dynamicUpdateRefused}. */
  readonly noReload?: string;
}

/** Builds a {@link BrokerConfigKey}, keeping the name and type as literal types for typed getters. */
export function defineBroker<const N extends string, const T extends ConfigType>(
  name: N,
  type: T,
  defaultValue: string | null,
  doc: string,
  opts: BrokerConfigOptions = {},
): BrokerConfigKey<N, T> {
  return {
    name,
    type,
    default: defaultValue,
    importance: opts.imp ?? 'MEDIUM',
    doc,
    dynamic: opts.dyn ?? 'read-only',
    ...supportOf(opts),
    ...(opts.v !== undefined ? { validator: opts.v } : {}),
    ...(opts.internal === true ? { internal: true } : {}),
    ...(opts.extension === true ? { extension: true } : {}),
    ...(opts.deprecated !== undefined ? { deprecated: opts.deprecated } : {}),
    ...(opts.noReload !== undefined ? { dynamicUpdateRefused: opts.noReload } : {}),
  };
}
