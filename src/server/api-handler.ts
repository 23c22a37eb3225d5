import type { RequestContext } from '../network/request-handler.ts';
import type { RequestHeader } from '../protocol/request-header.ts';
import type { BrokerServices } from './broker-services.ts';

/** Returned by a handler to send no response at all (Produce with acks=0). */
export const NO_RESPONSE: unique symbol = Symbol('NO_RESPONSE');

/** What a handler knows about the request besides its body. */
export interface RequestInfo {
  readonly header: RequestHeader;
  /** The request's api version (also `header.requestApiVersion`). */
  readonly apiVersion: number;
  readonly connection: RequestContext;
  /**
   * Gives the request's frame memory back to the network layer's FramePool for reuse. Call it only once nothing
   * refers to the request or any Buffer decoded from it (e.g. produce records: after every append of the request
   * completed), at most once; without it the frame is left to the GC. A no-op when the broker has no pool.
   */
  recycleFrame(): void;
}

/**
 * One API of the broker: its key, the version range it serves (ApiVersions is derived from these), and the
 * function that turns a decoded request into a response object for the generated encoder. A handler must start
 * its side effects synchronously (before its first await) so that pipelined requests of one connection take
 * effect in arrival order (Kafka processes a connection's requests one at a time).
 */
export interface ApiHandler<Req = unknown, Res = unknown> {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(services: BrokerServices, request: Req, info: RequestInfo): Res | typeof NO_RESPONSE | Promise<Res | typeof NO_RESPONSE>;
}

/** Identity helper that infers request/response types for a handler module. */
export function defineHandler<Req, Res>(handler: ApiHandler<Req, Res>): ApiHandler<Req, Res> {
  return handler;
}
