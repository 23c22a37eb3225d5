// Kafka's OAuthBearerUnsecuredValidatorCallbackHandler: validation of unsecured JSON Web Tokens (JWS with alg
// "none", RFC 7515 / 7519) for OAUTHBEARER, meant for development. Its options come from the listener's
// OAuthBearerLoginModule JAAS entry: unsecuredValidatorPrincipalClaimName (default sub),
// unsecuredValidatorScopeClaimName (default scope), unsecuredValidatorRequiredScope (space-delimited),
// unsecuredValidatorAllowableClockSkewMs (default 0).

/** The validator's options (see the file header). */
export interface UnsecuredJwsValidatorOptions {
  readonly principalClaimName: string;
  readonly scopeClaimName: string;
  readonly requiredScope: readonly string[];
  readonly allowableClockSkewMs: number;
}

/** A valid token: its principal and lifetime (exp, in ms since the epoch). */
export interface ValidatedToken {
  readonly principalName: string;
  readonly lifetimeMs: number;
  readonly scope: readonly string[];
}

/**
 * Why a token was refused: `status` is the RFC 6750 error the server answers with ('invalid_token', or
 * 'insufficient_scope' with the required `scope`), `reason` the detail for the broker log.
 */
export interface TokenRefusal {
  readonly status: 'invalid_token' | 'insufficient_scope';
  readonly scope?: string;
  readonly reason: string;
}

function decodePart(part: string, what: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) throw new Error(`${what} is not base64url`);
  const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/**
 * Parses the JAAS options of the validator.
 * @throws Error for a clock skew that is not a non-negative integer (Kafka's OAuthBearerConfigException).
 */
export function unsecuredJwsValidatorOptions(options: ReadonlyMap<string, string>): UnsecuredJwsValidatorOptions {
  const blank = (s: string | undefined): boolean => s === undefined || s.trim() === '';
  const skewText = options.get('unsecuredValidatorAllowableClockSkewMs');
  const skew = blank(skewText) ? 0 : Number(skewText!.trim());
  if (!Number.isInteger(skew) || skew < 0) throw new Error(`Allowable clock skew millis must be a non-negative integer: ${skewText}`);
  const scope = options.get('unsecuredValidatorRequiredScope');
  return {
    principalClaimName: blank(options.get('unsecuredValidatorPrincipalClaimName')) ? 'sub' : options.get('unsecuredValidatorPrincipalClaimName')!.trim(),
    scopeClaimName: blank(options.get('unsecuredValidatorScopeClaimName')) ? 'scope' : options.get('unsecuredValidatorScopeClaimName')!.trim(),
    requiredScope: blank(scope) ? [] : scope!.trim().split(/\s+/),
    allowableClockSkewMs: skew,
  };
}

/**
 * Validates an unsecured JWS as Kafka's unsecured validator: three dot-separated base64url parts with an empty
 * signature, a header with alg "none", a string principal claim, an optional numeric iat not after now + skew, a
 * numeric exp with now - skew before it, exp after iat, and every required scope in the scope claim (a string of
 * space-delimited scopes or an array of strings).
 * @param nowMs the current time (ms since the epoch).
 * @returns the token, or why it is refused.
 */
export function validateUnsecuredJws(token: string, options: UnsecuredJwsValidatorOptions, nowMs: number): ValidatedToken | TokenRefusal {
  const invalid = (reason: string): TokenRefusal => ({ status: 'invalid_token', reason });
  const parts = token.split('.');
  if (parts.length !== 3) return invalid('an unsecured JWS has three parts');
  if (parts[2] !== '') return invalid('an unsecured JWS has an empty signature');
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = decodePart(parts[0]!, 'header');
    claims = decodePart(parts[1]!, 'payload');
  } catch (err) {
    return invalid(`malformed JWS: ${(err as Error).message}`);
  }
  if (header.alg !== 'none') return invalid('the JWS header alg is not "none"');
  const principal = claims[options.principalClaimName];
  if (typeof principal !== 'string' || principal.trim() === '') return invalid(`Required claim missing or not a string: ${options.principalClaimName}`);
  const skew = options.allowableClockSkewMs;
  const iat = claims.iat;
  if (iat !== undefined && typeof iat !== 'number') return invalid('iat is not a number');
  if (typeof iat === 'number' && iat * 1000 > nowMs + skew) return invalid(`The Issued At value (${iat} seconds) was after the indicated time (${nowMs} ms) plus allowable clock skew (${skew} ms)`);
  const exp = claims.exp;
  if (typeof exp !== 'number') return invalid('Required claim missing or not a number: exp');
  if (nowMs - skew >= exp * 1000) return invalid(`The indicated time (${nowMs} ms) minus allowable clock skew (${skew} ms) was on or after the Expiration Time value (${exp} seconds)`);
  if (typeof iat === 'number' && exp <= iat) return invalid(`The Expiration Time time (${exp} seconds) was not after the Issued At time (${iat} seconds)`);
  const scopeClaim = claims[options.scopeClaimName];
  const scope = typeof scopeClaim === 'string' ? scopeClaim.split(/\s+/).filter((s) => s !== '')
    : Array.isArray(scopeClaim) ? scopeClaim.filter((s): s is string => typeof s === 'string') : [];
  const missing = options.requiredScope.filter((s) => !scope.includes(s));
  if (missing.length > 0) return { status: 'insufficient_scope', scope: options.requiredScope.join(' '), reason: `the token lacks the required scope ${missing.join(' ')}` };
  return { principalName: principal, lifetimeMs: exp * 1000, scope };
}
