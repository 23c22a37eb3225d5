import { ApiError } from '../common/api-error.ts';

/**
 * Kafka error codes the storage engine raises (values of Kafka's `Errors` enum; kept here so the storage layer
 * does not wait on the generated table).
 */
export const StorageErrorCode = {
  UNKNOWN_SERVER_ERROR: -1,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  MESSAGE_TOO_LARGE: 10,
  RECORD_LIST_TOO_LARGE: 18,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  TRANSACTION_COORDINATOR_FENCED: 52,
  KAFKA_STORAGE_ERROR: 56,
  INVALID_RECORD: 87,
} as const;

/** OFFSET_OUT_OF_RANGE (1): a read or DeleteRecords offset outside [logStartOffset, logEndOffset] (or above HW). */
export class OffsetOutOfRangeError extends ApiError {
  constructor(message: string) {
    super(StorageErrorCode.OFFSET_OUT_OF_RANGE, message);
    this.name = 'OffsetOutOfRangeError';
  }
}

/** CORRUPT_MESSAGE (2): bytes handed to append are not whole v2 batches. */
export class CorruptRecordError extends ApiError {
  constructor(message: string) {
    super(StorageErrorCode.CORRUPT_MESSAGE, message);
    this.name = 'CorruptRecordError';
  }
}

/** MESSAGE_TOO_LARGE (10): a batch larger than max.message.bytes (Kafka's RecordTooLargeException). */
export class RecordTooLargeError extends ApiError {
  constructor(message: string) {
    super(StorageErrorCode.MESSAGE_TOO_LARGE, message);
    this.name = 'RecordTooLargeError';
  }
}

/** RECORD_LIST_TOO_LARGE (18): an append larger than segment.bytes (Kafka's RecordBatchTooLargeException). */
export class RecordBatchTooLargeError extends ApiError {
  constructor(message: string) {
    super(StorageErrorCode.RECORD_LIST_TOO_LARGE, message);
    this.name = 'RecordBatchTooLargeError';
  }
}

/** INVALID_RECORD (87): e.g. a record without a key appended to a compacted topic. */
export class InvalidRecordError extends ApiError {
  constructor(message: string) {
    super(StorageErrorCode.INVALID_RECORD, message);
    this.name = 'InvalidRecordError';
  }
}

/** KAFKA_STORAGE_ERROR (56): an I/O failure; the log is offline until the broker restarts (Kafka's log dir failure). */
export class KafkaStorageError extends ApiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(StorageErrorCode.KAFKA_STORAGE_ERROR, message);
    this.name = 'KafkaStorageError';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/**
 * True for an error of the file system (Node's system errors carry the failed `syscall`: EIO from fsync, ENOSPC
 * from write, ...): what Kafka's code sees as an IOException and answers by taking the log dir offline
 * (LogDirFailureChannel). Errors of the storage logic itself (ApiError, CorruptIndexError, ...) are not.
 */
export function isIoError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

/** OUT_OF_ORDER_SEQUENCE_NUMBER (45): an idempotent batch whose sequence does not follow the producer's last one. */
export class OutOfOrderSequenceError extends ApiError {
  constructor(message: string) {
    super(StorageErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message);
    this.name = 'OutOfOrderSequenceError';
  }
}

/**
 * INVALID_PRODUCER_EPOCH (47): a batch whose producer epoch is older than the partition's (Kafka 2.7+ returns this
 * instead of PRODUCER_FENCED on produce, KIP-588, so the client can abort and continue).
 */
export class InvalidProducerEpochError extends ApiError {
  constructor(message: string) {
    super(StorageErrorCode.INVALID_PRODUCER_EPOCH, message);
    this.name = 'InvalidProducerEpochError';
  }
}

/**
 * INVALID_TXN_STATE (48): a non-transactional batch inside an ongoing transaction, or a transactional batch that
 * the transaction coordinator did not verify (KIP-890).
 */
export class InvalidTxnStateError extends ApiError {
  constructor(message: string) {
    super(StorageErrorCode.INVALID_TXN_STATE, message);
    this.name = 'InvalidTxnStateError';
  }
}

/** TRANSACTION_COORDINATOR_FENCED (52): a transaction marker from a coordinator epoch older than the last one seen. */
export class TransactionCoordinatorFencedError extends ApiError {
  constructor(message: string) {
    super(StorageErrorCode.TRANSACTION_COORDINATOR_FENCED, message);
    this.name = 'TransactionCoordinatorFencedError';
  }
}

/** A producer state snapshot that fails its CRC, version or schema check (Kafka's CorruptSnapshotException). */
export class CorruptSnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptSnapshotError';
  }
}

/**
 * A follower append whose first offset is below the log end offset (Kafka's UnexpectedAppendOffsetException).
 * Not an API error code: the replica fetcher truncates and retries.
 */
export class UnexpectedAppendOffsetError extends ApiError {
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;

  constructor(message: string, firstOffset: bigint, lastOffset: bigint) {
    super(StorageErrorCode.UNKNOWN_SERVER_ERROR, message);
    this.name = 'UnexpectedAppendOffsetError';
    this.firstOffset = firstOffset;
    this.lastOffset = lastOffset;
  }
}

/** An index file whose contents fail the sanity check (Kafka's CorruptIndexException); the index is rebuilt. */
export class CorruptIndexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptIndexError';
  }
}
