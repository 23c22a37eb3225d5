import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OAuthBearerSaslServer } from '../../../../src/security/sasl/oauth-bearer-sasl-server.ts';
import { unsecuredJwsValidatorOptions, validateUnsecuredJws } from '../../../../src/security/sasl/unsecured-jws-validator.ts';
import { SaslAuthenticationError, SaslError } from '../../../../src/security/sasl/sasl-server.ts';

const NOW_MS = 1_700_000_000_000;
const NOW_S = NOW_MS / 1000;
const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
const jws = (claims: object, header: object = { alg: 'none' }): string => `${part(header)}.${part(claims)}.`;
const options = unsecuredJwsValidatorOptions(new Map([['unsecuredValidatorRequiredScope', 'read write'], ['unsecuredValidatorAllowableClockSkewMs', '1000']]));
const unsecured = (token: string, nowMs: number): ReturnType<typeof validateUnsecuredJws> => validateUnsecuredJws(token, options, nowMs);

test('the unsecured validator: principal, exp, iat, scope and skew as Kafka checks them', () => {
  assert.deepEqual(validateUnsecuredJws(jws({ sub: 'alice', iat: NOW_S, exp: NOW_S + 60, scope: 'write read' }), options, NOW_MS),
    { principalName: 'alice', lifetimeMs: NOW_MS + 60_000, scope: ['write', 'read'] });
  assert.equal('principalName' in validateUnsecuredJws(jws({ sub: 'a', exp: NOW_S - 0.5, scope: ['read', 'write'] }), options, NOW_MS), true, 'within the skew');
  const refused: [string, string][] = [
    [jws({ sub: 'a', exp: NOW_S - 1, scope: 'read write' }), 'invalid_token'],
    [jws({ sub: 'a', scope: 'read write' }), 'invalid_token'],
    [jws({ exp: NOW_S + 60, scope: 'read write' }), 'invalid_token'],
    [jws({ sub: 7, exp: NOW_S + 60, scope: 'read write' }), 'invalid_token'],
    [jws({ sub: 'a', iat: NOW_S + 10, exp: NOW_S + 60, scope: 'read write' }), 'invalid_token'],
    [jws({ sub: 'a', iat: NOW_S, exp: NOW_S - 0.5, scope: 'read write' }), 'invalid_token'],
    [jws({ sub: 'a', exp: NOW_S + 60, scope: 'read write' }, { alg: 'HS256' }), 'invalid_token'],
    [`${jws({ sub: 'a', exp: NOW_S + 60, scope: 'read write' })}sig`, 'invalid_token'],
    ['not.a.jws!', 'invalid_token'],
    ['onlyone', 'invalid_token'],
    [jws({ sub: 'a', exp: NOW_S + 60, scope: 'read' }), 'insufficient_scope'],
  ];
  for (const [token, status] of refused) {
    const result = validateUnsecuredJws(token, options, NOW_MS);
    assert.ok('status' in result && result.status === status, token);
  }
  assert.throws(() => unsecuredJwsValidatorOptions(new Map([['unsecuredValidatorAllowableClockSkewMs', '-1']])), /non-negative/);
});

test('OAUTHBEARER exchange: a valid token completes; a refused one answers the JSON error, then fails on \\x01', () => {
  const initial = (token: string, authzid = ''): Buffer => Buffer.from(`n,${authzid === '' ? '' : `a=${authzid}`},\x01host=h\x01auth=Bearer ${token}\x01\x01`);
  const ok = new OAuthBearerSaslServer(unsecured, () => NOW_MS, () => undefined);
  assert.deepEqual(ok.evaluateResponse(initial(jws({ sub: 'alice', exp: NOW_S + 60, scope: 'read write' }))), Buffer.alloc(0));
  assert.equal(ok.authorizationId, 'alice');
  const reasons: string[] = [];
  const bad = new OAuthBearerSaslServer(unsecured, () => NOW_MS, (r) => reasons.push(r));
  assert.equal(bad.evaluateResponse(initial(jws({ sub: 'alice', exp: NOW_S + 60, scope: 'read' }))).toString(), '{"status":"insufficient_scope", "scope":"read write"}');
  assert.equal(reasons.length, 1);
  assert.throws(() => bad.evaluateResponse(Buffer.from([1])), (e) => e instanceof SaslAuthenticationError && e.message === '{"status":"insufficient_scope", "scope":"read write"}');
  const other = new OAuthBearerSaslServer(unsecured, () => NOW_MS, () => undefined);
  assert.throws(() => other.evaluateResponse(initial(jws({ sub: 'alice', exp: NOW_S + 60, scope: 'read write' }), 'bob')), SaslAuthenticationError);
  for (const garbage of ['', 'n,,auth=Bearer x', 'n,,\x01auth=Basic abc\x01\x01', 'n,,\x01host=h\x01\x01', '\x01']) {
    assert.throws(() => new OAuthBearerSaslServer(unsecured, () => NOW_MS, () => undefined).evaluateResponse(Buffer.from(garbage)), SaslError, JSON.stringify(garbage));
  }
});
