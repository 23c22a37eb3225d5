import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { ScramSaslServer } from '../../../../src/security/sasl/scram-sasl-server.ts';
import { SCRAM_SHA_256, SCRAM_SHA_512, scramCredential, scramHash, scramHmac, scramSaltedPassword, type ScramCredential, type ScramMechanism } from '../../../../src/security/sasl/scram-mechanism.ts';
import { SaslAuthenticationError, SaslError } from '../../../../src/security/sasl/sasl-server.ts';

// RFC 7677 section 3: the SCRAM-SHA-256 exchange of user "user", password "pencil".
const RFC7677 = {
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

function store(users: Record<string, ScramCredential>, m: ScramMechanism): (u: string, mech: ScramMechanism) => ScramCredential | undefined {
  return (u, mech) => (mech === m ? users[u] : undefined);
}

test('RFC 7677 test vector: SCRAM-SHA-256 server-first and server-final messages, user authenticated', () => {
  const credential = scramCredential(SCRAM_SHA_256, 'pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), 4096);
  const server = new ScramSaslServer(SCRAM_SHA_256, store({ user: credential }, SCRAM_SHA_256), RFC7677.serverNonce);
  assert.equal(server.evaluateResponse(Buffer.from(RFC7677.clientFirst)).toString(), RFC7677.serverFirst);
  assert.equal(server.complete, false);
  assert.equal(server.evaluateResponse(Buffer.from(RFC7677.clientFinal)).toString(), RFC7677.serverFinal);
  assert.equal(server.complete, true);
  assert.equal(server.authorizationId, 'user');
});

test('RFC 5802 key derivation: the stored key is H(HMAC(SaltedPassword, "Client Key")) (RFC 7677 values)', () => {
  const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
  const salted = scramSaltedPassword(SCRAM_SHA_256, 'pencil', salt, 4096);
  const credential = scramCredential(SCRAM_SHA_256, 'pencil', salt, 4096);
  assert.deepEqual(credential.storedKey, scramHash(SCRAM_SHA_256, scramHmac(SCRAM_SHA_256, salted, 'Client Key')));
  assert.deepEqual(credential.serverKey, scramHmac(SCRAM_SHA_256, salted, 'Server Key'));
});

/** A client side of RFC 5802, written from the RFC, to drive the server over SHA-512. */
function clientExchange(m: ScramMechanism, user: string, password: string, server: ScramSaslServer, mutateFinal = (s: string) => s): string {
  const cnonce = randomBytes(18).toString('base64');
  const bare = `n=${user},r=${cnonce}`;
  const serverFirst = server.evaluateResponse(Buffer.from(`n,,${bare}`)).toString();
  const attrs = Object.fromEntries(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)]));
  const salted = scramSaltedPassword(m, password, Buffer.from(attrs.s!, 'base64'), Number(attrs.i));
  const clientKey = scramHmac(m, salted, 'Client Key');
  const withoutProof = `c=biws,r=${attrs.r}`;
  const signature = scramHmac(m, scramHash(m, clientKey), `${bare},${serverFirst},${withoutProof}`);
  const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
  return server.evaluateResponse(Buffer.from(mutateFinal(`${withoutProof},p=${proof.toString('base64')}`))).toString();
}

test('SCRAM-SHA-512: the right password completes with a server signature the client can check; a wrong one fails', () => {
  const credential = scramCredential(SCRAM_SHA_512, 'secret', randomBytes(16), 4096);
  const ok = new ScramSaslServer(SCRAM_SHA_512, store({ alice: credential }, SCRAM_SHA_512));
  assert.match(clientExchange(SCRAM_SHA_512, 'alice', 'secret', ok), /^v=/);
  assert.equal(ok.authorizationId, 'alice');
  const bad = new ScramSaslServer(SCRAM_SHA_512, store({ alice: credential }, SCRAM_SHA_512));
  assert.throws(() => clientExchange(SCRAM_SHA_512, 'alice', 'wrong', bad), (e) => e instanceof SaslError && e.message === 'Invalid client credentials');
  assert.equal(bad.complete, false);
  assert.throws(() => bad.evaluateResponse(Buffer.from('again')), SaslError);
});

test('SCRAM failures: unknown user, credential of another mechanism, wrong nonce, another authorization id, token auth, malformed', () => {
  const credential = scramCredential(SCRAM_SHA_256, 'pw', randomBytes(16), 4096);
  const lookup = store({ bob: credential }, SCRAM_SHA_256);
  const unknown = new ScramSaslServer(SCRAM_SHA_256, lookup);
  assert.throws(() => unknown.evaluateResponse(Buffer.from('n,,n=eve,r=abc')), { message: 'Authentication failed: Invalid user credentials' });
  const otherMechanism = new ScramSaslServer(SCRAM_SHA_512, lookup);
  assert.throws(() => otherMechanism.evaluateResponse(Buffer.from('n,,n=bob,r=abc')), SaslError);
  const nonce = new ScramSaslServer(SCRAM_SHA_256, lookup);
  // librdkafka < 2.6.1 repeats its nonce: refused, as Kafka 4 does.
  assert.throws(() => clientExchange(SCRAM_SHA_256, 'bob', 'pw', nonce, (s) => s.replace(/r=([^,]*)/, (_m, r: string) => `r=${r.slice(0, 24)}${r}`)),
    { message: 'Invalid client nonce in the final client message.' });
  const authzid = new ScramSaslServer(SCRAM_SHA_256, lookup);
  assert.throws(() => authzid.evaluateResponse(Buffer.from('n,a=admin,n=bob,r=abc')), (e) => e instanceof SaslAuthenticationError);
  const token = new ScramSaslServer(SCRAM_SHA_256, lookup);
  assert.throws(() => token.evaluateResponse(Buffer.from('n,,n=bob,r=abc,tokenauth=true')), SaslError);
  for (const garbage of ['', 'x', 'p,,n=bob,r=a', 'n,,r=a,n=bob', 'n,,n=b=ob,r=a', 'n,,n=bob,r=a b', '\u0000\u0001']) {
    const s = new ScramSaslServer(SCRAM_SHA_256, lookup);
    assert.throws(() => s.evaluateResponse(Buffer.from(garbage)), SaslError, JSON.stringify(garbage));
  }
  const final = new ScramSaslServer(SCRAM_SHA_256, lookup);
  final.evaluateResponse(Buffer.from('n,,n=bob,r=abc'));
  assert.throws(() => final.evaluateResponse(Buffer.from('c=biws,r=abc')), SaslError);
});

test('saslname escapes: =2C and =3D decode to , and =', () => {
  const credential = scramCredential(SCRAM_SHA_256, 'pw', randomBytes(16), 4096);
  const server = new ScramSaslServer(SCRAM_SHA_256, store({ 'a,b=c': credential }, SCRAM_SHA_256));
  assert.match(clientExchange(SCRAM_SHA_256, 'a=2Cb=3Dc', 'pw', server), /^v=/);
  assert.equal(server.authorizationId, 'a,b=c');
});
