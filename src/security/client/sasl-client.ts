/**
 * The client side of one SASL mechanism exchange on one connection (after Java's `javax.security.sasl.SaslClient`,
 * which Kafka's SaslClientAuthenticator drives): the first token is the initial response to an empty challenge,
 * then each server token is evaluated in turn until the exchange is complete.
 */
export interface SaslClient {
  /** The IANA mechanism name sent in SaslHandshake, e.g. 'PLAIN', 'SCRAM-SHA-512'. */
  readonly mechanismName: string;
  /**
   * Evaluates the server's challenge (an empty Buffer for the initial response) and resolves with the next token
   * to send, or null when there is nothing more to send (the exchange is then complete).
   * Rejects with a SaslClientError when the server's challenge is malformed, fails a check (SCRAM nonce, server
   * signature), or comes after the exchange ended; the exchange cannot continue after it.
   */
  evaluateChallenge(challenge: Buffer): Promise<Buffer | null>;
  /** Whether the exchange completed successfully on this side. */
  readonly complete: boolean;
}

/**
 * A failed authentication of one of the broker's own connections (Kafka's client-side `SaslAuthenticationException`
 * and `SaslException`): the peer refused the credentials, does not enable the mechanism, or misbehaved in the
 * exchange. Its message names no secret; the connection is closed.
 */
export class SaslClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SaslClientError';
  }
}
