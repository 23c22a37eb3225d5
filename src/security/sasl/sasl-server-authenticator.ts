import type { Logger } from '../../observability/logger.ts';
import { Reader } from '../../protocol/reader.ts';
import { Writer, type OutputChunk } from '../../protocol/writer.ts';
import { decodeRequestHeader } from '../../protocol/request-header.ts';
import { encodeResponseHeader } from '../../protocol/response-header.ts';
import { requestHeaderVersion, responseHeaderVersion } from '../../protocol/generated/api-messages.ts';
import { ApiKeys, API_KEY_NAMES } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import { ApiVersionsRequestMeta } from '../../protocol/generated/messages/api-versions-request.ts';
import { decodeSaslHandshakeRequest, SaslHandshakeRequestMeta } from '../../protocol/generated/messages/sasl-handshake-request.ts';
import { encodeSaslHandshakeResponse } from '../../protocol/generated/messages/sasl-handshake-response.ts';
import { decodeSaslAuthenticateRequest, SaslAuthenticateRequestMeta } from '../../protocol/generated/messages/sasl-authenticate-request.ts';
import { encodeSaslAuthenticateResponse, type SaslAuthenticateResponse } from '../../protocol/generated/messages/sasl-authenticate-response.ts';
import type { AuthenticatingConnection, AuthenticationStep, AuthenticatorServices, ChannelAuthenticator, Reauthentication } from './channel-authenticator.ts';
import type { KafkaPrincipal } from '../kafka-principal.ts';
import { SaslAuthenticationError, type SaslServer } from './sasl-server.ts';

/** A listener's SASL settings, shared by its connections. */
export interface SaslListenerSettings {
  /** sasl.enabled.mechanisms of the listener, in the configured order (sent in SaslHandshakeResponse). */
  readonly enabledMechanisms: readonly string[];
  /** A fresh server of an enabled mechanism for one exchange. */
  newSaslServer(mechanism: string): SaslServer;
  /**
   * connections.max.reauth.ms by mechanism (`listener.name.<l>.<mechanism>.connections.max.reauth.ms` first): the
   * longest session before re-authentication (KIP-368); 0 or absent: no limit of its own.
   */
  readonly connectionsMaxReauthMs: ReadonlyMap<string, number>;
  readonly logger: Logger;
}

/**
 * Kafka's SaslServerAuthenticator states:
 *
 * | state                          | frame accepted                        | next state                        |
 * |--------------------------------|---------------------------------------|-----------------------------------|
 * | INITIAL_REQUEST                | ApiVersions / SaslHandshake           | HANDSHAKE_OR_VERSIONS_REQUEST ... |
 * | HANDSHAKE_OR_VERSIONS_REQUEST  | ApiVersions                           | HANDSHAKE_REQUEST                 |
 * |                                | SaslHandshake, enabled mechanism      | AUTHENTICATE                      |
 * | HANDSHAKE_REQUEST              | SaslHandshake, enabled mechanism      | AUTHENTICATE                      |
 * | AUTHENTICATE (v0: raw tokens,  | the mechanism's next token            | AUTHENTICATE / COMPLETE           |
 * |  v1: SaslAuthenticate)         |                                       |                                   |
 * | REAUTH_PROCESS_HANDSHAKE       | SaslHandshake, the session's          | AUTHENTICATE                      |
 * |  (re-authentication, KIP-368)  |   mechanism / another enabled one     | REAUTH_BAD_MECHANISM              |
 * | REAUTH_BAD_MECHANISM           | anything                              | FAILED (no response)              |
 * | any                            | a failed check                        | FAILED                            |
 *
 * A frame of another kind closes the connection: before the handshake without a response (Kafka's
 * InvalidRequestException: "Unexpected Kafka request of type X during SASL handshake."), in AUTHENTICATE v1 with
 * that API's ILLEGAL_SASL_STATE error response after the failure delay.
 */
type SaslState =
  | 'INITIAL_REQUEST'
  | 'HANDSHAKE_OR_VERSIONS_REQUEST'
  | 'HANDSHAKE_REQUEST'
  | 'REAUTH_PROCESS_HANDSHAKE'
  | 'REAUTH_BAD_MECHANISM'
  | 'AUTHENTICATE'
  | 'COMPLETE'
  | 'FAILED';

/** Thrown for a frame that closes the connection without a response. */
export class SaslInvalidRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SaslInvalidRequestError';
  }
}

/** Kafka's `ApiKeys` constant name of an API (METADATA, SASL_AUTHENTICATE), as its messages print it. */
function apiKeyName(apiKey: number): string {
  const name = API_KEY_NAMES[apiKey];
  return name === undefined ? `api key ${apiKey}` : name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}

function encodeResponse(apiKey: number, apiVersion: number, correlationId: number, body: (w: Writer) => void): OutputChunk[] {
  const w = new Writer(64);
  encodeResponseHeader(w, responseHeaderVersion(apiKey, apiVersion), { correlationId });
  body(w);
  return w.chunks();
}

/**
 * The server side of SASL on one connection of a SASL_PLAINTEXT or SASL_SSL listener, after Kafka's
 * SaslServerAuthenticator (KIP-43 handshake, KIP-152 SaslAuthenticate): see the state table of {@link SaslState}.
 * SaslHandshake v0 is followed by raw size-prefixed tokens, v1 by SaslAuthenticate requests (v0-2). A wrong
 * mechanism answers UNSUPPORTED_SASL_MECHANISM (33), failed credentials SASL_AUTHENTICATION_FAILED (58) with the
 * mechanism's message (or Kafka's generic "Authentication failed during authentication due to invalid credentials
 * with SASL mechanism M"), each with outcome 'failed'. Failures are logged at INFO with the client address and the
 * message, never a token.
 *
 * Sessions (KIP-368): on completion the session lasts the smaller of connections.max.reauth.ms of the mechanism
 * (when > 0) and the credential's remaining lifetime (an OAUTHBEARER token's exp), never below 0; without either it
 * does not expire. SaslAuthenticate v1+ carries it in session_lifetime_ms (0: no expiry). A re-authentication
 * (constructed with the previous session) must use the same mechanism (another enabled one is answered NONE, then
 * the next frame fails the exchange without a response, as Kafka's REAUTH_BAD_MECHANISM) and authenticate the same
 * principal (else SASL_AUTHENTICATION_FAILED "Cannot change principals during re-authentication ...").
 */
export class SaslServerAuthenticator implements ChannelAuthenticator {
  readonly #settings: SaslListenerSettings;
  readonly #connection: AuthenticatingConnection;
  readonly #services: AuthenticatorServices;
  #state: SaslState = 'INITIAL_REQUEST';
  #server: SaslServer | null = null;
  /** SaslHandshake v1: tokens come in SaslAuthenticate requests; v0: raw frames. */
  #kafkaHeaders = false;
  /** The session being re-authenticated, undefined for a first authentication. */
  readonly #reauthentication: Reauthentication | undefined;
  #badMechanismMessage = '';

  constructor(settings: SaslListenerSettings, connection: AuthenticatingConnection, services: AuthenticatorServices, reauthentication?: Reauthentication) {
    this.#settings = settings;
    this.#connection = connection;
    this.#services = services;
    this.#reauthentication = reauthentication;
    if (reauthentication !== undefined) this.#state = 'REAUTH_PROCESS_HANDSHAKE';
  }

  /** The current state (tests, diagnostics). */
  get state(): SaslState {
    return this.#state;
  }

  authenticate(frame: Buffer): Promise<AuthenticationStep> | AuthenticationStep {
    switch (this.#state) {
      case 'INITIAL_REQUEST':
      case 'HANDSHAKE_OR_VERSIONS_REQUEST':
      case 'HANDSHAKE_REQUEST':
      case 'REAUTH_PROCESS_HANDSHAKE':
        return this.#kafkaRequest(frame);
      case 'REAUTH_BAD_MECHANISM':
        this.#fail(this.#badMechanismMessage);
        return { response: null, outcome: 'failed' };
      case 'AUTHENTICATE':
        return this.#kafkaHeaders ? this.#saslAuthenticate(frame) : this.#rawToken(frame);
      default:
        throw new SaslInvalidRequestError(`no frame is expected in SASL state ${this.#state}`);
    }
  }

  #kafkaRequest(frame: Buffer): Promise<AuthenticationStep> | AuthenticationStep {
    const apiKey = frame.length >= 8 ? frame.readInt16BE(0) : -1;
    if (apiKey !== ApiKeys.ApiVersions && apiKey !== ApiKeys.SaslHandshake) {
      const message = `Unexpected Kafka request of type ${apiKeyName(apiKey)} during SASL handshake.`;
      const initial = this.#state === 'INITIAL_REQUEST';
      this.#state = 'FAILED';
      throw new SaslInvalidRequestError(
        initial
          ? `Invalid request, potential reasons: kafka client configured with the wrong security protocol, it does not support KIP-43 or it is not a kafka client. (${message})`
          : message,
      );
    }
    const apiVersion = frame.readInt16BE(2);
    if (apiKey === ApiKeys.ApiVersions) {
      if (this.#state === 'HANDSHAKE_REQUEST') {
        this.#state = 'FAILED';
        throw new SaslInvalidRequestError('Unexpected ApiVersions request received during SASL authentication state HANDSHAKE_REQUEST');
      }
      const answer = this.#services.handle(frame);
      // A version newer than ours is answered (KIP-511) and the client may retry with one we serve.
      const next: SaslState = apiVersion <= ApiVersionsRequestMeta.maxVersion ? 'HANDSHAKE_REQUEST' : 'HANDSHAKE_OR_VERSIONS_REQUEST';
      const step = (response: OutputChunk[] | null): AuthenticationStep => {
        this.#state = next;
        return { response, outcome: 'continue' };
      };
      return answer instanceof Promise ? answer.then(step) : step(answer);
    }
    return this.#handshake(frame, apiVersion);
  }

  #handshake(frame: Buffer, apiVersion: number): AuthenticationStep {
    if (apiVersion < SaslHandshakeRequestMeta.minVersion || apiVersion > SaslHandshakeRequestMeta.maxVersion) {
      this.#state = 'FAILED';
      throw new SaslInvalidRequestError(`unsupported SaslHandshake version ${apiVersion}`);
    }
    const r = new Reader(frame);
    const header = decodeRequestHeader(r, requestHeaderVersion(ApiKeys.SaslHandshake, apiVersion));
    const request = decodeSaslHandshakeRequest(r, apiVersion);
    const mechanisms = [...this.#settings.enabledMechanisms];
    const enabled = mechanisms.includes(request.mechanism);
    const response = encodeResponse(ApiKeys.SaslHandshake, apiVersion, header.correlationId, (w) =>
      encodeSaslHandshakeResponse(w, apiVersion, { errorCode: enabled ? Errors.NONE : Errors.UNSUPPORTED_SASL_MECHANISM, mechanisms }),
    );
    if (!enabled) {
      this.#fail(`Unsupported SASL mechanism ${request.mechanism}`);
      return { response, outcome: 'failed' };
    }
    this.#kafkaHeaders = apiVersion >= 1;
    const previous = this.#reauthentication?.previousMechanism;
    if (previous !== undefined && previous !== request.mechanism) {
      this.#badMechanismMessage = `SASL mechanism '${request.mechanism}' requested by client is not supported for re-authentication of mechanism '${previous}'`;
      this.#state = 'REAUTH_BAD_MECHANISM';
      return { response, outcome: 'continue' };
    }
    this.#server = this.#settings.newSaslServer(request.mechanism);
    this.#state = 'AUTHENTICATE';
    return { response, outcome: 'continue' };
  }

  /**
   * SaslHandshake v0: the frame is the client's token; the answer is the server's token, raw. A failure has no
   * Kafka response to carry it: the client sees the connection close.
   */
  #rawToken(frame: Buffer): Promise<AuthenticationStep> | AuthenticationStep {
    return this.#evaluate(frame, (challenge) => [challenge], () => null);
  }

  #saslAuthenticate(frame: Buffer): Promise<AuthenticationStep> | AuthenticationStep {
    const apiKey = frame.length >= 8 ? frame.readInt16BE(0) : -1;
    const apiVersion = frame.length >= 8 ? frame.readInt16BE(2) : -1;
    if (apiKey !== ApiKeys.SaslAuthenticate) {
      const message = `Unexpected Kafka request of type ${apiKeyName(apiKey)} during SASL authentication.`;
      const response = this.#services.errorResponse(frame, Errors.ILLEGAL_SASL_STATE, message);
      this.#fail(message);
      if (response === null) throw new SaslInvalidRequestError(message);
      return { response, outcome: 'failed' };
    }
    if (apiVersion < SaslAuthenticateRequestMeta.minVersion || apiVersion > SaslAuthenticateRequestMeta.maxVersion) {
      this.#state = 'FAILED';
      throw new SaslInvalidRequestError(`Version ${apiVersion} is not supported for apiKey SASL_AUTHENTICATE`);
    }
    const r = new Reader(frame);
    const header = decodeRequestHeader(r, requestHeaderVersion(apiKey, apiVersion));
    const request = decodeSaslAuthenticateRequest(r, apiVersion);
    const respond = (body: Partial<SaslAuthenticateResponse>): OutputChunk[] =>
      encodeResponse(apiKey, apiVersion, header.correlationId, (w) =>
        encodeSaslAuthenticateResponse(w, apiVersion, { errorCode: Errors.NONE, errorMessage: null, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n, ...body }),
      );
    return this.#evaluate(
      request.authBytes,
      (challenge, sessionLifetimeMs) => respond({ authBytes: challenge, sessionLifetimeMs: BigInt(sessionLifetimeMs ?? 0) }),
      (message) => respond({ errorCode: Errors.SASL_AUTHENTICATION_FAILED, errorMessage: message }),
    );
  }

  /**
   * Evaluates the client's token with the mechanism's server (synchronously or not) and makes the step: `answer`
   * frames the challenge (with the session lifetime once complete), `failure` the error response (or null).
   */
  #evaluate(
    token: Buffer,
    answer: (challenge: Buffer, sessionLifetimeMs: number | null) => OutputChunk[],
    failure: (message: string) => OutputChunk[] | null,
  ): Promise<AuthenticationStep> | AuthenticationStep {
    const server = this.#server!;
    const failed = (err: unknown): AuthenticationStep => {
      const message = this.#failureMessage(err);
      this.#fail(message);
      return { response: failure(message), outcome: 'failed' };
    };
    const evaluated = (challenge: Buffer): AuthenticationStep => {
      if (!server.complete) return { response: answer(challenge, null), outcome: 'continue' };
      const principal: KafkaPrincipal = { principalType: 'User', name: server.authorizationId, tokenAuthenticated: false };
      const previous = this.#reauthentication?.previousPrincipal;
      if (previous !== undefined && (previous.principalType !== principal.principalType || previous.name !== principal.name)) {
        return failed(new SaslAuthenticationError(
          `Cannot change principals during re-authentication from ${previous.principalType}.${previous.name}: ${principal.principalType}.${principal.name}`,
        ));
      }
      const sessionLifetimeMs = this.#sessionLifetimeMs(server);
      this.#state = 'COMPLETE';
      this.#settings.logger.debug(
        {
          connectionId: this.#connection.connectionId,
          listener: this.#connection.listenerName,
          mechanism: server.mechanismName,
          principal: `User:${server.authorizationId}`,
          sessionLifetimeMs,
        },
        previous === undefined ? 'SASL authentication succeeded' : 'SASL re-authentication succeeded',
      );
      return { response: answer(challenge, sessionLifetimeMs), outcome: 'authenticated', principal, mechanism: server.mechanismName, sessionLifetimeMs };
    };
    let result: Buffer | Promise<Buffer>;
    try {
      result = server.evaluateResponse(token);
    } catch (err) {
      return failed(err);
    }
    return result instanceof Promise ? result.then(evaluated, failed) : evaluated(result);
  }

  /** Kafka's ReauthInfo.calcCompletionTimesAndReturnSessionLifetimeMs: see the class comment; null: no expiry. */
  #sessionLifetimeMs(server: SaslServer): number | null {
    const maxReauthMs = this.#settings.connectionsMaxReauthMs.get(server.mechanismName) ?? 0;
    const credentialLifetimeMs = server.credentialLifetimeMs;
    const bounds: number[] = [];
    if (maxReauthMs > 0) bounds.push(maxReauthMs);
    if (credentialLifetimeMs !== undefined) bounds.push(credentialLifetimeMs - Date.now());
    return bounds.length === 0 ? null : Math.max(0, Math.min(...bounds));
  }

  /** What the client is told: the mechanism's own message, or Kafka's generic one for credential failures. */
  #failureMessage(err: unknown): string {
    if (err instanceof SaslAuthenticationError) return err.message;
    this.#settings.logger.debug({ connectionId: this.#connection.connectionId, reason: (err as Error).message }, 'SASL exchange failed');
    const during = this.#reauthentication === undefined ? 'authentication' : 're-authentication';
    return `Authentication failed during ${during} due to invalid credentials with SASL mechanism ${this.#server?.mechanismName ?? ''}`;
  }

  #fail(message: string): void {
    this.#state = 'FAILED';
    const c = this.#connection;
    this.#settings.logger.info(
      { connectionId: c.connectionId, listener: c.listenerName, clientAddress: `${c.clientAddress}:${c.clientPort}`, mechanism: this.#server?.mechanismName, reason: message },
      `Failed authentication with /${c.clientAddress} (${message})`,
    );
  }
}
