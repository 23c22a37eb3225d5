import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FramePool } from '../../../src/network/frame-pool.ts';
import { FrameDecoder } from '../../../src/protocol/framing.ts';

test('frames in the pooled range are views of power-of-two buffers, recycled after release', () => {
  const pool = new FramePool({ minPooledBytes: 1024, maxPooledFrameBytes: 1 << 20 });
  const a = pool.allocate(3000);
  assert.equal(a.length, 3000);
  assert.equal(a.buffer.byteLength, 4096);
  a.fill(1);
  assert.equal(pool.release(a.subarray(10, 20)), true, 'any view of the frame releases it');
  assert.equal(pool.idleBytes, 4096);
  const b = pool.allocate(2500);
  assert.equal(b.buffer, a.buffer, 'same size class: the memory is reused');
  assert.equal(pool.idleBytes, 0);
  assert.deepEqual(pool.stats, { reused: 1, allocated: 1 });
  const c = pool.allocate(5000);
  assert.notEqual(c.buffer, a.buffer, 'another size class gets its own buffer');
});

test('sizes outside the pooled range are plain allocations that release ignores', () => {
  const pool = new FramePool({ minPooledBytes: 1024, maxPooledFrameBytes: 8192 });
  const small = pool.allocate(100);
  const big = pool.allocate(10_000);
  assert.equal(small.length, 100);
  assert.equal(big.length, 10_000);
  assert.equal(pool.release(small), false);
  assert.equal(pool.release(big), false);
  assert.equal(pool.release(Buffer.alloc(4096)), false, 'foreign memory is never taken');
  assert.equal(pool.idleBytes, 0);
  assert.deepEqual(pool.stats, { reused: 0, allocated: 0 });
});

test('a frame is taken back once: a second release is ignored, so two later frames never share memory', () => {
  const pool = new FramePool({ minPooledBytes: 16 });
  const a = pool.allocate(100);
  assert.equal(pool.release(a), true);
  assert.equal(pool.release(a), false);
  const x = pool.allocate(100);
  const y = pool.allocate(100);
  assert.notEqual(x.buffer, y.buffer);
});

test('idle memory is capped: releases beyond maxIdleBytes are left to the GC', () => {
  const pool = new FramePool({ minPooledBytes: 16, maxIdleBytes: 1024 });
  const frames = Array.from({ length: 5 }, () => pool.allocate(512));
  for (const f of frames) assert.equal(pool.release(f), true);
  assert.equal(pool.idleBytes, 1024);
});

test('poison fills released memory with 0xEE', () => {
  const pool = new FramePool({ minPooledBytes: 16, poison: true });
  const a = pool.allocate(100);
  a.fill(7);
  pool.release(a);
  assert.ok(a.every((byte) => byte === 0xee), 'a stale view sees garbage, not the old bytes');
});

test('FrameDecoder takes its frame Buffers from the allocator (copied and assembled frames alike)', () => {
  const pool = new FramePool({ minPooledBytes: 1 });
  const decoder = new FrameDecoder(1 << 20, (n) => pool.allocate(n));
  const frame = (n: number, fill: number): Buffer => {
    const b = Buffer.alloc(4 + n, fill);
    b.writeInt32BE(n, 0);
    return b;
  };
  // Two frames in one read (copied out of the shared read buffer), then one split across reads (assembled).
  const input = Buffer.concat([frame(10, 1), frame(20, 2), frame(100_000, 3)]);
  const out: Buffer[] = [];
  for (let off = 0; off < input.length; ) {
    const dst = decoder.readBuffer();
    const n = Math.min(dst.length, input.length - off);
    input.copy(dst, 0, off, off + n);
    off += n;
    out.push(...decoder.commitRead(n));
  }
  assert.deepEqual(out.map((f) => f.length), [10, 20, 100_000]);
  assert.ok(out[2]!.every((b) => b === 3));
  for (const f of out) assert.equal(pool.release(f), true, 'each frame came from the pool');
});
