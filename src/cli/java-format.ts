// How Java prints what Kafka's tools print: Double.toString, TopicPartition.hashCode (for the HashMap orders of
// java-hash-map-order.ts), and the exception class of a Kafka error code.

import { ERROR_INFO } from '../protocol/generated/errors.ts';
import { javaStringHash } from './java-hash-map-order.ts';

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
