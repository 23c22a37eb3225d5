// How Java prints what Kafka's tools print: Double.toString, the iteration order of a small java.util.HashMap keyed
// by strings (the order of the quota values kafka-configs lists), and the exception class of a Kafka error code.

import { ERROR_INFO } from '../protocol/generated/errors.ts';

/**
 * Java's Double.toString of `value`: "1000.0", "0.5", "1.0E7", "1.5E-4", "NaN", "Infinity". The digits are the
 * shortest that round-trip (as JavaScript's; Java 19+ does the same).
 */
export function javaDoubleString(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(value);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(value);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exponent] = value.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}

/** Java's String.hashCode (over UTF-16 code units, int32). */
function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * The order in which a java.util.HashMap (or HashSet) of default capacity holding `entries` (inserted in this order)
 * iterates: by bucket of the spread hash (`hash` of the key, String.hashCode by default), then insertion order. The
 * table has 16 buckets up to 12 entries and doubles past each 0.75 load.
 */
export function javaHashMapOrder<K, V>(entries: readonly (readonly [K, V])[], hash: (key: K) => number = (k) => javaStringHash(String(k))): (readonly [K, V])[] {
  const capacity = entries.length > 12 ? 1 << Math.ceil(Math.log2(entries.length / 0.75)) : 16;
  const bucket = (key: K): number => {
    const h = hash(key);
    return (h ^ (h >>> 16)) & (capacity - 1);
  };
  return entries.map((e, i) => ({ e, i, b: bucket(e[0]) })).sort((x, y) => x.b - y.b || x.i - y.i).map((x) => x.e);
}

/** Java's TopicPartition.hashCode. */
export function topicPartitionHash(tp: { readonly topic: string; readonly partition: number }): number {
  return (Math.imul(31, 31 + tp.partition) + javaStringHash(tp.topic)) | 0;
}

/** Kafka's Java exception class for error `code` (Errors.exception), e.g. InvalidConfigurationException. */
export function exceptionClass(code: number): string {
  const name = ERROR_INFO[code]?.name ?? 'UNKNOWN_SERVER_ERROR';
  if (name === 'INVALID_CONFIG') return 'InvalidConfigurationException';
  const words = name.replace(/_EXCEPTION$/, '').replace(/_AUTHORIZATION_FAILED$/, '_AUTHORIZATION').split('_');
  return `${words.map((w) => w[0] + w.slice(1).toLowerCase()).join('')}Exception`;
}
