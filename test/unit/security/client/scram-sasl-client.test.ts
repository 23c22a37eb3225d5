import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { ScramSaslClient } from '../../../../src/security/client/scram-sasl-client.ts';
import { SaslClientError } from '../../../../src/security/client/sasl-client.ts';
import { SCRAM_SHA_256, SCRAM_SHA_512, scramCredential, type ScramMechanism } from '../../../../src/security/sasl/scram-mechanism.ts';
import { ScramSaslServer } from '../../../../src/security/sasl/scram-sasl-server.ts';

const text = (b: Buffer | null): string => (b === null ? '<null>' : b.toString('utf8'));

test('RFC 7677 test vector: SCRAM-SHA-256 client messages and server signature check', async () => {
  const client = new ScramSaslClient(SCRAM_SHA_256, 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
  assert.equal(text(await client.evaluateChallenge(Buffer.alloc(0))), 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
  const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
  assert.equal(
    text(await client.evaluateChallenge(Buffer.from(serverFirst))),
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  );
  assert.equal(client.complete, false);
  assert.equal(await client.evaluateChallenge(Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')), null);
  assert.equal(client.complete, true);
  await assert.rejects(client.evaluateChallenge(Buffer.alloc(0)), /Unexpected challenge in Sasl client state COMPLETE/);
});

/** Runs our client against our server; resolves with the user the server authenticated. */
async function exchange(m: ScramMechanism, user: string, password: string, stored: string): Promise<string> {
  const credential = scramCredential(m, stored, randomBytes(16), 4096);
  const server = new ScramSaslServer(m, (name, mech) => (name === 'svc,=1' && mech === m ? credential : undefined));
  const client = new ScramSaslClient(m, user, password);
  let token = await client.evaluateChallenge(Buffer.alloc(0));
  while (token !== null) {
    const challenge = server.evaluateResponse(token);
    token = client.complete ? null : await client.evaluateChallenge(challenge);
  }
  assert.equal(client.complete, true);
  assert.equal(server.complete, true);
  return server.authorizationId;
}

test('our client authenticates to our server with SCRAM-SHA-256 and -512 (a user name with , and = is escaped); a wrong password fails on the server', async () => {
  for (const m of [SCRAM_SHA_256, SCRAM_SHA_512]) {
    assert.equal(await exchange(m, 'svc,=1', 'secret', 'secret'), 'svc,=1');
    await assert.rejects(exchange(m, 'svc,=1', 'wrong', 'secret'), /Invalid client credentials/);
  }
});

test('a server that does not know the password is caught by the server signature; errors, bad nonces and iteration counts fail the exchange', async () => {
  const start = async (): Promise<ScramSaslClient> => {
    const c = new ScramSaslClient(SCRAM_SHA_512, 'u', 'p', 'abc');
    await c.evaluateChallenge(Buffer.alloc(0));
    return c;
  };
  const salt = randomBytes(16).toString('base64');
  const forged = await start();
  await forged.evaluateChallenge(Buffer.from(`r=abcdef,s=${salt},i=4096`));
  await assert.rejects(forged.evaluateChallenge(Buffer.from(`v=${randomBytes(64).toString('base64')}`)), /Invalid server signature in server final message/);
  assert.equal(forged.complete, false);
  const refused = await start();
  await refused.evaluateChallenge(Buffer.from(`r=abcdef,s=${salt},i=4096`));
  await assert.rejects(refused.evaluateChallenge(Buffer.from('e=invalid-proof')), /Sasl authentication using SCRAM-SHA-512 failed with error: invalid-proof/);
  await assert.rejects((await start()).evaluateChallenge(Buffer.from(`r=xyz123,s=${salt},i=4096`)), /Invalid server nonce: does not start with client nonce/);
  await assert.rejects((await start()).evaluateChallenge(Buffer.from(`r=abc,s=${salt},i=4096`)), /Invalid server nonce/);
  await assert.rejects((await start()).evaluateChallenge(Buffer.from(`r=abcdef,s=${salt},i=4095`)), /Requested iterations 4095 is less than the minimum 4096 for SCRAM-SHA-512/);
  // Unbounded PBKDF2 work is refused (Kafka's own upper bound for stored credentials is 16384).
  await assert.rejects((await start()).evaluateChallenge(Buffer.from(`r=abcdef,s=${salt},i=2000000000`)), /more than the maximum 16384/);
  for (const bad of ['garbage', `s=${salt},r=abcdef,i=4096`, 'r=abcdef,s=!!,i=4096', 'r=abcdef,s=,i=4096', `r=abcdef,s=${salt},i=-1`]) {
    await assert.rejects((await start()).evaluateChallenge(Buffer.from(bad)), SaslClientError, bad);
  }
  await assert.rejects(new ScramSaslClient(SCRAM_SHA_256, 'u', 'p').evaluateChallenge(Buffer.from('x')), /Expected empty challenge/);
  assert.throws(() => new ScramSaslClient(SCRAM_SHA_256, '', 'p'), RangeError);
});
