import { readFile, stat } from 'node:fs/promises';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { TokenRefusal, ValidatedToken } from './unsecured-jws-validator.ts';

/** The settings of a {@link BrokerJwtValidator}, from Kafka's sasl.oauthbearer.* broker configs. */
export interface BrokerJwtValidatorOptions {
  /** sasl.oauthbearer.jwks.endpoint.url: file:// (a JWKS JSON file) or http(s)://. */
  readonly jwksEndpointUrl: string;
  /** sasl.oauthbearer.jwks.endpoint.refresh.ms: how long fetched keys are used before they are fetched again. */
  readonly jwksRefreshMs: number;
  /** sasl.oauthbearer.expected.audience: one of them must be in aud; empty: aud is not checked. */
  readonly expectedAudience: readonly string[];
  /** sasl.oauthbearer.expected.issuer: iss must equal it; null: iss is not checked. */
  readonly expectedIssuer: string | null;
  /** sasl.oauthbearer.scope.claim.name (default scope). */
  readonly scopeClaimName: string;
  /** sasl.oauthbearer.sub.claim.name (default sub): the principal. */
  readonly subClaimName: string;
  /** sasl.oauthbearer.clock.skew.seconds (default 30). */
  readonly clockSkewSeconds: number;
}

/** A JWKS file, read again when its modification time changes (Kafka's CachedFile behind JwksFileVerificationKeyResolver). */
class JwksFile {
  readonly #path: string;
  #mtimeMs: number;
  #keys: JWTVerifyGetKey;

  /** @throws Error when the file cannot be read or is not a JWKS (the broker does not start). */
  constructor(path: string) {
    this.#path = path;
    // Start-up only: the listener is configured before the broker serves anything.
    this.#mtimeMs = statSync(path).mtimeMs;
    this.#keys = JwksFile.#parse(readFileSync(path, 'utf8'));
  }

  static #parse(text: string): JWTVerifyGetKey {
    const jwks = JSON.parse(text) as JSONWebKeySet;
    if (jwks === null || typeof jwks !== 'object' || !Array.isArray(jwks.keys)) throw new Error('not a JSON Web Key Set (no "keys" array)');
    return createLocalJWKSet(jwks);
  }

  /** The current keys, re-read (asynchronously) if the file changed; a file that no longer parses keeps the old keys. */
  async keys(): Promise<JWTVerifyGetKey> {
    const mtimeMs = (await stat(this.#path)).mtimeMs;
    if (mtimeMs !== this.#mtimeMs) {
      this.#keys = JwksFile.#parse(await readFile(this.#path, 'utf8'));
      this.#mtimeMs = mtimeMs;
    }
    return this.#keys;
  }
}

function scopesOf(claim: unknown): string[] | string {
  const raw = typeof claim === 'string' ? [claim] : Array.isArray(claim) ? claim : [];
  const scopes = new Set<string>();
  for (const s of raw) {
    if (typeof s !== 'string' || s.trim() === '') return 'the scope claim holds an empty or non-string value';
    scopes.add(s.trim());
  }
  return [...scopes];
}

/**
 * Validation of signed JSON Web Tokens against a JWKS, as Kafka's BrokerJwtValidator (through
 * OAuthBearerValidatorCallbackHandler and DefaultJwtValidator, KIP-768): the signature must verify with a key of the
 * set (alg "none" is never accepted), exp and iat are required, nbf and exp are checked with the clock skew, aud
 * against the expected audiences and iss against the expected issuer when configured; the sub claim (configurable
 * name) is the principal and must be a non-blank string; the scope claim (a string or an array of strings) is
 * returned as is. Keys come from a file (re-read when it changes) or an http(s) endpoint (jose's remote key set:
 * fetched on first use, kept `jwksRefreshMs`, fetched again for an unknown key id). Every refusal is
 * 'invalid_token', its reason for the broker log only.
 */
export class BrokerJwtValidator {
  readonly #options: BrokerJwtValidatorOptions;
  readonly #keys: () => Promise<JWTVerifyGetKey> | JWTVerifyGetKey;

  /** @throws Error for a URL that is neither file nor http(s), or a JWKS file that cannot be read or parsed. */
  constructor(options: BrokerJwtValidatorOptions) {
    this.#options = options;
    const url = new URL(options.jwksEndpointUrl);
    if (url.protocol === 'file:') {
      const file = new JwksFile(fileURLToPath(url));
      this.#keys = () => file.keys();
    } else if (url.protocol === 'http:' || url.protocol === 'https:') {
      const remote = createRemoteJWKSet(url, { cacheMaxAge: options.jwksRefreshMs });
      this.#keys = () => remote;
    } else {
      throw new Error(`sasl.oauthbearer.jwks.endpoint.url must be a file, http or https URL: ${url.protocol}`);
    }
  }

  /**
   * Validates `token` at `nowMs` (ms since the epoch).
   * @returns the principal, the expiry (exp in ms since the epoch) and scopes, or an 'invalid_token' refusal.
   */
  async validate(token: string, nowMs: number): Promise<ValidatedToken | TokenRefusal> {
    const o = this.#options;
    const invalid = (reason: string): TokenRefusal => ({ status: 'invalid_token', reason });
    let payload: Record<string, unknown>;
    try {
      const verified = await jwtVerify(token, await this.#keys(), {
        audience: o.expectedAudience.length > 0 ? [...o.expectedAudience] : undefined,
        issuer: o.expectedIssuer ?? undefined,
        clockTolerance: o.clockSkewSeconds,
        currentDate: new Date(nowMs),
        requiredClaims: ['exp', 'iat'],
      });
      payload = verified.payload as Record<string, unknown>;
    } catch (err) {
      if (err instanceof joseErrors.JOSEError || err instanceof SyntaxError || err instanceof TypeError) return invalid(`Could not validate the access token: ${err.message}`);
      return invalid(`Could not validate the access token: the key set is unavailable: ${(err as Error).message}`);
    }
    const sub = payload[o.subClaimName];
    if (typeof sub !== 'string' || sub.trim() === '') return invalid(`The ${o.subClaimName} value must be a non-empty string`);
    const exp = payload.exp as number;
    const scope = scopesOf(payload[o.scopeClaimName]);
    if (typeof scope === 'string') return invalid(scope);
    return { principalName: sub.trim(), lifetimeMs: exp * 1000, scope };
  }
}
