import type { OutputChunk } from '../protocol/writer.ts';
import type { RequestContext, RequestHandler } from './request-handler.ts';
import { ANONYMOUS_PRINCIPAL, type KafkaPrincipal } from '../security/kafka-principal.ts';
import type { AuthenticationStep, ChannelAuthenticator, ChannelAuthenticatorFactory } from '../security/sasl/channel-authenticator.ts';

/** The place of one frame's response in the connection's ordered responses. */
export interface ResponseHandle {
  /** The response is ready (null: none); it goes out after the responses before it. */
  complete(chunks: OutputChunk[] | null): void;
  /** The frame could not be processed: the connection answers what came before it, then closes. */
  fail(err: unknown): void;
}

/** What {@link ConnectionAuthentication} needs of its {@link Connection}. */
export interface AuthenticationHost {
  readonly context: RequestContext;
  readonly handler: RequestHandler;
  /** Whether the connection is closed. */
  isClosed(): boolean;
  /** Takes the next frame waiting for dispatch, or undefined when none waits. */
  takePendingFrame(): Buffer | undefined;
  /** Reserves the next response place (after every response already under way). */
  reserveResponse(): ResponseHandle;
  /** The frame's handling ended: its frame-pool reservation goes back. */
  requestCompleted(frame: Buffer): void;
  /** The connection is now `principal`: the first-request frame limit is lifted. */
  authenticated(principal: KafkaPrincipal): void;
  /** Authentication failed: frames not yet dispatched are dropped and reading stops. */
  stopReading(): void;
  /** Drives the connection (writes ready responses, dispatches frames). */
  pump(): void;
  /** Graceful close: in-flight responses are written first. */
  close(): void;
}

function isPromiseLike<T>(v: unknown): v is PromiseLike<T> {
  return v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * The authentication state of one connection of a SASL listener (Kafka's KafkaChannel around its Authenticator):
 * while it is `gating`, every frame of the connection goes to the {@link ChannelAuthenticator}, strictly one at a
 * time (the next only once the previous step settled, so nothing pipelined is dispatched before authentication
 * completes). 'authenticated' makes the context's principal the authenticated one; 'failed' stops reading, waits
 * `failedAuthenticationDelayMs`, writes the failure response and closes (Kafka's delayed close on an
 * AuthenticationException); a step that throws closes at once.
 */
export class ConnectionAuthentication {
  readonly #host: AuthenticationHost;
  readonly #failedAuthenticationDelayMs: number;
  /** The authentication in progress, null once authenticated; 'failed' after a failed one. */
  #authenticator: ChannelAuthenticator | 'failed' | null;
  #stepPending = false;

  /** @param failedAuthenticationDelayMs connection.failed.authentication.delay.ms. */
  constructor(factory: ChannelAuthenticatorFactory, host: AuthenticationHost, failedAuthenticationDelayMs: number) {
    this.#host = host;
    this.#failedAuthenticationDelayMs = failedAuthenticationDelayMs;
    const { connectionId, listenerName, clientAddress, clientPort } = host.context;
    this.#authenticator = factory({ connectionId, listenerName, clientAddress, clientPort }, {
      handle: (frame) => host.handler.handleRequest(frame, host.context),
      errorResponse: (frame, errorCode, message) => host.handler.errorResponse?.(frame, host.context, errorCode, message) ?? null,
    });
  }

  /** Whether frames go to the authenticator (not yet authenticated, or failed) rather than to the handler. */
  get gating(): boolean {
    return this.#authenticator !== null;
  }

  /** Whether the authentication failed (the connection reads nothing more and closes after the delay). */
  get failed(): boolean {
    return this.#authenticator === 'failed';
  }

  /** Feeds the next pending frame to the authenticator, if no step is under way (one step at a time). */
  authenticatePending(): void {
    const authenticator = this.#authenticator;
    if (authenticator === null || authenticator === 'failed' || this.#stepPending) return;
    const frame = this.#host.takePendingFrame();
    if (frame === undefined) return;
    const response = this.#host.reserveResponse();
    this.#stepPending = true;
    const settled = (step: AuthenticationStep | null, err?: unknown): void => {
      this.#stepPending = false;
      this.#host.requestCompleted(frame);
      if (step === null) response.fail(err);
      else this.#step(response, step);
    };
    let result: ReturnType<ChannelAuthenticator['authenticate']>;
    try {
      result = authenticator.authenticate(frame);
    } catch (err) {
      settled(null, err);
      return;
    }
    if (isPromiseLike<AuthenticationStep>(result)) result.then((step) => settled(step), (err: unknown) => settled(null, err));
    else settled(result);
  }

  #step(response: ResponseHandle, step: AuthenticationStep): void {
    if (step.outcome === 'continue') {
      response.complete(step.response);
      this.#host.pump();
      return;
    }
    if (step.outcome === 'authenticated') {
      this.#authenticator = null;
      this.#host.authenticated(step.principal ?? ANONYMOUS_PRINCIPAL);
      response.complete(step.response);
      this.#host.pump();
      return;
    }
    // Failed: read and dispatch nothing more; answer after the delay (Kafka delays it to slow down guessing), close.
    this.#authenticator = 'failed';
    this.#host.stopReading();
    setTimeout(() => {
      if (this.#host.isClosed()) return;
      response.complete(step.response);
      this.#host.close();
    }, this.#failedAuthenticationDelayMs);
  }
}
