import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_SOCKET_REQUEST_MAX_BYTES,
  FrameDecoder,
  FrameTooLargeError,
  InvalidFrameError,
  chunksSize,
  frameChunks,
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
