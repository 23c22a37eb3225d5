import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogSegment } from '../../../src/storage/log-segment.ts';
import { LogRetention } from '../../../src/storage/log-retention.ts';

const seg = (baseOffset: number, size: number, largestTimestamp: number): LogSegment =>
  ({ baseOffset, size, largestTimestamp: async () => largestTimestamp }) as unknown as LogSegment;

// Segments at 0, 10, 20, 30 (active); log end 35.
const segments = [seg(0, 100, 1000), seg(10, 100, 2000), seg(20, 100, 3000), seg(30, 50, 4000)];

test('retention.ms takes the oldest segments while they are expired, never past the high watermark', async () => {
  const base = (r: LogSegment[]): number[] => r.map((s) => s.baseOffset);
  assert.deepEqual(base(await LogRetention.retentionMsBreached(segments, 1500, 4000, 35, 35)), [0, 10]);
  assert.deepEqual(base(await LogRetention.retentionMsBreached(segments, 1500, 4000, 15, 35)), [0], 'HW 15: the segment [10, 20) is not fully below it');
  assert.deepEqual(base(await LogRetention.retentionMsBreached(segments, -1, 4000, 35, 35)), []);
  assert.deepEqual(base(await LogRetention.retentionMsBreached(segments, 0, 9000, 35, 35)), [0, 10, 20, 30], 'an expired non-empty active segment too (the log rolls first)');
  const emptyActive = [...segments.slice(0, 3), seg(30, 0, -1)];
  assert.deepEqual(base(await LogRetention.retentionMsBreached(emptyActive, 0, 9000, 30, 30)), [0, 10, 20], 'never an empty active segment');
});

test('retention.bytes deletes while the rest stays at or above the limit; logStartOffset breach', async () => {
  const base = (r: LogSegment[]): number[] => r.map((s) => s.baseOffset);
  assert.deepEqual(base(await LogRetention.retentionSizeBreached(segments, 200, 35, 35)), [0]);
  assert.deepEqual(base(await LogRetention.retentionSizeBreached(segments, 100, 35, 35)), [0, 10]);
  assert.deepEqual(base(await LogRetention.retentionSizeBreached(segments, -1, 35, 35)), []);
  assert.deepEqual(base(await LogRetention.logStartOffsetBreached(segments, 20, 35, 35)), [0, 10]);
  assert.deepEqual(base(await LogRetention.logStartOffsetBreached(segments, 19, 35, 35)), [0]);
});
