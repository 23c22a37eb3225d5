import assert from 'node:assert/strict';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { BrokerJwtValidator, type BrokerJwtValidatorOptions } from '../../../../src/security/sasl/broker-jwt-validator.ts';

const NOW_MS = Date.now();
const NOW_S = Math.floor(NOW_MS / 1000);

async function keyPair(kid: string): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
  const pair = await generateKeyPair('RS256');
  return { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256' } };
}

function sign(key: CryptoKey, kid: string, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(key);
}

const base = (jwksEndpointUrl: string): BrokerJwtValidatorOptions => ({
  jwksEndpointUrl, jwksRefreshMs: 3_600_000, expectedAudience: ['kafka'], expectedIssuer: 'https://idp', scopeClaimName: 'scope', subClaimName: 'sub', clockSkewSeconds: 30,
});
const good = { sub: 'svc', iss: 'https://idp', aud: 'kafka', iat: NOW_S, exp: NOW_S + 60, scope: 'read' };

test('a JWKS file: signature, exp/iat required, audience, issuer, skew and claim names as Kafka\'s BrokerJwtValidator', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'jwks-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const k1 = await keyPair('k1');
  const path = join(dir, 'jwks.json');
  await writeFile(path, JSON.stringify({ keys: [k1.jwk] }));
  const validator = new BrokerJwtValidator(base(pathToFileURL(path).href));
  assert.deepEqual(await validator.validate(await sign(k1.privateKey, 'k1', good), NOW_MS), { principalName: 'svc', lifetimeMs: (NOW_S + 60) * 1000, scope: ['read'] });
  const refused = async (claims: Record<string, unknown>, why: string, key = k1.privateKey): Promise<void> => {
    const result = await validator.validate(await sign(key, 'k1', claims), NOW_MS);
    assert.ok('status' in result && result.status === 'invalid_token', why);
  };
  await refused({ ...good, exp: NOW_S - 31 }, 'expired beyond the skew');
  await refused({ ...good, iat: undefined }, 'iat is required');
  await refused({ ...good, aud: 'other' }, 'another audience');
  await refused({ ...good, iss: 'https://evil' }, 'another issuer');
  await refused({ ...good, nbf: NOW_S + 120 }, 'not yet valid');
  await refused({ ...good, sub: ' ' }, 'a blank subject');
  await refused(good, 'signed by a key outside the set', (await keyPair('k1')).privateKey);
  assert.equal('principalName' in (await validator.validate(await sign(k1.privateKey, 'k1', { ...good, exp: NOW_S - 10 }), NOW_MS)), true, 'within the skew');
  const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(good)).toString('base64url')}.`;
  assert.equal((await validator.validate(unsigned, NOW_MS) as { status?: string }).status, 'invalid_token');
  assert.equal((await validator.validate('garbage', NOW_MS) as { status?: string }).status, 'invalid_token');

  const named = new BrokerJwtValidator({ ...base(pathToFileURL(path).href), subClaimName: 'client_id', scopeClaimName: 'scp' });
  assert.deepEqual(await named.validate(await sign(k1.privateKey, 'k1', { ...good, client_id: 'app', scp: ['a', 'b'] }), NOW_MS), { principalName: 'app', lifetimeMs: (NOW_S + 60) * 1000, scope: ['a', 'b'] });

  // The file is re-read when it changes: a rotated key is accepted, the removed one no longer.
  const k2 = await keyPair('k2');
  await writeFile(path, JSON.stringify({ keys: [k2.jwk] }));
  await utimes(path, new Date(), new Date(Date.now() + 5000));
  assert.equal('principalName' in (await validator.validate(await sign(k2.privateKey, 'k2', good), NOW_MS)), true);
  assert.equal('status' in (await validator.validate(await sign(k1.privateKey, 'k1', good), NOW_MS)), true);

  assert.throws(() => new BrokerJwtValidator(base(pathToFileURL(join(dir, 'missing.json')).href)), /ENOENT/);
  assert.throws(() => new BrokerJwtValidator(base('ftp://idp/jwks')), /file, http or https/);
});

test('a JWKS http endpoint: keys are fetched, and fetched again for an unknown key id; an unreachable one refuses', async (t) => {
  const k1 = await keyPair('k1');
  const k2 = await keyPair('k2');
  let keys = [k1.jwk];
  let fetches = 0;
  const server = createServer((_req, res) => {
    fetches++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  const validator = new BrokerJwtValidator({ ...base(url), jwksRefreshMs: 0 });
  assert.equal('principalName' in (await validator.validate(await sign(k1.privateKey, 'k1', good), NOW_MS)), true);
  assert.equal(fetches, 1);
  keys = [k1.jwk, k2.jwk];
  assert.equal('principalName' in (await validator.validate(await sign(k2.privateKey, 'k2', good), NOW_MS)), true);
  assert.ok(fetches >= 2);

  const down = new BrokerJwtValidator(base('http://127.0.0.1:1/jwks'));
  const result = await down.validate(await sign(k1.privateKey, 'k1', good), NOW_MS);
  assert.ok('status' in result && result.status === 'invalid_token');
});
