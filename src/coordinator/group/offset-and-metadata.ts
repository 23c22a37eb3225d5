import type { OffsetCommitValue } from '../../protocol/generated/records/offset-commit-value.ts';

/**
 * A committed offset as the coordinator keeps it (Kafka's `OffsetAndMetadata`). `recordOffset` is the
 * position of the OffsetCommit record in __consumer_offsets: when a transactional commit is materialized,
 * the newer of it and a plain commit wins by this position. Times are ms since the epoch; -1 / null when unset.
 */
export interface OffsetAndMetadata {
  readonly recordOffset: bigint;
  readonly committedOffset: bigint;
  /** Leader epoch of the committed offset, -1 when unknown. */
  readonly leaderEpoch: number;
  /** The client's metadata string, exactly as committed ('' when the client sent null). */
  readonly metadata: string;
  readonly commitTimestampMs: bigint;
  /** Explicit expiry (OffsetCommit v2-4 retention_time_ms, OffsetCommitValue v1), or null. */
  readonly expireTimestampMs: bigint | null;
}

/** The in-memory form of a replayed OffsetCommitValue. */
export function offsetAndMetadataFromRecord(recordOffset: bigint, value: OffsetCommitValue): OffsetAndMetadata {
  return {
    recordOffset,
    committedOffset: value.offset,
    leaderEpoch: value.leaderEpoch,
    metadata: value.metadata,
    commitTimestampMs: value.commitTimestamp,
    expireTimestampMs: value.expireTimestamp === -1n ? null : value.expireTimestamp,
  };
}
