import type { OutputChunk } from '../protocol/writer.ts';
import type { KafkaPrincipal } from '../security/kafka-principal.ts';

/**
 * Security protocol of a listener, Kafka's `SecurityProtocol` names (listener.security.protocol.map values).
 * All four are implemented by the network layer (SASL through the listener's authenticator).
 */
export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';

/**
 * What the network layer knows about the connection a request arrived on (after Kafka's `RequestContext` /
 * `RequestChannel.Request` connection fields). One object per connection, shared by all its requests.
 */
export interface RequestContext {
  /**
   * Unique id of the connection, Kafka's format `localHost:localPort-remoteHost:remotePort-index`
   * (`Selector.generateConnectionId`), unique for the life of the process.
   */
  readonly connectionId: string;
  /** Name of the listener the connection was accepted on, e.g. 'PLAINTEXT' or 'CONTROLLER'. */
  readonly listenerName: string;
  /** The listener's security protocol. */
  readonly securityProtocol: SecurityProtocol;
  /** Remote IP address of the client (IPv4 dotted or IPv6 text form). */
  readonly clientAddress: string;
  /** Remote TCP port of the client. */
  readonly clientPort: number;
  /**
   * Who the connection is authenticated as (Kafka's `RequestContext.principal`): User:ANONYMOUS on PLAINTEXT
   * listeners; the listener's authentication (SASL, TLS client certificates) replaces it once it succeeds, so it
   * is read per request, never cached by a handler beyond one.
   */
  readonly principal: KafkaPrincipal;
  /**
   * Closes the connection gracefully: stops reading (frames received but not yet dispatched are dropped), lets
   * the requests already dispatched (including the current one) complete, writes their responses in order, then
   * closes. This is how Kafka sends a SASL failure response and then closes. Idempotent. To drop everything at
   * once (unparseable request), throw from handleRequest instead.
   */
  closeConnection(): void;
  /**
   * Mutes the connection for `throttleTimeMs` after a quota violation (KIP-219): the network layer reads and
   * dispatches nothing more from it until then; responses already under way are still written. Absent where there
   * is no client channel to mute (a request forwarded inside an Envelope).
   */
  throttle?(throttleTimeMs: number): void;
}

/**
 * The network layer's timestamps of one request (performance.now() ms), for Kafka's RequestMetrics
 * (RequestQueueTimeMs, ResponseQueueTimeMs, ResponseSendTimeMs, TotalTimeMs): one object per request, handed to
 * {@link RequestHandler.handleRequest}.
 */
export interface RequestTiming {
  /** When the connection read the request's frame off the socket (Kafka's `Request.startTimeNanos`). */
  readonly receivedMs: number;
  /**
   * Set by the handler (during handleRequest, or before its promise settles); the connection calls it once, when
   * the response's last byte was taken by the kernel, with when the response's turn to be written came (responses
   * go out in request order) and when its write ended. A request without a response (acks=0 produce) gets it when
   * its turn comes, with both times equal, as Kafka records its no-op responses. Not called when the connection
   * closes first.
   */
  onResponseSent?: (sendStartMs: number, sendEndMs: number) => void;
}

/**
 * The seam between the network layer and the server layer (ARCHITECTURE.md: "network hands frames to a
 * RequestHandler"); implemented by server/KafkaApis. Mirrors Kafka's RequestChannel: the Processor hands a
 * complete request to the handler and later sends back the response for it, in request order.
 *
 * `handleRequest(frame, ctx, timing)`:
 * - `frame`: the request bytes after the int32 size prefix (request header + body). It is a view that stays
 *   valid while the call and its promise are pending (the network layer never reuses its memory), so
 *   the handler may keep slices of it (e.g. produce record batches) for as long as it likes.
 * - returns the encoded response (response header + body) WITHOUT the size prefix, as ordered chunks (Buffers
 *   and ExternalRecords file regions); the connection frames and writes it. `null` means "send nothing"
 *   (produce with acks=0), the next response in order is then written.
 * - may return synchronously or a Promise. Requests of one connection are dispatched in arrival order without
 *   waiting for earlier ones to complete (pipelining, at most `maxInFlightRequestsPerConnection` outstanding);
 *   the handler is responsible for ordering side effects (e.g. appends) if it needs to; responses are
 *   always written in request order by the connection.
 * - must reject a request whose header is not valid by throwing synchronously: until a connection's first request
 *   returned without throwing, the connection accepts only small frames (Connection's first-request limit).
 * - the frame's bytes count against the broker's request memory budget (queued.max.request.bytes, FramePool)
 *   until the result settles, or until the handler recycles the frame through the pool if that comes first: a
 *   handler that keeps using the frame after its result settled (acks=0 appends) settles only once done with it.
 * - throwing or rejecting closes that connection (Kafka closes a connection whose request cannot be parsed);
 *   the error is logged; other connections are unaffected. To answer a malformed request with an error code
 *   instead (e.g. INVALID_REQUEST for a parsed header), return an encoded error response.
 * - `timing` (absent for requests that did not come off a socket): see {@link RequestTiming}.
 * - Every ExternalRecords in a returned chunk list has `release()` called exactly once by the network layer:
 *   after its bytes were sent, or when the connection died before sending them.
 */
export interface RequestHandler {
  handleRequest(frame: Buffer, ctx: RequestContext, timing?: RequestTiming): Promise<OutputChunk[] | null> | OutputChunk[] | null;
  /**
   * Optional: the error response of the request in `frame` with `errorCode` and `message` in its error fields
   * (Kafka's `AbstractRequest.getErrorResponse`), encoded with its response header; null when the request cannot
   * be parsed or its API is not served. Used by the SASL authenticator for requests sent before authentication.
   */
  errorResponse?(frame: Buffer, ctx: RequestContext, errorCode: number, message: string): OutputChunk[] | null;
  /** Optional hook: called once when a connection closed (for any reason), e.g. to drop per-connection state. */
  connectionClosed?(ctx: RequestContext): void;
}
