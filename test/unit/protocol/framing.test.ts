import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_SOCKET_REQUEST_MAX_BYTES,
  FrameDecoder,
  FrameTooLargeError,
  InvalidFrameError,
  LARGE_FRAME_BYTES,
  chunksSize,
  frameChunks,
  type FrameAllocator,
} from '../../../src/protocol/framing.ts';
import type { ExternalRecords } from '../../../src/protocol/writer.ts';

function frame(payload: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}

function payloads(): Buffer[] {
  return [Buffer.from('hello'), Buffer.alloc(0), Buffer.from([1, 2, 3]), Buffer.alloc(300, 7), Buffer.from('x')];
}

test('default max frame size is socket.request.max.bytes default', () => {
  assert.equal(DEFAULT_SOCKET_REQUEST_MAX_BYTES, 104857600);
});

test('many frames in one chunk come out as views of the chunk, in order', () => {
  const stream = Buffer.concat(payloads().map(frame));
  const d = new FrameDecoder();
  const frames = d.push(stream);
  assert.deepEqual(frames, payloads());
  assert.equal(frames[0]!.buffer, stream.buffer, 'a frame inside one chunk is not copied');
  assert.ok(d.atFrameBoundary);
  assert.equal(d.bufferedBytes, 0);
});

test('a stream split at every byte boundary yields the same frames', () => {
  const stream = Buffer.concat(payloads().map(frame));
  for (let cut = 0; cut <= stream.length; cut++) {
    const d = new FrameDecoder();
    const out = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
    assert.deepEqual(out, payloads(), `cut at ${cut}`);
    assert.ok(d.atFrameBoundary);
  }
});

test('a stream fed one byte at a time, and in two cuts at every pair of positions, yields the same frames', () => {
  const stream = Buffer.concat(payloads().slice(0, 3).map(frame));
  const d = new FrameDecoder();
  const out: Buffer[] = [];
  for (let i = 0; i < stream.length; i++) {
    out.push(...d.push(stream.subarray(i, i + 1)));
    if (i < stream.length - 1) assert.equal(d.bufferedBytes > 0 || d.atFrameBoundary, true);
  }
  assert.deepEqual(out, payloads().slice(0, 3));
  for (let a = 0; a <= stream.length; a++) {
    for (let b = a; b <= stream.length; b++) {
      const d2 = new FrameDecoder();
      const got = [...d2.push(stream.subarray(0, a)), ...d2.push(stream.subarray(a, b)), ...d2.push(stream.subarray(b))];
      assert.deepEqual(got, payloads().slice(0, 3), `cuts ${a},${b}`);
    }
  }
});

test('bufferedBytes counts a partial size prefix and a partial frame', () => {
  const d = new FrameDecoder();
  const f = frame(Buffer.from('abcdef'));
  assert.deepEqual(d.push(f.subarray(0, 2)), []);
  assert.equal(d.bufferedBytes, 2);
  assert.deepEqual(d.push(f.subarray(2, 7)), []);
  assert.equal(d.bufferedBytes, 7);
  assert.deepEqual(d.push(f.subarray(7)), [Buffer.from('abcdef')]);
  assert.equal(d.bufferedBytes, 0);
});

test('a frame at exactly the maximum is accepted; one byte more throws FrameTooLargeError', () => {
  const d = new FrameDecoder(10);
  assert.deepEqual(d.push(frame(Buffer.alloc(10, 1))), [Buffer.alloc(10, 1)]);
  const d2 = new FrameDecoder(10);
  assert.throws(() => d2.push(frame(Buffer.alloc(11))), (err: unknown) => {
    assert.ok(err instanceof FrameTooLargeError);
    assert.equal(err.size, 11);
    assert.equal(err.maxBytes, 10);
    return true;
  });
});

test('an oversized size prefix split across chunks throws once the prefix is complete', () => {
  const d = new FrameDecoder();
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(DEFAULT_SOCKET_REQUEST_MAX_BYTES + 1, 0);
  assert.deepEqual(d.push(prefix.subarray(0, 3)), []);
  assert.throws(() => d.push(prefix.subarray(3)), FrameTooLargeError);
  assert.throws(() => d.push(Buffer.alloc(1)), FrameTooLargeError, 'the decoder stays failed');
});

test('frames before an oversized one in the same chunk are not lost: the error comes on that chunk', () => {
  const d = new FrameDecoder(100);
  const big = Buffer.alloc(4);
  big.writeInt32BE(1000, 0);
  assert.throws(() => d.push(Buffer.concat([frame(Buffer.from('ok')), big])), FrameTooLargeError);
});

test('a negative size throws InvalidFrameError', () => {
  const d = new FrameDecoder();
  const b = Buffer.alloc(8);
  b.writeInt32BE(-1, 0);
  assert.throws(() => d.push(b), (err: unknown) => err instanceof InvalidFrameError && err.size === -1);
});

test('an invalid maxFrameBytes is rejected', () => {
  assert.throws(() => new FrameDecoder(-1), RangeError);
});

test('frameChunks prepends the int32 total size of buffers and external records, without copying', () => {
  const a = Buffer.from('head');
  const ext: ExternalRecords = { sizeInBytes: 1000, regions: [{ fd: 3, position: 0, length: 1000 }] };
  const b = Buffer.from('tail!');
  const out = frameChunks([a, ext, b]);
  assert.equal(out.length, 4);
  assert.ok(Buffer.isBuffer(out[0]));
  assert.equal((out[0] as Buffer).readInt32BE(0), 4 + 1000 + 5);
  assert.equal(out[1], a);
  assert.equal(out[2], ext);
  assert.equal(out[3], b);
  assert.equal(chunksSize(out), 4 + 1009);
});

test('frameChunks of an empty message is a zero size prefix', () => {
  const out = frameChunks([]);
  assert.deepEqual(out, [Buffer.from([0, 0, 0, 0])]);
});

test('frameChunks rejects a message larger than int32', () => {
  const ext: ExternalRecords = { sizeInBytes: 0x7fffffff, regions: [] };
  assert.throws(() => frameChunks([Buffer.alloc(1), ext]), RangeError);
});

test('random chunking round-trips random frames (seeded)', () => {
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const ps: Buffer[] = [];
  for (let i = 0; i < 200; i++) {
    const p = Buffer.alloc(rnd(2000));
    for (let j = 0; j < p.length; j++) p[j] = rnd(256);
    ps.push(p);
  }
  const stream = Buffer.concat(ps.map(frame));
  const d = new FrameDecoder();
  const out: Buffer[] = [];
  for (let off = 0; off < stream.length; ) {
    const n = 1 + rnd(5000);
    out.push(...d.push(stream.subarray(off, off + n)));
    off += n;
  }
  assert.deepEqual(out, ps);
});

test('a frame spanning chunks is assembled into one buffer of exactly its size', () => {
  const payload = Buffer.alloc(200000);
  for (let i = 0; i < payload.length; i++) payload[i] = i & 0xff;
  const f = frame(payload);
  const d = new FrameDecoder();
  assert.deepEqual(d.push(f.subarray(0, 100)), []);
  assert.deepEqual(d.push(f.subarray(100, 150000)), []);
  const out = d.push(f.subarray(150000));
  assert.equal(out.length, 1);
  assert.deepEqual(out[0], payload);
  assert.equal(out[0]!.buffer.byteLength, 200000, "allocated once at its final size");
});

test('random garbage yields frames or a typed error, never anything else (seeded fuzz)', () => {
  let seed = 99;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let round = 0; round < 500; round++) {
    const d = new FrameDecoder(1 + rnd(5000));
    const stream = Buffer.alloc(rnd(3000));
    for (let i = 0; i < stream.length; i++) stream[i] = rnd(4) === 0 ? rnd(256) : rnd(3);
    try {
      for (let off = 0; off < stream.length; ) {
        const n = 1 + rnd(700);
        for (const f of d.push(stream.subarray(off, off + n))) assert.ok(Buffer.isBuffer(f));
        off += n;
      }
    } catch (err) {
      assert.ok(err instanceof FrameTooLargeError || err instanceof InvalidFrameError, String(err));
    }
  }
});

/** Feeds `stream` through readBuffer()/commitRead() as a socket with onread would, `sizes()` bytes per read. */
function pullAll(d: FrameDecoder, stream: Buffer, sizes: () => number): { frames: Buffer[]; directReads: number } {
  const frames: Buffer[] = [];
  let directReads = 0;
  let shared: ArrayBufferLike | undefined;
  for (let off = 0; off < stream.length; ) {
    const target = d.readBuffer();
    shared ??= target.buffer;
    if (target.buffer !== shared) directReads++;
    const n = Math.min(target.length, sizes(), stream.length - off);
    stream.copy(target, 0, off, off + n);
    off += n;
    frames.push(...d.commitRead(n));
  }
  return { frames, directReads };
}

test('readBuffer/commitRead: frames completed in the shared read buffer are copied out, each at its exact size', () => {
  const stream = Buffer.concat(payloads().map(frame));
  const d = new FrameDecoder();
  const readBuffer = d.readBuffer();
  assert.equal(readBuffer.length, 64 * 1024);
  stream.copy(readBuffer);
  const frames = d.commitRead(stream.length);
  assert.deepEqual(frames, payloads());
  for (const f of frames) assert.notEqual(f.buffer, readBuffer.buffer, 'no frame is a view of the shared read buffer');
  readBuffer.fill(0xee);
  assert.deepEqual(frames, payloads(), 'reusing the read buffer does not change returned frames');
  assert.ok(d.atFrameBoundary);
});

test('readBuffer/commitRead: a large frame is read straight into its own buffer after its first read', () => {
  const payload = Buffer.alloc(1_000_000);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 0xff;
  const d = new FrameDecoder();
  const { frames, directReads } = pullAll(d, Buffer.concat([frame(payload), frame(Buffer.from('next'))]), () => 100_000);
  assert.equal(frames.length, 2);
  assert.ok(frames[0]!.equals(payload));
  assert.equal(frames[0]!.buffer.byteLength, 1_000_000, 'one allocation at the final size');
  assert.deepEqual(frames[1], Buffer.from('next'));
  assert.ok(directReads >= 9, `${directReads} reads went straight into the frame`);
});

test('readBuffer/commitRead: random read sizes round-trip random frames (seeded), errors as with push', () => {
  let seed = 777;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const ps: Buffer[] = [];
  for (let i = 0; i < 300; i++) {
    const p = Buffer.alloc(rnd(8) === 0 ? rnd(200_000) : rnd(3000));
    for (let j = 0; j < p.length; j += 97) p[j] = rnd(256);
    ps.push(p);
  }
  const d = new FrameDecoder();
  const { frames } = pullAll(d, Buffer.concat(ps.map(frame)), () => 1 + rnd(90_000));
  assert.equal(frames.length, ps.length);
  for (let i = 0; i < ps.length; i++) assert.ok(frames[i]!.equals(ps[i]!), `frame ${i}`);
  assert.ok(d.atFrameBoundary);

  const small = new FrameDecoder(100);
  const big = Buffer.alloc(4);
  big.writeInt32BE(1000, 0);
  assert.throws(() => pullAll(small, Buffer.concat([frame(Buffer.from('ok')), big]), () => 64), FrameTooLargeError);
  assert.throws(() => small.commitRead(0), FrameTooLargeError, 'the decoder stays failed');
});

/** An allocator that counts memory handed out and taken back, with a budget of `limit` reserved bytes. */
class CountingAllocator implements FrameAllocator {
  limit: number;
  reservedBytes = 0;
  outstandingBytes = 0;
  peakOutstandingBytes = 0;
  readonly completed: Buffer[] = [];

  constructor(limit = Number.POSITIVE_INFINITY) {
    this.limit = limit;
  }

  tryReserve(size: number): boolean {
    if (this.reservedBytes + size > this.limit) return false;
    this.reservedBytes += size;
    return true;
  }

  cancelReservation(size: number): void {
    this.reservedBytes -= size;
  }

  allocate(size: number): Buffer {
    this.outstandingBytes += size;
    this.peakOutstandingBytes = Math.max(this.peakOutstandingBytes, this.outstandingBytes);
    return Buffer.alloc(size, 0xcc);
  }

  release(buffer: Buffer): void {
    this.outstandingBytes -= buffer.length;
  }

  frameCompleted(frame: Buffer): void {
    this.completed.push(frame);
  }
}

function patterned(size: number, seed: number): Buffer {
  const p = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) p[i] = (i * 13 + seed) & 0xff;
  return p;
}

test('a frame above LARGE_FRAME_BYTES gets memory as its bytes arrive, then is assembled into one Buffer', () => {
  const alloc = new CountingAllocator();
  const d = new FrameDecoder(64 * 1024 * 1024, alloc);
  const payload = patterned(5 * LARGE_FRAME_BYTES + 12345, 3);
  const stream = frame(payload);
  assert.deepEqual(d.push(stream.subarray(0, 4 + 100)), []);
  assert.equal(alloc.reservedBytes, payload.length, 'the whole announced size is reserved at once');
  assert.equal(alloc.outstandingBytes, LARGE_FRAME_BYTES, 'but only one chunk of memory exists after 100 bytes');
  assert.deepEqual(d.push(stream.subarray(104, 4 + 2 * LARGE_FRAME_BYTES + 1)), []);
  assert.equal(alloc.outstandingBytes, 3 * LARGE_FRAME_BYTES, 'a stalled sender costs what it sent, rounded up to a chunk');
  const out = d.push(stream.subarray(4 + 2 * LARGE_FRAME_BYTES + 1));
  assert.equal(out.length, 1);
  assert.ok(out[0]!.equals(payload));
  assert.equal(out[0]!.length, payload.length);
  assert.equal(alloc.outstandingBytes, payload.length, 'the chunks went back once copied into the frame');
  assert.deepEqual(alloc.completed, [out[0]], 'the frame holds the reservation');
  assert.ok(d.atFrameBoundary);
});

test('with wholeFrameMaxBytes raised, a frame above LARGE_FRAME_BYTES gets its whole Buffer at once and is read straight into it', () => {
  const big = patterned(3 * LARGE_FRAME_BYTES + 777, 5);
  const pushed = new CountingAllocator();
  const d1 = new FrameDecoder(64 * 1024 * 1024, pushed, 8 * LARGE_FRAME_BYTES);
  assert.deepEqual(d1.push(frame(big).subarray(0, 4 + 100)), []);
  assert.equal(pushed.outstandingBytes, big.length, 'its memory is allocated whole as soon as its size is read');

  const alloc = new CountingAllocator();
  const d = new FrameDecoder(64 * 1024 * 1024, alloc, 8 * LARGE_FRAME_BYTES);
  const { frames, directReads } = pullAll(d, Buffer.concat([frame(big), frame(Buffer.from('tail'))]), () => 200_000);
  assert.equal(frames.length, 2);
  assert.ok(frames[0]!.equals(big));
  assert.equal(alloc.peakOutstandingBytes, big.length + 4, 'no chunks, no copy into a second buffer');
  assert.ok(directReads >= 15, `${directReads} reads went straight into the frame`);
});

test('readBuffer/commitRead: a large frame is read straight into its chunks, and a small one into its own Buffer', () => {
  const alloc = new CountingAllocator();
  const d = new FrameDecoder(64 * 1024 * 1024, alloc);
  const big = patterned(3 * LARGE_FRAME_BYTES + 777, 9);
  const small = patterned(300_000, 1);
  const { frames, directReads } = pullAll(d, Buffer.concat([frame(big), frame(small), frame(Buffer.from('tail'))]), () => 200_000);
  assert.equal(frames.length, 3);
  assert.ok(frames[0]!.equals(big));
  assert.ok(frames[1]!.equals(small));
  assert.deepEqual(frames[2], Buffer.from('tail'));
  assert.ok(directReads >= 15, `${directReads} reads went straight into chunks and frames`);
  assert.ok(alloc.peakOutstandingBytes <= 2 * big.length + LARGE_FRAME_BYTES, `peak ${alloc.peakOutstandingBytes}`);
});

test('a frame the allocator refuses waits with the bytes read behind it; reserved() resumes in order', () => {
  const alloc = new CountingAllocator(1000);
  const d = new FrameDecoder(1 << 20, alloc);
  const a = patterned(600, 1);
  const b = patterned(700, 2);
  const c = patterned(50, 3);
  const stream = Buffer.concat([frame(a), frame(b), frame(c)]);
  assert.deepEqual(d.push(stream.subarray(0, 700)), [a], 'b does not fit next to a');
  assert.equal(d.memoryWaitBytes, 700);
  assert.equal(d.atFrameBoundary, false);
  assert.deepEqual(d.push(stream.subarray(700)), [], 'bytes pushed while waiting are kept, not decoded');
  assert.throws(() => new FrameDecoder(10, alloc).reserved(), /without a frame waiting/);
  alloc.cancelReservation(600); // a's request completed
  assert.equal(alloc.tryReserve(700), true); // what the pool does for a waiting connection
  assert.deepEqual(d.reserved(), [b, c]);
  assert.equal(d.memoryWaitBytes, 0);
  assert.ok(d.atFrameBoundary);
  assert.equal(alloc.reservedBytes, 750);
});

test('readBuffer/commitRead: a refused frame copies what the shared read buffer held behind it', () => {
  const alloc = new CountingAllocator(100);
  const d = new FrameDecoder(1 << 20, alloc);
  const a = patterned(60, 1);
  const b = patterned(80, 2);
  const target = d.readBuffer();
  const stream = Buffer.concat([frame(a), frame(b)]);
  stream.copy(target);
  assert.deepEqual(d.commitRead(stream.length), [a]);
  assert.equal(d.memoryWaitBytes, 80);
  target.fill(0xee); // the next socket read reuses the shared buffer
  alloc.cancelReservation(60);
  assert.equal(alloc.tryReserve(80), true);
  assert.deepEqual(d.reserved(), [b]);
});

test('maxFrameBytes can be raised: a first-request limit applies to the prefixes read before the change only', () => {
  const d = new FrameDecoder(100);
  assert.deepEqual(d.push(frame(Buffer.alloc(100, 1))), [Buffer.alloc(100, 1)]);
  d.maxFrameBytes = 1000;
  assert.equal(d.maxFrameBytes, 1000);
  assert.deepEqual(d.push(frame(Buffer.alloc(1000, 2))), [Buffer.alloc(1000, 2)]);
  assert.throws(() => (d.maxFrameBytes = -1), RangeError);
  const first = new FrameDecoder(100);
  assert.throws(() => first.push(frame(Buffer.alloc(101))), FrameTooLargeError);
});

test('dispose gives back the memory and the reservation of a partly received frame', () => {
  const alloc = new CountingAllocator();
  const d = new FrameDecoder(64 * 1024 * 1024, alloc);
  const payload = patterned(4 * LARGE_FRAME_BYTES, 5);
  d.push(frame(payload).subarray(0, 4 + 2 * LARGE_FRAME_BYTES + 10));
  assert.equal(alloc.outstandingBytes, 3 * LARGE_FRAME_BYTES);
  d.dispose();
  d.dispose();
  assert.equal(alloc.outstandingBytes, 0);
  assert.equal(alloc.reservedBytes, 0);
  assert.throws(() => d.push(Buffer.alloc(1)), /disposed/);
});

test('zero-size frames need no reservation; a frame inside a pushed chunk is a view that holds its reservation', () => {
  const alloc = new CountingAllocator(10);
  const d = new FrameDecoder(100, alloc);
  const stream = Buffer.concat([frame(Buffer.alloc(0)), frame(Buffer.from('0123456789'))]);
  const out = d.push(stream);
  assert.deepEqual(out, [Buffer.alloc(0), Buffer.from('0123456789')]);
  assert.equal(out[1]!.buffer, stream.buffer);
  assert.equal(alloc.reservedBytes, 10);
  assert.deepEqual(alloc.completed, [out[1]]);
});
