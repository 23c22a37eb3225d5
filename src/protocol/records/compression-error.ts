import { RecordsError, RecordsErrorCode } from './records-error.ts';

/** Why a codec failed: output past the caller's cap, undecodable input, or a codec id Kafka does not define. */
export type CompressionFailure = 'too-large' | 'corrupt' | 'unsupported';

const CODE_OF: Record<CompressionFailure, number> = {
  // Kafka has no decompression cap; a batch that inflates past ours is reported like an oversized batch.
  'too-large': RecordsErrorCode.MESSAGE_TOO_LARGE,
  // Kafka surfaces "Failed to decompress record stream"; CORRUPT_MESSAGE is the code that describes it.
  corrupt: RecordsErrorCode.CORRUPT_MESSAGE,
  unsupported: RecordsErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
};

/**
 * Thrown by `compression.ts` (and the LZ4 / xerial-snappy framing code) instead of a library's own error or a
 * RangeError, so callers can answer with a Kafka error code: `too-large` → MESSAGE_TOO_LARGE (10), `corrupt` →
 * CORRUPT_MESSAGE (2), `unsupported` → UNSUPPORTED_COMPRESSION_TYPE (76). The native error, if any, is `cause`.
 */
export class CompressionError extends RecordsError {
  readonly reason: CompressionFailure;

  constructor(reason: CompressionFailure, message: string, options?: { cause?: unknown }) {
    super(CODE_OF[reason], message, options);
    this.name = 'CompressionError';
    this.reason = reason;
  }
}
