/** Longest legal topic name (Kafka's `Topic.MAX_NAME_LENGTH`). */
export const MAX_TOPIC_NAME_LENGTH = 249;

const LEGAL = /^[a-zA-Z0-9._-]+$/;

/**
 * Checks a topic name by Kafka's rules (`org.apache.kafka.common.internals.Topic.validate`): non-empty, not "."
 * or "..", at most 249 characters, only ASCII letters, digits, '.', '_' and '-'.
 * @returns null when legal, else the reason (for INVALID_TOPIC_EXCEPTION, error 17).
 */
export function topicNameError(name: string): string | null {
  if (name.length === 0) return 'Topic name is illegal, it can\'t be empty';
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."';
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `Topic name is illegal, it can't be longer than ${MAX_TOPIC_NAME_LENGTH} characters, topic name: ${name}`;
  }
  if (!LEGAL.test(name)) {
    return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  return null;
}

/**
 * Topic names that differ only in '.' versus '_' collide in metric names, so Kafka refuses to create the second
 * one (`Topic.hasCollision`). Returns the normalized form used for that check.
 */
export function collisionKey(name: string): string {
  return name.replaceAll('.', '_');
}

/** Internal topics of the coordinators (Kafka's `Topic.isInternal`). */
export function isInternalTopic(name: string): boolean {
  return name === '__consumer_offsets' || name === '__transaction_state';
}
