import { constants as bufferConstants } from 'node:buffer';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import * as lz4 from 'lz4-napi';
import * as snappy from 'snappy';
import { CompressionError } from './compression-error.ts';
import { decodeLz4Frame, scanLz4Frame, writeBrokenLz4HeaderChecksum } from './lz4-frame.ts';
import { CompressionType, MAGIC_VALUE_V0, MAGIC_VALUE_V2 } from './record-batch.ts';
import type { CompressionTypeId, CompressionTypeName } from './record-batch.ts';
import {
  XERIAL_BLOCK_SIZE,
  isXerialFramed,
  readXerialBlocks,
  snappyUncompressedLength,
  writeXerialFrame,
} from './xerial-snappy.ts';

/**
 * Default cap on decompressed output, in bytes, when the caller gives none. Kafka itself streams and has no cap;
 * we materialise the records, so a small hostile batch (gzip inflates ~1000x, zstd far more) must not be allowed
 * to allocate without bound. Callers on the produce path pass their own (e.g. from `message.max.bytes`).
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

/** Options of {@link compress} / {@link compressSync}. */
export interface CompressOptions {
  /** gzip 1-9 (default 6, Deflater.DEFAULT_COMPRESSION) or zstd 1-22 (default 3, as Kafka); snappy/lz4 ignore it. */
  level?: number;
  /** Message format the payload goes into: with lz4 and magic 0 the KIP-57 "broken" header checksum is written. */
  magic?: number;
}

/** Options of {@link decompress} / {@link decompressSync}. */
export interface DecompressOptions {
  /** Largest output accepted, in bytes; more throws CompressionError `too-large`. Default 64 MiB. */
  maxBytes?: number;
  /** Message format the payload came from: with lz4 and magic 0 a wrong header checksum is tolerated (KIP-57). */
  magic?: number;
}

type Codec = CompressionTypeId | CompressionTypeName;

const gzipAsync = promisify(zlib.gzip);
const gunzipAsync = promisify(zlib.gunzip) as (buf: Buffer, options: zlib.ZlibOptions) => Promise<Buffer>;
const zstdCompressAsync = promisify(zlib.zstdCompress) as (buf: Buffer, options: zlib.ZstdOptions) => Promise<Buffer>;
const zstdDecompressAsync = promisify(zlib.zstdDecompress) as (
  buf: Buffer,
  options: zlib.ZstdOptions,
) => Promise<Buffer>;

const KAFKA_ZSTD_DEFAULT_LEVEL = 3;

function codecId(type: Codec): CompressionTypeId {
  if (typeof type === 'number') {
    if (type >= 0 && type <= 4) return type;
  } else if (Object.hasOwn(CompressionType, type)) {
    return CompressionType[type];
  }
  throw new CompressionError('unsupported', `unknown compression type ${String(type)}`);
}

/** Maps a zlib / native-binding failure to the typed error. */
function wrap(codec: string, err: unknown, maxBytes: number): CompressionError {
  if (err instanceof CompressionError) return err;
  const code = (err as { code?: string } | null)?.code;
  if (code === 'ERR_BUFFER_TOO_LARGE') {
    return new CompressionError('too-large', `${codec}: output exceeds the ${maxBytes} byte limit`, { cause: err });
  }
  return new CompressionError('corrupt', `${codec}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

function zstdLevel(level: number | undefined): zlib.ZstdOptions {
  return { params: { [zlib.constants.ZSTD_c_compressionLevel]: level ?? KAFKA_ZSTD_DEFAULT_LEVEL } };
}

/**
 * Compresses `buf` with a Kafka codec, off the event loop where the library allows (zlib and the napi bindings
 * run in the libuv thread pool). Output formats are what Kafka's Java client writes, so every client can read them:
 * gzip member (zlib); snappy in xerial framing with 32 KiB blocks (snappy-java's SnappyOutputStream); LZ4 frame
 * with independent blocks (Lz4BlockOutputStream requires those); a zstd frame. `none` returns `buf` itself.
 * Throws {@link CompressionError} `unsupported` for an unknown codec.
 */
export async function compress(type: Codec, buf: Buffer, options: CompressOptions = {}): Promise<Buffer> {
  switch (codecId(type)) {
    case CompressionType.none:
      return buf;
    case CompressionType.gzip:
      return gzipAsync(buf, { level: options.level ?? 6 });
    case CompressionType.snappy: {
      const parts: Promise<Buffer>[] = [];
      for (let at = 0; at < buf.length; at += XERIAL_BLOCK_SIZE) {
        parts.push(snappy.compress(buf.subarray(at, at + XERIAL_BLOCK_SIZE)));
      }
      return writeXerialFrame(await Promise.all(parts));
    }
    case CompressionType.lz4: {
      const frame = await lz4.compressFrame(buf);
      if (options.magic === MAGIC_VALUE_V0) writeBrokenLz4HeaderChecksum(frame);
      return frame;
    }
    case CompressionType.zstd:
      return zstdCompressAsync(buf, zstdLevel(options.level));
  }
}

/** Synchronous {@link compress}, for small payloads or callers that cannot await (same formats). */
export function compressSync(type: Codec, buf: Buffer, options: CompressOptions = {}): Buffer {
  switch (codecId(type)) {
    case CompressionType.none:
      return buf;
    case CompressionType.gzip:
      return zlib.gzipSync(buf, { level: options.level ?? 6 });
    case CompressionType.snappy: {
      const parts: Buffer[] = [];
      for (let at = 0; at < buf.length; at += XERIAL_BLOCK_SIZE) {
        parts.push(snappy.compressSync(buf.subarray(at, at + XERIAL_BLOCK_SIZE)));
      }
      return writeXerialFrame(parts);
    }
    case CompressionType.lz4: {
      const frame = lz4.compressFrameSync(buf);
      if (options.magic === MAGIC_VALUE_V0) writeBrokenLz4HeaderChecksum(frame);
      return frame;
    }
    case CompressionType.zstd:
      return zlib.zstdCompressSync(buf, zstdLevel(options.level));
  }
}

/** Concatenates decompressed snappy blocks into one Buffer of the exact declared size. */
function joinBlocks(parts: readonly Buffer[], total: number): Buffer {
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  for (const p of parts) pos += p.copy(out, pos);
  if (pos !== total) throw new CompressionError('corrupt', 'snappy: block shorter than its declared length');
  return out;
}

function checkRawSnappy(buf: Buffer, maxBytes: number): void {
  const length = snappyUncompressedLength(buf);
  if (length > maxBytes) throw new CompressionError('too-large', `snappy: output exceeds the ${maxBytes} byte limit`);
}

/**
 * LZ4: scan the frame first (cheap: block headers only). The native decoder is used when the frame's own size
 * bound fits the cap and its header checksum is right; otherwise (KIP-57 magic-0 frames, or a bound above the cap)
 * the JS decoder, which stops at exactly `maxBytes`.
 */
function lz4NeedsJs(buf: Buffer, maxBytes: number, magic: number): boolean {
  const scan = scanLz4Frame(buf, maxBytes);
  if (!scan.headerChecksumOk) {
    // Kafka ignores the HC byte only for magic 0 (Lz4BlockInputStream ignoreFlagDescriptorChecksum).
    if (magic !== MAGIC_VALUE_V0) throw new CompressionError('corrupt', 'lz4: frame descriptor checksum mismatch');
    return true;
  }
  return scan.maxOutputBytes > maxBytes;
}

/** zlib's `maxOutputLength` must be within [1, buffer.constants.MAX_LENGTH]. */
function outputLimit(maxBytes: number): number {
  return Math.min(Math.max(1, maxBytes), bufferConstants.MAX_LENGTH);
}

function checkSize(codec: string, out: Buffer, maxBytes: number): Buffer {
  if (out.length > maxBytes) {
    throw new CompressionError('too-large', `${codec}: output exceeds the ${maxBytes} byte limit`);
  }
  return out;
}

/**
 * Decompresses a Kafka codec payload, never producing more than `maxBytes` (default 64 MiB): gzip and zstd stop
 * inside zlib (`maxOutputLength`), snappy checks the declared block lengths before decoding, LZ4 bounds the frame
 * first (see above). Snappy accepts both xerial framing (Java) and a raw block (librdkafka), as snappy-java's
 * SnappyInputStream does. Runs in the thread pool where the library allows.
 * Throws {@link CompressionError}: `too-large` (MESSAGE_TOO_LARGE), `corrupt` (CORRUPT_MESSAGE), `unsupported`.
 */
export async function decompress(type: Codec, buf: Buffer, options: DecompressOptions = {}): Promise<Buffer> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  const id = codecId(type);
  try {
    switch (id) {
      case CompressionType.none:
        return checkSize('none', buf, maxBytes);
      case CompressionType.gzip:
        return await gunzipAsync(buf, { maxOutputLength: outputLimit(maxBytes) });
      case CompressionType.snappy: {
        if (!isXerialFramed(buf)) {
          checkRawSnappy(buf, maxBytes);
          return (await snappy.uncompress(buf, { asBuffer: true })) as Buffer;
        }
        const blocks = readXerialBlocks(buf, maxBytes);
        let total = 0;
        for (const b of blocks) total += b.uncompressedLength;
        const parts = await Promise.all(blocks.map((b) => snappy.uncompress(b.data, { asBuffer: true })));
        return joinBlocks(parts as Buffer[], total);
      }
      case CompressionType.lz4:
        if (lz4NeedsJs(buf, maxBytes, options.magic ?? MAGIC_VALUE_V2)) return decodeLz4Frame(buf, maxBytes);
        return checkSize('lz4', await lz4.decompressFrame(buf), maxBytes);
      case CompressionType.zstd:
        return await zstdDecompressAsync(buf, { maxOutputLength: outputLimit(maxBytes) });
    }
  } catch (err) {
    throw wrap(Object.keys(CompressionType)[id]!, err, maxBytes);
  }
}

/** Synchronous {@link decompress}: same formats, cap and errors, on the calling thread. */
export function decompressSync(type: Codec, buf: Buffer, options: DecompressOptions = {}): Buffer {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  const id = codecId(type);
  try {
    switch (id) {
      case CompressionType.none:
        return checkSize('none', buf, maxBytes);
      case CompressionType.gzip:
        return zlib.gunzipSync(buf, { maxOutputLength: outputLimit(maxBytes) });
      case CompressionType.snappy: {
        if (!isXerialFramed(buf)) {
          checkRawSnappy(buf, maxBytes);
          return snappy.uncompressSync(buf, { asBuffer: true }) as Buffer;
        }
        const blocks = readXerialBlocks(buf, maxBytes);
        let total = 0;
        for (const b of blocks) total += b.uncompressedLength;
        return joinBlocks(
          blocks.map((b) => snappy.uncompressSync(b.data, { asBuffer: true }) as Buffer),
          total,
        );
      }
      case CompressionType.lz4:
        if (lz4NeedsJs(buf, maxBytes, options.magic ?? MAGIC_VALUE_V2)) return decodeLz4Frame(buf, maxBytes);
        return checkSize('lz4', lz4.decompressFrameSync(buf), maxBytes);
      case CompressionType.zstd:
        return zlib.zstdDecompressSync(buf, { maxOutputLength: outputLimit(maxBytes) });
    }
  } catch (err) {
    throw wrap(Object.keys(CompressionType)[id]!, err, maxBytes);
  }
}
