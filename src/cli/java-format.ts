// How Java prints what Kafka's tools print: TopicPartition.hashCode (for the HashMap orders of
// java-hash-map-order.ts) and the exception class of a Kafka error code (Double.toString is javaDoubleText in
// src/protocol/json-node.ts, which the JSON writers share).

import { ERROR_INFO } from '../protocol/generated/errors.ts';
import { javaStringHash } from './java-hash-map-order.ts';

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
