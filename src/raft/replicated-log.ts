import type { OffsetAndEpoch } from './offset-and-epoch.ts';
import type { RawSnapshotReader, RawSnapshotWriter } from './raw-snapshot.ts';
import type { ValidOffsetAndEpoch } from './valid-offset-and-epoch.ts';

/** Offsets of an append (Kafka's raft `LogAppendInfo`). */
export interface LogAppendInfo {
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;
}

/** A read (Kafka's `LogFetchInfo`): whole batches from the one holding `startOffset` (possibly cut at the end). */
export interface LogFetchInfo {
  readonly records: Buffer;
  readonly startOffset: bigint;
}

/**
 * The log under Raft (Kafka's `RaftLog`): record batches, each stamped with the leader epoch that wrote it, an
 * epoch cache (epoch -> start offset), a high watermark, a flushed offset, and snapshots (KIP-630) that replace
 * the log below their end offset. KafkaMetadataLog implements it over a UnifiedLog; the simulation's MockLog in
 * memory, where a crash keeps only what was flushed.
 *
 * State is read synchronously; anything that may touch the disk returns a promise. Offsets are bigint.
 */
export interface ReplicatedLog {
  /** The offset the next record gets (log end offset). */
  readonly endOffset: bigint;
  /** First offset in the log; above 0 once the log was trimmed below a snapshot. */
  readonly startOffset: bigint;
  /** Offsets below this are durable (fsynced). */
  readonly lastFlushedOffset: bigint;
  /** The committed offset (exclusive) last set with updateHighWatermark, clamped to the log. */
  readonly highWatermark: bigint;
  /**
   * Epoch of the last batch; when the log is empty after a snapshot, the snapshot's epoch; 0 for an empty log
   * (Kafka's lastFetchedEpoch).
   */
  readonly lastFetchedEpoch: number;

  /**
   * The largest epoch <= `epoch` known to the log and where it ends (the start of the next epoch, or the log end);
   * for an epoch before the log (trimmed), the earliest snapshot's id when it ends exactly there; for an epoch
   * the log does not know, (endOffset, lastFetchedEpoch) (Kafka's endOffsetForEpoch).
   */
  endOffsetForEpoch(epoch: number): OffsetAndEpoch;

  /**
   * Appends `records` (whole batches) as the leader of `epoch`: they get offsets from the log end and `epoch`.
   * @throws Error when the log is offline.
   */
  appendAsLeader(records: Buffer, epoch: number): Promise<LogAppendInfo>;

  /**
   * Appends batches fetched from the leader as they are (their offsets and epochs). Every batch's CRC is checked.
   * @throws RecordsError CORRUPT_MESSAGE for a corrupt batch, Error when the first offset is not the log end.
   */
  appendAsFollower(records: Buffer, epoch: number): Promise<LogAppendInfo>;

  /**
   * Reads whole batches from the one holding `startOffset`, up to `maxBytes` (at least one batch), up to the
   * high watermark (`COMMITTED`) or the log end (`UNCOMMITTED`).
   * @throws Error when `startOffset` is outside [startOffset, endOffset].
   */
  read(startOffset: bigint, isolation: 'COMMITTED' | 'UNCOMMITTED', maxBytes: number): Promise<LogFetchInfo>;

  /** A new leader: `epoch` starts at the log end (leader epoch cache). */
  initializeLeaderEpoch(epoch: number): Promise<void>;

  /** Removes every batch at or above `offset`. @throws Error when `offset` is below the high watermark. */
  truncateTo(offset: bigint): Promise<void>;

  /**
   * After a snapshot was downloaded: when the latest snapshot is ahead of the log (a higher epoch, or the same
   * epoch at a larger offset), deletes the whole log and restarts it at the snapshot's end offset, forgetting
   * older snapshots.
   * @returns true when it truncated.
   */
  truncateToLatestSnapshot(): Promise<boolean>;

  updateHighWatermark(offset: bigint): void;

  /**
   * Moves the log start offset to `snapshotId`'s offset (when that snapshot exists and is not past the latest
   * one), deletes the segments below it and forgets older snapshots (Kafka's deleteBeforeSnapshot).
   * @returns true when anything was deleted.
   */
  deleteBeforeSnapshot(snapshotId: OffsetAndEpoch): Promise<boolean>;

  /** Makes every appended batch durable; lastFlushedOffset becomes the log end. */
  flush(): Promise<void>;

  /** Applies the snapshot and log retention rules (metadata.max.retention.bytes/ms). @returns true if it deleted. */
  maybeClean(): Promise<boolean>;

  /**
   * A writer for a new snapshot at `snapshotId`, checked against the log: at or above the log start, at or below
   * the high watermark, on a batch boundary, with the epoch of the log there.
   * @returns null when it is below the log start or exists already.
   * @throws Error when the id is not valid for the log.
   */
  createNewSnapshot(snapshotId: OffsetAndEpoch): Promise<RawSnapshotWriter | null>;

  /** A writer for a snapshot downloaded from the leader (no check); null when it exists already. */
  createNewSnapshotUnchecked(snapshotId: OffsetAndEpoch): Promise<RawSnapshotWriter | null>;

  /** The frozen snapshot `snapshotId`, or null. */
  readSnapshot(snapshotId: OffsetAndEpoch): Promise<RawSnapshotReader | null>;

  latestSnapshotId(): OffsetAndEpoch | null;
  earliestSnapshotId(): OffsetAndEpoch | null;

  /** Flushes and closes. */
  close(): Promise<void>;
}

/**
 * Kafka's RaftLog.validateOffsetAndEpoch: whether a follower's fetch position `(offset, epoch)` matches this log
 * (VALID), diverges from it (DIVERGING, with where its epoch really ends here), or is below the log start
 * (SNAPSHOT, with the latest snapshot id).
 * @throws Error when the log start is above 0 but there is no snapshot (an inconsistent log).
 */
export function validateOffsetAndEpoch(log: ReplicatedLog, offset: bigint, epoch: number): ValidOffsetAndEpoch {
  if (log.startOffset === 0n && offset === 0n) return { kind: 'VALID', offsetAndEpoch: { offset: 0n, epoch: 0 } };
  const earliest = log.earliestSnapshotId();
  if (earliest === null || (offset >= log.startOffset && (offset !== log.startOffset || epoch === earliest.epoch) && epoch >= earliest.epoch)) {
    const end = log.endOffsetForEpoch(epoch);
    if (end.epoch === epoch && end.offset >= offset) return { kind: 'VALID', offsetAndEpoch: { offset, epoch } };
    return { kind: 'DIVERGING', offsetAndEpoch: end };
  }
  const latest = log.latestSnapshotId();
  if (latest === null) throw new Error(`Log start offset (${log.startOffset}) is greater than zero but latest snapshot was not found`);
  return { kind: 'SNAPSHOT', offsetAndEpoch: latest };
}

/**
 * Kafka's RaftLog.truncateToEndOffset: truncates after a DIVERGING fetch answer `endOffset` from the leader, to
 * where our log and the leader's agree: for epoch 0, min(its offset, our end); for an epoch we also have, the
 * smaller of the two ends of that epoch; otherwise the end of the largest epoch we have below it.
 * @returns the offset truncated to.
 */
export async function truncateToEndOffset(log: ReplicatedLog, endOffset: OffsetAndEpoch): Promise<bigint> {
  let truncationOffset: bigint;
  if (endOffset.epoch === 0) {
    truncationOffset = endOffset.offset < log.endOffset ? endOffset.offset : log.endOffset;
  } else {
    const local = log.endOffsetForEpoch(endOffset.epoch);
    truncationOffset = local.epoch === endOffset.epoch ? (local.offset < endOffset.offset ? local.offset : endOffset.offset) : local.offset;
  }
  await log.truncateTo(truncationOffset);
  return truncationOffset;
}
