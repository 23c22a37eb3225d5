/**
 * The one error type every decoder throws on malformed input: a truncated buffer, a negative or oversized
 * length, an invalid varint, a bad enum value. Callers (the network layer) catch it and answer the way Kafka
 * does for a request it cannot parse: close the connection (or, for a header that parsed, INVALID_REQUEST).
 *
 * `offset` is the byte position in the input where decoding failed.
 */
export class DecodeError extends Error {
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(`${message} (at byte ${offset})`);
    this.name = 'DecodeError';
    this.offset = offset;
  }
}
