import type { FramePool } from '../network/frame-pool.ts';
import type { RequestContext, RequestHandler, RequestTiming } from '../network/request-handler.ts';
import { Reader } from '../protocol/reader.ts';
import { Writer, type OutputChunk } from '../protocol/writer.ts';
import { decodeRequestHeader } from '../protocol/request-header.ts';
import { encodeResponseHeader } from '../protocol/response-header.ts';
import { API_MESSAGES, requestHeaderVersion, responseHeaderVersion } from '../protocol/generated/api-messages.ts';
import { ApiKeys, API_KEY_NAMES } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import { encodeApiVersionsResponse } from '../protocol/generated/messages/api-versions-response.ts';
import type { Logger } from '../observability/logger.ts';
import type { BrokerMetrics } from '../observability/metrics.ts';
import { RequestTimer } from '../observability/request-metrics.ts';
import { ApiError } from '../common/api-error.ts';
import { RecordsError } from '../protocol/records/records-error.ts';
import { NO_RESPONSE, type ApiHandler, type HandlerError, type RequestInfo } from './api-handler.ts';
import type { ApiServices } from './api-services.ts';
import type { KafkaPrincipal } from '../security/kafka-principal.ts';
import { FORWARDABLE_API_KEYS } from './forwardable-apis.ts';
import { AUTHORIZATION_ERRORS } from './auth-helper.ts';

const noRecycle = (): void => undefined;

/** Kafka's ClientRequestQuotaManager.NANOS_TO_PERCENTAGE_PER_SECOND: request time as a percentage of one second. */
const NANOS_TO_PERCENTAGE = 100 / 1e9;

/** A response that has a throttle_time_ms field (every API's but a few inter-broker ones). */
function hasThrottleTime(response: unknown): response is { throttleTimeMs: number } {
  return typeof response === 'object' && response !== null && 'throttleTimeMs' in response;
}

/** Kafka's `ApiError.fromThrowable`: the code of an ApiError (or records error), else UNKNOWN_SERVER_ERROR without a message. */
function handlerErrorOf(err: unknown): HandlerError {
  if (err instanceof ApiError) return { code: err.code, message: err.message };
  if (err instanceof RecordsError) return { code: err.errorCode, message: err.message };
  return { code: Errors.UNKNOWN_SERVER_ERROR, message: null };
}

/**
 * Counts one request of `api` at `apiVersion` and starts its timer. A Fetch also counts as FetchFollower (a
 * replica id >= 0: in the body before v15, in ReplicaState from v15) or FetchConsumer, as Kafka's RequestChannel.
 */
function startRequestTimer(metrics: BrokerMetrics, api: string, apiVersion: number, request: unknown, timing: RequestTiming | undefined): RequestTimer {
  const main = metrics.requests.forRequest(api, apiVersion);
  if (api !== 'Fetch') return new RequestTimer(main, null, timing);
  const r = request as { replicaId?: number; replicaState?: { replicaId: number } };
  const follower = Math.max(r.replicaId ?? -1, r.replicaState?.replicaId ?? -1) >= 0;
  return new RequestTimer(main, metrics.requests.forRequest(follower ? 'FetchFollower' : 'FetchConsumer', apiVersion), timing);
}

/** Thrown for a request Kafka answers by closing the connection (unknown key, unsupported version, bad body). */
export class InvalidRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRequestError';
  }
}

/**
 * A forwarded request (the payload of an EnvelopeRequest) that cannot be run; `code` is the EnvelopeResponse's
 * error: UNSUPPORTED_VERSION (35) for a header or body this node cannot parse at its version (Kafka's
 * EnvelopeUtils), INVALID_REQUEST (42) for an API that is not forwardable.
 */
export class ForwardedRequestError extends ApiError {
  constructor(code: number, message: string) {
    super(code, message);
    this.name = 'ForwardedRequestError';
  }
}

/** What {@link KafkaApis.handleForwarded} returns: the response, and its encoding (response header + body). */
export interface ForwardedResponse {
  readonly response: unknown;
  readonly bytes: Buffer;
}

/**
 * The request dispatcher, after Kafka's `KafkaApis`: decodes the header, finds the handler registered for the
 * api key, checks the version against the handler's range, decodes the body with the generated decoder, runs
 * the handler and encodes its response (response header v0/v1 by the API's flexible versions; ApiVersions always
 * v0, KIP-511).
 *
 * Kafka's answers to bad requests, kept here:
 * - ApiVersions above our max: a v0 response with UNSUPPORTED_VERSION (35) and our ApiVersions range, so the
 *   client retries at a version we support (KIP-511).
 * - Any other unsupported version, an unknown api key, or a body that does not decode: the connection is closed
 *   (the network layer closes it when this handler throws) and the event is logged.
 * - A handler that throws or rejects (a bug, a failing component): logged at error level with the API name and
 *   correlation id, and answered with the handler's `errorResponse` (UNKNOWN_SERVER_ERROR, or an ApiError's code,
 *   on every entry of the request, as Kafka's `getErrorResponse`); the connection stays open. Produce with acks=0
 *   has no response to carry the error, so its connection is closed, as Kafka does. Only requests that cannot be
 *   decoded (or are not served) make `handleRequest` throw.
 */
export class KafkaApis<S extends ApiServices = ApiServices> implements RequestHandler {
  readonly #handlers = new Map<number, ApiHandler<unknown, unknown, S>>();
  readonly #services: S;
  readonly #logger: Logger;
  readonly #metrics: BrokerMetrics | undefined;
  readonly #framePool: FramePool | undefined;

  /**
   * @param framePool the pool the network layer allocates request frames from (the same instance): handlers give
   *   frames back through `RequestInfo.recycleFrame`.
   */
  constructor(services: S, handlers: readonly ApiHandler<any, any, S>[], logger: Logger, metrics?: BrokerMetrics, framePool?: FramePool) {
    this.#framePool = framePool;
    this.#services = services;
    this.#logger = logger;
    this.#metrics = metrics;
    for (const h of handlers) {
      if (this.#handlers.has(h.apiKey)) throw new Error(`two handlers for api key ${h.apiKey}`);
      const msg = API_MESSAGES.get(h.apiKey);
      if (msg === undefined) throw new Error(`handler for unknown api key ${h.apiKey}`);
      if (h.minVersion < msg.minVersion || h.maxVersion > msg.maxVersion) {
        throw new Error(`handler for ${msg.name} serves v${h.minVersion}-${h.maxVersion}, outside the schema's v${msg.minVersion}-${msg.maxVersion}`);
      }
      this.#handlers.set(h.apiKey, h);
    }
  }

  /** The supported versions of every registered API, as ApiVersions advertises them (sorted by key). */
  apiVersions(): { apiKey: number; minVersion: number; maxVersion: number }[] {
    return [...this.#handlers.values()]
      .map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }

  handleRequest(frame: Buffer, ctx: RequestContext, timing?: RequestTiming): Promise<OutputChunk[] | null> | OutputChunk[] | null {
    if (frame.length < 8) throw new InvalidRequestError(`request of ${frame.length} bytes is shorter than a request header`);
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const correlationId = frame.readInt32BE(4);
    const handler = this.#handlers.get(apiKey);
    if (handler === undefined) {
      throw new InvalidRequestError(`unknown or unsupported api key ${apiKey} from ${ctx.clientAddress}:${ctx.clientPort}`);
    }
    if (apiVersion < handler.minVersion || apiVersion > handler.maxVersion) {
      if (apiKey === ApiKeys.ApiVersions && apiVersion > handler.maxVersion) {
        return this.#unsupportedApiVersions(correlationId);
      }
      throw new InvalidRequestError(`unsupported version ${apiVersion} of ${API_KEY_NAMES[apiKey]} (supported ${handler.minVersion}-${handler.maxVersion}) from ${ctx.clientAddress}:${ctx.clientPort}`);
    }
    const msg = API_MESSAGES.get(apiKey)!;
    const r = new Reader(frame);
    const header = decodeRequestHeader(r, requestHeaderVersion(apiKey, apiVersion));
    const request = msg.decodeRequest(r, apiVersion);
    const pool = this.#framePool;
    const recycleFrame = pool === undefined ? noRecycle : (): void => void pool.release(frame);
    const info: RequestInfo = { header, apiVersion, connection: ctx, frame, principal: ctx.principal, forwarded: false, recycleFrame };
    const timed = this.#services.quotas?.request.quotasEnabled === true && !isFollowerFetch(apiKey, request);
    const startNs = timed ? process.hrtime.bigint() : 0n;
    const result = this.#run(handler, msg.name, request, info, timing);
    const requestTimeNs = timed ? Number(process.hrtime.bigint() - startNs) : -1;
    const encode = (response: unknown): OutputChunk[] | null => {
      this.#throttle(info, response, requestTimeNs);
      return this.#encode(apiKey, apiVersion, correlationId, response);
    };
    return result instanceof Promise ? result.then(encode) : encode(result);
  }

  /**
   * Runs a request that reached this node inside an EnvelopeRequest (KIP-590; Kafka's `EnvelopeUtils`
   * .handleEnvelopeRequest): `frame` is the forwarded request (header + body) as the client sent it to a broker,
   * `ctx` the envelope's connection with the client's address, `principal` the client's. The handler registered
   * for its API answers it as any request, failures included (the API's error response).
   * @returns the response and its encoding (response header with the client's correlation id, then the body at the
   *   client's version), to be carried back in the EnvelopeResponse.
   * @throws ForwardedRequestError UNSUPPORTED_VERSION when the header or body cannot be parsed, the API is not
   *   served here or not at this version; INVALID_REQUEST when the API is not forwardable (an Envelope included).
   */
  async handleForwarded(frame: Buffer, ctx: RequestContext, principal: KafkaPrincipal): Promise<ForwardedResponse> {
    if (frame.length < 8) throw new ForwardedRequestError(Errors.UNSUPPORTED_VERSION, 'Failed to parse request header from envelope');
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const msg = API_MESSAGES.get(apiKey);
    if (msg === undefined) throw new ForwardedRequestError(Errors.UNSUPPORTED_VERSION, `Failed to parse request header from envelope: unknown api key ${apiKey}`);
    if (!FORWARDABLE_API_KEYS.has(apiKey)) throw new ForwardedRequestError(Errors.INVALID_REQUEST, `API ${msg.name} is not enabled or is not eligible for forwarding`);
    const handler = this.#handlers.get(apiKey);
    if (handler === undefined || apiVersion < handler.minVersion || apiVersion > handler.maxVersion) {
      throw new ForwardedRequestError(Errors.UNSUPPORTED_VERSION, `Failed to parse forwarded request: version ${apiVersion} of ${msg.name} is not supported`);
    }
    let header: RequestInfo['header'];
    let request: unknown;
    try {
      const r = new Reader(frame);
      header = decodeRequestHeader(r, requestHeaderVersion(apiKey, apiVersion));
      request = msg.decodeRequest(r, apiVersion);
    } catch (err) {
      throw new ForwardedRequestError(Errors.UNSUPPORTED_VERSION, `Failed to parse forwarded ${msg.name} v${apiVersion}: ${(err as Error).message}`);
    }
    const info: RequestInfo = { header, apiVersion, connection: ctx, frame, principal, forwarded: true, recycleFrame: noRecycle };
    const response = await this.#run(handler, msg.name, request, info);
    const w = new Writer(256);
    encodeResponseHeader(w, responseHeaderVersion(apiKey, apiVersion), { correlationId: header.correlationId });
    msg.encodeResponse(w, apiVersion, response as never);
    return { response, bytes: w.toBuffer() };
  }

  /**
   * The one throttling path of every response (Kafka's KafkaApis.sendResponseMaybeThrottle and the produce / fetch
   * variants): the request time quota (request_percentage) records the handler's time on the event loop
   * (`requestTimeNs`, -1 when exempt or without request quotas); the larger of its throttle and the bandwidth
   * quota's (`info.apiThrottleTimeMs`) goes into the response's throttle_time_ms, and the connection is muted that
   * long after the response (KIP-219). Clients from v2 of most APIs also back off on their own.
   */
  #throttle(info: RequestInfo, response: unknown, requestTimeNs: number): void {
    const quotas = this.#services.quotas;
    if (quotas === undefined) return;
    let throttleMs = info.apiThrottleTimeMs ?? 0;
    if (requestTimeNs >= 0) {
      const requestThrottleMs = quotas.request.maybeRecordAndGetThrottleTimeMs(
        info.principal.name, info.header.clientId ?? '', requestTimeNs * NANOS_TO_PERCENTAGE, this.#services.time.milliseconds(),
      );
      throttleMs = Math.max(throttleMs, requestThrottleMs);
    }
    if (throttleMs <= 0) return;
    if (hasThrottleTime(response)) response.throttleTimeMs = throttleMs;
    info.connection.throttle?.(throttleMs);
  }

  /**
   * Runs `handler` and resolves with its response, or with the API's error response when it threw or rejected
   * (see {@link #answerFailure}); synchronous when the handler is.
   */
  #run(handler: ApiHandler<unknown, unknown, S>, api: string, request: unknown, info: RequestInfo, timing?: RequestTiming): unknown {
    const metrics = this.#metrics;
    const timer = metrics === undefined ? undefined : startRequestTimer(metrics, api, info.apiVersion, request, timing);
    const done = (response: unknown): unknown => {
      timer?.done();
      return response;
    };
    const failed = (err: unknown): unknown => {
      timer?.done();
      return this.#answerFailure(handler, request, info, err);
    };
    let result: ReturnType<ApiHandler<unknown, unknown, S>['handle']>;
    try {
      result = handler.handle(this.#services, request, info);
    } catch (err) {
      return failed(err);
    }
    timer?.localDone();
    return result instanceof Promise ? result.then(done, failed) : done(result);
  }

  /**
   * Kafka's `KafkaApis.handleError` + `RequestHandlerHelper.sendErrorOrCloseConnection`: a handler that threw or
   * rejected is logged at error level and its request answered with the API's error response (the connection
   * stays open); an API whose error response is NO_RESPONSE (Produce acks=0) closes the connection instead.
   */
  #answerFailure(handler: ApiHandler<unknown, unknown, S>, request: unknown, info: RequestInfo, err: unknown): unknown {
    const error = handlerErrorOf(err);
    const { apiVersion, header, connection } = info;
    const log = err instanceof ApiError && AUTHORIZATION_ERRORS.has(err.code) ? this.#logger.debug.bind(this.#logger) : this.#logger.error.bind(this.#logger);
    log(
      { err, api: API_KEY_NAMES[handler.apiKey], apiVersion, correlationId: header.correlationId, clientId: header.clientId, connectionId: connection.connectionId, forwarded: info.forwarded, errorCode: error.code },
      'unexpected error handling request; answered with the error response',
    );
    const response = handler.errorResponse(request, error, apiVersion);
    if (response === NO_RESPONSE) connection.closeConnection();
    return response;
  }

  /** The response's encoding (response header + body); nothing for NO_RESPONSE (Produce acks=0). */
  #encode(apiKey: number, apiVersion: number, correlationId: number, response: unknown): OutputChunk[] | null {
    if (response === NO_RESPONSE) return null;
    const msg = API_MESSAGES.get(apiKey)!;
    const w = new Writer(256);
    encodeResponseHeader(w, responseHeaderVersion(apiKey, apiVersion), { correlationId });
    msg.encodeResponse(w, apiVersion, response as never);
    return w.chunks();
  }

  /** KIP-511: an ApiVersions request newer than ours gets a v0 reply with error 35 and our ApiVersions range. */
  #unsupportedApiVersions(correlationId: number): OutputChunk[] {
    const own = this.#handlers.get(ApiKeys.ApiVersions)!;
    const w = new Writer(32);
    encodeResponseHeader(w, 0, { correlationId });
    encodeApiVersionsResponse(w, 0, {
      errorCode: Errors.UNSUPPORTED_VERSION,
      apiKeys: [{ apiKey: ApiKeys.ApiVersions, minVersion: own.minVersion, maxVersion: own.maxVersion }],
    });
    this.#logger.debug({ correlationId }, 'ApiVersions request above our max version; answered with v0 error 35');
    return w.chunks();
  }

  /**
   * The error response of the request in `frame` (its API's `errorResponse` with `errorCode` and `message`),
   * encoded with its response header; null when the API or version is not served here or the request does not
   * parse. For requests that reach a SASL listener before authentication (ILLEGAL_SASL_STATE).
   */
  errorResponse(frame: Buffer, _ctx: RequestContext, errorCode: number, message: string): OutputChunk[] | null {
    if (frame.length < 8) return null;
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const handler = this.#handlers.get(apiKey);
    const msg = API_MESSAGES.get(apiKey);
    if (handler === undefined || msg === undefined || apiVersion < handler.minVersion || apiVersion > handler.maxVersion) return null;
    try {
      const r = new Reader(frame);
      const header = decodeRequestHeader(r, requestHeaderVersion(apiKey, apiVersion));
      const response = handler.errorResponse(msg.decodeRequest(r, apiVersion), { code: errorCode, message }, apiVersion);
      return this.#encode(apiKey, apiVersion, header.correlationId, response);
    } catch {
      return null;
    }
  }

  connectionClosed(ctx: RequestContext): void {
    this.#services.connectionClosed?.(ctx);
  }
}

/** A follower's Fetch, exempt from client quotas as Kafka exempts inter-broker requests (replica_id >= 0). */
function isFollowerFetch(apiKey: number, request: unknown): boolean {
  if (apiKey !== ApiKeys.Fetch) return false;
  const r = request as { replicaId: number; replicaState?: { replicaId: number } };
  return r.replicaId >= 0 || (r.replicaState?.replicaId ?? -1) >= 0;
}
