import { unlinkIfExists } from './missing-ok.ts';
import { open, readdir, readFile, rename } from 'node:fs/promises';
import { crc32c } from '../protocol/records/crc32c.ts';
import { CorruptSnapshotError } from './errors.ts';
import { FileSync } from './file-sync.ts';
import { LogFileUtils } from './log-file-utils.ts';
import { ProducerStateEntry } from './producer-state-entry.ts';

const VERSION = 1;
const CRC_OFFSET = 2;
const ENTRIES_OFFSET = 6;
/** producer_id int64 | epoch int16 | last_sequence int32 | last_offset int64 | offset_delta int32 | timestamp int64 |
 * coordinator_epoch int32 | current_txn_first_offset int64 */
const ENTRY_SIZE = 46;

/**
 * Producer state snapshot files, `<20-digit offset>.snapshot` in the partition directory, in Kafka's format
 * (ProducerStateManager.writeSnapshot / readSnapshot, version 1), big-endian:
 * ```
 * version int16 (1) | crc uint32 (CRC-32C of every byte after it) | entries int32 count, then per producer:
 *   producer_id int64 | epoch int16 | last_sequence int32 | last_offset int64 | offset_delta int32 |
 *   timestamp int64 | coordinator_epoch int32 | current_txn_first_offset int64 (-1: none)
 * ```
 * Only a producer's last batch is stored (last_offset -1 when it has none). A snapshot at offset N holds the state
 * of every record below N.
 */
export const ProducerSnapshotFile = {
  /** Path of the snapshot at `offset` in `dir`. */
  path(dir: string, offset: number): string {
    return LogFileUtils.segmentFile(dir, offset, LogFileUtils.PRODUCER_SNAPSHOT_FILE_SUFFIX);
  },

  /** The offsets of the snapshot files in `dir`, ascending (none when the directory is missing). */
  async list(dir: string): Promise<number[]> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const offsets: number[] = [];
    for (const name of names) {
      if (name.length !== 20 + LogFileUtils.PRODUCER_SNAPSHOT_FILE_SUFFIX.length || !name.endsWith(LogFileUtils.PRODUCER_SNAPSHOT_FILE_SUFFIX)) continue;
      const offset = LogFileUtils.offsetFromFileName(name);
      if (offset >= 0) offsets.push(offset);
    }
    return offsets.sort((a, b) => a - b);
  },

  /** Encodes `entries` in the version 1 format. */
  encode(entries: Iterable<ProducerStateEntry>): Buffer {
    const list = [...entries];
    const buf = Buffer.alloc(ENTRIES_OFFSET + 4 + list.length * ENTRY_SIZE);
    buf.writeInt16BE(VERSION, 0);
    buf.writeInt32BE(list.length, ENTRIES_OFFSET);
    let at = ENTRIES_OFFSET + 4;
    for (const e of list) {
      buf.writeBigInt64BE(e.producerId, at);
      buf.writeInt16BE(e.producerEpoch, at + 8);
      buf.writeInt32BE(e.lastSeq, at + 10);
      buf.writeBigInt64BE(BigInt(e.lastDataOffset), at + 14);
      buf.writeInt32BE(e.lastOffsetDelta, at + 22);
      buf.writeBigInt64BE(BigInt(e.lastTimestamp), at + 26);
      buf.writeInt32BE(e.coordinatorEpoch, at + 34);
      buf.writeBigInt64BE(BigInt(e.currentTxnFirstOffset ?? -1), at + 38);
      at += ENTRY_SIZE;
    }
    buf.writeUInt32BE(crc32c(buf.subarray(ENTRIES_OFFSET)), CRC_OFFSET);
    return buf;
  },

  /**
   * Decodes a snapshot.
   * @throws CorruptSnapshotError for an unknown version, a CRC mismatch, or a length that does not fit the schema.
   */
  decode(buf: Buffer, name = 'snapshot'): ProducerStateEntry[] {
    if (buf.length < ENTRIES_OFFSET + 4) throw new CorruptSnapshotError(`Snapshot ${name} is too short (${buf.length} bytes)`);
    const version = buf.readInt16BE(0);
    if (version !== VERSION) throw new CorruptSnapshotError(`Snapshot ${name} contained an unknown file version ${version}`);
    const stored = buf.readUInt32BE(CRC_OFFSET);
    const computed = crc32c(buf.subarray(ENTRIES_OFFSET));
    if (stored !== computed) throw new CorruptSnapshotError(`Snapshot ${name} is corrupt (CRC is no longer valid). Stored crc: ${stored}. Computed crc: ${computed}`);
    const count = buf.readInt32BE(ENTRIES_OFFSET);
    if (count < 0 || buf.length !== ENTRIES_OFFSET + 4 + count * ENTRY_SIZE) {
      throw new CorruptSnapshotError(`Snapshot ${name} failed schema validation: ${count} entries in ${buf.length} bytes`);
    }
    const entries: ProducerStateEntry[] = [];
    let at = ENTRIES_OFFSET + 4;
    for (let i = 0; i < count; i++, at += ENTRY_SIZE) {
      const producerId = buf.readBigInt64BE(at);
      const epoch = buf.readInt16BE(at + 8);
      const lastSeq = buf.readInt32BE(at + 10);
      const lastOffset = Number(buf.readBigInt64BE(at + 14));
      const offsetDelta = buf.readInt32BE(at + 22);
      const timestamp = Number(buf.readBigInt64BE(at + 26));
      const coordinatorEpoch = buf.readInt32BE(at + 34);
      const txnFirst = Number(buf.readBigInt64BE(at + 38));
      const batch = lastOffset >= 0 ? { lastSeq, lastOffset, offsetDelta, timestamp } : undefined;
      entries.push(new ProducerStateEntry(producerId, epoch, coordinatorEpoch, timestamp, txnFirst >= 0 ? txnFirst : null, batch));
    }
    return entries;
  },

  /** Reads and decodes the snapshot at `path`. @throws CorruptSnapshotError, or the fs error. */
  async read(path: string): Promise<ProducerStateEntry[]> {
    return ProducerSnapshotFile.decode(await readFile(path), path);
  },

  /**
   * Writes an encoded snapshot atomically: a `.tmp` file (removed by the log loader if a crash leaves it) renamed
   * over `path`. With `sync` the data is fsynced before the rename; otherwise call {@link flush} later.
   */
  async write(path: string, data: Buffer, sync: boolean): Promise<void> {
    const tmp = `${path}.tmp`;
    const fh = await open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(data);
      if (sync) await FileSync.force(fh, tmp, 'data');
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  },

  /** fsyncs the snapshot at `path` if it still exists. */
  async flush(path: string): Promise<void> {
    let fh;
    try {
      fh = await open(path, 'r+');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    try {
      await FileSync.force(fh, path, 'data');
    } finally {
      await fh.close();
    }
  },

  async deleteIfExists(path: string): Promise<void> {
    await unlinkIfExists(path);
  },
} as const;
