import type { Deadline } from './deadline-queue.ts';

/**
 * A request body, or a function building it for the version the client chose (for messages whose fields depend
 * on the version). Either is an `Input<...Request>` of the generated codecs: missing fields take Kafka's defaults.
 */
export type RequestBody = object | ((apiVersion: number) => object);

/** A decoded response and how it was obtained. */
export interface ClientResponse<T extends object = Record<string, unknown>> {
  /** The decoded response body (the generated `...Response` type). */
  readonly body: T;
  /** The version the request was sent with (and the response decoded at). */
  readonly apiVersion: number;
  readonly nodeId: number;
  readonly correlationId: number;
  /** From writing the request to decoding its response, in ms of the client's Time. */
  readonly latencyMs: number;
  /**
   * Gives the memory of the response frame back to the client's frame pool for reuse (NetworkClientOptions
   * `framePool`). Byte fields of `body` (Fetch records) are views of that frame: call it only once nothing refers
   * to the body or to any Buffer taken from it. Idempotent; without it (or without a pool) the frame is left to
   * the GC.
   */
  releaseFrame(): void;
}

/** What a {@link ClientRequest} is made of; `minVersion..maxVersion` is already cut down to this client's codecs. */
export type ClientRequestFields = Pick<ClientRequest, 'nodeId' | 'apiKey' | 'minVersion' | 'maxVersion' | 'body' | 'timeoutMs' | 'createdMs'>;

/**
 * One request of a {@link NetworkClient} from acceptance to completion, after Kafka's `ClientRequest` +
 * `NetworkClient.InFlightRequest`: queued for its connection, then written (version, correlation id and send
 * time set), then completed with a response or failed. It is also its own {@link Deadline}
 * (`createdMs + timeoutMs`): the connection that holds it decides what expiry means (see `onExpire`).
 * Completion happens at most once; later calls are ignored.
 */
export class ClientRequest implements Deadline {
  readonly nodeId: number;
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  readonly body: RequestBody;
  readonly timeoutMs: number;
  /** Monotonic ms (Time.hiResClockMs) when the request was accepted. */
  readonly createdMs: number;
  readonly deadlineMs: number;
  deadlineIndex = -1;
  /** Set when written: the version chosen, the correlation id, the monotonic send time. -1 before. */
  apiVersion = -1;
  correlationId = -1;
  sentMs = -1;
  /** What expiry does, set by the connection that holds the request. */
  onExpire: ((request: ClientRequest) => void) | null = null;
  readonly #resolve: (response: ClientResponse<object>) => void;
  readonly #reject: (error: Error) => void;
  #done = false;

  constructor(fields: ClientRequestFields, resolve: (response: ClientResponse<object>) => void, reject: (error: Error) => void) {
    this.nodeId = fields.nodeId;
    this.apiKey = fields.apiKey;
    this.minVersion = fields.minVersion;
    this.maxVersion = fields.maxVersion;
    this.body = fields.body;
    this.timeoutMs = fields.timeoutMs;
    this.createdMs = fields.createdMs;
    this.deadlineMs = fields.createdMs + fields.timeoutMs;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  /** Whether the request was completed or failed. */
  get done(): boolean {
    return this.#done;
  }

  /** Whether the request has been written to its connection. */
  get sent(): boolean {
    return this.sentMs >= 0;
  }

  complete(response: ClientResponse<object>): void {
    if (this.#done) return;
    this.#done = true;
    this.onExpire = null;
    this.#resolve(response);
  }

  fail(error: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.onExpire = null;
    this.#reject(error);
  }

  expire(): void {
    this.onExpire?.(this);
  }
}
