import { randomBytes } from 'node:crypto';

/** Kafka's all-zero Uuid in string form. */
export const ZERO_UUID_STRING = 'AAAAAAAAAAAAAAAAAAAAAA';

/**
 * A random Kafka Uuid (16 random bytes) in Kafka's string form: URL-safe base64 without padding, 22 characters.
 * Like Kafka's `Uuid.randomUuid()`, it never returns the reserved zero or one Uuids, nor one whose string starts
 * with '-' (which command-line tools would take for an option).
 */
export function randomUuid(): string {
  for (;;) {
    const s = randomBytes(16).toString('base64url');
    if (s !== ZERO_UUID_STRING && s !== 'AAAAAAAAAAAAAAAAAAAAAQ' && !s.startsWith('-')) return s;
  }
}
