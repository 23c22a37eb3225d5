import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { ERROR_INFO, Errors } from '../../protocol/generated/errors.ts';
import type { SaslAuthenticateResponse } from '../../protocol/generated/messages/sasl-authenticate-response.ts';
import type { SaslHandshakeResponse } from '../../protocol/generated/messages/sasl-handshake-response.ts';
import { SaslClientError, type SaslClient } from './sasl-client.ts';

/** One request of an authentication exchange: the API, the versions this side can write, and the body. */
export interface AuthenticationRequest {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  readonly body: object;
}

/**
 * The client side of a connection's authentication, driven by the connection (network/NodeConnection) after its
 * ApiVersions exchange: it sends {@link start}'s request, hands each decoded response to {@link onResponse}, and
 * sends what that returns, until it returns null (authenticated). A rejection fails the authentication (the
 * connection closes).
 */
export interface ClientAuthenticator {
  /** The mechanism, for logs. */
  readonly mechanism: string;
  start(): AuthenticationRequest;
  /**
   * @param apiVersion the version the response was decoded at (the newest both sides support within the range).
   * @returns the next request, or null once the exchange completed.
   * Rejects with a SaslClientError when the server refuses the mechanism or the credentials, or misbehaves.
   */
  onResponse(apiKey: number, apiVersion: number, body: object): Promise<AuthenticationRequest | null>;
}

/** SaslHandshake v1: SaslAuthenticate requests follow (v0 raw tokens were removed by Kafka 4, KIP-896). */
const HANDSHAKE_VERSION = 1;
/** SaslAuthenticate v0-2: v1 adds session_lifetime_ms (KIP-368), v2 is flexible. */
const AUTHENTICATE_MIN_VERSION = 0;
const AUTHENTICATE_MAX_VERSION = 2;

type State = 'SEND_HANDSHAKE_REQUEST' | 'RECEIVE_HANDSHAKE_RESPONSE' | 'RECEIVE_AUTHENTICATE_RESPONSE' | 'COMPLETE' | 'FAILED';

/** Kafka's list formatting of the server's mechanisms in its messages: `[PLAIN, SCRAM-SHA-512]`. */
function listed(mechanisms: readonly string[]): string {
  return `[${mechanisms.join(', ')}]`;
}

/**
 * SASL on one of the broker's own connections (inter-broker, controller), after Kafka's SaslClientAuthenticator
 * (KIP-43 handshake, KIP-152 SaslAuthenticate); the ApiVersions it starts with is the connection's own.
 *
 * | state                          | response                                    | next                            |
 * |--------------------------------|---------------------------------------------|---------------------------------|
 * | SEND_HANDSHAKE_REQUEST         | - (start: SaslHandshake v1 {mechanism})     | RECEIVE_HANDSHAKE_RESPONSE      |
 * | RECEIVE_HANDSHAKE_RESPONSE     | NONE: SaslAuthenticate {initial response}   | RECEIVE_AUTHENTICATE_RESPONSE   |
 * | RECEIVE_AUTHENTICATE_RESPONSE  | NONE, mechanism not complete: next token    | RECEIVE_AUTHENTICATE_RESPONSE   |
 * |                                | NONE, mechanism complete                    | COMPLETE                        |
 * | any                            | an error code, a failed mechanism check     | FAILED                          |
 *
 * Kafka's messages: UNSUPPORTED_SASL_MECHANISM "Client SASL mechanism 'M' not enabled in the server, enabled
 * mechanisms are [..]", ILLEGAL_SASL_STATE "Unexpected handshake request with client mechanism M, enabled mechanisms
 * are [..]", SaslAuthenticate errors carry the server's error message (SASL_AUTHENTICATION_FAILED: "Authentication
 * failed: Invalid username or password" from Kafka's PlainSaslServer, for instance).
 *
 * Not done: KIP-368 re-authentication. A session_lifetime_ms from the server is kept ({@link sessionLifetimeMs});
 * the server then closes the connection at expiry and the NetworkClient connects and authenticates again.
 */
export class SaslClientAuthenticator implements ClientAuthenticator {
  readonly #client: SaslClient;
  #state: State = 'SEND_HANDSHAKE_REQUEST';
  #sessionLifetimeMs = 0n;

  constructor(client: SaslClient) {
    this.#client = client;
  }

  get mechanism(): string {
    return this.#client.mechanismName;
  }

  /** Whether the exchange completed. */
  get complete(): boolean {
    return this.#state === 'COMPLETE';
  }

  /** session_lifetime_ms of the last SaslAuthenticate response (0: none, or before v1). */
  get sessionLifetimeMs(): bigint {
    return this.#sessionLifetimeMs;
  }

  start(): AuthenticationRequest {
    if (this.#state !== 'SEND_HANDSHAKE_REQUEST') throw new Error(`SASL exchange already started (state ${this.#state})`);
    this.#state = 'RECEIVE_HANDSHAKE_RESPONSE';
    return { apiKey: ApiKeys.SaslHandshake, minVersion: HANDSHAKE_VERSION, maxVersion: HANDSHAKE_VERSION, body: { mechanism: this.mechanism } };
  }

  async onResponse(apiKey: number, _apiVersion: number, body: object): Promise<AuthenticationRequest | null> {
    try {
      if (this.#state === 'RECEIVE_HANDSHAKE_RESPONSE' && apiKey === ApiKeys.SaslHandshake) return await this.#onHandshake(body as SaslHandshakeResponse);
      if (this.#state === 'RECEIVE_AUTHENTICATE_RESPONSE' && apiKey === ApiKeys.SaslAuthenticate) return await this.#onAuthenticate(body as SaslAuthenticateResponse);
      throw new SaslClientError(`Unexpected response of API key ${apiKey} in SASL client state ${this.#state}`);
    } catch (err) {
      this.#state = 'FAILED';
      throw err;
    }
  }

  async #onHandshake(response: SaslHandshakeResponse): Promise<AuthenticationRequest | null> {
    const mechanisms = listed(response.mechanisms);
    switch (response.errorCode) {
      case Errors.NONE:
        break;
      case Errors.UNSUPPORTED_SASL_MECHANISM:
        throw new SaslClientError(`Client SASL mechanism '${this.mechanism}' not enabled in the server, enabled mechanisms are ${mechanisms}`);
      case Errors.ILLEGAL_SASL_STATE:
        throw new SaslClientError(`Unexpected handshake request with client mechanism ${this.mechanism}, enabled mechanisms are ${mechanisms}`);
      default:
        throw new SaslClientError(`Unknown error code ${ERROR_INFO[response.errorCode]?.name ?? response.errorCode}, client mechanism is ${this.mechanism}, enabled mechanisms are ${mechanisms}`);
    }
    this.#state = 'RECEIVE_AUTHENTICATE_RESPONSE';
    const initial = await this.#client.evaluateChallenge(Buffer.alloc(0));
    if (initial === null) throw new SaslClientError(`The ${this.mechanism} client has no initial response`);
    return this.#authenticate(initial);
  }

  async #onAuthenticate(response: SaslAuthenticateResponse): Promise<AuthenticationRequest | null> {
    if (response.errorCode !== Errors.NONE) {
      const name = ERROR_INFO[response.errorCode]?.name ?? `error ${response.errorCode}`;
      throw new SaslClientError(response.errorMessage ?? `${name} during ${this.mechanism} authentication`);
    }
    if (response.sessionLifetimeMs > 0n) this.#sessionLifetimeMs = response.sessionLifetimeMs;
    if (!this.#client.complete) {
      const next = await this.#client.evaluateChallenge(response.authBytes);
      if (next !== null) return this.#authenticate(next);
    }
    if (!this.#client.complete) throw new SaslClientError(`The ${this.mechanism} exchange ended before it completed`);
    this.#state = 'COMPLETE';
    return null;
  }

  #authenticate(token: Buffer): AuthenticationRequest {
    return { apiKey: ApiKeys.SaslAuthenticate, minVersion: AUTHENTICATE_MIN_VERSION, maxVersion: AUTHENTICATE_MAX_VERSION, body: { authBytes: token } };
  }
}
