import { ApiError } from '../common/api-error.ts';
import { Reader } from '../protocol/reader.ts';
import { decodeResponseHeader } from '../protocol/response-header.ts';
import { API_MESSAGES, responseHeaderVersion } from '../protocol/generated/api-messages.ts';
import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { EnvelopeResponse } from '../protocol/generated/messages/envelope-response.ts';
import type { NodeApiVersions } from '../network/node-api-versions.ts';
import { UnsupportedVersionError } from '../network/network-client-errors.ts';
import type { Logger } from '../observability/logger.ts';
import { NO_RESPONSE, type ApiHandler, type RequestInfo } from './api-handler.ts';
import { FORWARDABLE_API_KEYS } from './forwardable-apis.ts';
import { InetAddress } from '../common/inet-address.ts';
import { KafkaPrincipalSerde } from './kafka-principal-serde.ts';
import type { KafkaPrincipal } from '../security/kafka-principal.ts';
import { ControllerUnavailableError, type ControllerChannel } from './node-to-controller-channel.ts';

/** Kafka's BrokerServer builds its forwarding channel with `retryTimeoutMs = 60000`. */
export const FORWARDING_RETRY_TIMEOUT_MS = 60_000;

/**
 * A forwarded request that got no response from the controller; `code` is what the client is told:
 * REQUEST_TIMED_OUT (7) when no active controller answered within the retry timeout, UNSUPPORTED_VERSION (35) when
 * the controller cannot parse the request at the client's version (the client's connection is then closed),
 * UNKNOWN_SERVER_ERROR (-1) for any other envelope error or an unreadable response.
 */
export class ForwardingError extends ApiError {
  constructor(code: number, message: string, options?: { cause?: unknown }) {
    super(code, message);
    this.name = 'ForwardingError';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** The request an envelope carries, and who sent it. */
export interface ForwardedRequest {
  /** The request's bytes (header + body) as the client sent them. */
  readonly frame: Buffer;
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly principal: KafkaPrincipal;
  /** The client's IP address (text form). */
  readonly clientAddress: string;
}

/** An API version range, as ApiVersions lists it. */
export interface ApiVersionRange {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

/**
 * Passes clients' metadata writes from a broker to the active controller, after Kafka's `ForwardingManagerImpl`
 * (KIP-590): the request as the client sent it (header + body), the client's principal (KafkaPrincipalSerde) and
 * address go in an EnvelopeRequest over the broker-to-controller channel, which finds the active controller and
 * retries NOT_CONTROLLER and lost connections for {@link FORWARDING_RETRY_TIMEOUT_MS}. The EnvelopeResponse
 * carries the controller's response (header + body at the client's version), which the broker then sends to the
 * client as its own (KafkaApis re-encodes it with the client's correlation id).
 *
 * Failures, as Kafka's: no controller answered in time → the API's error response with REQUEST_TIMED_OUT (7);
 * envelope error UNSUPPORTED_VERSION → the client's connection is closed (the controller changed after the client
 * read ApiVersions); any other envelope error, a response that does not parse, or a controller that does not serve
 * Envelope → UNKNOWN_SERVER_ERROR (-1). The same mechanism serves combined nodes (the envelope then goes to this
 * node's own controller listener when it is the active controller).
 */
export class ForwardingManager {
  readonly #channel: ControllerChannel & { controllerApiVersions(): NodeApiVersions | undefined };
  readonly #retryTimeoutMs: number;
  readonly #logger: Logger;

  /** @param options.retryTimeoutMs how long a forwarded request may wait for an active controller (ms). */
  constructor(options: { channel: ControllerChannel & { controllerApiVersions(): NodeApiVersions | undefined }; retryTimeoutMs?: number; logger: Logger }) {
    this.#channel = options.channel;
    this.#retryTimeoutMs = options.retryTimeoutMs ?? FORWARDING_RETRY_TIMEOUT_MS;
    this.#logger = options.logger;
  }

  /**
   * Forwards a client's request that `handler` describes (its API and error response) and resolves with what the
   * client gets: the controller's response, the API's error response (see the class doc), or NO_RESPONSE after
   * closing the client's connection (UNSUPPORTED_VERSION).
   */
  async forward<Req, Res>(handler: Pick<ApiHandler<Req, Res, never>, 'apiKey' | 'errorResponse'>, request: Req, info: RequestInfo): Promise<Res | typeof NO_RESPONSE> {
    try {
      const response = await this.sendEnvelope({
        frame: info.frame,
        apiKey: handler.apiKey,
        apiVersion: info.apiVersion,
        correlationId: info.header.correlationId,
        principal: info.principal,
        clientAddress: info.connection.clientAddress,
      });
      // Kafka's RequestHandlerHelper.sendForwardedResponse: the controller's throttle (controller_mutation_rate)
      // also mutes the client's connection to this broker.
      const throttleMs = (response as { throttleTimeMs?: unknown }).throttleTimeMs;
      if (typeof throttleMs === 'number' && throttleMs > 0) info.apiThrottleTimeMs = Math.max(info.apiThrottleTimeMs ?? 0, throttleMs);
      return response as Res;
    } catch (err) {
      if (!(err instanceof ForwardingError)) throw err;
      if (err.code === Errors.UNSUPPORTED_VERSION) {
        this.#logger.info(
          { api: API_MESSAGES.get(handler.apiKey)?.name, apiVersion: info.apiVersion, connectionId: info.connection.connectionId },
          'The controller answered a forwarded request with UNSUPPORTED_VERSION: closing the client connection (the controller may have changed after it connected)',
        );
        info.connection.closeConnection();
        return NO_RESPONSE;
      }
      this.#logger.debug({ err, api: API_MESSAGES.get(handler.apiKey)?.name }, 'Forwarding to the controller failed');
      // Kafka's getErrorResponse of a TimeoutException or of UNKNOWN_SERVER_ERROR: no message for the client.
      return handler.errorResponse(request, { code: err.code, message: null }, info.apiVersion);
    }
  }

  /**
   * Sends `request` to the active controller in an EnvelopeRequest and resolves with the decoded inner response
   * body (whatever its own error codes).
   * @throws ForwardingError REQUEST_TIMED_OUT, UNSUPPORTED_VERSION or UNKNOWN_SERVER_ERROR (see the class doc).
   */
  async sendEnvelope(request: ForwardedRequest): Promise<object> {
    const envelope = {
      requestData: request.frame,
      requestPrincipal: KafkaPrincipalSerde.serialize(request.principal),
      clientHostAddress: InetAddress.toBytes(request.clientAddress),
    };
    let response: EnvelopeResponse;
    try {
      response = await this.#channel.send<EnvelopeResponse>(ApiKeys.Envelope, envelope, { timeoutMs: this.#retryTimeoutMs });
    } catch (err) {
      if (err instanceof ControllerUnavailableError) throw new ForwardingError(Errors.REQUEST_TIMED_OUT, err.message, { cause: err });
      if (err instanceof UnsupportedVersionError) throw new ForwardingError(Errors.UNKNOWN_SERVER_ERROR, `the controller does not serve Envelope: ${err.message}`, { cause: err });
      throw err;
    }
    if (response.errorCode === Errors.UNSUPPORTED_VERSION) throw new ForwardingError(Errors.UNSUPPORTED_VERSION, 'the controller cannot parse the forwarded request');
    if (response.errorCode !== Errors.NONE || response.responseData === null) {
      throw new ForwardingError(Errors.UNKNOWN_SERVER_ERROR, `the controller answered the envelope with error ${response.errorCode}`);
    }
    return parseForwardedResponse(response.responseData, request);
  }

  /**
   * The versions a broker advertises (Kafka's `ApiVersionsResponse.intersectForwardableApis`): for a forwardable
   * API, the intersection of this broker's range with the active controller's (an API the controller does not
   * serve, or with no common version, is left out); every API as this broker serves it while no controller's
   * versions are known.
   */
  apiVersions(own: readonly ApiVersionRange[]): ApiVersionRange[] {
    const controller = this.#channel.controllerApiVersions();
    if (controller === undefined) return [...own];
    const out: ApiVersionRange[] = [];
    for (const api of own) {
      if (!FORWARDABLE_API_KEYS.has(api.apiKey)) {
        out.push(api);
        continue;
      }
      const theirs = controller.apiVersion(api.apiKey);
      if (theirs === undefined) continue;
      const minVersion = Math.max(api.minVersion, theirs.min);
      const maxVersion = Math.min(api.maxVersion, theirs.max);
      if (minVersion <= maxVersion) out.push({ apiKey: api.apiKey, minVersion, maxVersion });
    }
    return out;
  }

  /** The newest version of `apiKey` in [min, max] the active controller serves, or `max` while its versions are unknown. */
  latestUsableVersion(apiKey: number, min: number, max: number): number {
    return this.#channel.controllerApiVersions()?.latestUsableVersion(apiKey, min, max) ?? max;
  }
}

/**
 * The response an EnvelopeResponse carries: response header (whose correlation id must be the request's) + body
 * at the request's version (Kafka's `AbstractResponse.parseResponse`).
 * @throws ForwardingError UNKNOWN_SERVER_ERROR when it does not parse.
 */
function parseForwardedResponse(bytes: Buffer, request: ForwardedRequest): object {
  const api = API_MESSAGES.get(request.apiKey)!;
  try {
    const r = new Reader(bytes);
    const header = decodeResponseHeader(r, responseHeaderVersion(request.apiKey, request.apiVersion));
    if (header.correlationId !== request.correlationId) {
      throw new Error(`correlation id ${header.correlationId} does not match the request's ${request.correlationId}`);
    }
    return api.decodeResponse(r, request.apiVersion);
  } catch (err) {
    throw new ForwardingError(Errors.UNKNOWN_SERVER_ERROR, `Failed to parse the ${api.name} response from the envelope: ${(err as Error).message}`, { cause: err });
  }
}
