import { buildRecordBatchSync } from './record-batch-builder.ts';
import { BatchLayout } from './record-batch.ts';
import type { RecordBatch } from './record-batch.ts';
import { RecordIterator, decompressRecordsSync } from './record-iterator.ts';
import { RecordsError, RecordsErrorCode } from './records-error.ts';

/**
 * Control record types (Kafka's ControlRecordType): the `type` field of a control record key. 0/1 are
 * transaction markers; 2-6 are KRaft's own records in the metadata log. UNKNOWN (-1) is what a reader reports for
 * a type it does not know (it must then skip the record).
 */
export const ControlRecordType = {
  ABORT: 0,
  COMMIT: 1,
  LEADER_CHANGE: 2,
  SNAPSHOT_HEADER: 3,
  SNAPSHOT_FOOTER: 4,
  KRAFT_VERSION: 5,
  KRAFT_VOTERS: 6,
  UNKNOWN: -1,
} as const;
export type ControlRecordTypeName = keyof typeof ControlRecordType;

const CONTROL_KEY_VERSION = 0;
const CONTROL_KEY_SIZE = 4;
const END_TXN_MARKER_VERSION = 0;
const END_TXN_MARKER_VALUE_SIZE = 6;

function invalid(message: string): never {
  throw new RecordsError(RecordsErrorCode.INVALID_RECORD, message);
}

/** A decoded control record key: `version int16, type int16`. `type` is -1 (UNKNOWN) for unknown ids. */
export interface ControlRecordKey {
  version: number;
  type: number;
}

/** A decoded end-transaction marker value: `version int16, coordinatorEpoch int32`. */
export interface EndTransactionMarkerValue {
  version: number;
  coordinatorEpoch: number;
}

/** The 4-byte control record key for `type` (version 0), as ControlRecordType.recordKey writes it. */
export function controlRecordKey(type: number): Buffer {
  if (type < 0) throw new RangeError('cannot write the UNKNOWN control record type');
  const key = Buffer.allocUnsafe(CONTROL_KEY_SIZE);
  key.writeInt16BE(CONTROL_KEY_VERSION, 0);
  key.writeInt16BE(type, 2);
  return key;
}

/** The 6-byte end-transaction marker value (version 0) with `coordinatorEpoch`. */
export function endTransactionMarkerValue(coordinatorEpoch: number): Buffer {
  const value = Buffer.allocUnsafe(END_TXN_MARKER_VALUE_SIZE);
  value.writeInt16BE(END_TXN_MARKER_VERSION, 0);
  value.writeInt32BE(coordinatorEpoch, 2);
  return value;
}

/**
 * Decodes a control record key (ControlRecordType.parseTypeId). A version above 0 is read as version 0, as Kafka
 * does; an unknown type id comes back as -1. Throws {@link RecordsError} INVALID_RECORD for a null or short key or
 * a negative version.
 */
export function decodeControlRecordKey(key: Buffer | null): ControlRecordKey {
  if (key === null || key.length < CONTROL_KEY_SIZE) {
    invalid(`control record key needs ${CONTROL_KEY_SIZE} bytes, found ${key?.length ?? 'null'}`);
  }
  const version = key.readInt16BE(0);
  if (version < 0) invalid(`invalid control record key version ${version}`);
  const type = key.readInt16BE(2);
  return { version, type: type >= 0 && type <= ControlRecordType.KRAFT_VOTERS ? type : ControlRecordType.UNKNOWN };
}

/**
 * Decodes an end-transaction marker value (EndTransactionMarker.deserializeValue): newer versions are read as
 * version 0. Throws {@link RecordsError} INVALID_RECORD for a null or short value or a negative version.
 */
export function decodeControlRecordValue(value: Buffer | null): EndTransactionMarkerValue {
  if (value === null || value.length < END_TXN_MARKER_VALUE_SIZE) {
    invalid(`end transaction marker needs ${END_TXN_MARKER_VALUE_SIZE} bytes, found ${value?.length ?? 'null'}`);
  }
  const version = value.readInt16BE(0);
  if (version < 0) invalid(`invalid end transaction marker version ${version}`);
  return { version, coordinatorEpoch: value.readInt32BE(2) };
}

/** What {@link encodeControlBatch} writes: one COMMIT or ABORT marker for a producer. */
export interface ControlBatchOptions {
  producerId: bigint;
  producerEpoch: number;
  type: 'COMMIT' | 'ABORT';
  coordinatorEpoch: number;
  /** Default 0 (the log assigns the real offset on append). */
  baseOffset?: bigint;
  /** Default -1 (the leader sets its epoch on append). */
  partitionLeaderEpoch?: number;
  /** Marker timestamp in ms; default now. */
  timestamp?: bigint | number;
}

/**
 * Builds the control batch that ends a transaction on a partition (MemoryRecords.withEndTransactionMarker):
 * uncompressed, CreateTime, transactional and control bits set, the producer's id and epoch, baseSequence -1,
 * one record whose key is `(0, type)` and value `(0, coordinatorEpoch)`.
 */
export function encodeControlBatch(options: ControlBatchOptions): Buffer {
  return buildRecordBatchSync({
    baseOffset: options.baseOffset ?? 0n,
    partitionLeaderEpoch: options.partitionLeaderEpoch ?? -1,
    isTransactional: true,
    isControl: true,
    producerId: options.producerId,
    producerEpoch: options.producerEpoch,
    records: [
      {
        key: controlRecordKey(ControlRecordType[options.type]),
        value: endTransactionMarkerValue(options.coordinatorEpoch),
        timestamp: options.timestamp ?? Date.now(),
      },
    ],
  });
}

/** A transaction marker read back from a control batch. */
export interface EndTransactionMarker {
  type: 'COMMIT' | 'ABORT';
  coordinatorEpoch: number;
}

/**
 * Reads the marker of a transaction control batch (its first record), or null when the batch is not a control
 * batch or holds another control type (KRaft records). Throws {@link RecordsError} for malformed bytes.
 */
export function readEndTransactionMarker(batch: RecordBatch): EndTransactionMarker | null {
  if (batch.buf.length - batch.offset < BatchLayout.HEADER_SIZE) {
    throw new RecordsError(RecordsErrorCode.CORRUPT_MESSAGE, 'buffer shorter than a record batch header');
  }
  if (!batch.isControl) return null;
  const first = new RecordIterator(batch, decompressRecordsSync(batch)).next();
  if (first.done === true) return null;
  const { type } = decodeControlRecordKey(first.value.key);
  if (type !== ControlRecordType.COMMIT && type !== ControlRecordType.ABORT) return null;
  return {
    type: type === ControlRecordType.COMMIT ? 'COMMIT' : 'ABORT',
    coordinatorEpoch: decodeControlRecordValue(first.value.value).coordinatorEpoch,
  };
}
