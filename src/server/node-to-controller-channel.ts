import type { Time } from '../common/time.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { ApiVersionSelector, NetworkClient, RequestBody } from '../network/network-client.ts';
import type { NodeApiVersions } from '../network/node-api-versions.ts';
import { DisconnectException, RequestTimeoutError } from '../network/network-client-errors.ts';
import type { Logger } from '../observability/logger.ts';
import type { ControllerNodeProvider } from './controller-node-provider.ts';

/** The active controller could not be reached before the request's deadline (REQUEST_TIMED_OUT to a client). */
export class ControllerUnavailableError extends Error {
  readonly errorCode = Errors.REQUEST_TIMED_OUT;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ControllerUnavailableError';
  }
}

/** What {@link NodeToControllerChannel.send} takes besides the request. */
export interface ControllerSendOptions {
  /** The version, or a range of which the newest both sides support is used; default: the newest usable. */
  readonly version?: ApiVersionSelector;
  /**
   * How long to keep trying (waiting for a leader, reconnecting, retrying NOT_CONTROLLER), in ms from the call:
   * Kafka's `retryTimeoutMs` of the channel (60000 for forwarding, broker.session.timeout.ms / 2 for heartbeats).
   */
  readonly timeoutMs: number;
}

/** What sends requests to the active controller: {@link NodeToControllerChannel}, or a scripted one in tests. */
export interface ControllerChannel {
  /** See {@link NodeToControllerChannel.send}. */
  send<Res extends object>(apiKey: number, request: RequestBody, options: ControllerSendOptions): Promise<Res>;
}

/**
 * Requests from this node to the active controller, after Kafka's `NodeToControllerChannelManager` and its
 * `NodeToControllerRequestThread`: each goes to the node the {@link ControllerNodeProvider} names, and is retried,
 * every `retryBackoffMs`, while no leader is known, the connection fails or an attempt times out
 * (`controller.socket.timeout.ms`), or the answer's top-level error is NOT_CONTROLLER (41: leadership moved; the
 * connection to the stale controller is closed, as Kafka's), until the request's own deadline. Requests of one
 * channel go one at a time on their connection (Kafka's channel has one in flight).
 */
export class NodeToControllerChannel implements ControllerChannel {
  readonly #client: NetworkClient;
  readonly #provider: ControllerNodeProvider;
  readonly #time: Time;
  readonly #retryBackoffMs: number;
  readonly #requestTimeoutMs: number;
  readonly #logger: Logger;
  #closed = false;

  /**
   * @param options.client a client of the channel's own (closed by {@link close}).
   * @param options.requestTimeoutMs the longest one attempt may wait for its response (controller.socket.timeout.ms).
   */
  constructor(options: { client: NetworkClient; provider: ControllerNodeProvider; time: Time; retryBackoffMs: number; requestTimeoutMs: number; logger: Logger }) {
    this.#client = options.client;
    this.#provider = options.provider;
    this.#time = options.time;
    this.#retryBackoffMs = options.retryBackoffMs;
    this.#requestTimeoutMs = options.requestTimeoutMs;
    this.#logger = options.logger;
  }

  /**
   * Sends `request` to the active controller and resolves with its response body (whatever its error codes,
   * except a top-level NOT_CONTROLLER, which is retried).
   * @throws ControllerUnavailableError when no active controller answered before the deadline, or the channel is
   *   closed; an UnsupportedVersionError from the client as it is (the controller does not serve the version).
   */
  async send<Res extends object>(apiKey: number, request: RequestBody, options: ControllerSendOptions): Promise<Res> {
    const deadline = this.#time.hiResClockMs() + options.timeoutMs;
    let last: unknown = null;
    for (;;) {
      if (this.#closed) throw new ControllerUnavailableError('the controller channel is closed');
      const remaining = deadline - this.#time.hiResClockMs();
      if (remaining <= 0) {
        throw new ControllerUnavailableError(`no active controller answered API ${apiKey} within ${options.timeoutMs} ms`, { cause: last });
      }
      const controller = this.#provider.activeController();
      if (controller !== null) {
        try {
          const timeoutMs = Math.max(1, Math.floor(Math.min(this.#requestTimeoutMs, remaining)));
          const response = await this.#client.send<Res>(controller, apiKey, options.version ?? {}, request, { timeoutMs });
          if ((response.body as { errorCode?: number }).errorCode !== Errors.NOT_CONTROLLER) return response.body;
          last = new Error(`node ${controller.nodeId} is no longer the active controller`);
          this.#client.disconnect(controller.nodeId);
        } catch (e) {
          if (!(e instanceof DisconnectException) && !(e instanceof RequestTimeoutError)) throw e;
          last = e;
        }
      }
      this.#logger.debug({ apiKey, err: last }, 'No active controller reachable; retrying');
      await sleep(Math.min(this.#retryBackoffMs, Math.max(1, deadline - this.#time.hiResClockMs())));
    }
  }

  /**
   * The API versions the active controller advertised on this channel's connection (Kafka's
   * `controllerApiVersions`), or undefined while no controller is known or connected.
   */
  controllerApiVersions(): NodeApiVersions | undefined {
    const controller = this.#provider.activeController();
    return controller === null ? undefined : this.#client.nodeApiVersions(controller.nodeId);
  }

  /** Fails the requests in flight and every later one. */
  close(): void {
    this.#closed = true;
    this.#client.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
