/**
 * An error that maps to a Kafka error code, thrown inside a component and turned into the per-partition or
 * top-level `error_code` (and `error_message`) of a response by the handler that catches it.
 * `code` is a value of the generated `Errors` table (e.g. 3 UNKNOWN_TOPIC_OR_PARTITION).
 */
export class ApiError extends Error {
  readonly code: number;

  constructor(code: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}
