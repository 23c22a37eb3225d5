/**
 * Kafka error codes that record validation and decoding produce (values from Kafka's `Errors` enum; the generated
 * error table is the project-wide source, these are the few this folder needs without importing upward).
 */
export const RecordsErrorCode = {
  NONE: 0,
  /** CorruptRecordException: CRC mismatch, batch smaller than its header, undecodable compressed payload. */
  CORRUPT_MESSAGE: 2,
  /** RecordTooLargeException: batch larger than `max.message.bytes` (or decompressed past the cap). */
  MESSAGE_TOO_LARGE: 10,
  /** InvalidTimestampException: record timestamp outside `message.timestamp.{before,after}.max.ms`. */
  INVALID_TIMESTAMP: 32,
  /** UnsupportedForMessageFormatException: transactional/idempotent data in magic < 2. */
  UNSUPPORTED_FOR_MESSAGE_FORMAT: 43,
  /** UnsupportedCompressionTypeException: zstd before Produce v7, unknown codec id, zstd down-conversion. */
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  /** InvalidRecordException: records that do not parse, count/offset mismatches, control batch from a client. */
  INVALID_RECORD: 87,
} as const;
export type RecordsErrorCodeValue = (typeof RecordsErrorCode)[keyof typeof RecordsErrorCode];

/**
 * The typed error every decoder in `protocol/records/` throws on malformed record data (never a RangeError or a
 * native library's error). `errorCode` is the Kafka error code a broker answers with for the partition:
 * CORRUPT_MESSAGE (2), INVALID_RECORD (87), MESSAGE_TOO_LARGE (10), UNSUPPORTED_COMPRESSION_TYPE (76), ...
 * Mirrors Kafka's CorruptRecordException / InvalidRecordException split.
 */
export class RecordsError extends Error {
  readonly errorCode: number;

  constructor(errorCode: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RecordsError';
    this.errorCode = errorCode;
  }
}
