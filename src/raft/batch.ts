import { iterateBatches } from '../protocol/records/batch-iterator.ts';
import { decodeControlRecordKey } from '../protocol/records/control-record.ts';
import { readRecordsSync } from '../protocol/records/record-iterator.ts';
import { RecordsError, RecordsErrorCode } from '../protocol/records/records-error.ts';
import type { ControlRecord } from './control-records.ts';

/**
 * A batch of the replicated log handed to listeners (Kafka's `Batch`): a data batch has `records` (the record
 * values, in offset order) and no control records; a control batch (LeaderChange, snapshot header/footer, KIP-853
 * voters) the reverse. Listeners see both, so they can follow the offsets of the log exactly.
 */
export interface Batch {
  readonly baseOffset: bigint;
  readonly lastOffset: bigint;
  /** Leader epoch that wrote the batch. */
  readonly epoch: number;
  /** Append time in ms since the epoch (the batch's max timestamp). */
  readonly appendTimestampMs: number;
  /** Encoded size of the batch in bytes. */
  readonly sizeInBytes: number;
  readonly records: readonly Buffer[];
  readonly controlRecords: readonly ControlRecord[];
}

/** What {@link decodeBatches} returns: the whole batches and the bytes they cover. */
export interface DecodedBatches {
  readonly batches: Batch[];
  /** Bytes of `bytes` covered by `batches`; a partial batch at the end (a cut read) is not counted. */
  readonly validBytes: number;
}

/**
 * Decodes the v2 batches laid end to end in `bytes` (Kafka's RecordsIterator). A partial batch at the end is
 * dropped, as a fetch may end inside one.
 * @throws RecordsError CORRUPT_MESSAGE (2) on a CRC mismatch (with `validateCrc`) or a malformed batch, and
 * INVALID_RECORD (87) on a data record without a value or an unreadable control record key.
 */
export function decodeBatches(bytes: Buffer, validateCrc = true): DecodedBatches {
  const it = iterateBatches(bytes);
  const batches: Batch[] = [];
  for (const b of it) {
    if (validateCrc && !b.isValid()) {
      throw new RecordsError(RecordsErrorCode.CORRUPT_MESSAGE, `Record batch at offset ${b.baseOffset} is corrupt (stored CRC = ${b.crc}, computed CRC = ${b.computeChecksum()})`);
    }
    const records: Buffer[] = [];
    const controlRecords: ControlRecord[] = [];
    for (const r of readRecordsSync(b)) {
      if (b.isControl) {
        controlRecords.push({ type: decodeControlRecordKey(r.key).type, value: r.value ?? Buffer.alloc(0) });
      } else {
        if (r.value === null) throw new RecordsError(RecordsErrorCode.INVALID_RECORD, `Record at offset ${r.offset} of the metadata log has no value`);
        records.push(r.value);
      }
    }
    batches.push({
      baseOffset: b.baseOffset,
      lastOffset: b.lastOffset,
      epoch: b.partitionLeaderEpoch,
      appendTimestampMs: Number(b.maxTimestamp),
      sizeInBytes: b.sizeInBytes,
      records,
      controlRecords,
    });
  }
  if (it.tail !== null && it.tail.reason !== 'truncated') {
    throw new RecordsError(RecordsErrorCode.CORRUPT_MESSAGE, `Malformed record batch at byte ${it.tail.position}: ${it.tail.message}`);
  }
  return { batches, validBytes: it.validBytes };
}

/** Bytes of the whole batches at the start of `bytes` (a fetch may end inside a batch). */
export function wholeBatchesLength(bytes: Buffer): number {
  const it = iterateBatches(bytes);
  for (const _ of it) {
    // Counting only: the iterator tracks the valid length.
  }
  if (it.tail !== null && it.tail.reason !== 'truncated') {
    throw new RecordsError(RecordsErrorCode.CORRUPT_MESSAGE, `Malformed record batch at byte ${it.tail.position}: ${it.tail.message}`);
  }
  return it.validBytes;
}
