import { buildRecordBatchSync } from '../protocol/records/record-batch-builder.ts';
import { BatchLayout } from '../protocol/records/record-batch.ts';
import { buildControlBatch, snapshotFooterRecord, snapshotHeaderRecord, type ControlRecord } from './control-records.ts';
import type { OffsetAndEpoch } from './offset-and-epoch.ts';
import type { RawSnapshotWriter } from './raw-snapshot.ts';

/** Framing around a record value in a batch, at most (see BatchAccumulator). */
const RECORD_OVERHEAD_BYTES = 24;

/** What a {@link SnapshotWriter} is built with. */
export interface SnapshotWriterOptions {
  readonly raw: RawSnapshotWriter;
  /** Append time (ms) of the last record the snapshot contains (SnapshotHeaderRecord.lastContainedLogTimestamp). */
  readonly lastContainedLogTimestamp: number;
  /** Largest batch in bytes (8 MiB in Kafka). */
  readonly maxBatchSizeBytes: number;
  /** Wall clock (batch timestamps). */
  readonly wallClockMs: () => number;
  /** KIP-853 control records to put after the header (KRaftVersion, Voters), when kraft.version >= 1. */
  readonly headerExtras?: readonly ControlRecord[];
  /** Called once the snapshot is frozen (the client forgets voter sets the snapshot now covers). */
  readonly onFrozen?: (snapshotId: OffsetAndEpoch) => void;
}

/**
 * Writes a snapshot in Kafka's format (Kafka's `RecordsSnapshotWriter`, KIP-630): a control batch with the
 * SnapshotHeaderRecord (and, with KIP-853, the KRaftVersion and Voters records), the data records in batches of up
 * to maxBatchSizeBytes (offsets from 0 within the file, leader epoch = the snapshot's epoch), then a control batch
 * with the SnapshotFooterRecord. {@link freeze} makes it durable and visible; {@link close} before that discards it.
 */
export class SnapshotWriter {
  readonly #o: SnapshotWriterOptions;
  #nextOffset = 0n;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #started = false;

  constructor(options: SnapshotWriterOptions) {
    this.#o = options;
  }

  get snapshotId(): OffsetAndEpoch {
    return this.#o.raw.snapshotId;
  }

  /** The offset of the last log record the snapshot covers. */
  get lastContainedLogOffset(): bigint {
    return this.#o.raw.snapshotId.offset - 1n;
  }

  get isFrozen(): boolean {
    return this.#o.raw.isFrozen();
  }

  /**
   * Adds records (values) to the snapshot; they may share a batch with the records of other calls.
   * @throws Error when frozen.
   */
  async append(records: readonly Buffer[]): Promise<void> {
    if (this.#o.raw.isFrozen()) throw new Error(`Append not supported. Snapshot is already frozen: id = ${this.snapshotId.offset}-${this.snapshotId.epoch}`);
    await this.#writeHeader();
    for (const r of records) {
      const size = r.length + RECORD_OVERHEAD_BYTES;
      if (this.#pending.length > 0 && this.#pendingBytes + size + BatchLayout.HEADER_SIZE > this.#o.maxBatchSizeBytes) await this.#flushPending();
      this.#pending.push(r);
      this.#pendingBytes += size;
    }
  }

  /**
   * Writes the footer, fsyncs and renames the file into place.
   * @returns the snapshot's size in bytes.
   */
  async freeze(): Promise<number> {
    await this.#writeHeader();
    await this.#flushPending();
    await this.#writeControl([snapshotFooterRecord()]);
    await this.#o.raw.freeze();
    this.#o.onFrozen?.(this.snapshotId);
    return this.#o.raw.sizeInBytes();
  }

  /** Discards the snapshot unless frozen. */
  async close(): Promise<void> {
    await this.#o.raw.close();
  }

  async #writeHeader(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.#writeControl([snapshotHeaderRecord(BigInt(this.#o.lastContainedLogTimestamp)), ...(this.#o.headerExtras ?? [])]);
  }

  async #writeControl(records: readonly ControlRecord[]): Promise<void> {
    const data = buildControlBatch({ baseOffset: this.#nextOffset, epoch: this.snapshotId.epoch, timestampMs: this.#o.wallClockMs(), records });
    this.#nextOffset += BigInt(records.length);
    await this.#o.raw.append(data);
  }

  async #flushPending(): Promise<void> {
    if (this.#pending.length === 0) return;
    const data = buildRecordBatchSync({
      baseOffset: this.#nextOffset,
      partitionLeaderEpoch: this.snapshotId.epoch,
      defaultTimestamp: this.#o.wallClockMs(),
      records: this.#pending.map((value) => ({ key: null, value })),
    });
    this.#nextOffset += BigInt(this.#pending.length);
    this.#pending = [];
    this.#pendingBytes = 0;
    await this.#o.raw.append(data);
  }
}
