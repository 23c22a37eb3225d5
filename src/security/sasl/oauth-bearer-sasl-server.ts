import { SaslAuthenticationError, SaslError, type SaslServer } from './sasl-server.ts';
import type { TokenRefusal, ValidatedToken } from './unsecured-jws-validator.ts';

/**
 * Validates a bearer token at `nowMs` (ms since the epoch): Kafka's validator callback handler (the unsecured one,
 * or the JWKS one, whose signature check is asynchronous).
 */
export type OAuthBearerTokenValidator = (token: string, nowMs: number) => ValidatedToken | TokenRefusal | Promise<ValidatedToken | TokenRefusal>;

/** RFC 7628 client initial response: gs2 header, then \x01-separated key=value pairs, ended by \x01\x01. */
const INITIAL_RESPONSE = /^n,(?:a=((?:[\x01-\x2b\x2d-\x3c\x3e-\x7f]|=2C|=3D)+))?,\x01((?:[A-Za-z]+=[\x21-\x7e \t\r\n]+\x01)*)\x01$/;
const AUTH = /^(\w+) +([-_~+/.a-zA-Z0-9]+=*)$/;

/**
 * SASL/OAUTHBEARER (RFC 7628) server (Kafka's OAuthBearerSaslServer) with a token validator (Kafka's
 * OAuthBearerUnsecuredValidatorCallbackHandler for development, or OAuthBearerValidatorCallbackHandler with JWKS).
 * The client's initial
 * response carries `auth=Bearer <token>`; a valid token completes with an empty challenge and its principal claim
 * as the authorization id. An invalid one is answered with the RFC 6750 JSON error (`{"status":"invalid_token"}`,
 * or insufficient_scope with the required scope) as the challenge; the client's \x01 reply then fails the exchange
 * with that JSON as the message (SaslAuthenticationError), as Kafka's. Extensions are accepted and ignored.
 * Malformed messages are SaslError ("Invalid OAUTHBEARER client first message").
 */
export class OAuthBearerSaslServer implements SaslServer {
  readonly mechanismName = 'OAUTHBEARER';
  readonly #validate: OAuthBearerTokenValidator;
  readonly #nowMs: () => number;
  readonly #log: (reason: string) => void;
  #errorMessage: string | null = null;
  #authorizationId: string | null = null;
  #lifetimeMs = 0;

  /** @param log receives why a token was refused (for the broker log; the client sees the JSON status only). */
  constructor(validate: OAuthBearerTokenValidator, nowMs: () => number, log: (reason: string) => void) {
    this.#validate = validate;
    this.#nowMs = nowMs;
    this.#log = log;
  }

  get complete(): boolean {
    return this.#authorizationId !== null;
  }

  get authorizationId(): string {
    if (this.#authorizationId === null) throw new Error('Authentication exchange has not completed');
    return this.#authorizationId;
  }

  /** The token's expiry (ms since the epoch, its exp claim), once complete. */
  get credentialLifetimeMs(): number {
    return this.#lifetimeMs;
  }

  evaluateResponse(token: Buffer): Buffer | Promise<Buffer> {
    if (this.#authorizationId !== null) throw new SaslError('OAUTHBEARER exchange already completed');
    if (token.length === 1 && token[0] === 1 && this.#errorMessage !== null) throw new SaslAuthenticationError(this.#errorMessage);
    this.#errorMessage = null;
    const m = INITIAL_RESPONSE.exec(token.toString('utf8'));
    if (m === null) throw new SaslError('Invalid OAUTHBEARER client first message');
    const authzid = m[1] ?? '';
    const pairs = new Map<string, string>();
    for (const kv of m[2]!.split('\x01').filter((p) => p !== '')) {
      const eq = kv.indexOf('=');
      pairs.set(kv.slice(0, eq), kv.slice(eq + 1));
    }
    const auth = pairs.get('auth');
    if (auth === undefined) throw new SaslError("Invalid OAUTHBEARER client first message: 'auth' not specified");
    const a = AUTH.exec(auth);
    if (a === null) throw new SaslError("Invalid OAUTHBEARER client first message: invalid 'auth' format");
    if (a[1]!.toLowerCase() !== 'bearer') throw new SaslError(`Invalid scheme in OAUTHBEARER client first message: ${a[1]}`);
    const result = this.#validate(a[2]!, this.#nowMs());
    return result instanceof Promise ? result.then((r) => this.#validated(r, authzid)) : this.#validated(result, authzid);
  }

  #validated(result: ValidatedToken | TokenRefusal, authzid: string): Buffer {
    if ('status' in result) {
      this.#log(result.reason);
      this.#errorMessage = result.scope === undefined ? `{"status":"${result.status}"}` : `{"status":"${result.status}", "scope":"${result.scope}"}`;
      return Buffer.from(this.#errorMessage, 'utf8');
    }
    if (authzid !== '' && authzid !== result.principalName) {
      throw new SaslAuthenticationError(`Authentication failed: Client requested an authorization id (${authzid}) that is different from the token's principal name (${result.principalName})`);
    }
    this.#authorizationId = result.principalName;
    this.#lifetimeMs = result.lifetimeMs;
    return Buffer.alloc(0);
  }
}
