// The errors a NetworkClient request fails with. Callers tell them apart with instanceof:
// - DisconnectException: the connection was lost, refused, reset, closed after a protocol violation (wrong
//   correlation id, undecodable or oversized response), or closed by disconnect()/close(). A request that was
//   in flight may or may not have been processed by the peer. Kafka: ClientResponse.wasDisconnected().
//   - NodeNotReadyError (a DisconnectException): nothing was sent; the node is inside its reconnect backoff or its
//     queue is full. Retry after the caller's retry backoff (Kafka: NetworkClient.ready() returned false).
// - RequestTimeoutError: no response within the request's timeoutMs. If it had been sent, its connection was closed
//   (Kafka's request.timeout.ms handling). Kafka: ClientResponse.wasTimedOut().
// - UnsupportedVersionError: no version in the caller's range is supported by both sides, or the request body
//   cannot be written at the chosen version; nothing was sent. Kafka: ClientResponse.versionMismatch().

/** How a node was reached, for messages: `node 2 (127.0.0.1:9093)`. */
function describeNode(nodeId: number, address?: string): string {
  return address === undefined ? `node ${nodeId}` : `node ${nodeId} (${address})`;
}

/**
 * The connection to a node is gone, or could not be made; the request did not get a response. Kafka's
 * `org.apache.kafka.common.errors.DisconnectException`. `cause` holds the underlying error when there is one
 * (a socket error such as ECONNREFUSED, a FrameTooLargeError, a DecodeError, a CorrelationIdMismatchError, the
 * RequestTimeoutError of another request on the same connection...).
 */
export class DisconnectException extends Error {
  readonly nodeId: number;

  constructor(nodeId: number, message: string, options?: { address?: string; cause?: unknown }) {
    super(`Connection to ${describeNode(nodeId, options?.address)}: ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DisconnectException';
    this.nodeId = nodeId;
  }
}

/**
 * The request was not sent because the node is not ready to take it (Kafka: `NetworkClient.ready()` is false):
 * - `reason: 'backoff'`: the last connection failed and the reconnect backoff has not elapsed; `retryAfterMs`
 *   says when a connection may be attempted;
 * - `reason: 'queue-full'`: `maxQueuedRequestsPerConnection` requests already wait for the connection.
 */
export class NodeNotReadyError extends DisconnectException {
  readonly reason: 'backoff' | 'queue-full';
  /** For 'backoff': ms until a connection may be attempted; 0 for 'queue-full'. */
  readonly retryAfterMs: number;

  constructor(nodeId: number, reason: 'backoff' | 'queue-full', retryAfterMs: number, address?: string) {
    super(
      nodeId,
      reason === 'backoff'
        ? `node is not ready: reconnect backoff for another ${retryAfterMs} ms`
        : 'node is not ready: too many requests queued for its connection',
      { address },
    );
    this.name = 'NodeNotReadyError';
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * No response arrived within the request's `timeoutMs` (Kafka's `request.timeout.ms`). When `inFlight` is true
 * the request had been written to the connection, which was closed (a later response would be out of order), so
 * the peer may have processed it; when false it never left the client (it waited for the connection).
 */
export class RequestTimeoutError extends Error {
  readonly nodeId: number;
  readonly apiKey: number;
  readonly timeoutMs: number;
  readonly inFlight: boolean;

  constructor(nodeId: number, apiKey: number, timeoutMs: number, inFlight: boolean, address?: string) {
    super(
      `Request (api key ${apiKey}) to ${describeNode(nodeId, address)} timed out after ${timeoutMs} ms` +
        (inFlight ? '; disconnecting' : ' before it could be sent'),
    );
    this.name = 'RequestTimeoutError';
    this.nodeId = nodeId;
    this.apiKey = apiKey;
    this.timeoutMs = timeoutMs;
    this.inFlight = inFlight;
  }
}

/** A version range, inclusive. */
export interface VersionBounds {
  readonly min: number;
  readonly max: number;
}

/**
 * No version of the API is usable: the caller's range does not meet this client's codecs (`supported` null) or
 * the range the node advertised in ApiVersions (`supported` that range, or null when the node does not list the
 * API), or the body cannot be written at the chosen version (`cause` holds the encoder's RangeError). Nothing was
 * sent. Kafka's `UnsupportedVersionException`; a Raft NetworkChannel maps it to UNSUPPORTED_VERSION (35).
 */
export class UnsupportedVersionError extends Error {
  readonly apiKey: number;
  readonly requested: VersionBounds;
  readonly supported: VersionBounds | null;

  constructor(apiKey: number, requested: VersionBounds, supported: VersionBounds | null, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'UnsupportedVersionError';
    this.apiKey = apiKey;
    this.requested = requested;
    this.supported = supported;
  }
}

/**
 * A response's correlation id is not the one of the oldest request in flight on its connection: responses come
 * back in request order on a Kafka connection, so the stream cannot be trusted any more (Kafka's
 * `CorrelationIdMismatchException`). The connection is closed; this is the `cause` of the DisconnectExceptions.
 */
export class CorrelationIdMismatchError extends Error {
  readonly expected: number;
  readonly received: number;

  constructor(expected: number, received: number) {
    super(`Correlation id for response (${received}) does not match request (${expected})`);
    this.name = 'CorrelationIdMismatchError';
    this.expected = expected;
    this.received = received;
  }
}
