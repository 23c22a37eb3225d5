import { createRequire } from 'node:module';
import { SystemTime, type Time } from '../common/time.ts';
import { SystemRandom, type Random } from '../common/random.ts';
import { rootLogger, type Logger } from '../observability/logger.ts';
import { DEFAULT_SOCKET_REQUEST_MAX_BYTES } from '../protocol/framing.ts';
import { API_MESSAGES } from '../protocol/generated/api-messages.ts';
import { ClusterConnectionStates, type NodeConnectionStateView } from './cluster-connection-states.ts';
import { ClientRequest, type ClientResponse, type RequestBody } from './client-request.ts';
import { DeadlineQueue } from './deadline-queue.ts';
import type { FramePool } from './frame-pool.ts';
import type { NodeApiVersions } from './node-api-versions.ts';
import { NodeConnection, type NetworkClientMetrics, type NodeEndpoint } from './node-connection.ts';
import { DisconnectException, NodeNotReadyError, UnsupportedVersionError } from './network-client-errors.ts';
import { PLAINTEXT_SOCKET_FACTORY, type SocketFactory } from './socket-factory.ts';
import type { ClientAuthenticator } from '../security/client/sasl-client-authenticator.ts';

export type { ClientResponse, RequestBody } from './client-request.ts';
export type { NetworkClientMetrics, NodeEndpoint } from './node-connection.ts';
export type { ConnectionState } from './cluster-connection-states.ts';

/**
 * Which version to send: an exact version, or a range (`{}` = every version of our codecs except an unstable
 * latest one) of which the newest that both this client and the node support is used; the response says which.
 */
export type ApiVersionSelector = number | { readonly min?: number; readonly max?: number };

/** Per-request options of {@link NetworkClient.send}. */
export interface SendOptions {
  /**
   * Kafka's `request.timeout.ms` for this request: from the call to the response, waiting for the connection
   * included; default the client's `requestTimeoutMs`. Integer ms in [0, 2147483647].
   */
  readonly timeoutMs?: number;
}

/** Settings of a {@link NetworkClient}; times in ms, sizes in bytes, Kafka's client config names in camelCase. */
export interface NetworkClientOptions {
  /** `client.id` of every request header, e.g. `raft-client-1` (Kafka's RaftManager) or `broker-1-to-controller`. */
  readonly clientId: string;
  /** Clock for deadlines and backoff (monotonic `hiResClockMs`); default SystemTime. */
  readonly time?: Time;
  /** Source of the backoff and setup-timeout jitter; default SystemRandom. */
  readonly random?: Random;
  /** Transport; default {@link PLAINTEXT_SOCKET_FACTORY} (see tls-socket-factory.ts for SSL and SASL_SSL). */
  readonly socketFactory?: SocketFactory;
  /**
   * Makes the SASL authenticator of each new connection (SASL_PLAINTEXT, SASL_SSL: Kafka's SaslChannelBuilder in
   * client mode); undefined: no authentication. A connection is READY only once it authenticated.
   */
  readonly newAuthenticator?: () => ClientAuthenticator;
  /** `reconnect.backoff.ms`, default 50. */
  readonly reconnectBackoffMs?: number;
  /** `reconnect.backoff.max.ms`, default 1000. */
  readonly reconnectBackoffMaxMs?: number;
  /** `socket.connection.setup.timeout.ms`, default 10000. */
  readonly connectionSetupTimeoutMs?: number;
  /** `socket.connection.setup.timeout.max.ms`, default 30000. */
  readonly connectionSetupTimeoutMaxMs?: number;
  /** `request.timeout.ms`: default timeout of `send` and the timeout of the ApiVersions handshake; default 30000. */
  readonly requestTimeoutMs?: number;
  /**
   * `max.in.flight.requests.per.connection`, default 5 (the Java client's default; Kafka's own inter-node clients
   * use 1, which a caller needing strict one-at-a-time delivery passes). Further requests wait in the queue.
   */
  readonly maxInFlightRequestsPerConnection?: number;
  /**
   * Requests that may wait for a connection (not yet written) before `send` fails fast with a NodeNotReadyError
   * ('queue-full'): memory stays bounded when a node is slow. Default 1000.
   */
  readonly maxQueuedRequestsPerConnection?: number;
  /**
   * Largest response frame accepted, in bytes (size prefix excluded); a larger announced size closes the
   * connection before anything is allocated. Default 104857600 (`socket.request.max.bytes`); Kafka's inter-node
   * clients have no limit, so a replica fetcher with a larger `replica.fetch.response.max.bytes` raises this.
   */
  readonly maxResponseBytes?: number;
  /**
   * Memory of response frames: frames in the pool's size range are recycled once the caller is done with them
   * ({@link ClientResponse.releaseFrame}; a replica fetcher, whose ~1 MiB Fetch responses would otherwise each be
   * a new Buffer for the GC). Only the pool's memory is used, not its admission budget. Default: plain Buffers.
   */
  readonly framePool?: FramePool;
  /** KIP-511 client software name sent in ApiVersions v3+; default 'kafka-broker'. */
  readonly clientSoftwareName?: string;
  /** KIP-511 client software version; default this package's version. */
  readonly clientSoftwareVersion?: string;
  readonly logger?: Logger;
  readonly metrics?: NetworkClientMetrics;
}

/** A snapshot of one node's connection, for observability and tests. */
export interface NodeConnectionStatus extends NodeConnectionStateView {
  readonly endpoint: NodeEndpoint;
  /** Requests written and not yet answered (the ApiVersions handshake included). */
  readonly inFlightRequests: number;
  /** Requests waiting to be written. */
  readonly queuedRequests: number;
}

/** Kafka's ApiVersionsRequest.isValid pattern for the client software name and version (KIP-511). */
const SOFTWARE_PATTERN = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;
const PACKAGE_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
const MAX_INT32 = 0x7fffffff;
/** Kafka's SaslClientAuthenticator reserves the correlation ids [MAX_INT32 - 7, MAX_INT32] for SASL requests. */
const MIN_RESERVED_CORRELATION_ID = MAX_INT32 - 7;

interface NodeEntry {
  endpoint: NodeEndpoint;
  connection: NodeConnection | null;
}

function checkInt(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > MAX_INT32) {
    throw new RangeError(`${name} must be an integer in [${min}, ${MAX_INT32}], got ${value}`);
  }
  return value;
}

/**
 * The broker's own Kafka-protocol client for node-to-node traffic, after Kafka's `NetworkClient` (with the
 * bookkeeping of `ClusterConnectionStates` and `InFlightRequests`, and the request queue of
 * `InterBrokerSendThread`): the Raft NetworkChannel between controllers, broker-to-controller heartbeats and
 * forwarding, replica fetchers and the transaction marker sender each own one (with their own `clientId`).
 *
 * - Destinations are {@link NodeEndpoint}s. The first `send` to a node connects lazily; there is one connection
 *   per node, on which requests are pipelined (up to `maxInFlightRequestsPerConnection`) with correlation ids
 *   from one increasing counter per client (Kafka's, skipping the ids reserved for SASL); responses must come
 *   back in order (see {@link NodeConnection}). An endpoint that changes (broker re-registration, KIP-853 voter
 *   update) closes the connection to the old address and resets the node's backoff ({@link updateEndpoint}).
 * - Each connection first negotiates versions with ApiVersions (KIP-511); `send` then uses the newest version
 *   within the caller's range that both sides support, and says which ({@link ClientResponse.apiVersion}).
 * - Failures are typed (see network-client-errors.ts): DisconnectException (connection refused or lost; in-flight
 *   and queued requests fail with it), NodeNotReadyError (reconnect backoff or full queue: nothing sent),
 *   RequestTimeoutError (`timeoutMs` passed; an in-flight request's connection is closed, as Kafka's
 *   NetworkClient.handleTimedOutRequests does), UnsupportedVersionError (nothing sent).
 * - A node whose connection failed is not connected to again before its reconnect backoff has elapsed
 *   (`reconnect.backoff.ms` doubling per failure up to `reconnect.backoff.max.ms`, +/- 20 % jitter from the
 *   injected Random); a `send` during the backoff fails at once with a NodeNotReadyError, and the caller retries
 *   after its own retry backoff (Kafka: `NetworkClient.ready()` false, InterBrokerSendThread fails unsent
 *   requests of a disconnected node). A connection that is not up within the setup timeout
 *   (`socket.connection.setup.timeout.ms`, doubling up to `.max.ms`) is closed.
 * - Deadlines use the injected Time (`hiResClockMs`) and one timer for the whole client ({@link DeadlineQueue});
 *   {@link poll} expires them at once (for MockTime).
 *
 * - Security: the socket factory is the transport (PLAINTEXT, or TLS: tls-socket-factory.ts) and `newAuthenticator`
 *   the SASL exchange (PLAIN, SCRAM-SHA-256/512) each connection runs after ApiVersions before it is READY; a failed
 *   authentication closes the connection and puts the node in its reconnect backoff, as any failed connection.
 *
 * Not implemented: KIP-368 re-authentication (the server closes an expired session; the client connects and
 * authenticates again), client-side throttling on
 * `throttle_time_ms` (KIP-219), idle-connection expiry (`connections.max.idle.ms`; the peer's expiry is handled
 * as any disconnection), requests without a response (Produce acks=0).
 */
export class NetworkClient {
  readonly clientId: string;
  readonly #time: Time;
  readonly #socketFactory: SocketFactory;
  readonly #newAuthenticator: (() => ClientAuthenticator) | undefined;
  readonly #requestTimeoutMs: number;
  readonly #maxInFlight: number;
  readonly #maxQueued: number;
  readonly #maxResponseBytes: number;
  readonly #framePool: FramePool | undefined;
  readonly #clientSoftwareName: string;
  readonly #clientSoftwareVersion: string;
  readonly #logger: Logger;
  readonly #metrics: NetworkClientMetrics | undefined;
  readonly #states: ClusterConnectionStates;
  readonly #deadlines: DeadlineQueue;
  readonly #nodes = new Map<number, NodeEntry>();
  #correlation = 0;
  #closed = false;

  /** @throws RangeError on an invalid option. */
  constructor(options: NetworkClientOptions) {
    if (typeof options.clientId !== 'string') throw new RangeError('clientId must be a string');
    this.clientId = options.clientId;
    this.#time = options.time ?? SystemTime;
    this.#socketFactory = options.socketFactory ?? PLAINTEXT_SOCKET_FACTORY;
    this.#newAuthenticator = options.newAuthenticator;
    this.#requestTimeoutMs = checkInt('requestTimeoutMs', options.requestTimeoutMs ?? 30_000, 0);
    this.#maxInFlight = checkInt('maxInFlightRequestsPerConnection', options.maxInFlightRequestsPerConnection ?? 5, 1);
    this.#maxQueued = checkInt('maxQueuedRequestsPerConnection', options.maxQueuedRequestsPerConnection ?? 1000, 1);
    this.#maxResponseBytes = checkInt('maxResponseBytes', options.maxResponseBytes ?? DEFAULT_SOCKET_REQUEST_MAX_BYTES, 0);
    this.#framePool = options.framePool;
    this.#clientSoftwareName = options.clientSoftwareName ?? 'kafka-broker';
    this.#clientSoftwareVersion = options.clientSoftwareVersion ?? PACKAGE_VERSION;
    for (const [name, value] of [['clientSoftwareName', this.#clientSoftwareName], ['clientSoftwareVersion', this.#clientSoftwareVersion]]) {
      if (!SOFTWARE_PATTERN.test(value!)) throw new RangeError(`${name} '${value}' does not match ${SOFTWARE_PATTERN} (KIP-511)`);
    }
    this.#logger = options.logger ?? rootLogger.child({ component: 'NetworkClient', clientId: this.clientId });
    this.#metrics = options.metrics;
    this.#states = new ClusterConnectionStates(
      {
        reconnectBackoffMs: checkInt('reconnectBackoffMs', options.reconnectBackoffMs ?? 50, 0),
        reconnectBackoffMaxMs: checkInt('reconnectBackoffMaxMs', options.reconnectBackoffMaxMs ?? 1000, 0),
        connectionSetupTimeoutMs: checkInt('connectionSetupTimeoutMs', options.connectionSetupTimeoutMs ?? 10_000, 0),
        connectionSetupTimeoutMaxMs: checkInt('connectionSetupTimeoutMaxMs', options.connectionSetupTimeoutMaxMs ?? 30_000, 0),
      },
      options.random ?? SystemRandom,
    );
    this.#deadlines = new DeadlineQueue(this.#time);
  }

  /**
   * Sends `request` to `destination` and resolves with the decoded response.
   *
   * @param destination the node and the address of its listener; a changed address is an {@link updateEndpoint}.
   * @param apiKey the API (ApiKeys in generated/api-keys.ts).
   * @param apiVersion an exact version, or a range of which the newest usable version is chosen.
   * @param request the request body (an `Input<...Request>`), or a function of the chosen version returning it.
   * @returns the response body with the version used, the correlation id and the latency.
   * Rejects with (nothing is thrown synchronously):
   * - UnsupportedVersionError: no version in range (an empty range included) is supported by our codecs and the
   *   node, or the body cannot be written at the chosen one;
   * - NodeNotReadyError: reconnect backoff in progress (`retryAfterMs`) or too many queued requests;
   * - DisconnectException: connection refused, lost, closed for a protocol violation, disconnect() or close();
   * - RequestTimeoutError: no response within `timeoutMs`;
   * - RangeError: an unknown API key, a non-integer version, a bad timeout or endpoint.
   */
  send<Res extends object = Record<string, unknown>>(
    destination: NodeEndpoint,
    apiKey: number,
    apiVersion: ApiVersionSelector,
    request: RequestBody,
    options: SendOptions = {},
  ): Promise<ClientResponse<Res>> {
    try {
      if (this.#closed) throw new DisconnectException(destination.nodeId, 'the client is closed');
      const api = API_MESSAGES.get(apiKey);
      if (api === undefined) throw new RangeError(`unknown API key ${apiKey}`);
      const timeoutMs = checkInt('timeoutMs', options.timeoutMs ?? this.#requestTimeoutMs, 0);
      // An unstable latest version (Kafka's latestVersionUnstable) is used only when the caller names it.
      const stableMax = api.latestVersionUnstable ? api.maxVersion - 1 : api.maxVersion;
      const requested =
        typeof apiVersion === 'number'
          ? { min: apiVersion, max: apiVersion }
          : { min: apiVersion.min ?? api.minVersion, max: apiVersion.max ?? stableMax };
      if (!Number.isInteger(requested.min) || !Number.isInteger(requested.max)) {
        throw new RangeError(`invalid version range [${requested.min}, ${requested.max}] for ${api.name}`);
      }
      const min = Math.max(requested.min, api.minVersion);
      const max = Math.min(requested.max, api.maxVersion);
      if (min > max) {
        throw new UnsupportedVersionError(
          apiKey,
          requested,
          null,
          `${api.name} versions [${requested.min},${requested.max}] are outside this client's [${api.minVersion},${api.maxVersion}]`,
        );
      }
      const entry = this.#entry(destination);
      const connection = entry.connection ?? this.#connect(entry);
      if (connection.queuedCount >= this.#maxQueued) {
        throw new NodeNotReadyError(destination.nodeId, 'queue-full', 0, `${entry.endpoint.host}:${entry.endpoint.port}`);
      }
      return new Promise<ClientResponse<Res>>((resolve, reject) => {
        const fields = { nodeId: destination.nodeId, apiKey, minVersion: min, maxVersion: max, body: request, timeoutMs, createdMs: this.#time.hiResClockMs() };
        connection.enqueue(new ClientRequest(fields, resolve as (r: ClientResponse<object>) => void, reject));
      });
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /**
   * Records the address of a node. When it differs from the known one, the connection to the old address is
   * closed (its requests fail with a DisconnectException) and the node's reconnect backoff is forgotten, so the
   * next `send` connects to the new address at once (Kafka's ClusterConnectionStates on a changed host).
   * @throws RangeError on an invalid endpoint.
   */
  updateEndpoint(endpoint: NodeEndpoint): void {
    this.#entry(endpoint);
  }

  /**
   * Closes the connection to `nodeId` if there is one; its requests fail with a DisconnectException, and the node
   * enters its reconnect backoff (Kafka's NetworkClient.disconnect).
   */
  disconnect(nodeId: number): void {
    this.#nodes.get(nodeId)?.connection?.close(new DisconnectException(nodeId, 'disconnected by the client'));
  }

  /** Fails every pending request with a DisconnectException, closes every socket; later sends reject. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const [nodeId, entry] of this.#nodes) entry.connection?.close(new DisconnectException(nodeId, 'the client is closed'));
    this.#deadlines.close();
  }

  /**
   * Expires now the requests and connection setups whose deadline has passed by the injected Time. The client's
   * own timer does this on the real clock; a test driving a MockTime calls it after advancing the clock.
   */
  poll(): void {
    if (!this.#closed) this.#deadlines.poll();
  }

  /** Whether the connection to `nodeId` is READY (ApiVersions done): a send is written without waiting. */
  isReady(nodeId: number): boolean {
    return this.#nodes.get(nodeId)?.connection?.state === 'READY';
  }

  /**
   * Kafka's `connectionDelay`: ms before a connection to `nodeId` may be attempted (0: now; Infinity: connected
   * or connecting, nothing to wait for). A caller in backoff schedules its retry with it.
   */
  connectionDelayMs(nodeId: number): number {
    const state = this.#nodes.get(nodeId)?.connection?.state;
    if (state !== undefined) return Infinity;
    return this.#states.connectionDelayMs(nodeId, this.#time.hiResClockMs());
  }

  /** The ApiVersions of `nodeId` while its connection is READY, else undefined. */
  nodeApiVersions(nodeId: number): NodeApiVersions | undefined {
    return this.#nodes.get(nodeId)?.connection?.apiVersions ?? undefined;
  }

  /** A snapshot of the connection to `nodeId`, or undefined if no connection was ever attempted. */
  connectionStatus(nodeId: number): NodeConnectionStatus | undefined {
    const entry = this.#nodes.get(nodeId);
    const view = this.#states.view(nodeId);
    if (entry === undefined || view === undefined) return undefined;
    return {
      ...view,
      endpoint: entry.endpoint,
      inFlightRequests: entry.connection?.inFlightCount ?? 0,
      queuedRequests: entry.connection?.queuedCount ?? 0,
    };
  }

  /** The entry of `endpoint.nodeId`, created or re-addressed as needed. */
  #entry(endpoint: NodeEndpoint): NodeEntry {
    const { nodeId, host, port } = endpoint;
    if (!Number.isInteger(nodeId) || typeof host !== 'string' || host === '' || !Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new RangeError(`invalid endpoint ${JSON.stringify(endpoint)}`);
    }
    let entry = this.#nodes.get(nodeId);
    if (entry === undefined) {
      entry = { endpoint: { nodeId, host, port }, connection: null };
      this.#nodes.set(nodeId, entry);
    } else if (entry.endpoint.host !== host || entry.endpoint.port !== port) {
      const old = entry.endpoint;
      this.#logger.info({ nodeId, from: `${old.host}:${old.port}`, to: `${host}:${port}` }, 'Endpoint of node changed');
      entry.endpoint = { nodeId, host, port };
      entry.connection?.close(new DisconnectException(nodeId, `endpoint changed to ${host}:${port}`, { address: `${old.host}:${old.port}` }));
      this.#states.remove(nodeId);
    }
    return entry;
  }

  /**
   * Starts a connection to `entry`'s node.
   * @throws NodeNotReadyError while the node is in its reconnect backoff.
   */
  #connect(entry: NodeEntry): NodeConnection {
    const { nodeId, host, port } = entry.endpoint;
    const now = this.#time.hiResClockMs();
    if (!this.#states.canConnect(nodeId, now)) {
      throw new NodeNotReadyError(nodeId, 'backoff', this.#states.connectionDelayMs(nodeId, now), `${host}:${port}`);
    }
    this.#states.connecting(nodeId, now);
    const connection = new NodeConnection({
      endpoint: entry.endpoint,
      clientId: this.clientId,
      clientSoftwareName: this.#clientSoftwareName,
      clientSoftwareVersion: this.#clientSoftwareVersion,
      socketFactory: this.#socketFactory,
      authenticator: this.#newAuthenticator?.(),
      time: this.#time,
      deadlines: this.#deadlines,
      connectionSetupTimeoutMs: this.#states.connectionSetupTimeoutMs(nodeId),
      apiVersionsTimeoutMs: this.#requestTimeoutMs,
      maxInFlightRequests: this.#maxInFlight,
      maxResponseBytes: this.#maxResponseBytes,
      framePool: this.#framePool,
      nextCorrelationId: () => this.#nextCorrelationId(),
      logger: this.#logger,
      metrics: this.#metrics,
      listener: {
        onStateChange: (c, state) => {
          if (entry.connection !== c) return;
          if (state === 'READY') this.#states.ready(nodeId);
          else this.#states.checkingApiVersions(nodeId);
        },
        onClosed: (c) => {
          if (entry.connection !== c) return;
          entry.connection = null;
          this.#states.disconnected(nodeId, this.#time.hiResClockMs());
        },
      },
    });
    entry.connection = connection;
    this.#logger.debug({ nodeId, address: `${host}:${port}` }, 'Initiating connection to node');
    connection.start();
    // A synchronous failure (the socket factory threw) leaves the node disconnected, in backoff.
    return connection;
  }

  #nextCorrelationId(): number {
    if (this.#correlation >= MIN_RESERVED_CORRELATION_ID) this.#correlation = -0x80000000;
    return this.#correlation++;
  }
}
