import { CompressionError } from './compression-error.ts';

/**
 * Xerial snappy-java stream framing, which Kafka's Java client writes for snappy (SnappyOutputStream):
 *
 * ```
 * magic "\x82SNAPPY\x00" (8 bytes) | version int32 BE (1) | compatibleVersion int32 BE (1) |
 * repeated: blockLength int32 BE | raw snappy block (its own varint uncompressed-length preamble + data)
 * ```
 * A second header may appear where a block length is expected (concatenated streams); it is skipped, as
 * SnappyInputStream does. Input without the magic is a single raw snappy block (librdkafka writes that).
 */
export const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
export const XERIAL_HEADER_SIZE = 16;
/** Uncompressed bytes per block, snappy-java's default (SnappyOutputStream.DEFAULT_BLOCK_SIZE). */
export const XERIAL_BLOCK_SIZE = 32 * 1024;

/** True when `buf` starts with the xerial header magic. */
export function isXerialFramed(buf: Buffer): boolean {
  return buf.length >= XERIAL_HEADER_SIZE && buf.compare(XERIAL_MAGIC, 0, 8, 0, 8) === 0;
}

/** A raw snappy block of a framed stream and its declared uncompressed length. */
export interface SnappyBlock {
  data: Buffer;
  uncompressedLength: number;
}

/**
 * The uncompressed length a raw snappy block declares in its preamble (uvarint, at most 32 bits). Throws
 * {@link CompressionError} `corrupt` on a truncated or over-long varint.
 */
export function snappyUncompressedLength(block: Buffer): number {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (i >= block.length) break;
    const b = block[i]!;
    value += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) {
      if (value > 0xffffffff) break;
      return value;
    }
  }
  throw new CompressionError('corrupt', 'snappy: invalid uncompressed length preamble');
}

/**
 * Splits a xerial-framed buffer into its raw blocks (views, no copies), checking every length and, cumulatively,
 * the declared uncompressed sizes against `maxBytes`. Throws {@link CompressionError} `corrupt` / `too-large`.
 */
export function readXerialBlocks(buf: Buffer, maxBytes: number): SnappyBlock[] {
  const blocks: SnappyBlock[] = [];
  let total = 0;
  let pos = XERIAL_HEADER_SIZE;
  while (pos < buf.length) {
    if (pos + 4 > buf.length) throw new CompressionError('corrupt', 'snappy: truncated xerial block length');
    if (pos + XERIAL_HEADER_SIZE <= buf.length && buf.compare(XERIAL_MAGIC, 0, 8, pos, pos + 8) === 0) {
      pos += XERIAL_HEADER_SIZE;
      continue;
    }
    const length = buf.readInt32BE(pos);
    pos += 4;
    if (length < 0 || length > buf.length - pos) {
      throw new CompressionError('corrupt', `snappy: invalid xerial block length ${length}`);
    }
    const data = buf.subarray(pos, pos + length);
    pos += length;
    const uncompressedLength = snappyUncompressedLength(data);
    total += uncompressedLength;
    if (total > maxBytes) {
      throw new CompressionError('too-large', `snappy: output exceeds the ${maxBytes} byte limit`);
    }
    blocks.push({ data, uncompressedLength });
  }
  return blocks;
}

/** Writes the xerial header and the given raw snappy blocks, each with its int32 length prefix. */
export function writeXerialFrame(blocks: readonly Buffer[]): Buffer {
  let size = XERIAL_HEADER_SIZE;
  for (const b of blocks) size += 4 + b.length;
  const out = Buffer.allocUnsafe(size);
  XERIAL_MAGIC.copy(out, 0);
  out.writeInt32BE(1, 8);
  out.writeInt32BE(1, 12);
  let pos = XERIAL_HEADER_SIZE;
  for (const b of blocks) {
    out.writeInt32BE(b.length, pos);
    pos += 4;
    pos += b.copy(out, pos);
  }
  return out;
}
