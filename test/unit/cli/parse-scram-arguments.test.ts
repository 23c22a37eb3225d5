import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseScramArguments } from '../../../src/cli/parse-scram-arguments.ts';
import { SCRAM_SHA_256, SCRAM_SHA_512, scramCredential, scramSaltedPassword } from '../../../src/security/sasl/scram-mechanism.ts';

// The grammar and messages of Kafka 4.4's ScramParser (kafka-metadata, org.apache.kafka.metadata.storage).

function only(arg: string) {
  const [record] = parseScramArguments([arg]);
  assert.ok(record !== undefined && record.type === 'UserScramCredentialRecord');
  return record.data;
}

test('a password gives the RFC 5802 stored and server keys over a random salt at 4096 iterations', () => {
  const r = only('SCRAM-SHA-256=[name=alice,password=alice-secret]');
  assert.equal(r.name, 'alice');
  assert.equal(r.mechanism, SCRAM_SHA_256.type);
  assert.equal(r.iterations, 4096);
  assert.ok(r.salt.length > 0);
  const expected = scramCredential(SCRAM_SHA_256, 'alice-secret', r.salt, 4096);
  assert.deepEqual([r.storedKey, r.serverKey], [expected.storedKey, expected.serverKey]);
  assert.notDeepEqual(only('SCRAM-SHA-256=[name=alice,password=alice-secret]').salt, r.salt, 'a fresh salt each time');
});

test('salt, iterations and quoted values; saltedpassword with salt stands for the password', () => {
  const salt = Buffer.from('pepper-and-salt');
  const r = only(`  SCRAM-SHA-512=[name="bob",password="bob-pw",salt=${salt.toString('base64')},iterations=8192]  `);
  assert.deepEqual([r.name, r.mechanism, r.iterations, r.salt], ['bob', SCRAM_SHA_512.type, 8192, salt]);
  assert.deepEqual(r.storedKey, scramCredential(SCRAM_SHA_512, 'bob-pw', salt, 8192).storedKey);
  const salted = scramSaltedPassword(SCRAM_SHA_512, 'bob-pw', salt, 4096);
  const s = only(`SCRAM-SHA-512=[name=bob,salt=${salt.toString('base64')},saltedpassword=${salted.toString('base64')}]`);
  assert.deepEqual([s.storedKey, s.serverKey], [scramCredential(SCRAM_SHA_512, 'bob-pw', salt, 4096).storedKey, scramCredential(SCRAM_SHA_512, 'bob-pw', salt, 4096).serverKey]);
  assert.equal(parseScramArguments(['SCRAM-SHA-256=[name=a,password=x]', 'SCRAM-SHA-512=[name=a,password=x]']).length, 2);
});

test("bad arguments fail with Kafka's FormatterException messages", () => {
  const cases: [string, string][] = [
    ['SCRAM-SHA-256', "Failed to find equals sign in SCRAM argument 'SCRAM-SHA-256'"],
    ['SCRAM-SHA-1=[name=a,password=b]', 'The add-scram mechanism SCRAM-SHA-1 is not supported.'],
    ['scram-sha-256=[name=a,password=b]', 'The add-scram mechanism scram-sha-256 is not supported.'],
    ['SCRAM-SHA-256=name=a,password=b]', 'Expected configuration string to start with ['],
    ['SCRAM-SHA-256=[name=a,password=b', 'Expected configuration string to end with ]'],
    ['SCRAM-SHA-256=[name=a,password]', 'No equals sign found in SCRAM component: password'],
    ['SCRAM-SHA-256=[password=b]', "You must supply 'name' to add-scram"],
    ['SCRAM-SHA-256=[name=a]', "You must supply one of 'password' or 'saltedpassword' to add-scram"],
    ['SCRAM-SHA-256=[name=a,saltedpassword=AAAA]', "You must supply 'salt' with 'saltedpassword' to add-scram"],
    ['SCRAM-SHA-256=[name=a,salt=no!base64,password=b]', 'Failed to decode given salt: no!base64'],
    ['SCRAM-SHA-256=[name=a,salt=AAAA,saltedpassword=A]', 'Failed to decode given saltedPassword: A'],
    ['SCRAM-SHA-256=[name=a,password=b,iterations=many]', 'Failed to parse iterations count: many'],
    ['SCRAM-SHA-256=[name=a,password=b,iterations=4095]', "The 'iterations' value must be >= 4096 for add-scram using SCRAM_SHA_256"],
    ['SCRAM-SHA-512=[name=a,password=b,iterations=16385]', "The 'iterations' value must be <= 16384 for add-scram using SCRAM_SHA_512"],
    ['SCRAM-SHA-256=[name=a,password=b,user=c,extra=d]', 'Unknown SCRAM configurations: extra, user'],
  ];
  for (const [arg, message] of cases) assert.throws(() => parseScramArguments([arg]), { message }, arg);
});
