import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CidrRange } from '../../../../src/security/authorizer/cidr-range.ts';

describe('CidrRange (KIP-1276; Kafka CidrUtils over SubnetUtils / SubnetUtils6)', () => {
  test('IPv4 blocks hold their first and last addresses (inclusive host count)', () => {
    assert.equal(CidrRange.isInRange('192.168.1.0', '192.168.1.0/24'), true);
    assert.equal(CidrRange.isInRange('192.168.1.255', '192.168.1.0/24'), true);
    assert.equal(CidrRange.isInRange('192.168.2.0', '192.168.1.0/24'), false);
    assert.equal(CidrRange.isInRange('10.200.3.4', '10.0.0.0/8'), true);
    assert.equal(CidrRange.isInRange('11.0.0.0', '10.0.0.0/8'), false);
  });

  test('prefix lengths that do not fall on a byte boundary', () => {
    assert.equal(CidrRange.isInRange('172.16.0.1', '172.16.0.0/12'), true);
    assert.equal(CidrRange.isInRange('172.31.255.255', '172.16.0.0/12'), true);
    assert.equal(CidrRange.isInRange('172.32.0.0', '172.16.0.0/12'), false);
  });

  test('host bits of the pattern are masked off; /32, /0', () => {
    assert.equal(CidrRange.isInRange('10.9.9.9', '10.1.2.3/8'), true);
    assert.equal(CidrRange.isInRange('10.0.0.1', '10.0.0.1/32'), true);
    assert.equal(CidrRange.isInRange('10.0.0.2', '10.0.0.1/32'), false);
    assert.equal(CidrRange.isInRange('8.8.8.8', '0.0.0.0/0'), true);
  });

  test('IPv6 blocks; an IPv4-mapped address counts as IPv4', () => {
    assert.equal(CidrRange.isInRange('2001:db8::1', '2001:db8::/32'), true);
    assert.equal(CidrRange.isInRange('2001:db9::1', '2001:db8::/32'), false);
    assert.equal(CidrRange.isInRange('0:0:0:0:0:0:0:1', '::1/128'), true);
    assert.equal(CidrRange.isInRange('::ffff:10.1.1.1', '10.0.0.0/8'), true);
  });

  test('an address of the other family, a pattern without a prefix or that does not parse: not in range', () => {
    assert.equal(CidrRange.isInRange('2001:db8::1', '10.0.0.0/8'), false);
    assert.equal(CidrRange.isInRange('10.0.0.1', '2001:db8::/32'), false);
    assert.equal(CidrRange.isInRange('10.0.0.1', '10.0.0.1'), false);
    assert.equal(CidrRange.isInRange('10.0.0.1', '10.0.0.0/33'), false);
    assert.equal(CidrRange.isInRange('not-an-ip', '10.0.0.0/8'), false);
  });

  test('parse refuses malformed blocks', () => {
    for (const bad of ['10.0.0.0/33', '256.0.0.0/8', '10.0.0/8', '10.0.0.0/', '2001:db8::/129', 'zz::/8', 'host/8', '10.0.0.0/8/8']) {
      assert.throws(() => CidrRange.parse(bad), Error, bad);
    }
    CidrRange.parse('0.0.0.0/0');
    CidrRange.parse('::/0');
  });
});
