import { timingSafeEqual, createHash } from 'node:crypto';
import { SaslAuthenticationError, type SaslServer } from './sasl-server.ts';

/** Looks up the password of a PLAIN user (the listener's JAAS `user_<name>` options); undefined when unknown. */
export type PlainPasswordLookup = (username: string) => string | undefined;

/** Compares two strings in time independent of where they differ (through fixed-size digests). */
function equalConstantTime(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}

/**
 * SASL/PLAIN (RFC 4616) server, after Kafka's PlainSaslServer + PlainServerCallbackHandler: one client message
 * `[authzid] NUL authcid NUL passwd` (UTF-8), checked against the listener's JAAS users. Errors are
 * SaslAuthenticationError with Kafka's messages: "Invalid SASL/PLAIN response: expected 3 tokens, got N",
 * "Authentication failed: username not specified" / "password not specified", "Authentication failed: Invalid
 * username or password", "Authentication failed: Client requested an authorization id that is different from
 * username".
 */
export class PlainSaslServer implements SaslServer {
  readonly mechanismName = 'PLAIN';
  readonly #passwordOf: PlainPasswordLookup;
  #authorizationId: string | null = null;

  constructor(passwordOf: PlainPasswordLookup) {
    this.#passwordOf = passwordOf;
  }

  get complete(): boolean {
    return this.#authorizationId !== null;
  }

  get authorizationId(): string {
    if (this.#authorizationId === null) throw new Error('Authentication exchange has not completed');
    return this.#authorizationId;
  }

  evaluateResponse(token: Buffer): Buffer {
    if (this.#authorizationId !== null) throw new SaslAuthenticationError('Authentication failed: PLAIN exchange already completed');
    const tokens = token.toString('utf8').split('\u0000');
    if (tokens.length !== 3) throw new SaslAuthenticationError(`Invalid SASL/PLAIN response: expected 3 tokens, got ${tokens.length}`);
    const [authorizationIdFromClient, username, password] = tokens as [string, string, string];
    if (username === '') throw new SaslAuthenticationError('Authentication failed: username not specified');
    if (password === '') throw new SaslAuthenticationError('Authentication failed: password not specified');
    const expected = this.#passwordOf(username);
    // Compare against something even for an unknown user, so that the time taken does not tell which users exist.
    const matches = equalConstantTime(password, expected ?? '\u0000unknown user');
    if (expected === undefined || !matches) throw new SaslAuthenticationError('Authentication failed: Invalid username or password');
    if (authorizationIdFromClient !== '' && authorizationIdFromClient !== username) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    }
    this.#authorizationId = username;
    return Buffer.alloc(0);
  }
}
