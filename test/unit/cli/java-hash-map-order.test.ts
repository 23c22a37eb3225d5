import assert from 'node:assert/strict';
import { test } from 'node:test';
import { javaHashMapOrder, javaStringHash } from '../../../src/cli/java-hash-map-order.ts';

test('String.hashCode as Java computes it, overflowing 32 bits', () => {
  assert.equal(javaStringHash(''), 0);
  assert.equal(javaStringHash('hello'), 99162322);
  assert.equal(javaStringHash('Aa'), javaStringHash('BB'));
  assert.equal(javaStringHash('polygenelubricants'), -2147483648);
});

test('iteration by bucket of the final table, ties in insertion order, the table growing past 0.75 full', () => {
  const byName = (s: string) => javaStringHash(s);
  // 'placed' spreads to bucket 3 in every table; 'orders' and 'dup_topic' share bucket 2 of a 4-slot table.
  assert.deepEqual(javaHashMapOrder(['dup_topic', 'orders', 'placed'], byName, 3), ['dup_topic', 'orders', 'placed']);
  assert.deepEqual(javaHashMapOrder(['orders', 'dup_topic', 'placed'], byName, 3), ['orders', 'dup_topic', 'placed']);
  // A default table of 16 slots separates them: placed (3), orders (10), dup_topic (14).
  assert.deepEqual(javaHashMapOrder(['dup_topic', 'orders', 'placed'], byName), ['placed', 'orders', 'dup_topic']);
  // Four entries in a table sized for 3 (4 slots) pass 0.75 of it: the table doubles to 8.
  const grown = javaHashMapOrder(['a', 'b', 'c', 'd'], byName, 3);
  assert.deepEqual(grown, ['a', 'b', 'c', 'd'].sort((x, y) => (javaStringHash(x) & 7) - (javaStringHash(y) & 7)));
});

test('the order Java 17 printed for a new HashMap<>() of four quota keys put in this order', () => {
  const keys = ['request_percentage', 'consumer_byte_rate', 'controller_mutation_rate', 'producer_byte_rate'];
  assert.deepEqual(javaHashMapOrder(keys, javaStringHash), ['request_percentage', 'producer_byte_rate', 'consumer_byte_rate', 'controller_mutation_rate']);
});
