import type { OutputChunk } from '../../protocol/writer.ts';
import type { KafkaPrincipal } from '../kafka-principal.ts';

/** What one frame did to a connection's authentication (see {@link ChannelAuthenticator}). */
export interface AuthenticationStep {
  /** The bytes to send back (response header + body, or a raw SASL token), without the size prefix; null: none. */
  readonly response: OutputChunk[] | null;
  /**
   * 'continue': more frames belong to the authentication; 'authenticated': the connection is now `principal` and
   * its next frames are ordinary requests; 'failed': send `response` after connection.failed.authentication.delay.ms,
   * then close (Kafka's delayed close on an AuthenticationException).
   */
  readonly outcome: 'continue' | 'authenticated' | 'failed';
  /** The authenticated principal, with outcome 'authenticated'. */
  readonly principal?: KafkaPrincipal;
  /** The mechanism that authenticated, with outcome 'authenticated' (a re-authentication must use the same). */
  readonly mechanism?: string;
  /**
   * With outcome 'authenticated': how long the session lasts (ms from now; KIP-368), after which the connection
   * must re-authenticate before anything else, or null when it does not expire.
   */
  readonly sessionLifetimeMs?: number | null;
}

/** The session a re-authentication continues (KIP-368): its mechanism and principal may not change. */
export interface Reauthentication {
  readonly previousMechanism: string;
  readonly previousPrincipal: KafkaPrincipal;
}

/** The request handler's services an authenticator uses (implemented by server/KafkaApis through the network layer). */
export interface AuthenticatorServices {
  /** Handles a request as the broker would (ApiVersions before authentication: the same answer as after it). */
  handle(frame: Buffer): Promise<OutputChunk[] | null> | OutputChunk[] | null;
  /**
   * The error response of the API of `frame` with `errorCode` and `message` in its error fields (Kafka's
   * `AbstractRequest.getErrorResponse`), or null when the request cannot be parsed.
   */
  errorResponse(frame: Buffer, errorCode: number, message: string): OutputChunk[] | null;
}

/** Who the authenticator talks to (for its logs and the principal builder). */
export interface AuthenticatingConnection {
  readonly connectionId: string;
  readonly listenerName: string;
  readonly clientAddress: string;
  readonly clientPort: number;
}

/**
 * The authentication of one connection (Kafka's `Authenticator`): the network layer feeds it the connection's frames
 * one at a time, each once the previous step settled, until a step says 'authenticated' (then frames go to the
 * request handler) or 'failed'. Throwing (or rejecting) closes the connection at once without a response: a frame
 * that cannot be a step of the exchange (Kafka's InvalidRequestException / IllegalStateException paths).
 */
export interface ChannelAuthenticator {
  authenticate(frame: Buffer): Promise<AuthenticationStep> | AuthenticationStep;
}

/**
 * Makes the authenticator of a new connection of a listener or, with `reauthentication`, of a re-authentication
 * that an authenticated connection began with a SaslHandshake (its first frame).
 */
export type ChannelAuthenticatorFactory = (
  connection: AuthenticatingConnection,
  services: AuthenticatorServices,
  reauthentication?: Reauthentication,
) => ChannelAuthenticator;
