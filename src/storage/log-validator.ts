import { BatchAttributes, BatchLayout, RecordBatch } from '../protocol/records/record-batch.ts';
import { CorruptRecordError, InvalidRecordError, RecordBatchTooLargeError, RecordTooLargeError, UnexpectedAppendOffsetError } from './errors.ts';
import { readInt64, writeInt64 } from './int64.ts';
import { RecordCursor, decompressRecords } from './record-cursor.ts';

/** Shape of an append after validation, with numbers (UnifiedLog converts to LogAppendInfo). */
export interface AnalyzedAppend {
  firstOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  offsetOfMaxTimestamp: number;
  logAppendTime: number;
  batchCount: number;
  recordCount: number;
  sizeInBytes: number;
  /** Leader epochs that start in this append, in order (followers); the leader's epoch for leader appends. */
  epochStarts: { epoch: number; startOffset: number }[];
}

/** What the checks need from the log config. */
export interface ValidationConfig {
  readonly maxMessageBytes: number;
  readonly segmentBytes: number;
  readonly compacted: boolean;
  readonly logAppendTime: boolean;
}

/**
 * The storage-side part of Kafka's LogValidator / UnifiedLog.analyzeAndValidateRecords. The produce path has
 * already validated CRCs, sequence numbers and timestamps; here the log makes sure that what it writes is whole
 * v2 batches that fit its limits, then assigns offsets in place. Rewriting baseOffset and partitionLeaderEpoch
 * leaves the CRC valid (it covers attributes onwards); only LogAppendTime topics recompute it.
 */
export const LogValidator = {
  /**
   * Walks the batches of `records` and checks their framing and sizes.
   * @throws CorruptRecordError (bytes that are not whole magic-2 batches), RecordTooLargeError (a batch above
   * max.message.bytes), RecordBatchTooLargeError (the whole append above segment.bytes).
   */
  checkFraming(records: Buffer, config: ValidationConfig): { batchCount: number; recordCount: number } {
    if (records.length === 0) throw new CorruptRecordError('append contains no record batch');
    if (records.length > config.segmentBytes) {
      throw new RecordBatchTooLargeError(`Message batch size is ${records.length} bytes which exceeds the maximum configured segment size of ${config.segmentBytes}.`);
    }
    let at = 0;
    let batchCount = 0;
    let recordCount = 0;
    while (at < records.length) {
      if (records.length - at < BatchLayout.HEADER_SIZE) throw new CorruptRecordError(`truncated batch header at byte ${at}`);
      const size = records.readInt32BE(at + BatchLayout.BATCH_LENGTH) + BatchLayout.LOG_OVERHEAD;
      if (size < BatchLayout.HEADER_SIZE || at + size > records.length) throw new CorruptRecordError(`batch at byte ${at} has an invalid length ${size}`);
      const magic = records.readInt8(at + BatchLayout.MAGIC);
      if (magic !== 2) throw new CorruptRecordError(`batch at byte ${at} has magic ${magic}; only magic 2 is stored`);
      if (records.readInt32BE(at + BatchLayout.LAST_OFFSET_DELTA) < 0) throw new CorruptRecordError(`batch at byte ${at} has a negative lastOffsetDelta`);
      if (size > config.maxMessageBytes) {
        throw new RecordTooLargeError(`The record batch size ${size} bytes is larger than max.message.bytes ${config.maxMessageBytes}.`);
      }
      recordCount += records.readInt32BE(at + BatchLayout.RECORD_COUNT);
      batchCount++;
      at += size;
    }
    return { batchCount, recordCount };
  },

  /**
   * Compacted topics keep records by key, so a keyless record is rejected (Kafka's validateKey).
   * @throws InvalidRecordError naming the topic-partition.
   */
  async checkKeys(records: Buffer, topicPartition: string): Promise<void> {
    const cursor = new RecordCursor();
    let at = 0;
    while (at < records.length) {
      const size = records.readInt32BE(at + BatchLayout.BATCH_LENGTH) + BatchLayout.LOG_OVERHEAD;
      const attributes = records.readInt16BE(at + BatchLayout.ATTRIBUTES);
      if ((attributes & BatchAttributes.CONTROL) === 0) {
        const count = records.readInt32BE(at + BatchLayout.RECORD_COUNT);
        const codec = attributes & BatchAttributes.COMPRESSION_MASK;
        const body = records.subarray(at + BatchLayout.RECORDS, at + size);
        const plain = codec === 0 ? body : await decompressRecords(codec, body);
        cursor.reset(plain, 0, plain.length, count);
        while (cursor.next()) {
          if (cursor.keyLength < 0) throw new InvalidRecordError(`Compacted topic cannot accept message without key in topic partition ${topicPartition}.`);
        }
      }
      at += size;
    }
  },

  /**
   * Leader append: gives the batches consecutive offsets from `nextOffset`, stamps `leaderEpoch` and, for
   * LogAppendTime topics, the append time (recomputing the CRC).
   */
  assignOffsets(records: Buffer, nextOffset: number, leaderEpoch: number, now: number, config: ValidationConfig, counts: { batchCount: number; recordCount: number }): AnalyzedAppend {
    let at = 0;
    let offset = nextOffset;
    let maxTimestamp = -1;
    let offsetOfMaxTimestamp = -1;
    while (at < records.length) {
      const size = records.readInt32BE(at + BatchLayout.BATCH_LENGTH) + BatchLayout.LOG_OVERHEAD;
      writeInt64(records, at + BatchLayout.BASE_OFFSET, offset);
      records.writeInt32BE(leaderEpoch, at + BatchLayout.PARTITION_LEADER_EPOCH);
      if (config.logAppendTime) new RecordBatch(records, at).setLogAppendTime(BigInt(now));
      const lastOffset = offset + records.readInt32BE(at + BatchLayout.LAST_OFFSET_DELTA);
      const ts = readInt64(records, at + BatchLayout.MAX_TIMESTAMP);
      if (ts > maxTimestamp) {
        maxTimestamp = ts;
        offsetOfMaxTimestamp = lastOffset;
      }
      offset = lastOffset + 1;
      at += size;
    }
    return {
      firstOffset: nextOffset,
      lastOffset: offset - 1,
      maxTimestamp,
      offsetOfMaxTimestamp,
      logAppendTime: config.logAppendTime ? now : -1,
      batchCount: counts.batchCount,
      recordCount: counts.recordCount,
      sizeInBytes: records.length,
      epochStarts: leaderEpoch >= 0 ? [{ epoch: leaderEpoch, startOffset: nextOffset }] : [],
    };
  },

  /**
   * Follower append: keeps the leader's offsets, which must increase and start at or after `logEndOffset`
   * (gaps are allowed: the leader's log may be compacted).
   * @throws UnexpectedAppendOffsetError when the first offset is below the log end; CorruptRecordError when
   * offsets go backwards inside the append.
   */
  analyzeFollower(records: Buffer, logEndOffset: number, counts: { batchCount: number; recordCount: number }): AnalyzedAppend {
    let at = 0;
    let prevLast = -1;
    let firstOffset = -1;
    let maxTimestamp = -1;
    let offsetOfMaxTimestamp = -1;
    const epochStarts: { epoch: number; startOffset: number }[] = [];
    while (at < records.length) {
      const size = records.readInt32BE(at + BatchLayout.BATCH_LENGTH) + BatchLayout.LOG_OVERHEAD;
      const baseOffset = readInt64(records, at);
      const lastOffset = baseOffset + records.readInt32BE(at + BatchLayout.LAST_OFFSET_DELTA);
      if (firstOffset < 0) {
        firstOffset = baseOffset;
        if (baseOffset < logEndOffset) {
          throw new UnexpectedAppendOffsetError(
            `Unexpected offset in append: first offset ${baseOffset} is less than the next offset ${logEndOffset}`,
            BigInt(baseOffset),
            BigInt(lastOffset),
          );
        }
      } else if (baseOffset <= prevLast) {
        throw new CorruptRecordError(`Out of order offsets found in append: ${baseOffset} after ${prevLast}`);
      }
      const epoch = records.readInt32BE(at + BatchLayout.PARTITION_LEADER_EPOCH);
      const latest = epochStarts.at(-1)?.epoch ?? -1;
      if (epoch >= 0 && epoch !== latest) epochStarts.push({ epoch, startOffset: baseOffset });
      const ts = readInt64(records, at + BatchLayout.MAX_TIMESTAMP);
      if (ts > maxTimestamp) {
        maxTimestamp = ts;
        offsetOfMaxTimestamp = lastOffset;
      }
      prevLast = lastOffset;
      at += size;
    }
    return {
      firstOffset,
      lastOffset: prevLast,
      maxTimestamp,
      offsetOfMaxTimestamp,
      logAppendTime: -1,
      batchCount: counts.batchCount,
      recordCount: counts.recordCount,
      sizeInBytes: records.length,
      epochStarts,
    };
  },
} as const;
