import type { OffsetAndEpoch } from './offset-and-epoch.ts';

/** One snapshot as retention sees it. */
export interface RetainedSnapshot {
  readonly id: OffsetAndEpoch;
  readonly sizeInBytes: number;
  /** lastContainedLogTimestamp of its header (ms). */
  readonly timestampMs: number;
}

/** The metadata log's retention (metadata.max.retention.bytes / .ms; -1 disables a rule). */
export interface MetadataRetention {
  readonly retentionMaxBytes: number;
  readonly retentionMs: number;
}

/**
 * The next step of the metadata log's retention (Kafka's KafkaRaftLog.cleanSnapshotsRetentionSize /
 * RetentionMs): when the oldest snapshot breaks the size rule (log + snapshots above the limit) or the time rule
 * (older than the limit), it goes together with the log before the next snapshot. The latest snapshot always
 * stays. The caller applies the step (deleteBeforeSnapshot) and asks again until null.
 * @param snapshots oldest first.
 * @returns the snapshot id to pass to deleteBeforeSnapshot, or null.
 */
export function nextSnapshotToDeleteBefore(snapshots: readonly RetainedSnapshot[], logSizeBytes: number, retention: MetadataRetention, nowMs: number): OffsetAndEpoch | null {
  if (snapshots.length < 2) return null;
  const oldest = snapshots[0]!;
  const totalBytes = snapshots.reduce((n, s) => n + s.sizeInBytes, 0);
  const sizeBreach = retention.retentionMaxBytes >= 0 && logSizeBytes + totalBytes > retention.retentionMaxBytes;
  const timeBreach = retention.retentionMs >= 0 && nowMs - oldest.timestampMs > retention.retentionMs;
  return sizeBreach || timeBreach ? snapshots[1]!.id : null;
}
