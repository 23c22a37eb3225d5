import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { aclBindingFilterMatches, ANY_ACL_FILTER, isUnknownFilter, type AclBinding, type AclBindingFilter } from '../../../../src/security/authorizer/acl-binding-filter.ts';
import { AclCache } from '../../../../src/security/authorizer/acl-cache.ts';
import { AclOperation as Op, AclPermissionType as Perm, PatternType as Pat, ResourceType as Res } from '../../../../src/security/authorizer/acl-codes.ts';

const base: AclBinding = { resourceType: Res.TOPIC, resourceName: 'orders', patternType: Pat.LITERAL, principal: 'User:alice', host: '*', operation: Op.READ, permissionType: Perm.ALLOW };
const literal = base;
const wildcard: AclBinding = { ...base, resourceName: '*' };
const prefixed: AclBinding = { ...base, resourceName: 'ord', patternType: Pat.PREFIXED };
const otherType: AclBinding = { ...base, resourceType: Res.GROUP };

function filter(f: Partial<AclBindingFilter>): AclBindingFilter {
  return { ...ANY_ACL_FILTER, ...f };
}

describe('AclBindingFilter.matches (Kafka ResourcePatternFilter / AccessControlEntryFilter)', () => {
  test('ANY matches everything', () => {
    for (const a of [literal, wildcard, prefixed, otherType]) assert.equal(aclBindingFilterMatches(ANY_ACL_FILTER, a), true);
  });

  test('a LITERAL filter with a name matches only that literal name', () => {
    const f = filter({ resourceType: Res.TOPIC, resourceName: 'orders', patternType: Pat.LITERAL });
    assert.deepEqual([literal, wildcard, prefixed, otherType].map((a) => aclBindingFilterMatches(f, a)), [true, false, false, false]);
  });

  test("MATCH finds every ACL that applies to the name: literal, '*' and prefixes", () => {
    const f = filter({ resourceType: Res.TOPIC, resourceName: 'orders', patternType: Pat.MATCH });
    assert.deepEqual([literal, wildcard, prefixed, otherType].map((a) => aclBindingFilterMatches(f, a)), [true, true, true, false]);
    const g = filter({ resourceType: Res.TOPIC, resourceName: 'payments', patternType: Pat.MATCH });
    assert.deepEqual([literal, wildcard, prefixed].map((a) => aclBindingFilterMatches(g, a)), [false, true, false]);
  });

  test('ANY pattern type with a name compares the name exactly', () => {
    const f = filter({ resourceName: 'ord' });
    assert.deepEqual([literal, prefixed].map((a) => aclBindingFilterMatches(f, a)), [false, true]);
  });

  test('entry fields: principal and host as strings, operation and permission by code or ANY', () => {
    assert.equal(aclBindingFilterMatches(filter({ principal: 'User:bob' }), literal), false);
    assert.equal(aclBindingFilterMatches(filter({ principal: 'User:alice', host: '*' }), literal), true);
    assert.equal(aclBindingFilterMatches(filter({ host: '10.0.0.1' }), literal), false);
    assert.equal(aclBindingFilterMatches(filter({ operation: Op.WRITE }), literal), false);
    assert.equal(aclBindingFilterMatches(filter({ operation: Op.READ, permissionType: Perm.ALLOW }), literal), true);
    assert.equal(aclBindingFilterMatches(filter({ permissionType: Perm.DENY }), literal), false);
  });

  test('isUnknown: any UNKNOWN field', () => {
    assert.equal(isUnknownFilter(ANY_ACL_FILTER), false);
    for (const k of ['resourceType', 'patternType', 'operation', 'permissionType'] as const) assert.equal(isUnknownFilter(filter({ [k]: 0 })), true, k);
  });
});

describe('AclCache', () => {
  test('finds the ACLs applying to a name through every index, and forgets removed ones', () => {
    const cache = new AclCache();
    cache.add('a', literal);
    cache.add('b', wildcard);
    cache.add('c', prefixed);
    cache.add('d', otherType);
    cache.add('e', { ...base, resourceName: 'orders-eu', patternType: Pat.PREFIXED });
    const ids = (name: string): AclBinding[] => [...cache.applyingTo(Res.TOPIC, name)];
    assert.deepEqual(new Set(ids('orders')), new Set([literal, wildcard, prefixed]));
    assert.equal(ids('orders-eu-1').length, 3); // '*', 'ord' and 'orders-eu' prefixes
    assert.deepEqual(ids('x'), [wildcard]);
    assert.equal(cache.remove('c'), true);
    assert.deepEqual(new Set(ids('orders')), new Set([literal, wildcard]));
    assert.equal(cache.count, 4);
    assert.deepEqual(cache.matching(filter({ resourceType: Res.GROUP })).map((m) => m.id), ['d']);
  });
});
