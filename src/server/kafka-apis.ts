import type { FramePool } from '../network/frame-pool.ts';
import type { RequestContext, RequestHandler } from '../network/request-handler.ts';
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
import { NO_RESPONSE, type ApiHandler } from './api-handler.ts';
import type { BrokerServices } from './broker-services.ts';

const noRecycle = (): void => undefined;

/** Thrown for a request Kafka answers by closing the connection (unknown key, unsupported version, bad body). */
export class InvalidRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRequestError';
  }
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
 */
export class KafkaApis implements RequestHandler {
  readonly #handlers = new Map<number, ApiHandler>();
  readonly #services: BrokerServices;
  readonly #logger: Logger;
  readonly #metrics: BrokerMetrics | undefined;
  readonly #framePool: FramePool | undefined;

  /**
   * @param framePool the pool the network layer allocates request frames from (the same instance): handlers give
   *   frames back through `RequestInfo.recycleFrame`.
   */
  constructor(services: BrokerServices, handlers: readonly ApiHandler<any, any>[], logger: Logger, metrics?: BrokerMetrics, framePool?: FramePool) {
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

  handleRequest(frame: Buffer, ctx: RequestContext): Promise<OutputChunk[] | null> | OutputChunk[] | null {
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
    const result = handler.handle(this.#services, request, { header, apiVersion, connection: ctx, recycleFrame });
    const metrics = this.#metrics;
    if (metrics === undefined) {
      if (result instanceof Promise) return result.then((res) => this.#encode(apiKey, apiVersion, correlationId, res));
      return this.#encode(apiKey, apiVersion, correlationId, result);
    }
    const name = msg.name;
    const children = metrics.requestMetrics(name, apiVersion);
    children.count.inc();
    const timer = children.latency.startTimer();
    if (result instanceof Promise) {
      return result.then((res) => {
        timer();
        return this.#encode(apiKey, apiVersion, correlationId, res);
      });
    }
    timer();
    return this.#encode(apiKey, apiVersion, correlationId, result);
  }

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

  connectionClosed(ctx: RequestContext): void {
    this.#services.connectionClosed?.(ctx);
  }
}
