import { test } from 'node:test';
import assert from 'node:assert/strict';
import { javaStringHashCode, partitionFor } from '../../../../src/coordinator/runtime/partition-for.ts';

/** Java's String.hashCode computed independently with BigInt arithmetic modulo 2^32. */
function referenceHash(s: string): number {
  let h = 0n;
  for (let i = 0; i < s.length; i++) h = (h * 31n + BigInt(s.charCodeAt(i))) % 4294967296n;
  return Number(BigInt.asIntN(32, h));
}

test('hashCode matches Java for ASCII, long, non-BMP and empty strings', () => {
  // Known values of Java's "abc".hashCode() and "Aa"/"BB" (a classic collision).
  assert.equal(javaStringHashCode('abc'), 96354);
  assert.equal(javaStringHashCode('Aa'), javaStringHashCode('BB'));
  assert.equal(javaStringHashCode(''), 0);
  for (const s of ['my-group', 'console-consumer-12345', 'x'.repeat(1000), 'grüppe', '🚀 group', 'polygenelubricants']) {
    assert.equal(javaStringHashCode(s), referenceHash(s), s);
  }
});

test('partitionFor is abs(hashCode) % n, with Integer.MIN_VALUE mapped to 0 as Kafka Utils.abs does', () => {
  // "polygenelubricants".hashCode() == Integer.MIN_VALUE in Java.
  assert.equal(javaStringHashCode('polygenelubricants'), -2147483648);
  assert.equal(partitionFor('polygenelubricants', 50), 0);
  assert.equal(partitionFor('abc', 50), 96354 % 50);
  for (const s of ['a', 'group-1', 'Zz', 'test-consumer-group']) {
    const h = referenceHash(s);
    assert.equal(partitionFor(s, 50), Math.abs(h) % 50, s);
  }
});
