// Shared test helpers: kafkajs internals (its own record/message encoders and decoders) and a seeded PRNG.
import { crc32c } from '../../../../src/protocol/records/crc32c.ts';
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import * as lz4 from 'lz4-napi';
import * as snappy from 'snappy';
import * as zstd from 'zstd-napi';
import { BatchLayout } from '../../../../src/protocol/records/record-batch.ts';

const require = createRequire(import.meta.url);

interface KafkajsEncoder {
  buffer: Buffer;
}
interface KafkajsCodec {
  compress(encoder: KafkajsEncoder): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/** kafkajs' compression registry; snappy/lz4/zstd are empty there (plugins fill them in real apps). */
const compression = require('kafkajs/src/protocol/message/compression/index.js') as {
  Types: { None: 0; GZIP: 1; Snappy: 2; LZ4: 3; ZSTD: 4 };
  Codecs: Record<number, () => KafkajsCodec>;
};

// Plug codecs written with the native libraries directly (not our compression.ts), the way the kafkajs-snappy /
// kafkajs-lz4 / @kafkajs/zstd plugins do: raw snappy blocks (no xerial framing), LZ4 frames, zstd frames.
compression.Codecs[compression.Types.Snappy] = () => ({
  compress: async (e) => snappy.compressSync(e.buffer),
  // As kafkajs-snappy: xerial chunks when the magic is there, else one raw block.
  decompress: async (b) => {
    if (b.length < 16 || b.toString('latin1', 0, 8) !== '\x82SNAPPY\x00') return snappy.uncompressSync(b, { asBuffer: true }) as Buffer;
    const chunks: Buffer[] = [];
    for (let pos = 16; pos < b.length; ) {
      const size = b.readUInt32BE(pos);
      chunks.push(snappy.uncompressSync(b.subarray(pos + 4, pos + 4 + size), { asBuffer: true }) as Buffer);
      pos += 4 + size;
    }
    return Buffer.concat(chunks);
  },
});
compression.Codecs[compression.Types.LZ4] = () => ({
  compress: async (e) => lz4.compressFrameSync(e.buffer),
  decompress: async (b) => lz4.decompressFrameSync(b),
});
compression.Codecs[compression.Types.ZSTD] = () => ({
  compress: async (e) => zstd.compress(e.buffer),
  decompress: async (b) => zstd.decompress(b),
});

export const KafkajsCompression = compression.Types;

export interface KafkajsMessage {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string>;
  timestamp?: number;
}

const Long = require('kafkajs/src/utils/long.js') as { fromValue(v: number | string): unknown };
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buf: Buffer) => unknown;
const RecordV0 = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (r: object) => KafkajsEncoder;
const { RecordBatch: KafkajsRecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch(o: object): Promise<KafkajsEncoder>;
};
const decodeKafkajsBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (d: unknown) => Promise<{
  records: { key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer>; timestamp: string; offset: string }[];
  isControlBatch: boolean;
  inTransaction: boolean;
}>;
const MessageSet = require('kafkajs/src/protocol/messageSet/index.js') as (o: object) => KafkajsEncoder;
const decodeKafkajsMessageSet = require('kafkajs/src/protocol/messageSet/decoder.js') as (
  d: unknown,
  size: number,
) => Promise<{ offset: string; key: Buffer | null; value: Buffer | null; timestamp?: string; magicByte: number }[]>;

/**
 * A v2 batch exactly as kafkajs' producer writes it (requests/produce/v3/request.js partitionsEncoder): records with
 * offsetDelta = index and timestampDelta from the first timestamp, the batch by recordBatch/v0.
 */
export async function kafkajsBatch(
  messages: KafkajsMessage[],
  codec: number,
  producer: { producerId?: number; producerEpoch?: number; firstSequence?: number; transactional?: boolean } = {},
): Promise<Buffer> {
  const timestamps = messages.map((m) => m.timestamp!).sort((a, b) => a - b);
  const records = messages.map((m, i) =>
    RecordV0({ ...m, offsetDelta: i, timestampDelta: m.timestamp! - timestamps[0]! }),
  );
  const batch = await KafkajsRecordBatch({
    compression: codec,
    records,
    firstTimestamp: timestamps[0],
    maxTimestamp: timestamps[timestamps.length - 1],
    producerId: Long.fromValue(producer.producerId ?? -1),
    producerEpoch: producer.producerEpoch ?? 0,
    firstSequence: producer.firstSequence ?? 0,
    transactional: producer.transactional ?? false,
    lastOffsetDelta: records.length - 1,
  });
  return Buffer.from(batch.buffer);
}

/** kafkajs' own v2 batch decoder (used by its consumer), run over our bytes. */
export async function kafkajsDecodeBatch(buf: Buffer): ReturnType<typeof decodeKafkajsBatch> {
  return decodeKafkajsBatch(new Decoder(buf));
}

/**
 * A magic-1 message set as kafkajs' Produce v2 encoder writes it (requests/produce/v2/request.js): uncompressed
 * entries with offset -1, or one wrapper (offset 0) over inner entries with offsets 0..n-1.
 */
export async function kafkajsMessageSetV1(messages: KafkajsMessage[], codec: number): Promise<Buffer> {
  const set = MessageSet({ messageVersion: 1, compression: codec, entries: messages });
  if (codec === compression.Types.None) return Buffer.from(set.buffer);
  const value = await compression.Codecs[codec]!().compress(set);
  const wrapper = MessageSet({
    messageVersion: 1,
    entries: [{ compression: codec, timestamp: messages[0]!.timestamp, value }],
  });
  return Buffer.from(wrapper.buffer);
}

/** kafkajs' consumer-side message set decoder (opens wrappers, resolves v1 offsets), over our bytes. */
export async function kafkajsDecodeMessageSet(buf: Buffer): ReturnType<typeof decodeKafkajsMessageSet> {
  return decodeKafkajsMessageSet(new Decoder(buf), buf.length);
}

/** mulberry32: a small deterministic PRNG so fuzz failures reproduce. Returns floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` pseudo-random bytes. */
export function randomBytes(rand: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

/** Rewrites a v2 batch's CRC after a test edited it (so the check under test is not the CRC one). */
export function fixCrc(buf: Buffer, at = 0): Buffer {
  const size = buf.readInt32BE(at + BatchLayout.BATCH_LENGTH) + BatchLayout.LOG_OVERHEAD;
  buf.writeUInt32BE(crc32c(buf.subarray(at + BatchLayout.ATTRIBUTES, at + size)), at + BatchLayout.CRC);
  return buf;
}

/**
 * Hand-built message-set entry, straight from the documented layout (LegacyRecord):
 * offset int64 | size int32 | crc uint32 | magic int8 | attributes int8 | [timestamp int64 if magic 1] |
 * keyLength int32 | key | valueLength int32 | value. CRC-32 (IEEE) covers magic..end.
 */
export function legacyEntry(offset: bigint, magic: 0 | 1, attributes: number, timestamp: bigint, key: string | Buffer | null, value: string | Buffer | null): Buffer {
  const bytes = (v: string | Buffer | null): Buffer => {
    if (v === null) return Buffer.from([0xff, 0xff, 0xff, 0xff]);
    const b = Buffer.from(v);
    const len = Buffer.alloc(4);
    len.writeInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  const ts = Buffer.alloc(8);
  ts.writeBigInt64BE(timestamp);
  const body = Buffer.concat([Buffer.from([magic, attributes]), magic === 1 ? ts : Buffer.alloc(0), bytes(key), bytes(value)]);
  const head = Buffer.alloc(16);
  head.writeBigInt64BE(offset, 0);
  head.writeInt32BE(4 + body.length, 8);
  head.writeUInt32BE(zlib.crc32(body), 12);
  return Buffer.concat([head, body]);
}
