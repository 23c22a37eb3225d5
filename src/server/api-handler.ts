import type { RequestContext } from '../network/request-handler.ts';
import type { RequestHeader } from '../protocol/request-header.ts';
import type { ApiServices } from './api-services.ts';
import type { BrokerServices } from './broker-services.ts';
import type { KafkaPrincipal } from '../security/kafka-principal.ts';

/** Returned by a handler to send no response at all (Produce with acks=0). */
export const NO_RESPONSE: unique symbol = Symbol('NO_RESPONSE');

/** What a handler knows about the request besides its body. */
export interface RequestInfo {
  readonly header: RequestHeader;
  /** The request's api version (also `header.requestApiVersion`). */
  readonly apiVersion: number;
  readonly connection: RequestContext;
  /**
   * The request as it arrived: header + body, without the size prefix. A handler that forwards it (KIP-590: the
   * broker passes metadata writes to the controller inside an EnvelopeRequest) sends these bytes; a handler that
   * keeps them must not call {@link recycleFrame} before it is done with them.
   */
  readonly frame: Buffer;
  /**
   * Who sent the request: the connection's principal (`connection.principal`), or the principal an
   * EnvelopeRequest carried for a forwarded request.
   */
  readonly principal: KafkaPrincipal;
  /** True for a request that reached this node inside an EnvelopeRequest (KIP-590). */
  readonly forwarded: boolean;
  /**
   * Gives the request's frame memory back to the network layer's FramePool for reuse. Call it only once nothing
   * refers to the request or any Buffer decoded from it (e.g. produce records: after every append of the request
   * completed), at most once; without it the frame is left to the GC. A no-op when the broker has no pool.
   */
  recycleFrame(): void;
  /**
   * The throttle time, in ms, a bandwidth quota gave this request (Kafka's `Request.apiThrottleTimeMs`): set by the
   * handlers of Produce and Fetch; KafkaApis puts the larger of it and the request quota's in the response's
   * throttle_time_ms and mutes the connection for that long (KIP-219).
   */
  apiThrottleTimeMs?: number;
}

/**
 * What a handler that threw (or whose promise rejected) answers with, after Kafka's `ApiError.fromThrowable`:
 * `code` is the `ApiError`'s code (or a records error's), else UNKNOWN_SERVER_ERROR (-1); `message` is the
 * exception's message for an `ApiError`, and null for UNKNOWN_SERVER_ERROR so that internals do not leak to clients.
 */
export interface HandlerError {
  readonly code: number;
  readonly message: string | null;
}

/**
 * One API of a listener (the broker's or the controller's): its key, the version range it serves (ApiVersions is
 * derived from these), the function that turns a decoded request into a response object for the generated encoder,
 * and the one that builds the response to a request whose handling failed. A handler must start its side effects synchronously (before its
 * first await) so that pipelined requests of one connection take effect in arrival order (Kafka processes a
 * connection's requests one at a time).
 */
export interface ApiHandler<Req = unknown, Res = unknown, S extends ApiServices = BrokerServices> {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(services: S, request: Req, info: RequestInfo): Res | typeof NO_RESPONSE | Promise<Res | typeof NO_RESPONSE>;
  /**
   * Kafka's `AbstractRequest.getErrorResponse` for this API: the response KafkaApis sends when `handle` threw or
   * rejected, carrying `error.code` in the API's error fields. Every topic / partition / group / resource entry of
   * the request gets an entry with that code, exactly where Kafka's version of this function puts them (some APIs
   * only have a top-level error); `apiVersion` is the request's. Pure: no services, no I/O. Returning
   * NO_RESPONSE (Produce with acks=0, whose client reads no response) makes KafkaApis close the connection
   * instead, as Kafka's `RequestHandlerHelper.sendErrorOrCloseConnection` does, so that the client notices.
   */
  errorResponse(request: Req, error: HandlerError, apiVersion: number): Res | typeof NO_RESPONSE;
}

/**
 * Identity helper that infers request/response types for a handler module. `S` is what the handler needs of
 * its listener's services: BrokerServices (the default), ControllerServices, or ApiServices for one that serves
 * both listeners (ApiVersions).
 */
export function defineHandler<Req, Res, S extends ApiServices = BrokerServices>(handler: ApiHandler<Req, Res, S>): ApiHandler<Req, Res, S> {
  return handler;
}
