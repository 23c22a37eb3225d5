import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import * as lz4 from 'lz4-napi';
import * as snappy from 'snappy';
import { CompressionError } from '../../../../src/protocol/records/compression-error.ts';
import { compress, compressSync, decompress, decompressSync } from '../../../../src/protocol/records/compression.ts';
import { decodeLz4Frame, scanLz4Frame, writeBrokenLz4HeaderChecksum } from '../../../../src/protocol/records/lz4-frame.ts';
import { XERIAL_BLOCK_SIZE, isXerialFramed } from '../../../../src/protocol/records/xerial-snappy.ts';
import { xxhash32 } from '../../../../src/protocol/records/xxhash32.ts';
import { prng, randomBytes } from './helpers.ts';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const rand = prng(42);
const INPUTS: [string, Buffer][] = [
  ['empty', Buffer.alloc(0)],
  ['small text', Buffer.from('hello kafka, hello kafka, hello kafka')],
  ['random 100 KiB', randomBytes(rand, 100 * 1024)],
  ['compressible 1 MiB', Buffer.from('0123456789abcdef'.repeat(65536))],
];

async function rejectsWith(p: Promise<unknown> | (() => unknown), reason: string, errorCode: number): Promise<void> {
  const run = typeof p === 'function' ? async () => p() : () => p;
  await assert.rejects(run, (err: unknown) => {
    assert.ok(err instanceof CompressionError, `expected CompressionError, got ${String(err)}`);
    assert.equal(err.reason, reason);
    assert.equal(err.errorCode, errorCode);
    return true;
  });
}

describe('compression round trips', () => {
  for (const codec of CODECS) {
    for (const [name, input] of INPUTS) {
      it(`${codec}: ${name} survives compress/decompress (async and sync)`, async () => {
        const packed = await compress(codec, input);
        assert.deepEqual(await decompress(codec, packed), input);
        assert.deepEqual(decompressSync(codec, packed), input);
        const packedSync = compressSync(codec, input);
        assert.deepEqual(await decompress(codec, packedSync), input);
      });
    }
  }

  it('accepts numeric codec ids and rejects unknown ones as UNSUPPORTED_COMPRESSION_TYPE', async () => {
    assert.deepEqual(await decompress(1, await compress(1, Buffer.from('x'))), Buffer.from('x'));
    await rejectsWith(compress(5 as never, Buffer.from('x')), 'unsupported', 76);
    await rejectsWith(decompress(7 as never, Buffer.from('x')), 'unsupported', 76);
    await rejectsWith(decompress('brotli' as never, Buffer.from('x')), 'unsupported', 76);
  });
});

describe('snappy framing', () => {
  it('writes xerial framing with 32 KiB blocks, like the Java client', async () => {
    const input = INPUTS[3]![1];
    const out = await compress('snappy', input);
    assert.ok(isXerialFramed(out));
    assert.deepEqual(out.subarray(0, 8), Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]));
    assert.equal(out.readInt32BE(8), 1);
    assert.equal(out.readInt32BE(12), 1);
    let blocks = 0;
    for (let pos = 16; pos < out.length; blocks++) pos += 4 + out.readInt32BE(pos);
    assert.equal(blocks, input.length / XERIAL_BLOCK_SIZE);
  });

  it('decodes a hand-built xerial stream (header, two blocks, a concatenated second header)', async () => {
    // Layout: "\x82SNAPPY\0" | int32 version=1 | int32 compatible=1 | (int32 length | raw snappy block)*
    const a = snappy.compressSync(Buffer.from('first block '.repeat(10)));
    const b = snappy.compressSync(Buffer.from('second block'));
    const c = snappy.compressSync(Buffer.from(' and a third after a second stream header'));
    const header = Buffer.concat([Buffer.from('\x82SNAPPY\x00', 'latin1'), Buffer.from([0, 0, 0, 1, 0, 0, 0, 1])]);
    const len = (x: Buffer): Buffer => {
      const l = Buffer.alloc(4);
      l.writeInt32BE(x.length);
      return l;
    };
    const framed = Buffer.concat([header, len(a), a, len(b), b, header, len(c), c]);
    const expected = 'first block '.repeat(10) + 'second block and a third after a second stream header';
    assert.equal((await decompress('snappy', framed)).toString(), expected);
    assert.equal(decompressSync('snappy', framed).toString(), expected);
  });

  it('decodes a raw snappy block (what librdkafka and kafkajs-snappy write)', async () => {
    const raw = snappy.compressSync(Buffer.from('raw snappy payload'));
    assert.equal((await decompress('snappy', raw)).toString(), 'raw snappy payload');
  });

  it('rejects truncated or inconsistent xerial streams as corrupt', async () => {
    const framed = await compress('snappy', Buffer.from('abc'.repeat(20000)));
    await rejectsWith(decompress('snappy', framed.subarray(0, framed.length - 3)), 'corrupt', 2);
    await rejectsWith(decompress('snappy', framed.subarray(0, 18)), 'corrupt', 2);
    const badLength = Buffer.from(framed);
    badLength.writeInt32BE(-5, 16);
    await rejectsWith(decompress('snappy', badLength), 'corrupt', 2);
  });
});

describe('lz4 frames', () => {
  it('writes independent blocks (Kafka Lz4BlockInputStream rejects dependent ones) with a valid HC', async () => {
    const frame = await compress('lz4', Buffer.from('x'.repeat(1000)));
    assert.equal(frame.readUInt32LE(0), 0x184d2204);
    assert.equal(frame[4]! & 0xc0, 0x40, 'version 01');
    assert.equal(frame[4]! & 0x20, 0x20, 'block independence');
    assert.equal(scanLz4Frame(frame, 1 << 20).headerChecksumOk, true);
  });

  it('computes XXH32 test vectors', () => {
    assert.equal(xxhash32(Buffer.from('')), 0x02cc5d05);
    assert.equal(xxhash32(Buffer.from('abc')), 0x32d153ff);
    assert.equal(xxhash32(Buffer.from('Nobody inspects the spammish repetition')), 0xe2293b2f);
  });

  it('KIP-57: a magic-0 frame with the broken header checksum decodes for magic 0 only', async () => {
    const input = Buffer.from('legacy lz4 '.repeat(100));
    const broken = await compress('lz4', input, { magic: 0 });
    assert.equal(scanLz4Frame(broken, 1 << 20).headerChecksumOk, false);
    // Broken HC = XXH32 over magic + descriptor (what old Kafka wrote), not over the descriptor alone.
    assert.equal(broken[6], (xxhash32(broken, 0, 6) >>> 8) & 0xff);
    assert.deepEqual(await decompress('lz4', broken, { magic: 0 }), input);
    assert.deepEqual(decompressSync('lz4', broken, { magic: 0 }), input);
    await rejectsWith(decompress('lz4', broken, { magic: 1 }), 'corrupt', 2);
    await rejectsWith(decompress('lz4', broken), 'corrupt', 2);
  });

  it('the JS frame decoder matches the native one on varied inputs', () => {
    const r = prng(7);
    const samples = [
      Buffer.alloc(0),
      Buffer.from('a'),
      randomBytes(r, 70000),
      Buffer.from('abcabcabcabd'.repeat(50000)),
      Buffer.concat([randomBytes(r, 1000), Buffer.alloc(300000, 1), randomBytes(r, 5000)]),
    ];
    for (const s of samples) {
      const frame = lz4.compressFrameSync(s);
      assert.deepEqual(decodeLz4Frame(frame, 1 << 24), s);
    }
  });

  it('the JS decoder resolves matches into an earlier block (linked-block frames)', () => {
    // FLG 0x40: version 01, dependent blocks. Block 1 stored uncompressed; block 2 is one sequence with no
    // literals and a match of 8 bytes at offset 8 (reaching back into block 1), then a 1-literal last sequence.
    const descriptor = Buffer.from([0x40, 0x40]);
    const hc = (xxhash32(descriptor) >>> 8) & 0xff;
    const block1 = Buffer.from('ABCDEFGH');
    const block2 = Buffer.from([0x04, 0x08, 0x00, 0x10, 0x5a]); // token 0|4, offset 8, then token 1|0 'Z'
    const u32 = (v: number): Buffer => {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(v >>> 0);
      return b;
    };
    const frame = Buffer.concat([
      u32(0x184d2204), descriptor, Buffer.from([hc]),
      u32((0x80000000 | block1.length) >>> 0), block1,
      u32(block2.length), block2,
      u32(0),
    ]);
    assert.equal(decodeLz4Frame(frame, 1024).toString(), 'ABCDEFGHABCDEFGHZ');
    assert.equal(lz4.decompressFrameSync(frame).toString(), 'ABCDEFGHABCDEFGHZ');
  });

  it('the JS decoder checks optional block checksums', () => {
    const descriptor = Buffer.from([0x70, 0x40]); // independent blocks + block checksums
    const block = Buffer.from('hello');
    const frame = Buffer.alloc(7 + 4 + 5 + 4 + 4);
    frame.writeUInt32LE(0x184d2204, 0);
    descriptor.copy(frame, 4);
    frame[6] = (xxhash32(descriptor) >>> 8) & 0xff;
    frame.writeUInt32LE((0x80000000 | 5) >>> 0, 7);
    block.copy(frame, 11);
    frame.writeUInt32LE(xxhash32(block), 16);
    assert.equal(decodeLz4Frame(frame, 100).toString(), 'hello');
    frame[12] ^= 1;
    assert.throws(() => decodeLz4Frame(frame, 100), CompressionError);
  });

  it('rejects malformed frames as corrupt', async () => {
    const frame = await compress('lz4', Buffer.from('abc'.repeat(1000)));
    await rejectsWith(decompress('lz4', frame.subarray(0, frame.length - 2)), 'corrupt', 2);
    const badMagic = Buffer.from(frame);
    badMagic[0] = 0;
    await rejectsWith(decompress('lz4', badMagic), 'corrupt', 2);
    const badVersion = Buffer.from(frame);
    badVersion[4] = 0x20;
    await rejectsWith(decompress('lz4', badVersion), 'corrupt', 2);
  });
});

describe('decompression output cap (zip bombs)', () => {
  const ZEROS = Buffer.alloc(8 * 1024 * 1024);
  const CAP = 1024 * 1024;

  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    it(`${codec}: 8 MiB of zeros with a 1 MiB cap throws too-large (MESSAGE_TOO_LARGE), async and sync`, async () => {
      const bomb = await compress(codec, ZEROS);
      assert.ok(bomb.length < CAP, `${codec} bomb is ${bomb.length} bytes`);
      await rejectsWith(decompress(codec, bomb, { maxBytes: CAP }), 'too-large', 10);
      await rejectsWith(() => decompressSync(codec, bomb, { maxBytes: CAP }), 'too-large', 10);
      assert.equal((await decompress(codec, bomb, { maxBytes: ZEROS.length })).length, ZEROS.length);
    });
  }

  it('snappy: a raw block whose preamble claims 4 GiB is refused before decoding', async () => {
    const lie = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]);
    await rejectsWith(decompress('snappy', lie, { maxBytes: CAP }), 'too-large', 10);
  });

  it('lz4: a frame declaring a content size above the cap is refused from its header', async () => {
    const descriptor = Buffer.alloc(10);
    descriptor[0] = 0x68; // version 01, independent, content size present
    descriptor[1] = 0x40;
    descriptor.writeBigUInt64LE(1n << 40n, 2);
    const frame = Buffer.concat([Buffer.from([0x04, 0x22, 0x4d, 0x18]), descriptor, Buffer.from([(xxhash32(descriptor) >>> 8) & 0xff]), Buffer.alloc(4)]);
    await rejectsWith(decompress('lz4', frame, { maxBytes: CAP }), 'too-large', 10);
  });

  it('lz4: a frame whose block bound exceeds the cap but whose output fits still decodes (JS path)', async () => {
    const input = Buffer.alloc(300 * 1024, 3);
    const frame = await compress('lz4', input);
    assert.ok(scanLz4Frame(frame, 1 << 30).maxOutputBytes > input.length);
    assert.deepEqual(await decompress('lz4', frame, { maxBytes: input.length }), input);
    await rejectsWith(decompress('lz4', frame, { maxBytes: input.length - 1 }), 'too-large', 10);
  });

  it('none: the cap applies to uncompressed bytes as well', async () => {
    await rejectsWith(decompress('none', Buffer.alloc(10), { maxBytes: 5 }), 'too-large', 10);
  });
});

describe('corrupt payloads', () => {
  it('garbage input to every codec is a CompressionError, never a library error', async () => {
    const r = prng(99);
    for (let i = 0; i < 200; i++) {
      const junk = randomBytes(r, Math.floor(r() * 200));
      for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
        for (const run of [() => decompress(codec, junk, { maxBytes: 1 << 20 }), async () => decompressSync(codec, junk, { maxBytes: 1 << 20 })]) {
          try {
            await run();
          } catch (err) {
            assert.ok(err instanceof CompressionError, `${codec}: ${String(err)}`);
          }
        }
      }
    }
  });

  it('gzip: truncated member is corrupt', async () => {
    const gz = zlib.gzipSync(Buffer.from('x'.repeat(1000)));
    await rejectsWith(decompress('gzip', gz.subarray(0, gz.length - 4)), 'corrupt', 2);
  });
});
