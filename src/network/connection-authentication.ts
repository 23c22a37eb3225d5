import type { OutputChunk } from '../protocol/writer.ts';
import type { RequestContext, RequestHandler } from './request-handler.ts';
import { ANONYMOUS_PRINCIPAL, type KafkaPrincipal } from '../security/kafka-principal.ts';
import type { AuthenticationStep, AuthenticatorServices, ChannelAuthenticator, ChannelAuthenticatorFactory } from '../security/sasl/channel-authenticator.ts';
import { ApiKeys } from '../protocol/generated/api-keys.ts';

/** Kafka's KafkaChannel.MIN_REAUTH_INTERVAL_ONE_SECOND_NANOS: re-authentications start at most once a second. */
const MIN_REAUTH_INTERVAL_MS = 1000;

/** An authenticated session (KIP-368). */
interface Session {
  readonly mechanism: string;
  readonly principal: KafkaPrincipal;
  /** performance.now() after which the session is expired; null: it never expires. */
  readonly expiresAtMs: number | null;
}

/**
 * What becomes of a frame of an authenticated connection ({@link ConnectionAuthentication.admit}): 'request' goes
 * to the handler; 'reauthenticate' began a re-authentication, the frame goes to the authenticator; 'expired': the
 * session is over, the connection closes without answering.
 */
export type FrameAdmission = 'request' | 'reauthenticate' | 'expired';

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
 *
 * Re-authentication (KIP-368, Kafka's KafkaChannel.maybeBeginServerReauthentication and
 * serverAuthenticationSessionExpired, checked by SocketServer for every request): once authenticated with a session
 * that expires, every frame passes {@link admit} before the handler. A SaslHandshake begins a re-authentication
 * (at most one a second; a handshake sooner, or on a session that never expires, is an ordinary request, which
 * KafkaApis answers ILLEGAL_SASL_STATE): a fresh authenticator, told the session's mechanism and principal, takes
 * that frame and the next ones as above, while the responses of the requests before it still go out in order. Any
 * other frame after the expiry closes the connection at once, without a response (Kafka counts it in
 * expired-connections-killed-count).
 */
export class ConnectionAuthentication {
  readonly #host: AuthenticationHost;
  readonly #factory: ChannelAuthenticatorFactory;
  readonly #services: AuthenticatorServices;
  readonly #failedAuthenticationDelayMs: number;
  #session: Session | null = null;
  /** performance.now() when the last re-authentication began, -Infinity before the first. */
  #lastReauthenticationStartMs = -Infinity;
  /** The authentication in progress, null once authenticated; 'failed' after a failed one. */
  #authenticator: ChannelAuthenticator | 'failed' | null;
  #stepPending = false;

  /** @param failedAuthenticationDelayMs connection.failed.authentication.delay.ms. */
  constructor(factory: ChannelAuthenticatorFactory, host: AuthenticationHost, failedAuthenticationDelayMs: number) {
    this.#host = host;
    this.#factory = factory;
    this.#failedAuthenticationDelayMs = failedAuthenticationDelayMs;
    this.#services = {
      handle: (frame) => host.handler.handleRequest(frame, host.context),
      errorResponse: (frame, errorCode, message) => host.handler.errorResponse?.(frame, host.context, errorCode, message) ?? null,
    };
    this.#authenticator = factory(this.#authenticatingConnection(), this.#services);
  }

  #authenticatingConnection(): Parameters<ChannelAuthenticatorFactory>[0] {
    const { connectionId, listenerName, clientAddress, clientPort } = this.#host.context;
    return { connectionId, listenerName, clientAddress, clientPort };
  }

  /**
   * Decides what becomes of `frame`, the next frame of an authenticated connection (see the class comment); on
   * 'reauthenticate' the connection is `gating` again and the frame stays pending for {@link authenticatePending}.
   */
  admit(frame: Buffer): FrameAdmission {
    const session = this.#session;
    if (session === null || session.expiresAtMs === null) return 'request';
    const nowMs = performance.now();
    const handshake = frame.length >= 2 && frame.readInt16BE(0) === ApiKeys.SaslHandshake;
    if (handshake && nowMs - this.#lastReauthenticationStartMs >= MIN_REAUTH_INTERVAL_MS) {
      this.#lastReauthenticationStartMs = nowMs;
      this.#authenticator = this.#factory(this.#authenticatingConnection(), this.#services, {
        previousMechanism: session.mechanism,
        previousPrincipal: session.principal,
      });
      return 'reauthenticate';
    }
    return nowMs > session.expiresAtMs ? 'expired' : 'request';
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
      const principal = step.principal ?? ANONYMOUS_PRINCIPAL;
      const lifetimeMs = step.sessionLifetimeMs ?? null;
      this.#session = { mechanism: step.mechanism ?? '', principal, expiresAtMs: lifetimeMs === null ? null : performance.now() + lifetimeMs };
      this.#host.authenticated(principal);
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
