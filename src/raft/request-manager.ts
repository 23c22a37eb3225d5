import type { Random } from '../common/random.ts';
import type { RaftNode } from './voter-set.ts';

type ConnectionStatus = 'READY' | 'AWAITING_RESPONSE' | 'BACKING_OFF';

class ConnectionState {
  status: ConnectionStatus = 'READY';
  lastSendTimeMs = 0;
  lastFailTimeMs = 0;
  inFlightCorrelationId: number | null = null;
  readonly #retryBackoffMs: number;
  readonly #requestTimeoutMs: number;

  constructor(retryBackoffMs: number, requestTimeoutMs: number) {
    this.#retryBackoffMs = retryBackoffMs;
    this.#requestTimeoutMs = requestTimeoutMs;
  }

  isBackoffComplete(nowMs: number): boolean {
    return this.status === 'BACKING_OFF' && nowMs >= this.lastFailTimeMs + this.#retryBackoffMs;
  }

  hasRequestTimedOut(nowMs: number): boolean {
    return this.status === 'AWAITING_RESPONSE' && nowMs >= this.lastSendTimeMs + this.#requestTimeoutMs;
  }

  isReady(nowMs: number): boolean {
    if (this.isBackoffComplete(nowMs) || this.hasRequestTimedOut(nowMs)) this.status = 'READY';
    return this.status === 'READY';
  }

  isBackingOff(nowMs: number): boolean {
    return this.status === 'BACKING_OFF' && !this.isBackoffComplete(nowMs);
  }

  hasInflightRequest(nowMs: number): boolean {
    return this.status === 'AWAITING_RESPONSE' && !this.hasRequestTimedOut(nowMs);
  }

  remainingRequestTimeMs(nowMs: number): number {
    return this.hasInflightRequest(nowMs) ? this.lastSendTimeMs + this.#requestTimeoutMs - nowMs : 0;
  }

  remainingBackoffMs(nowMs: number): number {
    return this.isBackingOff(nowMs) ? this.lastFailTimeMs + this.#retryBackoffMs - nowMs : 0;
  }

  onResponseError(correlationId: number, nowMs: number): void {
    if (this.inFlightCorrelationId !== correlationId) return;
    this.lastFailTimeMs = nowMs;
    this.status = 'BACKING_OFF';
    this.inFlightCorrelationId = null;
  }

  onRequestSent(correlationId: number, nowMs: number): void {
    this.lastSendTimeMs = nowMs;
    this.inFlightCorrelationId = correlationId;
    this.status = 'AWAITING_RESPONSE';
  }
}

/**
 * One request at a time per destination, with a timeout and a backoff after a failure (Kafka's raft
 * `RequestManager`): a destination is READY, AWAITING_RESPONSE (until the response or
 * controller.quorum.request.timeout.ms) or BACKING_OFF (controller.quorum.retry.backoff.ms after a failed
 * response). A response is handled only if it answers the request in flight; later or duplicated ones are
 * ignored. The bootstrap servers are the destinations of fetches when no leader is known (a random one is tried
 * first each time).
 */
export class RequestManager {
  readonly #connections = new Map<number, ConnectionState>();
  readonly #bootstrapServers: readonly RaftNode[];
  readonly #retryBackoffMs: number;
  readonly #requestTimeoutMs: number;
  readonly #random: Random;

  constructor(bootstrapServers: readonly RaftNode[], retryBackoffMs: number, requestTimeoutMs: number, random: Random) {
    this.#bootstrapServers = bootstrapServers;
    this.#retryBackoffMs = retryBackoffMs;
    this.#requestTimeoutMs = requestTimeoutMs;
    this.#random = random;
  }

  get bootstrapServers(): readonly RaftNode[] {
    return this.#bootstrapServers;
  }

  /** True when a request to any destination is in flight (timed-out and backed-off entries are dropped). */
  hasAnyInflightRequest(nowMs: number): boolean {
    for (const [id, c] of this.#connections) {
      if (c.hasRequestTimedOut(nowMs) || c.isBackoffComplete(nowMs)) this.#connections.delete(id);
      else if (c.hasInflightRequest(nowMs)) return true;
    }
    return false;
  }

  /** A bootstrap server ready for a request, or undefined (also while any request is in flight). */
  findReadyBootstrapServer(nowMs: number): RaftNode | undefined {
    if (this.hasAnyInflightRequest(nowMs) || this.#bootstrapServers.length === 0) return undefined;
    const start = this.#random.nextInt(this.#bootstrapServers.length);
    for (let i = 0; i < this.#bootstrapServers.length; i++) {
      const node = this.#bootstrapServers[(start + i) % this.#bootstrapServers.length]!;
      if (this.isReady(node, nowMs)) return node;
    }
    return undefined;
  }

  /** Ms until a bootstrap server can be sent to: the in-flight request's remaining time, or the shortest backoff. */
  backoffBeforeAvailableBootstrapServer(nowMs: number): number {
    let minBackoffMs = this.#retryBackoffMs;
    for (const [id, c] of this.#connections) {
      if (c.hasRequestTimedOut(nowMs) || c.isBackoffComplete(nowMs)) {
        this.#connections.delete(id);
      } else if (c.hasInflightRequest(nowMs)) {
        return c.remainingRequestTimeMs(nowMs);
      } else if (c.isBackingOff(nowMs)) {
        minBackoffMs = Math.min(minBackoffMs, c.remainingBackoffMs(nowMs));
      }
    }
    for (const node of this.#bootstrapServers) if (this.isReady(node, nowMs)) return 0;
    return minBackoffMs;
  }

  hasRequestTimedOut(node: RaftNode, nowMs: number): boolean {
    return this.#connections.get(node.id)?.hasRequestTimedOut(nowMs) ?? false;
  }

  isReady(node: RaftNode, nowMs: number): boolean {
    const c = this.#connections.get(node.id);
    if (c === undefined) return true;
    const ready = c.isReady(nowMs);
    if (ready) this.reset(node);
    return ready;
  }

  isBackingOff(node: RaftNode, nowMs: number): boolean {
    return this.#connections.get(node.id)?.isBackingOff(nowMs) ?? false;
  }

  remainingRequestTimeMs(node: RaftNode, nowMs: number): number {
    return this.#connections.get(node.id)?.remainingRequestTimeMs(nowMs) ?? 0;
  }

  remainingBackoffMs(node: RaftNode, nowMs: number): number {
    return this.#connections.get(node.id)?.remainingBackoffMs(nowMs) ?? 0;
  }

  isResponseExpected(node: RaftNode, correlationId: number): boolean {
    return this.#connections.get(node.id)?.inFlightCorrelationId === correlationId;
  }

  /** A handled response: success makes the destination READY, failure starts the backoff. */
  onResponseResult(node: RaftNode, correlationId: number, success: boolean, nowMs: number): void {
    if (!this.isResponseExpected(node, correlationId)) return;
    if (success) this.reset(node);
    else this.#connections.get(node.id)!.onResponseError(correlationId, nowMs);
  }

  onRequestSent(node: RaftNode, correlationId: number, nowMs: number): void {
    let c = this.#connections.get(node.id);
    if (c === undefined) {
      c = new ConnectionState(this.#retryBackoffMs, this.#requestTimeoutMs);
      this.#connections.set(node.id, c);
    }
    c.onRequestSent(correlationId, nowMs);
  }

  reset(node: RaftNode): void {
    this.#connections.delete(node.id);
  }

  resetAll(): void {
    this.#connections.clear();
  }
}
