import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScramControlManager } from '../../../src/controller/scram-control-manager.ts';
import { EMPTY_IMAGE, type MetadataImage } from '../../../src/metadata/metadata-image.ts';
import { MetadataVersion } from '../../../src/metadata/metadata-version.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import { SCRAM_SHA_256, scramCredential, scramSaltedPassword } from '../../../src/security/sasl/scram-mechanism.ts';
import { replayBatches } from '../metadata/metadata-test-kit.ts';

const manager = new ScramControlManager();
const salt = Buffer.alloc(16, 7);
const salted = scramSaltedPassword(SCRAM_SHA_256, 'pw', salt, 4096);

function imageAt(level: number): MetadataImage {
  return replayBatches(EMPTY_IMAGE, [[{ type: 'FeatureLevelRecord', version: 0, data: { name: 'metadata.version', featureLevel: level } }]]);
}

const up = (name: string, mechanism = 1, iterations = 4096) => ({ name, mechanism, iterations, salt, saltedPassword: salted });

test('an upsertion stores RFC 5802 stored and server keys, and the image holds them after replay', () => {
  const image = imageAt(MetadataVersion.IBP_3_5_IV2);
  const { records, results } = manager.alterCredentials(image, { deletions: [], upsertions: [up('alice')] });
  assert.deepEqual(results, [{ user: 'alice', errorCode: Errors.NONE, errorMessage: null }]);
  const next = replayBatches(image, [records]);
  assert.deepEqual(next.scram.get('alice')?.get(1), scramCredential(SCRAM_SHA_256, 'pw', salt, 4096));
  const deletion = manager.alterCredentials(next, { deletions: [{ name: 'alice', mechanism: 1 }], upsertions: [] });
  assert.deepEqual(deletion.records, [{ type: 'RemoveUserScramCredentialRecord', version: 0, data: { name: 'alice', mechanism: 1 } }]);
});

test("Kafka's validation: duplicates, empty name, unknown mechanism, iteration bounds, missing credential, old metadata.version", () => {
  const image = imageAt(MetadataVersion.IBP_3_5_IV2);
  const { records, results } = manager.alterCredentials(image, {
    deletions: [{ name: 'twice', mechanism: 1 }, { name: 'ghost', mechanism: 1 }],
    upsertions: [up('twice'), up('dup'), up('dup', 2), up(''), up('m', 3), up('few', 1, 4095), up('many', 2, 16385), up('ok', 2, 16384)],
  });
  assert.equal(records.length, 1);
  assert.deepEqual(results.map((r) => [r.user, r.errorCode, r.errorMessage]), [
    ['ok', Errors.NONE, null],
    // A failed deletion is the user's error; the later upsertion of that user is not looked at (Kafka's order).
    ['twice', Errors.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist'],
    ['ghost', Errors.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist'],
    ['dup', Errors.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request'],
    ['', Errors.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty'],
    ['m', Errors.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism'],
    ['few', Errors.UNACCEPTABLE_CREDENTIAL, 'Too few iterations'],
    ['many', Errors.UNACCEPTABLE_CREDENTIAL, 'Too many iterations'],
  ]);
  const old = manager.alterCredentials(imageAt(MetadataVersion.IBP_3_4_IV0), { deletions: [], upsertions: [up('alice')] });
  assert.deepEqual(old.results, [{ user: 'alice', errorCode: Errors.UNSUPPORTED_VERSION, errorMessage: 'The current metadata.version does not support SCRAM' }]);
  assert.deepEqual(old.records, []);
});
