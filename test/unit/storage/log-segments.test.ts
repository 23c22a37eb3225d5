import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogSegment } from '../../../src/storage/log-segment.ts';
import { LogSegments } from '../../../src/storage/log-segments.ts';

const seg = (baseOffset: number, size = 10): LogSegment => ({ baseOffset, size }) as unknown as LogSegment;

test('segments stay ordered by base offset; floor/higher/inRange lookups', () => {
  const s = new LogSegments();
  const [a, b, c] = [seg(0), seg(100), seg(250)];
  s.add(c);
  s.add(a);
  s.add(b);
  assert.deepEqual(s.toArray().map((x) => x.baseOffset), [0, 100, 250]);
  assert.equal(s.first, a);
  assert.equal(s.last, c);
  assert.equal(s.sizeInBytes, 30);
  assert.equal(s.floorSegment(99), a);
  assert.equal(s.floorSegment(100), b);
  assert.equal(s.floorSegment(1000), c);
  assert.equal(s.floorSegment(-1), undefined);
  assert.equal(s.higherSegment(100), c);
  assert.equal(s.higherSegment(250), undefined);
  assert.deepEqual(s.inRange(150, 251).map((x) => x.baseOffset), [100, 250]);
  assert.deepEqual(s.inRange(0, 100).map((x) => x.baseOffset), [0]);
  const b2 = seg(100);
  assert.equal(s.add(b2), b, 'same base offset replaces');
  assert.equal(s.contains(b), false);
  assert.equal(s.remove(100, b), false, 'only the given segment is removed');
  assert.equal(s.remove(100), true);
  assert.deepEqual(s.toArray().map((x) => x.baseOffset), [0, 250]);
});
