import type { Socket } from 'node:net';
import type { Time } from '../common/time.ts';
import type { Logger } from '../observability/logger.ts';
import { FrameDecoder, type FrameAllocator } from '../protocol/framing.ts';
import { Reader } from '../protocol/reader.ts';
import { Writer } from '../protocol/writer.ts';
import { encodeRequestHeader, sizeRequestHeader, type RequestHeader } from '../protocol/request-header.ts';
import { decodeResponseHeader } from '../protocol/response-header.ts';
import { API_MESSAGES, requestHeaderVersion, responseHeaderVersion } from '../protocol/generated/api-messages.ts';
import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { ERROR_INFO, Errors } from '../protocol/generated/errors.ts';
import type { ApiVersionsResponse } from '../protocol/generated/messages/api-versions-response.ts';
import type { ConnectionState } from './cluster-connection-states.ts';
import { ClientRequest, type ClientResponse } from './client-request.ts';
import type { Deadline, DeadlineQueue } from './deadline-queue.ts';
import type { FramePool } from './frame-pool.ts';
import { NodeApiVersions } from './node-api-versions.ts';
import {
  CorrelationIdMismatchError,
  DisconnectException,
  RequestTimeoutError,
  UnsupportedVersionError,
} from './network-client-errors.ts';
import type { SocketFactory } from './socket-factory.ts';
import type { AuthenticationRequest, ClientAuthenticator } from '../security/client/sasl-client-authenticator.ts';

/** Where a node is reached: its Kafka node id and the host and port of the listener we talk to. */
export interface NodeEndpoint {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

/**
 * Optional metric hooks of a {@link NetworkClient} (to be bound to Kafka's client metric names later:
 * connection-creation-total, connection-close-total, request-total, outgoing-byte-total, response-total,
 * incoming-byte-total, request-latency-avg/max).
 */
export interface NetworkClientMetrics {
  /** The transport of a connection came up. */
  connectionCreated?(nodeId: number): void;
  /** A connection (established or not) was closed. */
  connectionClosed?(nodeId: number, error: DisconnectException): void;
  /** A request was written; `bytes` includes the size prefix. */
  requestSent?(nodeId: number, apiKey: number, bytes: number): void;
  /** A response was decoded; `bytes` includes the size prefix; `latencyMs` from write to decode. */
  responseReceived?(nodeId: number, apiKey: number, bytes: number, latencyMs: number): void;
  requestTimedOut?(nodeId: number, apiKey: number, inFlight: boolean): void;
}

/** Callbacks through which a {@link NodeConnection} reports to its NetworkClient. */
export interface NodeConnectionListener {
  /** The connection moved to CHECKING_API_VERSIONS or READY. */
  onStateChange(connection: NodeConnection, state: 'CHECKING_API_VERSIONS' | 'READY'): void;
  /** The connection is closed (once); `previous` is the state it was closed from. */
  onClosed(connection: NodeConnection, previous: ConnectionState, error: DisconnectException): void;
}

/** Everything a {@link NodeConnection} needs, all chosen by its NetworkClient. */
export interface NodeConnectionParams {
  readonly endpoint: NodeEndpoint;
  readonly clientId: string;
  readonly clientSoftwareName: string;
  readonly clientSoftwareVersion: string;
  readonly socketFactory: SocketFactory;
  /** The SASL exchange run after ApiVersions on SASL_PLAINTEXT / SASL_SSL connections, or undefined (none). */
  readonly authenticator: ClientAuthenticator | undefined;
  readonly time: Time;
  readonly deadlines: DeadlineQueue;
  /** How long the transport may take to come up, in ms (from ClusterConnectionStates). */
  readonly connectionSetupTimeoutMs: number;
  /** Timeout of the ApiVersions request, in ms (the client's requestTimeoutMs). */
  readonly apiVersionsTimeoutMs: number;
  readonly maxInFlightRequests: number;
  readonly maxResponseBytes: number;
  /** Memory of response frames (see NetworkClientOptions.framePool), or undefined for plain Buffers. */
  readonly framePool: FramePool | undefined;
  readonly nextCorrelationId: () => number;
  readonly logger: Logger;
  readonly metrics: NetworkClientMetrics | undefined;
  readonly listener: NodeConnectionListener;
}

const API_VERSIONS = API_MESSAGES.get(ApiKeys.ApiVersions)!;
/**
 * Request `records` of at least this size (a Produce request's batches) are written from the caller's Buffer
 * instead of being copied into the encoded request; smaller requests are encoded whole into a buffer of this size at
 * most (it grows as needed).
 */
const REFERENCED_RECORDS_BYTES = 64 * 1024;
const NO_RELEASE = (): void => undefined;

/**
 * Response frames from `pool`'s memory, without its admission budget (queued.max.request.bytes is about requests
 * a broker receives): each response is bounded by maxResponseBytes and answers a request this client chose to send.
 */
function responseAllocator(pool: FramePool): FrameAllocator {
  return {
    tryReserve: () => true,
    cancelReservation: () => undefined,
    allocate: (size) => pool.allocate(size),
    release: (buffer) => pool.release(buffer),
    frameCompleted: () => undefined,
  };
}
/** Newest stable ApiVersions version of our codecs: the first one tried (KIP-511: v3+ carries the software name). */
const API_VERSIONS_MAX = API_VERSIONS.latestVersionUnstable ? API_VERSIONS.maxVersion - 1 : API_VERSIONS.maxVersion;

/**
 * One connection of a {@link NetworkClient} to one node, from connect to close (a new one per attempt), after
 * the per-node parts of Kafka's NetworkClient, `InFlightRequests` and `KafkaChannel`:
 *
 * 1. CONNECTING: the socket factory opens the transport; the connection setup timeout runs.
 * 2. CHECKING_API_VERSIONS: an ApiVersions request (KIP-511: newest version, with our client software name and
 *    version) goes first. If the node answers UNSUPPORTED_VERSION with its own ApiVersions range, the request is
 *    repeated at the newest version it supports (Kafka's fallback); any other error closes the connection.
 * 2b. With an authenticator (SASL_PLAINTEXT, SASL_SSL), still CHECKING_API_VERSIONS: its SaslHandshake and
 *    SaslAuthenticate requests follow, each at the newest version both sides support and with the ApiVersions
 *    timeout; a refusal closes the connection ("failed authentication", logged at ERROR as Kafka does) and the node
 *    enters its reconnect backoff. Kafka authenticates before its ApiVersions; the server accepts ApiVersions first
 *    (KIP-43), which spares a second ApiVersions round trip.
 * 3. READY: queued requests are written in order, at most `maxInFlightRequests` at a time (pipelined), each at the
 *    newest version within its range that both sides support ({@link NodeApiVersions.latestUsableVersion}).
 *    Responses must come back in request order: each one's correlation id must be the oldest in-flight request's
 *    (Kafka's NetworkClient checks it the same way); a mismatch, an undecodable response or an oversized frame
 *    (FrameDecoder checks the size prefix against `maxResponseBytes` before allocating) closes the connection.
 *
 * Closing (socket error or close, timeout, protocol violation, or {@link close}) fails every request it holds:
 * in flight and queued alike, with the DisconnectException, except the request whose timeout closed it, which
 * gets its RequestTimeoutError. A request that times out while still queued just leaves the queue.
 * Writing pauses while the socket's buffer is full (until 'drain'), as Kafka sends one request at a time.
 * `records` Buffers of 64 KiB or more (Produce batches) are written by reference, not copied: the caller leaves
 * them unchanged until the request is answered (Kafka's producer likewise sends its batch buffers in place).
 */
export class NodeConnection {
  readonly endpoint: NodeEndpoint;
  readonly #p: NodeConnectionParams;
  readonly #address: string;
  readonly #decoder: FrameDecoder;
  readonly #waiting: ClientRequest[] = [];
  readonly #inFlight: ClientRequest[] = [];
  readonly #setupDeadline: Deadline;
  #state: ConnectionState = 'CONNECTING';
  #socket: Socket | null = null;
  #writable = true;
  #apiVersions: NodeApiVersions | null = null;
  #closeError: DisconnectException | null = null;

  constructor(params: NodeConnectionParams) {
    this.#p = params;
    this.endpoint = params.endpoint;
    this.#address = `${params.endpoint.host}:${params.endpoint.port}`;
    // Each response is received into one Buffer of its size (no chunks to assemble: a follower's Fetch responses
    // are just above 1 MiB); its size is bounded by maxResponseBytes.
    this.#decoder = new FrameDecoder(
      params.maxResponseBytes,
      params.framePool === undefined ? undefined : responseAllocator(params.framePool),
      params.maxResponseBytes,
    );
    const setupTimeoutMs = params.connectionSetupTimeoutMs;
    this.#setupDeadline = {
      deadlineMs: params.time.hiResClockMs() + setupTimeoutMs,
      deadlineIndex: -1,
      expire: () => {
        this.#p.logger.info({ nodeId: this.nodeId, timeoutMs: setupTimeoutMs }, 'Disconnecting from node due to socket connection setup timeout');
        this.#close(this.#disconnect(`connection setup timed out after ${setupTimeoutMs} ms`));
      },
    };
  }

  get nodeId(): number {
    return this.endpoint.nodeId;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** The node's ApiVersions once READY, else null. */
  get apiVersions(): NodeApiVersions | null {
    return this.#apiVersions;
  }

  /** Requests written and not yet answered (the internal ApiVersions request included). */
  get inFlightCount(): number {
    return this.#inFlight.length;
  }

  /** Requests waiting to be written. */
  get queuedCount(): number {
    return this.#waiting.length;
  }

  /** Opens the transport. Call once, after the client has registered the connection. */
  start(): void {
    this.#p.deadlines.add(this.#setupDeadline);
    let socket: Socket;
    // A factory may report readiness before it returns (an in-memory transport): that waits for the socket.
    let readyEarly = false;
    try {
      // Reads straight into the frame being received (a large Fetch response is not copied out of 64 KiB 'data'
      // chunks, each a new Buffer); a transport that cannot do it emits 'data' events instead.
      const onread = { buffer: () => this.#decoder.readBuffer(), callback: (n: number) => this.#onRead(n) };
      socket = this.#p.socketFactory.connect(
        this.endpoint.host,
        this.endpoint.port,
        () => {
          if (this.#socket === null) readyEarly = true;
          else this.#onTransportReady();
        },
        onread,
      );
    } catch (err) {
      this.#close(this.#disconnect(`could not be established: ${(err as Error).message}`, err));
      return;
    }
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('drain', () => {
      this.#writable = true;
      this.#dispatch();
    });
    socket.on('error', (err) =>
      this.#close(this.#disconnect(`${this.#state === 'CONNECTING' ? 'could not be established' : 'connection failed'}: ${err.message}`, err)),
    );
    socket.on('close', () => this.#close(this.#disconnect('connection closed by the peer')));
    if (readyEarly) this.#onTransportReady();
  }

  /**
   * Takes a request: it is written once the connection is READY and an in-flight slot is free, in arrival order.
   * On a closed connection it fails at once with the close error.
   */
  enqueue(request: ClientRequest): void {
    if (this.#closeError !== null) {
      request.fail(this.#closeError);
      return;
    }
    request.onExpire = (r) => this.#expire(r);
    this.#p.deadlines.add(request);
    this.#waiting.push(request);
    this.#dispatch();
  }

  /** Closes the connection (idempotent), failing what it holds with `error`. */
  close(error: DisconnectException): void {
    this.#close(error);
  }

  #disconnect(message: string, cause?: unknown): DisconnectException {
    return new DisconnectException(this.nodeId, message, { address: this.#address, cause });
  }

  #onTransportReady(): void {
    if (this.#state !== 'CONNECTING') return;
    this.#p.deadlines.remove(this.#setupDeadline);
    this.#p.metrics?.connectionCreated?.(this.nodeId);
    this.#state = 'CHECKING_API_VERSIONS';
    this.#p.listener.onStateChange(this, 'CHECKING_API_VERSIONS');
    this.#sendApiVersions(API_VERSIONS_MAX);
  }

  #sendApiVersions(version: number): void {
    const request = new ClientRequest(
      {
        nodeId: this.nodeId,
        apiKey: ApiKeys.ApiVersions,
        minVersion: version,
        maxVersion: version,
        body: { clientSoftwareName: this.#p.clientSoftwareName, clientSoftwareVersion: this.#p.clientSoftwareVersion },
        timeoutMs: this.#p.apiVersionsTimeoutMs,
        createdMs: this.#p.time.hiResClockMs(),
      },
      (response) => this.#onApiVersions(response as ClientResponse<ApiVersionsResponse>, version),
      // A failed ApiVersions request always comes with (or from) the close of the connection.
      () => undefined,
    );
    request.onExpire = (r) => this.#expire(r);
    this.#p.deadlines.add(request);
    this.#write(request, version);
  }

  #onApiVersions(response: ClientResponse<ApiVersionsResponse>, sentVersion: number): void {
    const body = response.body;
    if (body.errorCode === Errors.NONE) {
      const versions = new NodeApiVersions(body);
      const authenticator = this.#p.authenticator;
      if (authenticator === undefined) this.#ready(versions);
      else this.#authenticate(authenticator, versions, () => authenticator.start());
      return;
    }
    if (body.errorCode === Errors.UNSUPPORTED_VERSION && sentVersion > 0) {
      // KIP-511: the node lists its own ApiVersions range; without one, fall back to v0 (Kafka does the same).
      const theirs = body.apiKeys.find((k) => k.apiKey === ApiKeys.ApiVersions);
      const retryVersion = Math.max(theirs?.maxVersion ?? 0, API_VERSIONS.minVersion);
      if (retryVersion < sentVersion) {
        this.#sendApiVersions(retryVersion);
        return;
      }
    }
    const name = ERROR_INFO[body.errorCode]?.name ?? 'UNKNOWN';
    this.#p.logger.warn({ nodeId: this.nodeId, errorCode: body.errorCode }, 'ApiVersions request failed; disconnecting');
    this.#close(this.#disconnect(`ApiVersions request failed with error ${body.errorCode} (${name})`));
  }

  #ready(versions: NodeApiVersions): void {
    this.#apiVersions = versions;
    this.#state = 'READY';
    this.#p.listener.onStateChange(this, 'READY');
    this.#dispatch();
  }

  /**
   * Sends the authenticator's next request (`next` computes it; it may be asynchronous: SCRAM's PBKDF2 runs on the
   * thread pool) and feeds its response back, until the authenticator says it is done (READY) or fails (closed).
   */
  #authenticate(authenticator: ClientAuthenticator, versions: NodeApiVersions, next: () => AuthenticationRequest | null | Promise<AuthenticationRequest | null>): void {
    const failed = (err: unknown): void => {
      if (this.#state === 'DISCONNECTED') return;
      const reason = (err as Error).message;
      this.#p.logger.error({ nodeId: this.nodeId, address: this.#address, mechanism: authenticator.mechanism, reason }, 'Connection to node failed authentication');
      this.#close(this.#disconnect(`failed authentication due to: ${reason}`, err));
    };
    let step: AuthenticationRequest | null | Promise<AuthenticationRequest | null>;
    try {
      step = next();
    } catch (err) {
      failed(err);
      return;
    }
    void Promise.resolve(step).then((request) => {
      if (this.#state === 'DISCONNECTED') return;
      if (request === null) {
        this.#p.logger.debug({ nodeId: this.nodeId, mechanism: authenticator.mechanism }, 'Successfully authenticated with node');
        this.#ready(versions);
        return;
      }
      const version = versions.latestUsableVersion(request.apiKey, request.minVersion, request.maxVersion);
      const sent = new ClientRequest(
        {
          nodeId: this.nodeId,
          apiKey: request.apiKey,
          minVersion: version,
          maxVersion: version,
          body: request.body,
          timeoutMs: this.#p.apiVersionsTimeoutMs,
          createdMs: this.#p.time.hiResClockMs(),
        },
        (response) =>
          this.#authenticate(authenticator, versions, async () => {
            try {
              return await authenticator.onResponse(request.apiKey, response.apiVersion, response.body);
            } finally {
              response.releaseFrame();
            }
          }),
        // A failed authentication request always comes with (or from) the close of the connection.
        () => undefined,
      );
      sent.onExpire = (r) => this.#expire(r);
      this.#p.deadlines.add(sent);
      this.#write(sent, version);
    }).catch(failed);
  }

  #dispatch(): void {
    if (this.#state !== 'READY') return;
    const max = this.#p.maxInFlightRequests;
    while (this.#writable && this.#inFlight.length < max && this.#waiting.length > 0 && this.#state === 'READY') {
      const request = this.#waiting.shift()!;
      let version: number;
      try {
        version = this.#apiVersions!.latestUsableVersion(request.apiKey, request.minVersion, request.maxVersion);
      } catch (err) {
        this.#settle(request);
        request.fail(err as Error);
        continue;
      }
      this.#write(request, version);
    }
  }

  /** Encodes and writes `request` at `version`; an encoding failure fails only that request. */
  #write(request: ClientRequest, version: number): void {
    const api = API_MESSAGES.get(request.apiKey)!;
    const correlationId = this.#p.nextCorrelationId();
    let frame: Buffer[];
    let frameBytes: number;
    try {
      const body = typeof request.body === 'function' ? request.body(version) : request.body;
      const header: RequestHeader = { requestApiKey: request.apiKey, requestApiVersion: version, correlationId, clientId: this.#p.clientId };
      const headerVersion = requestHeaderVersion(request.apiKey, version);
      const size = sizeRequestHeader(headerVersion, header) + api.sizeRequest(version, body);
      frameBytes = 4 + size;
      const w = new Writer(Math.min(frameBytes, REFERENCED_RECORDS_BYTES), { referenceRecordsFromBytes: REFERENCED_RECORDS_BYTES });
      w.writeInt32(size);
      encodeRequestHeader(w, headerVersion, header);
      api.encodeRequest(w, version, body);
      // Only Buffers: a client request holds no file regions.
      frame = w.chunks() as Buffer[];
    } catch (err) {
      this.#settle(request);
      request.fail(
        err instanceof RangeError
          ? new UnsupportedVersionError(
              request.apiKey,
              { min: request.minVersion, max: request.maxVersion },
              this.#apiVersions?.apiVersion(request.apiKey) ?? null,
              `${api.name} request cannot be written at version ${version}: ${err.message}`,
              err,
            )
          : (err as Error),
      );
      return;
    }
    request.apiVersion = version;
    request.correlationId = correlationId;
    request.sentMs = this.#p.time.hiResClockMs();
    this.#inFlight.push(request);
    const socket = this.#socket!;
    if (frame.length === 1) {
      this.#writable = socket.write(frame[0]!);
    } else {
      // One writev for the pieces.
      socket.cork();
      for (const chunk of frame) this.#writable = socket.write(chunk);
      socket.uncork();
    }
    this.#p.metrics?.requestSent?.(this.nodeId, request.apiKey, frameBytes);
  }

  /** onread callback: `n` bytes landed in the decoder's read buffer; false stops reading (closed). */
  #onRead(n: number): boolean {
    if (this.#state === 'DISCONNECTED') return false;
    this.#decoded(() => this.#decoder.commitRead(n));
    return this.#closeError === null;
  }

  #onData(chunk: Buffer): void {
    this.#decoded(() => this.#decoder.push(chunk));
  }

  /** Runs one step of the decoder and handles the frames it completed. */
  #decoded(step: () => Buffer[]): void {
    let frames: Buffer[];
    try {
      frames = step();
    } catch (err) {
      this.#close(this.#disconnect(`invalid response frame: ${(err as Error).message}`, err));
      return;
    }
    for (const frame of frames) {
      if (this.#state === 'DISCONNECTED') return;
      this.#onFrame(frame);
    }
    this.#dispatch();
  }

  #onFrame(frame: Buffer): void {
    const request = this.#inFlight[0];
    if (request === undefined) {
      this.#close(this.#disconnect(`received a response (${frame.length} bytes) with no request in flight`));
      return;
    }
    const api = API_MESSAGES.get(request.apiKey)!;
    const pool = this.#p.framePool;
    let released = false;
    // Once only: after a first release the memory may already be another frame's.
    const releaseFrame = pool === undefined ? NO_RELEASE : (): void => {
      if (released) return;
      released = true;
      pool.release(frame);
    };
    let body: object;
    let version = request.apiVersion;
    try {
      const r = new Reader(frame);
      const header = decodeResponseHeader(r, responseHeaderVersion(request.apiKey, version));
      if (header.correlationId !== request.correlationId) {
        const mismatch = new CorrelationIdMismatchError(request.correlationId, header.correlationId);
        releaseFrame();
        this.#close(this.#disconnect(mismatch.message, mismatch));
        return;
      }
      // A node that does not support our ApiVersions version answers with a v0 body (KIP-511); its error code
      // leads every version's body, so it tells which layout follows (Kafka's ApiVersionsResponse.parse falls
      // back to v0 the same way).
      if (request.apiKey === ApiKeys.ApiVersions && frame.length >= r.offset + 2 && frame.readInt16BE(r.offset) === Errors.UNSUPPORTED_VERSION) {
        version = 0;
      }
      body = api.decodeResponse(r, version);
    } catch (err) {
      releaseFrame();
      this.#close(this.#disconnect(`could not decode the ${api.name} v${version} response: ${(err as Error).message}`, err));
      return;
    }
    this.#inFlight.shift();
    this.#settle(request);
    const latencyMs = this.#p.time.hiResClockMs() - request.sentMs;
    this.#p.metrics?.responseReceived?.(this.nodeId, request.apiKey, frame.length + 4, latencyMs);
    request.complete({ body, apiVersion: version, nodeId: this.nodeId, correlationId: request.correlationId, latencyMs, releaseFrame });
  }

  #expire(request: ClientRequest): void {
    const i = this.#waiting.indexOf(request);
    if (i >= 0) {
      this.#waiting.splice(i, 1);
      this.#p.metrics?.requestTimedOut?.(this.nodeId, request.apiKey, false);
      request.fail(new RequestTimeoutError(this.nodeId, request.apiKey, request.timeoutMs, false, this.#address));
      return;
    }
    if (!this.#inFlight.includes(request)) return;
    // Kafka's NetworkClient.handleTimedOutRequests: the connection is closed, since a late response would arrive
    // ahead of the responses to the requests behind it and could not be matched any more.
    const timeout = new RequestTimeoutError(this.nodeId, request.apiKey, request.timeoutMs, true, this.#address);
    this.#p.logger.info({ nodeId: this.nodeId, apiKey: request.apiKey, timeoutMs: request.timeoutMs }, 'Disconnecting from node due to request timeout');
    this.#p.metrics?.requestTimedOut?.(this.nodeId, request.apiKey, true);
    this.#close(this.#disconnect(`closed after request ${request.correlationId} (api key ${request.apiKey}) timed out`, timeout), request, timeout);
  }

  #settle(request: ClientRequest): void {
    this.#p.deadlines.remove(request);
  }

  #close(error: DisconnectException, timedOut?: ClientRequest, timeoutError?: RequestTimeoutError): void {
    if (this.#state === 'DISCONNECTED') return;
    const previous = this.#state;
    this.#state = 'DISCONNECTED';
    this.#closeError = error;
    this.#p.deadlines.remove(this.#setupDeadline);
    if (this.#socket !== null) {
      // Later 'error' and 'close' events of this socket reach #close again and are ignored.
      this.#socket.destroy();
    }
    // The memory of a response cut short goes back to the pool.
    this.#decoder.dispose();
    const pending = this.#inFlight.concat(this.#waiting);
    this.#inFlight.length = 0;
    this.#waiting.length = 0;
    for (const request of pending) {
      this.#settle(request);
      request.fail(request === timedOut ? timeoutError! : error);
    }
    if (previous === 'CONNECTING') {
      this.#p.logger.warn({ nodeId: this.nodeId, address: this.#address, err: error.cause }, 'Connection to node could not be established. Node may not be available.');
    } else {
      this.#p.logger.info({ nodeId: this.nodeId, address: this.#address, reason: error.message }, 'Node disconnected');
    }
    this.#p.metrics?.connectionClosed?.(this.nodeId, error);
    this.#p.listener.onClosed(this, previous, error);
  }
}
