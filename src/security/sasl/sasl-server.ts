/**
 * The server side of one SASL mechanism exchange on one connection (after Java's `javax.security.sasl.SaslServer`,
 * which Kafka's SaslServerAuthenticator drives): each client token is evaluated in turn until the exchange is
 * complete; the authorization id is then the authenticated user name.
 */
export interface SaslServer {
  /** The IANA mechanism name, e.g. 'PLAIN', 'SCRAM-SHA-256'. */
  readonly mechanismName: string;
  /**
   * Evaluates the client's next token and returns the challenge to send back (an empty Buffer when there is
   * nothing to say), or a promise of it (token validation may need I/O or WebCrypto).
   * @throws SaslAuthenticationError (its message goes to the client) or SaslError (the client gets Kafka's
   *   generic "invalid credentials" message) when the exchange fails; the exchange cannot continue after either.
   */
  evaluateResponse(token: Buffer): Buffer | Promise<Buffer>;
  /** Whether the exchange completed successfully. */
  readonly complete: boolean;
  /** The authenticated user name. @throws Error before the exchange completed. */
  readonly authorizationId: string;
  /**
   * When the authenticated credential expires (ms since the epoch; Kafka's CREDENTIAL_LIFETIME_MS negotiated
   * property, set by OAUTHBEARER from the token's exp), undefined for credentials that do not expire. It bounds the
   * session (KIP-368) whether connections.max.reauth.ms is set or not.
   */
  readonly credentialLifetimeMs?: number | undefined;
}

/**
 * A failure whose message is sent to the client in SaslAuthenticateResponse.error_message (Kafka's
 * `SaslAuthenticationException`): it must name no secret.
 */
export class SaslAuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SaslAuthenticationError';
  }
}

/**
 * A failure whose details stay in the broker log (Kafka's `javax.security.sasl.SaslException`): the client gets
 * "Authentication failed during authentication due to invalid credentials with SASL mechanism <m>".
 */
export class SaslError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SaslError';
  }
}
