import { SaslClientError, type SaslClient } from './sasl-client.ts';

/**
 * PLAIN client (RFC 4616), as the JDK's PlainClient that Kafka's PlainLoginModule uses: a single message
 * `[authzid] NUL authcid NUL passwd` in UTF-8, with an empty authorization id (the server then takes the user name,
 * as Kafka's PlainSaslServer does). The server's answer to it is empty.
 */
export class PlainSaslClient implements SaslClient {
  readonly mechanismName = 'PLAIN';
  readonly #username: string;
  readonly #password: string;
  #complete = false;

  /** @throws RangeError when the user name or password is empty or holds a NUL, which the message cannot carry. */
  constructor(username: string, password: string) {
    if (username === '' || password === '' || username.includes('\0') || password.includes('\0')) {
      throw new RangeError('PLAIN credentials must be non-empty and free of NUL characters');
    }
    this.#username = username;
    this.#password = password;
  }

  get complete(): boolean {
    return this.#complete;
  }

  evaluateChallenge(_challenge: Buffer): Promise<Buffer | null> {
    if (this.#complete) return Promise.reject(new SaslClientError('PLAIN authentication already completed'));
    this.#complete = true;
    return Promise.resolve(Buffer.from(`\0${this.#username}\0${this.#password}`, 'utf8'));
  }
}
