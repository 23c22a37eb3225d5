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
  const decoder = new FrameDecoder(1 << 20, pool);
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

const MiB = 1024 * 1024;
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('without queued.max.request.bytes every frame is admitted, and reservations are still counted', () => {
  const pool = new FramePool();
  assert.equal(pool.maxQueuedBytes, Number.POSITIVE_INFINITY);
  assert.equal(pool.tryReserve(100 * MiB), true);
  assert.equal(pool.tryReserve(100 * MiB), true);
  assert.equal(pool.queuedBytes, 200 * MiB);
});

test('the budget admits any frame while bytes are left (Kafka non-strict), then refuses until released', () => {
  const pool = new FramePool({ maxQueuedBytes: 1000 });
  assert.equal(pool.tryReserve(0), true, 'an empty frame needs no memory');
  assert.equal(pool.tryReserve(600), true);
  assert.equal(pool.tryReserve(600), true, 'may overshoot by one frame');
  assert.equal(pool.queuedBytes, 1200);
  assert.equal(pool.tryReserve(1), false);
  pool.cancelReservation(600);
  assert.equal(pool.tryReserve(1), true, '600 held: below the limit again');
});

test('frames above 1 MiB share at most half the budget, so normal requests keep their half', () => {
  const pool = new FramePool({ maxQueuedBytes: 256 * MiB });
  assert.equal(pool.tryReserve(100 * MiB), true, 'the first large frame');
  assert.equal(pool.tryReserve(100 * MiB), false, 'a second one would pass half of the budget');
  for (let i = 0; i < 100; i++) assert.equal(pool.tryReserve(MiB), true, `normal request ${i}`);
  pool.cancelReservation(100 * MiB);
  assert.equal(pool.tryReserve(100 * MiB), true);
  const alone = new FramePool({ maxQueuedBytes: 100 * MiB });
  assert.equal(alone.tryReserve(100 * MiB), true, 'a frame larger than half the budget still goes when it is alone');
});

test('a completed frame holds its reservation until its request completes or it is recycled, whichever is first', () => {
  const pool = new FramePool({ maxQueuedBytes: 10 * MiB, minPooledBytes: 1 });
  const a = pool.allocate(4096);
  assert.equal(pool.tryReserve(4096), true);
  pool.frameCompleted(a);
  const b = pool.allocate(4096);
  assert.equal(pool.tryReserve(4096), true);
  pool.frameCompleted(b);
  assert.equal(pool.queuedBytes, 8192);
  pool.release(a); // the handler recycled it (produce, appends done)
  assert.equal(pool.queuedBytes, 4096);
  pool.requestCompleted(a); // then its response was written: nothing more to give back
  assert.equal(pool.queuedBytes, 4096);
  const c = pool.allocate(4096);
  assert.equal(c.buffer, a.buffer, 'a was recycled');
  pool.requestCompleted(a);
  pool.requestCompleted(b);
  pool.requestCompleted(b);
  assert.equal(pool.queuedBytes, 0, 'each reservation ends once');
  assert.equal(pool.release(c), true, 'the recycled memory now belongs to c, which a late call on a never touched');
});

test('muted connections are admitted in arrival order once memory is released, never synchronously', async () => {
  const pool = new FramePool({ maxQueuedBytes: 1000 });
  assert.equal(pool.tryReserve(1000), true);
  const order: string[] = [];
  pool.waitForMemory(300, () => order.push('first'));
  const cancelled = pool.waitForMemory(300, () => order.push('cancelled'));
  pool.waitForMemory(300, () => order.push('second'));
  assert.equal(pool.waitingConnections, 3);
  cancelled.cancel();
  cancelled.cancel();
  await tick();
  assert.deepEqual(order, [], 'nothing released yet');
  pool.cancelReservation(500);
  assert.deepEqual(order, [], 'admission runs after the releasing call');
  await tick();
  assert.deepEqual(order, ['first', 'second'], '500 held: the first admitted (800), then the second (non-strict: 1100)');
  assert.equal(pool.queuedBytes, 1100);
  assert.equal(pool.waitingConnections, 0);
});

test('a large frame waiting for the large-frame share does not hold back a normal one behind it', async () => {
  const pool = new FramePool({ maxQueuedBytes: 64 * MiB });
  assert.equal(pool.tryReserve(20 * MiB), true);
  for (let i = 0; i < 44; i++) assert.equal(pool.tryReserve(MiB), true);
  assert.equal(pool.tryReserve(MiB), false, 'total exhausted');
  const order: string[] = [];
  pool.waitForMemory(20 * MiB, () => order.push('large'));
  pool.waitForMemory(MiB, () => order.push('normal'));
  pool.cancelReservation(MiB);
  await tick();
  assert.deepEqual(order, ['normal'], 'the large one would pass half of the budget (20 + 20 MiB > 32 MiB)');
  pool.cancelReservation(20 * MiB);
  await tick();
  assert.deepEqual(order, ['normal', 'large']);
});

test('a wait registered after the memory came back is served (no missed wake-up)', async () => {
  const pool = new FramePool({ maxQueuedBytes: 100 });
  assert.equal(pool.tryReserve(100), true);
  pool.cancelReservation(100);
  let admitted = false;
  pool.waitForMemory(50, () => (admitted = true));
  await tick();
  assert.equal(admitted, true);
});
