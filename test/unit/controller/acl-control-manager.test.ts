import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AclControlManager, MAX_ACLS_PER_DELETE } from '../../../src/controller/acl-control-manager.ts';
import { EMPTY_IMAGE, type MetadataImage } from '../../../src/metadata/metadata-image.ts';
import type { MetadataRecordInput } from '../../../src/metadata/metadata-record-serde.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import { ApiError } from '../../../src/common/api-error.ts';
import { AclOperation as Op, AclPermissionType as Perm, PatternType as Pat, ResourceType as Res } from '../../../src/security/authorizer/acl-codes.ts';
import { ANY_ACL_FILTER, type AclBinding } from '../../../src/security/authorizer/acl-binding-filter.ts';
import { replayBatches } from '../metadata/metadata-test-kit.ts';

const READ: AclBinding = { resourceType: Res.TOPIC, resourceName: 'orders', patternType: Pat.LITERAL, principal: 'User:alice', host: '*', operation: Op.READ, permissionType: Perm.ALLOW };

function imageAt(level: number): MetadataImage {
  return replayBatches(EMPTY_IMAGE, [[{ type: 'FeatureLevelRecord', version: 0, data: { name: 'metadata.version', featureLevel: level } }]]);
}

const manager = new AclControlManager();

function create(image: MetadataImage, acls: AclBinding[]): { image: MetadataImage; results: { errorCode: number; errorMessage: string | null }[]; records: MetadataRecordInput[] } {
  const { records, results } = manager.createAcls(image, acls);
  return { image: records.length === 0 ? image : replayBatches(image, [records]), results, records };
}

describe('AclControlManager.createAcls (Kafka validateNewAcl)', () => {
  const base = imageAt(21);
  const invalid: [string, Partial<AclBinding>, RegExp][] = [
    ['resource type ANY', { resourceType: Res.ANY }, /^Invalid resourceType ANY$/],
    ['resource type UNKNOWN', { resourceType: Res.UNKNOWN }, /^Invalid resourceType UNKNOWN$/],
    ['pattern MATCH', { patternType: Pat.MATCH }, /^Invalid patternType MATCH$/],
    ['pattern ANY', { patternType: Pat.ANY }, /^Invalid patternType ANY$/],
    ['operation ANY', { operation: Op.ANY }, /^Invalid operation ANY$/],
    ['operation UNKNOWN', { operation: Op.UNKNOWN }, /^Invalid operation UNKNOWN$/],
    ['permission ANY', { permissionType: Perm.ANY }, /^Invalid permissionType ANY$/],
    ['empty name', { resourceName: '' }, /^Resource name should not be empty$/],
    ['principal without colon', { principal: 'alice' }, /no colon is present/],
    ['empty host', { host: '' }, /^Host pattern cannot be null or empty$/],
  ];
  for (const [name, change, message] of invalid) {
    test(`INVALID_REQUEST for ${name}`, () => {
      const { results, records } = create(base, [{ ...READ, ...change }]);
      assert.equal(results[0]!.errorCode, Errors.INVALID_REQUEST);
      assert.match(results[0]!.errorMessage!, message);
      assert.equal(records.length, 0);
    });
  }

  test('valid bindings beside invalid ones are created; results keep the request order', () => {
    const { results, records, image } = create(base, [{ ...READ, principal: 'x' }, READ, { ...READ, patternType: Pat.PREFIXED, resourceName: 'ord' }]);
    assert.deepEqual(results.map((r) => r.errorCode), [Errors.INVALID_REQUEST, Errors.NONE, Errors.NONE]);
    assert.equal(records.length, 2);
    assert.equal(image.acls.size, 2);
  });

  test('an ACL that exists, or is given twice, is written once and still succeeds', () => {
    const first = create(base, [READ, READ]);
    assert.equal(first.records.length, 1);
    assert.deepEqual(first.results.map((r) => r.errorCode), [Errors.NONE, Errors.NONE]);
    const again = create(first.image, [READ]);
    assert.equal(again.records.length, 0);
    assert.equal(again.results[0]!.errorCode, Errors.NONE);
  });

  test('CIDR hosts: UNSUPPORTED_VERSION below metadata.version 4.4-IV1, validated from it on', () => {
    const old = create(base, [{ ...READ, host: '10.0.0.0/8' }]);
    assert.equal(old.results[0]!.errorCode, Errors.UNSUPPORTED_VERSION);
    assert.match(old.results[0]!.errorMessage!, /4\.4-IV1/);
    const newer = imageAt(32);
    assert.equal(create(newer, [{ ...READ, host: '10.0.0.0/8' }]).results[0]!.errorCode, Errors.NONE);
    const bad = create(newer, [{ ...READ, host: '10.0.0.0/40' }]);
    assert.equal(bad.results[0]!.errorCode, Errors.INVALID_REQUEST);
    assert.match(bad.results[0]!.errorMessage!, /^Invalid CIDR notation '10\.0\.0\.0\/40'/);
    // A host without '/' is not checked (Kafka compares it as a string).
    assert.equal(create(base, [{ ...READ, host: 'not-an-address' }]).results[0]!.errorCode, Errors.NONE);
  });
});

describe('AclControlManager.deleteAcls', () => {
  const base = create(imageAt(21), [
    READ,
    { ...READ, principal: 'User:bob' },
    { ...READ, resourceName: '*' },
    { ...READ, resourceName: 'ord', patternType: Pat.PREFIXED },
    { ...READ, resourceType: Res.GROUP, resourceName: 'g' },
  ]).image;

  test('each filter lists what it matches; an ACL matched twice is removed once', () => {
    const { records, results } = manager.deleteAcls(base, [
      { ...ANY_ACL_FILTER, resourceType: Res.TOPIC, resourceName: 'orders', patternType: Pat.MATCH, principal: 'User:alice' },
      { ...ANY_ACL_FILTER, resourceType: Res.TOPIC, resourceName: 'orders', patternType: Pat.LITERAL },
    ]);
    assert.deepEqual(results[0]!.matchingAcls.map((a) => a.resourceName).sort(), ['*', 'ord', 'orders']);
    assert.deepEqual(results[1]!.matchingAcls.map((a) => a.principal).sort(), ['User:alice', 'User:bob']);
    assert.equal(records.length, 4);
    const after = replayBatches(base, [records]);
    assert.deepEqual([...after.acls.values()].map((a) => a.resourceType), [Res.GROUP]);
  });

  test('a filter with an UNKNOWN field: INVALID_REQUEST for it alone', () => {
    const { results, records } = manager.deleteAcls(base, [
      { ...ANY_ACL_FILTER, patternType: Pat.UNKNOWN },
      { ...ANY_ACL_FILTER, operation: Op.UNKNOWN },
      { ...ANY_ACL_FILTER, resourceType: Res.GROUP },
    ]);
    assert.deepEqual(results.map((r) => [r.errorCode, r.errorMessage]), [
      [Errors.INVALID_REQUEST, 'Unknown patternFilter.'],
      [Errors.INVALID_REQUEST, 'Unknown entryFilter.'],
      [Errors.NONE, null],
    ]);
    assert.equal(records.length, 1);
  });

  test(`more than ${MAX_ACLS_PER_DELETE} removals fail the whole request`, () => {
    const many = Array.from({ length: MAX_ACLS_PER_DELETE + 1 }, (_, i) => ({ ...READ, resourceName: `t${i}` }));
    const big = create(imageAt(21), many).image;
    assert.throws(() => manager.deleteAcls(big, [ANY_ACL_FILTER]), (e: unknown) => e instanceof ApiError && e.code === Errors.INVALID_REQUEST);
  });
});
