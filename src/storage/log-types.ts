import type { FileRecordsSlice } from './file-records-slice.ts';

/** ListOffsets special timestamps (ListOffsetsRequest.java). */
export const ListOffsetsTimestamp = {
  LATEST: -1n,
  EARLIEST: -2n,
  MAX_TIMESTAMP: -3n,
  EARLIEST_LOCAL: -4n,
  LATEST_TIERED: -5n,
} as const;

/** RecordBatch.NO_TIMESTAMP. */
export const NO_TIMESTAMP = -1;
/** LeaderEpochFileCache's UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET. */
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1n;

/**
 * A log position, Kafka's LogOffsetMetadata: an offset plus, when known, the segment holding it and the byte
 * position of its batch in that segment (-1 when unknown).
 */
export interface LogOffsetMetadata {
  readonly messageOffset: bigint;
  readonly segmentBaseOffset: bigint;
  readonly relativePositionInSegment: number;
}

/** Result of an append (Kafka's LogAppendInfo, the fields a produce response and the caller need). */
export interface LogAppendInfo {
  /** Offset of the first record appended. */
  readonly firstOffset: bigint;
  /** Offset of the last record appended. */
  readonly lastOffset: bigint;
  /** Largest batch maxTimestamp appended (the log append time for LogAppendTime topics), -1 if none. */
  readonly maxTimestamp: bigint;
  /** Last offset of the (first) batch holding {@link maxTimestamp} (Kafka's shallow offset of max timestamp). */
  readonly offsetOfMaxTimestamp: bigint;
  /** The LogAppendTime stamped into the batches, or -1 for CreateTime topics. */
  readonly logAppendTime: bigint;
  /** logStartOffset after the append. */
  readonly logStartOffset: bigint;
  /** Bytes appended. */
  readonly validBytes: number;
  /** Records appended (sum of the batches' recordCount). */
  readonly recordCount: number;
  /** Batches appended. */
  readonly batchCount: number;
}

/** Result of a read: where it started and the bytes (a file slice, or the empty slice). Kafka's FetchDataInfo. */
export interface FetchDataInfo {
  readonly fetchOffsetMetadata: LogOffsetMetadata;
  readonly records: FileRecordsSlice;
  /** True when maxBytes was smaller than the first batch and minOneMessage was false (a partial batch). */
  readonly firstEntryIncomplete: boolean;
}

/** An offset found by timestamp (Kafka's FileRecords.TimestampAndOffset); leaderEpoch null when unknown. */
export interface TimestampAndOffset {
  readonly timestamp: bigint;
  readonly offset: bigint;
  readonly leaderEpoch: number | null;
}

/** OffsetForLeaderEpoch answer: the largest epoch <= the requested one and its end offset (-1/-1 if unknown). */
export interface EpochEndOffset {
  readonly leaderEpoch: number;
  readonly endOffset: bigint;
}

/** One aborted transaction of a transaction index (Kafka's AbortedTxn; 34 bytes on disk). */
export interface AbortedTxn {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
  /** Offset of the ABORT marker. */
  readonly lastOffset: bigint;
  readonly lastStableOffset: bigint;
}
