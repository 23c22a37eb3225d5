import type { Random } from '../common/random.ts';
import { ExponentialBackoff } from './exponential-backoff.ts';

/**
 * The life of a connection to one node, Kafka's `ConnectionState` (without AUTHENTICATION_FAILED: a failed SASL
 * authentication is a disconnection; the SASL exchange runs in CHECKING_API_VERSIONS):
 *
 * | from                  | event                              | to                    |
 * |-----------------------|------------------------------------|-----------------------|
 * | (none) / DISCONNECTED | connect started (backoff elapsed)  | CONNECTING            |
 * | CONNECTING            | transport ready (TCP connected)    | CHECKING_API_VERSIONS |
 * | CHECKING_API_VERSIONS | ApiVersions response without error | READY                 |
 * | any                   | error, close, timeout, disconnect  | DISCONNECTED          |
 */
export type ConnectionState = 'DISCONNECTED' | 'CONNECTING' | 'CHECKING_API_VERSIONS' | 'READY';

/** Kafka's ClusterConnectionStates.RECONNECT_BACKOFF_EXP_BASE and _JITTER. */
const RECONNECT_BACKOFF_EXP_BASE = 2;
const RECONNECT_BACKOFF_JITTER = 0.2;
/** Kafka's ClusterConnectionStates.CONNECTION_SETUP_TIMEOUT_EXP_BASE and _JITTER. */
const CONNECTION_SETUP_TIMEOUT_EXP_BASE = 2;
const CONNECTION_SETUP_TIMEOUT_JITTER = 0.2;

/** A read-only view of one node's entry (for {@link NetworkClient.connectionStatus}, logs and tests). */
export interface NodeConnectionStateView {
  readonly state: ConnectionState;
  /** Monotonic ms (the injected Time's hiResClockMs) of the last connect attempt or disconnection. */
  readonly lastConnectAttemptMs: number;
  /** Consecutive failures since the node was last READY. */
  readonly failedAttempts: number;
  /** How long after {@link lastConnectAttemptMs} a new connection may be attempted, in ms (jittered). */
  readonly reconnectBackoffMs: number;
  /** Consecutive connection setups that timed out or failed while CONNECTING. */
  readonly failedConnectAttempts: number;
  /** Deadline of the next connection setup, in ms (jittered). */
  readonly connectionSetupTimeoutMs: number;
}

interface NodeConnectionState {
  state: ConnectionState;
  lastConnectAttemptMs: number;
  failedAttempts: number;
  reconnectBackoffMs: number;
  failedConnectAttempts: number;
  connectionSetupTimeoutMs: number;
}

/** Settings of {@link ClusterConnectionStates}, Kafka's client config names in camelCase (all in ms). */
export interface ClusterConnectionStatesConfig {
  /** `reconnect.backoff.ms`, Kafka's default 50. */
  readonly reconnectBackoffMs: number;
  /** `reconnect.backoff.max.ms`, Kafka's default 1000. */
  readonly reconnectBackoffMaxMs: number;
  /** `socket.connection.setup.timeout.ms`, Kafka's default 10000. */
  readonly connectionSetupTimeoutMs: number;
  /** `socket.connection.setup.timeout.max.ms`, Kafka's default 30000. */
  readonly connectionSetupTimeoutMaxMs: number;
}

/**
 * The state of our connection to each node, after Kafka's `ClusterConnectionStates`: when a node may be
 * connected to again (reconnect backoff), and how long a connection setup may take (connection setup timeout).
 *
 * - Reconnect backoff: a node that disconnected may not be connected to again before `reconnectBackoffMs` has
 *   passed since the disconnection. The backoff is `reconnect.backoff.ms * 2^failures` with +/- 20 % jitter, up
 *   to `reconnect.backoff.max.ms` ({@link ExponentialBackoff}); `failures` counts disconnections since the node
 *   was last READY, so a node that answered ApiVersions starts again from `reconnect.backoff.ms`.
 * - Connection setup timeout: `socket.connection.setup.timeout.ms * 2^failures` with +/- 20 % jitter, up to
 *   `socket.connection.setup.timeout.max.ms`, where `failures` counts connection attempts that failed while still
 *   CONNECTING; reset once the transport is up (CHECKING_API_VERSIONS) or after a disconnection from a later state.
 *
 * Times are monotonic ms from the caller's injected `Time.hiResClockMs()`. Node ids are Kafka node ids.
 */
export class ClusterConnectionStates {
  readonly #nodes = new Map<number, NodeConnectionState>();
  readonly #reconnectBackoff: ExponentialBackoff;
  readonly #connectionSetupTimeout: ExponentialBackoff;

  constructor(config: ClusterConnectionStatesConfig, random: Random) {
    this.#reconnectBackoff = new ExponentialBackoff(
      config.reconnectBackoffMs,
      RECONNECT_BACKOFF_EXP_BASE,
      config.reconnectBackoffMaxMs,
      RECONNECT_BACKOFF_JITTER,
      random,
    );
    this.#connectionSetupTimeout = new ExponentialBackoff(
      config.connectionSetupTimeoutMs,
      CONNECTION_SETUP_TIMEOUT_EXP_BASE,
      config.connectionSetupTimeoutMaxMs,
      CONNECTION_SETUP_TIMEOUT_JITTER,
      random,
    );
  }

  /** Whether a new connection to `nodeId` may be started now: never tried, or disconnected and backed off. */
  canConnect(nodeId: number, nowMs: number): boolean {
    const s = this.#nodes.get(nodeId);
    return s === undefined || (s.state === 'DISCONNECTED' && nowMs - s.lastConnectAttemptMs >= s.reconnectBackoffMs);
  }

  /** Whether `nodeId` is disconnected and still inside its reconnect backoff. */
  isBlackedOut(nodeId: number, nowMs: number): boolean {
    const s = this.#nodes.get(nodeId);
    return s !== undefined && s.state === 'DISCONNECTED' && nowMs - s.lastConnectAttemptMs < s.reconnectBackoffMs;
  }

  /**
   * Kafka's `connectionDelay`: ms to wait before a connection may be attempted (0 when it may be now); while
   * CONNECTING, the connection setup timeout; when connected, Infinity (nothing to wait for).
   */
  connectionDelayMs(nodeId: number, nowMs: number): number {
    const s = this.#nodes.get(nodeId);
    if (s === undefined) return 0;
    if (s.state === 'CONNECTING') return s.connectionSetupTimeoutMs;
    if (s.state === 'DISCONNECTED') return Math.max(s.reconnectBackoffMs - (nowMs - s.lastConnectAttemptMs), 0);
    return Infinity;
  }

  /** Enters CONNECTING (a first entry starts with the attempt-0 backoff and setup timeout). */
  connecting(nodeId: number, nowMs: number): void {
    const s = this.#nodes.get(nodeId);
    if (s !== undefined) {
      s.lastConnectAttemptMs = nowMs;
      s.state = 'CONNECTING';
      return;
    }
    this.#nodes.set(nodeId, {
      state: 'CONNECTING',
      lastConnectAttemptMs: nowMs,
      failedAttempts: 0,
      reconnectBackoffMs: this.#reconnectBackoff.backoff(0),
      failedConnectAttempts: 0,
      connectionSetupTimeoutMs: this.#connectionSetupTimeout.backoff(0),
    });
  }

  /** The transport is up and the ApiVersions request is on its way: the setup timeout starts over. */
  checkingApiVersions(nodeId: number): void {
    const s = this.#get(nodeId);
    s.state = 'CHECKING_API_VERSIONS';
    this.#resetConnectionSetupTimeout(s);
  }

  /** ApiVersions answered: the node is usable; both backoffs start over. */
  ready(nodeId: number): void {
    const s = this.#get(nodeId);
    s.state = 'READY';
    s.failedAttempts = 0;
    s.reconnectBackoffMs = this.#reconnectBackoff.backoff(0);
    this.#resetConnectionSetupTimeout(s);
  }

  /**
   * The connection is gone (failed, closed by either side, timed out): the reconnect backoff grows, and so does
   * the setup timeout when the connection never got past CONNECTING.
   */
  disconnected(nodeId: number, nowMs: number): void {
    const s = this.#get(nodeId);
    s.lastConnectAttemptMs = nowMs;
    s.reconnectBackoffMs = this.#reconnectBackoff.backoff(s.failedAttempts);
    s.failedAttempts++;
    if (s.state === 'CONNECTING') {
      s.failedConnectAttempts++;
      s.connectionSetupTimeoutMs = this.#connectionSetupTimeout.backoff(s.failedConnectAttempts);
    } else {
      this.#resetConnectionSetupTimeout(s);
    }
    s.state = 'DISCONNECTED';
  }

  /** Forgets `nodeId` (e.g. its endpoint changed): the next connection is attempted at once, with fresh backoffs. */
  remove(nodeId: number): void {
    this.#nodes.delete(nodeId);
  }

  /** The current entry of `nodeId`, or undefined when it was never connected to (or removed). */
  view(nodeId: number): NodeConnectionStateView | undefined {
    const s = this.#nodes.get(nodeId);
    return s === undefined ? undefined : { ...s };
  }

  /** The connection setup timeout that applies to the current attempt, in ms. @throws Error for an unknown node. */
  connectionSetupTimeoutMs(nodeId: number): number {
    return this.#get(nodeId).connectionSetupTimeoutMs;
  }

  #resetConnectionSetupTimeout(s: NodeConnectionState): void {
    s.failedConnectAttempts = 0;
    s.connectionSetupTimeoutMs = this.#connectionSetupTimeout.backoff(0);
  }

  #get(nodeId: number): NodeConnectionState {
    const s = this.#nodes.get(nodeId);
    if (s === undefined) throw new Error(`no connection state for node ${nodeId}`);
    return s;
  }
}
