import { ControlRecordType } from '../protocol/records/control-record.ts';
import { RecordsError, RecordsErrorCode } from '../protocol/records/records-error.ts';
import { decodeBatches, type Batch } from './batch.ts';
import { decodeSnapshotHeader } from './control-records.ts';
import type { OffsetAndEpoch } from './offset-and-epoch.ts';
import type { RawSnapshotReader } from './raw-snapshot.ts';

/** Bytes read from the snapshot file per step. */
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * Reads a snapshot's batches (Kafka's `RecordsSnapshotReader`): the first batch must be a control batch whose
 * first record is the SnapshotHeaderRecord, the last one must end with the SnapshotFooterRecord. CRCs are checked.
 * Batches are handed out as the listeners' {@link Batch}, control batches included.
 */
export class SnapshotReader {
  readonly #raw: RawSnapshotReader;

  constructor(raw: RawSnapshotReader) {
    this.#raw = raw;
  }

  get snapshotId(): OffsetAndEpoch {
    return this.#raw.snapshotId;
  }

  /** The offset of the last log record the snapshot covers. */
  get lastContainedLogOffset(): bigint {
    return this.#raw.snapshotId.offset - 1n;
  }

  get lastContainedLogEpoch(): number {
    return this.#raw.snapshotId.epoch;
  }

  get sizeInBytes(): number {
    return this.#raw.sizeInBytes();
  }

  /**
   * The snapshot's batches in order.
   * @throws RecordsError CORRUPT_MESSAGE for a corrupt or truncated file, a missing header or footer.
   */
  async *batches(): AsyncGenerator<Batch> {
    let position = 0;
    let carry = Buffer.alloc(0);
    let first = true;
    let sawFooter = false;
    const size = this.#raw.sizeInBytes();
    while (position < size) {
      const chunk = await this.#raw.read(position, READ_CHUNK_BYTES);
      if (chunk.length === 0) break;
      position += chunk.length;
      const bytes = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
      const { batches, validBytes } = decodeBatches(bytes);
      carry = Buffer.from(bytes.subarray(validBytes));
      for (const b of batches) {
        if (first) {
          first = false;
          const header = b.controlRecords[0];
          if (header === undefined || header.type !== ControlRecordType.SNAPSHOT_HEADER) this.#corrupt('the first batch is not a control batch starting with a snapshot header');
          decodeSnapshotHeader(header.value);
        }
        if (sawFooter) this.#corrupt('a batch after the snapshot footer');
        if (b.controlRecords.some((r) => r.type === ControlRecordType.SNAPSHOT_FOOTER)) sawFooter = true;
        yield b;
      }
    }
    if (carry.length > 0 || first) this.#corrupt(first ? 'the snapshot is empty' : `${carry.length} bytes of a partial batch at the end`);
    if (!sawFooter) this.#corrupt('no snapshot footer');
  }

  /** SnapshotHeaderRecord.lastContainedLogTimestamp (ms). */
  async lastContainedLogTimestamp(): Promise<number> {
    for await (const b of this.batches()) {
      return Number(decodeSnapshotHeader(b.controlRecords[0]!.value).lastContainedLogTimestamp);
    }
    return this.#corrupt('the snapshot is empty');
  }

  #corrupt(why: string): never {
    const id = this.#raw.snapshotId;
    throw new RecordsError(RecordsErrorCode.CORRUPT_MESSAGE, `Snapshot ${id.offset}-${id.epoch}: ${why}`);
  }
}
