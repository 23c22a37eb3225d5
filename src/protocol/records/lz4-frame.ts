import { CompressionError } from './compression-error.ts';
import { xxhash32 } from './xxhash32.ts';

/** LZ4 frame magic number 0x184D2204, little-endian on the wire. */
const LZ4_MAGIC = 0x184d2204;
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_DICT_ID = 0x01;
const BLOCK_UNCOMPRESSED = 0x80000000;
const BLOCK_MAX_SIZES = [0, 0, 0, 0, 64 << 10, 256 << 10, 1 << 20, 4 << 20];

/**
 * What a scan of an LZ4 frame found, without decompressing it.
 * - `headerChecksumOk`: the HC byte matches XXH32 of the descriptor (false for KIP-57 "broken" magic-0 frames).
 * - `maxOutputBytes`: an upper bound of the decompressed size (each compressed block counts as the block maximum).
 */
export interface Lz4FrameScan {
  headerChecksumOk: boolean;
  maxOutputBytes: number;
  contentSize: number | null;
}

function fail(message: string): never {
  throw new CompressionError('corrupt', `lz4: ${message}`);
}

/**
 * Parses an LZ4 frame's header and walks its block headers (LZ4 Frame Format 1.6). Throws {@link CompressionError}
 * `corrupt` on a bad magic, version, block size, or truncated block; `too-large` when the declared content size
 * exceeds `maxBytes`. Frames with a dictionary id are rejected (Kafka never writes them).
 */
export function scanLz4Frame(buf: Buffer, maxBytes: number): Lz4FrameScan {
  if (buf.length < 7) fail('frame shorter than its header');
  if (buf.readUInt32LE(0) !== LZ4_MAGIC) fail('invalid magic');
  const flg = buf[4]!;
  if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_01) fail(`unsupported frame version ${flg >>> 6}`);
  if ((flg & FLG_DICT_ID) !== 0) fail('dictionary frames are unsupported');
  const blockMaxId = (buf[5]! >>> 4) & 7;
  const blockMax = BLOCK_MAX_SIZES[blockMaxId]!;
  if (blockMax === 0) fail(`invalid block maximum size id ${blockMaxId}`);
  let pos = 6;
  let contentSize: number | null = null;
  if ((flg & FLG_CONTENT_SIZE) !== 0) {
    if (buf.length < 15) fail('frame shorter than its header');
    const size = buf.readBigUInt64LE(6);
    if (size > BigInt(maxBytes)) {
      throw new CompressionError('too-large', `lz4: content size ${size} exceeds the ${maxBytes} byte limit`);
    }
    contentSize = Number(size);
    pos = 14;
  }
  const headerChecksumOk = buf[pos] === ((xxhash32(buf, 4, pos) >>> 8) & 0xff);
  pos++;
  const blockChecksumBytes = (flg & FLG_BLOCK_CHECKSUM) !== 0 ? 4 : 0;
  let maxOutputBytes = 0;
  for (;;) {
    if (pos + 4 > buf.length) fail('truncated block header');
    const word = buf.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break;
    const size = word & ~BLOCK_UNCOMPRESSED;
    if (size > blockMax) fail(`block of ${size} bytes exceeds the frame's ${blockMax} byte maximum`);
    pos += size + blockChecksumBytes;
    if (pos > buf.length) fail('truncated block');
    maxOutputBytes += (word & BLOCK_UNCOMPRESSED) !== 0 ? size : blockMax;
  }
  if ((flg & FLG_CONTENT_CHECKSUM) !== 0 && pos + 4 > buf.length) fail('truncated content checksum');
  return { headerChecksumOk, maxOutputBytes: contentSize ?? maxOutputBytes, contentSize };
}

/**
 * Decompresses an LZ4 frame in JavaScript with an exact output cap. It does not check the descriptor checksum
 * (Kafka's magic-0 frames carry a wrong one, KIP-57; the batch CRC already covers these bytes) but does check
 * block checksums when present, as Kafka's Lz4BlockInputStream does. Used where the native binding cannot be:
 * KIP-57 frames, and frames whose size bound is above the cap. Throws {@link CompressionError}.
 */
export function decodeLz4Frame(buf: Buffer, maxBytes: number): Buffer {
  const scan = scanLz4Frame(buf, maxBytes);
  const flg = buf[4]!;
  const blockMax = BLOCK_MAX_SIZES[(buf[5]! >>> 4) & 7]!;
  const hasBlockChecksum = (flg & FLG_BLOCK_CHECKSUM) !== 0;
  // `capped`: the caller's limit, not the frame's own bound, decides the output size.
  const capped = maxBytes < scan.maxOutputBytes;
  const out = Buffer.allocUnsafe(capped ? maxBytes : scan.maxOutputBytes);
  let pos = (flg & FLG_CONTENT_SIZE) !== 0 ? 15 : 7;
  let dp = 0;
  for (;;) {
    const word = buf.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break;
    const size = word & ~BLOCK_UNCOMPRESSED;
    if (hasBlockChecksum && buf.readUInt32LE(pos + size) !== xxhash32(buf, pos, pos + size)) {
      fail('block checksum mismatch');
    }
    if ((word & BLOCK_UNCOMPRESSED) !== 0) {
      if (dp + size > out.length) {
        if (capped) tooLarge(maxBytes);
        fail('blocks exceed the declared content size');
      }
      buf.copy(out, dp, pos, pos + size);
      dp += size;
    } else {
      const limit = Math.min(dp + blockMax, out.length);
      dp = decodeBlock(buf, pos, pos + size, out, dp, limit, capped && limit === out.length ? maxBytes : -1);
    }
    pos += size + (hasBlockChecksum ? 4 : 0);
  }
  if (scan.contentSize !== null && dp !== scan.contentSize) fail(`content size ${scan.contentSize} but got ${dp}`);
  return out.subarray(0, dp);
}

function tooLarge(maxBytes: number): never {
  throw new CompressionError('too-large', `lz4: output exceeds the ${maxBytes} byte limit`);
}

/**
 * LZ4 block format: sequences of [token][literal length+][literals][offset LE16][match length+]; the last
 * sequence has literals only. Matches may reach back into earlier blocks of `dst` (linked-block frames).
 * `limit` = where output must stop; `cappedAt` >= 0 when that is the caller's byte cap (overflow is then
 * `too-large`), -1 when it is the block maximum or declared content size (overflow is `corrupt`).
 */
function decodeBlock(
  src: Buffer,
  sp: number,
  send: number,
  dst: Buffer,
  dp: number,
  limit: number,
  cappedAt: number,
): number {
  const overflow = (): never => (cappedAt >= 0 ? tooLarge(cappedAt) : fail('block decodes past its maximum size'));
  while (sp < send) {
    const token = src[sp++]!;
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (sp >= send) fail('truncated literal length');
        b = src[sp++]!;
        literals += b;
      } while (b === 255);
    }
    if (sp + literals > send) fail('literals run past the block');
    if (dp + literals > limit) overflow();
    src.copy(dst, dp, sp, sp + literals);
    sp += literals;
    dp += literals;
    if (sp === send) break;
    if (sp + 2 > send) fail('truncated match offset');
    const offset = src[sp]! | (src[sp + 1]! << 8);
    sp += 2;
    if (offset === 0 || offset > dp) fail(`invalid match offset ${offset}`);
    let matchLength = token & 15;
    if (matchLength === 15) {
      let b: number;
      do {
        if (sp >= send) fail('truncated match length');
        b = src[sp++]!;
        matchLength += b;
      } while (b === 255);
    }
    matchLength += 4;
    if (dp + matchLength > limit) overflow();
    let m = dp - offset;
    if (offset >= matchLength) {
      dst.copyWithin(dp, m, m + matchLength);
      dp += matchLength;
    } else {
      // Overlapping match: byte by byte repeats the last `offset` bytes, as the format intends.
      const end = dp + matchLength;
      while (dp < end) dst[dp++] = dst[m++]!;
    }
  }
  return dp;
}

/**
 * Rewrites the HC byte of a frame written by a conforming encoder into the value Kafka's magic-0 LZ4 writer
 * computed: XXH32 over the magic number and descriptor instead of the descriptor alone (KIP-57), so that old
 * consumers that verify it accept the down-converted v0 message. Modifies `frame` in place.
 */
export function writeBrokenLz4HeaderChecksum(frame: Buffer): void {
  const flg = frame[4]!;
  const hcAt = (flg & FLG_CONTENT_SIZE) !== 0 ? 14 : 6;
  frame[hcAt] = (xxhash32(frame, 0, hcAt) >>> 8) & 0xff;
}
