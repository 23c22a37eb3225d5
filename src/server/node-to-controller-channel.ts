import type { Time } from '../common/time.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { ApiVersionSelector, NetworkClient, RequestBody } from '../network/network-client.ts';
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
  /** How long to keep trying (waiting for a leader, reconnecting, retrying NOT_CONTROLLER), in ms. */
  readonly timeoutMs: number;
}

/**
 * Requests from this node to the active controller, after Kafka's `NodeToControllerChannelManager`: each goes to
 * the node the {@link ControllerNodeProvider} names, and is retried, every `retryBackoffMs`, while no leader is
 * known, the connection fails, or the answer's top-level error is NOT_CONTROLLER (41: leadership moved), until its
 * deadline. Requests of one channel go one at a time on their connection (Kafka's channel has one in flight).
 */
export class NodeToControllerChannel {
  readonly #client: NetworkClient;
  readonly #provider: ControllerNodeProvider;
  readonly #time: Time;
  readonly #retryBackoffMs: number;
  readonly #logger: Logger;
  #closed = false;

  /** @param client a client of the channel's own (closed by {@link close}). */
  constructor(options: { client: NetworkClient; provider: ControllerNodeProvider; time: Time; retryBackoffMs: number; logger: Logger }) {
    this.#client = options.client;
    this.#provider = options.provider;
    this.#time = options.time;
    this.#retryBackoffMs = options.retryBackoffMs;
    this.#logger = options.logger;
  }

  /**
   * Sends `request` to the active controller and resolves with its response body (whatever its error codes,
   * except NOT_CONTROLLER, which is retried).
   * @throws ControllerUnavailableError when no active controller answered before the deadline, or the channel is
   *   closed; an UnsupportedVersionError from the client as it is.
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
          const response = await this.#client.send<Res>(controller, apiKey, options.version ?? {}, request, { timeoutMs: Math.max(1, Math.floor(remaining)) });
          if ((response.body as { errorCode?: number }).errorCode !== Errors.NOT_CONTROLLER) return response.body;
          last = new Error(`node ${controller.nodeId} is no longer the active controller`);
        } catch (e) {
          if (!(e instanceof DisconnectException) && !(e instanceof RequestTimeoutError)) throw e;
          last = e;
        }
      }
      this.#logger.debug({ apiKey, err: last }, 'No active controller reachable; retrying');
      await sleep(Math.min(this.#retryBackoffMs, Math.max(1, deadline - this.#time.hiResClockMs())));
    }
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
