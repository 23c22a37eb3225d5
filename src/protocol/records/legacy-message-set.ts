import { decompress } from './compression.ts';
import { readLegacyEntry, LegacyLayout } from './legacy-record.ts';
import type { LegacyRecord } from './legacy-record.ts';
import { CompressionType, MAGIC_VALUE_V1 } from './record-batch.ts';
import type { CompressionTypeId } from './record-batch.ts';
import { RecordsError, RecordsErrorCode } from './records-error.ts';

/** A message set (magic 0/1) flattened to its records, as a broker sees it on append. */
export interface LegacyMessageSet {
  magic: 0 | 1;
  /** The wrapper codec (Kafka's "source compression"), `none` for uncompressed sets. */
  compression: CompressionTypeId;
  /** Every record with its absolute offset (inner records of a wrapper resolved as Kafka does). */
  records: LegacyRecord[];
  /** Bytes of whole entries; a partial entry after them is ignored, as Kafka's log input streams do. */
  validBytes: number;
}

/** Options of {@link readLegacyMessageSet}. */
export interface ReadLegacyOptions {
  /** Cap on each wrapper's decompressed bytes (see compression.ts). */
  maxBytes?: number;
}

function invalid(message: string): never {
  throw new RecordsError(RecordsErrorCode.INVALID_RECORD, message);
}

/**
 * The shallow entries of a message set (uncompressed messages and compressed wrappers, not opened), stopping
 * before a partial trailing entry. Throws {@link RecordsError} CORRUPT_MESSAGE for a bad size, magic or CRC.
 */
export function readLegacyEntries(buf: Buffer): { entries: LegacyRecord[]; validBytes: number } {
  const entries: LegacyRecord[] = [];
  let pos = 0;
  while (buf.length - pos >= LegacyLayout.LOG_OVERHEAD) {
    const size = buf.readInt32BE(pos + 8);
    if (size >= LegacyLayout.RECORD_OVERHEAD_V0 && size > buf.length - pos - LegacyLayout.LOG_OVERHEAD) break;
    const entry = readLegacyEntry(buf, pos);
    entries.push(entry);
    pos += entry.sizeInBytes;
  }
  return { entries, validBytes: pos };
}

/** Opens one compressed wrapper (AbstractLegacyRecordBatch.DeepRecordsIterator) into absolute-offset records. */
async function readWrapper(wrapper: LegacyRecord, options: ReadLegacyOptions): Promise<LegacyRecord[]> {
  if (wrapper.compression === CompressionType.zstd || wrapper.compression > CompressionType.zstd) {
    invalid(`invalid wrapper compression type ${wrapper.compression} in a magic ${wrapper.magic} message set`);
  }
  if (wrapper.value === null) invalid(`compressed message set with a null value (magic ${wrapper.magic})`);
  const inner = await decompress(wrapper.compression, wrapper.value, {
    maxBytes: options.maxBytes,
    magic: wrapper.magic,
  });
  const records: LegacyRecord[] = [];
  let pos = 0;
  while (pos < inner.length) {
    const entry = readLegacyEntry(inner, pos);
    if (entry.magic !== wrapper.magic) {
      invalid(`compressed message magic ${entry.magic} does not match wrapper magic ${wrapper.magic}`);
    }
    if (entry.compression !== CompressionType.none) {
      invalid('compressed outer record should not have an inner record with a compression attribute set');
    }
    if (entry.magic === MAGIC_VALUE_V1 && wrapper.timestampType === 'LogAppendTime') {
      entry.timestamp = wrapper.timestamp;
    }
    if (entry.magic === MAGIC_VALUE_V1) entry.timestampType = wrapper.timestampType;
    records.push(entry);
    pos += entry.sizeInBytes;
  }
  if (records.length === 0) invalid('compressed message set with no inner records');
  if (wrapper.magic === MAGIC_VALUE_V1) {
    // v1 inner offsets are relative; the wrapper holds the absolute offset of the last one (0 from some librdkafka).
    const lastInner = records[records.length - 1]!.offset;
    let base = 0n;
    if (wrapper.offset !== 0n) {
      if (wrapper.offset < lastInner) {
        invalid(`wrapper offset ${wrapper.offset} is less than the last inner offset ${lastInner} and it is not zero`);
      }
      base = wrapper.offset - lastInner;
    }
    for (const r of records) r.offset += base;
  }
  return records;
}

/**
 * Decodes a magic 0/1 message set (a Produce v0-2 `records` field) to its records, opening compressed wrappers,
 * with the checks Kafka's LogValidator and AbstractLegacyRecordBatch make:
 * - CORRUPT_MESSAGE (2): entry smaller than 14 bytes, bad magic, CRC-32 mismatch (outer or inner), undecodable
 *   compressed value (CompressionError, which may also be MESSAGE_TOO_LARGE past `maxBytes`);
 * - INVALID_RECORD (87): no entry at all, mixed magic, a compressed wrapper next to other entries, a zstd or
 *   null-valued wrapper, an empty wrapper, nested compression, inner magic != wrapper magic, a v1 wrapper offset
 *   below its last inner offset.
 * v0 timestamps are -1; v1 inner records of a LogAppendTime wrapper take the wrapper's timestamp.
 */
export async function readLegacyMessageSet(buf: Buffer, options: ReadLegacyOptions = {}): Promise<LegacyMessageSet> {
  const { entries, validBytes } = readLegacyEntries(buf);
  if (entries.length === 0) invalid('message set has no messages at all');
  const magic = entries[0]!.magic;
  let compression: CompressionTypeId = CompressionType.none;
  for (const e of entries) {
    if (e.magic !== magic) invalid(`message magic ${e.magic} is not the same as the first message's magic ${magic}`);
    if (e.compression !== CompressionType.none) compression = e.compression;
  }
  if (compression === CompressionType.none) return { magic, compression, records: entries, validBytes };
  if (entries.length > 1) invalid('compressed outer record has more than one batch');
  return { magic, compression, records: await readWrapper(entries[0]!, options), validBytes };
}
