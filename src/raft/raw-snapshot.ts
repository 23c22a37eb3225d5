import type { OffsetAndEpoch } from './offset-and-epoch.ts';

/**
 * A snapshot being written, as bytes (Kafka's `RawSnapshotWriter`): the follower appends the chunks it downloads
 * with FetchSnapshot, the SnapshotWriter the batches it builds. Nothing is visible until `freeze` (fsync, then an
 * atomic rename from `.checkpoint.part` to `.checkpoint`); `close` without freeze discards it.
 */
export interface RawSnapshotWriter {
  readonly snapshotId: OffsetAndEpoch;
  /** Bytes appended so far (the size once frozen). */
  sizeInBytes(): number;
  /** @throws Error when frozen. */
  append(bytes: Buffer): Promise<void>;
  isFrozen(): boolean;
  /** Makes the snapshot durable and visible to the log. @throws Error when already frozen. */
  freeze(): Promise<void>;
  /** Discards an unfrozen snapshot (a frozen one stays). */
  close(): Promise<void>;
}

/** A frozen snapshot, as bytes (Kafka's `RawSnapshotReader`). */
export interface RawSnapshotReader {
  readonly snapshotId: OffsetAndEpoch;
  sizeInBytes(): number;
  /** Up to `maxBytes` bytes from `position` (FetchSnapshot serves these chunks, unaligned to batches). */
  read(position: number, maxBytes: number): Promise<Buffer>;
}
