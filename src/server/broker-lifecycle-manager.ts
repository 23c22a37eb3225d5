import type { Time } from '../common/time.ts';
import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { ERROR_INFO, Errors } from '../protocol/generated/errors.ts';
import type { BrokerRegistrationResponse } from '../protocol/generated/messages/broker-registration-response.ts';
import type { BrokerHeartbeatResponse } from '../protocol/generated/messages/broker-heartbeat-response.ts';
import type { BrokerEndpoint } from '../metadata/metadata-image.ts';
import type { Logger } from '../observability/logger.ts';
import type { ControllerChannel } from './node-to-controller-channel.ts';
import type { SupportedFeature } from './broker-features.ts';

/**
 * Kafka's `BrokerState` of a KRaft broker:
 *
 * | state                       | entered when                                                  | heartbeats              |
 * |-----------------------------|---------------------------------------------------------------|-------------------------|
 * | NOT_RUNNING                 | built, not started                                            | none                    |
 * | STARTING                    | start(): registering, then catching up with the metadata log  | every 10 ms, wantFence  |
 * | RECOVERY                    | a heartbeat answer says isCaughtUp                            | interval; wantFence until setReadyToUnfence |
 * | RUNNING                     | a heartbeat answer says !isFenced (after setReadyToUnfence)   | interval                |
 * | PENDING_CONTROLLED_SHUTDOWN | beginControlledShutdown() while RUNNING                       | 50 ms until the first answer, then interval; wantShutDown |
 * | SHUTTING_DOWN               | the controller answered shouldShutDown, beginShutdown(), or the registration timed out | none |
 */
export const BrokerState = {
  NOT_RUNNING: 'NOT_RUNNING',
  STARTING: 'STARTING',
  RECOVERY: 'RECOVERY',
  RUNNING: 'RUNNING',
  PENDING_CONTROLLED_SHUTDOWN: 'PENDING_CONTROLLED_SHUTDOWN',
  SHUTTING_DOWN: 'SHUTTING_DOWN',
} as const;
export type BrokerState = (typeof BrokerState)[keyof typeof BrokerState];

/** Heartbeat delay while STARTING (waiting for the controller to see this broker caught up), Kafka's 10 ms. */
export const CATCH_UP_HEARTBEAT_MS = 10;
/** Heartbeat delay in PENDING_CONTROLLED_SHUTDOWN until the controller first answered it, Kafka's 50 ms. */
export const CONTROLLED_SHUTDOWN_HEARTBEAT_MS = 50;
/** setTimeout's largest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a {@link BrokerLifecycleManager} is built with. */
export interface BrokerLifecycleOptions {
  readonly nodeId: number;
  readonly clusterId: string;
  /** This process's incarnation (a new random id per start: the controller tells restarts apart by it). */
  readonly incarnationId: string;
  /** broker.rack, or null. */
  readonly rack: string | null;
  /** The directory ids (KIP-858) of the log directories, from their meta.properties. */
  readonly logDirs: readonly string[];
  /** The feature ranges this broker supports (BrokerFeatures). */
  readonly supportedFeatures: readonly SupportedFeature[];
  readonly channel: ControllerChannel;
  readonly time: Time;
  readonly logger: Logger;
  /** broker.heartbeat.interval.ms. */
  readonly heartbeatIntervalMs: number;
  /** initial.broker.registration.timeout.ms: how long the first registration may take before the broker gives up. */
  readonly initialRegistrationTimeoutMs: number;
  /**
   * How long one registration or heartbeat may wait for an active controller: Kafka's lifecycle channel retries
   * for broker.session.timeout.ms / 2 (KAFKA-14392).
   */
  readonly requestTimeoutMs: number;
  /** The offset of the newest metadata record this broker has applied (the heartbeat's currentMetadataOffset). */
  currentMetadataOffset(): bigint;
  /**
   * 'timers' (default): a timer on the real clock runs {@link BrokerLifecycleManager.poll} at each deadline.
   * 'manual': the caller runs poll (tests driving a MockTime).
   */
  readonly driver?: 'timers' | 'manual';
}

/** A promise with its settle functions; rejected ones are marked handled (nobody may be waiting). */
interface Deferred {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * The broker's session with the active controller, after Kafka's `BrokerLifecycleManager`: it registers
 * (BrokerRegistration: incarnation id, listeners, rack, supported features, log directory ids, previous broker
 * epoch), then heartbeats (BrokerHeartbeat: broker epoch, currentMetadataOffset, wantFence, wantShutDown) through
 * the states of {@link BrokerState}. Poll-driven with the injected Time: one deadline for the next communication
 * (registration or heartbeat) and one for the initial registration timeout; at most one request in flight.
 *
 * Scheduling, as Kafka's: a registration is sent at start; after a successful registration the first heartbeat
 * goes at once; while STARTING every 10 ms; in PENDING_CONTROLLED_SHUTDOWN every 50 ms until the controller first
 * answered, then every broker.heartbeat.interval.ms; otherwise every broker.heartbeat.interval.ms, also after a
 * failure (an error code, no controller within the request timeout, a version mismatch). setReadyToUnfence,
 * beginControlledShutdown and resendBrokerRegistration send at once (right after the answer in flight, if any).
 * A heartbeat error does not re-register: a lost registration is seen in the metadata (the broker server calls
 * resendBrokerRegistration, Kafka's BrokerRegistrationTracker).
 *
 * Futures: {@link initialCatchUp} (RECOVERY reached), {@link initialUnfence} (RUNNING reached) and
 * {@link controlledShutdown} (SHUTTING_DOWN reached); the first two are rejected if the manager shuts down before
 * (registration timeout included).
 */
export class BrokerLifecycleManager {
  readonly #options: BrokerLifecycleOptions;
  readonly #initialCatchUp = deferred();
  readonly #initialUnfence = deferred();
  readonly #controlledShutdown = deferred();
  #state: BrokerState = BrokerState.NOT_RUNNING;
  #brokerEpoch = -1n;
  #previousBrokerEpoch = -1n;
  #listeners: readonly BrokerEndpoint[] = [];
  #registered = false;
  #initialRegistrationSucceeded = false;
  #readyToUnfence = false;
  #gotControlledShutdownResponse = false;
  #communicationInFlight = false;
  #nextSchedulingShouldBeImmediate = false;
  #nextCommunicationMs: number | null = null;
  #registrationDeadlineMs: number | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(options: BrokerLifecycleOptions) {
    this.#options = options;
  }

  get state(): BrokerState {
    return this.#state;
  }

  /** The epoch of the current registration (-1 before the first). */
  get brokerEpoch(): bigint {
    return this.#brokerEpoch;
  }

  /** Resolves when the controller first says this broker caught up with the metadata log (RECOVERY). */
  get initialCatchUp(): Promise<void> {
    return this.#initialCatchUp.promise;
  }

  /** Resolves when the controller first unfences this broker (RUNNING). */
  get initialUnfence(): Promise<void> {
    return this.#initialUnfence.promise;
  }

  /** Resolves when the manager reaches SHUTTING_DOWN (the controller allowed the controlled shutdown, or shutdown). */
  get controlledShutdown(): Promise<void> {
    return this.#controlledShutdown.promise;
  }

  /** The monotonic ms of the next deadline (communication or registration timeout); Infinity when none. */
  get nextDeadlineMs(): number {
    return Math.min(this.#nextCommunicationMs ?? Infinity, this.#registrationDeadlineMs ?? Infinity);
  }

  /**
   * STARTING: sends the registration now and arms the initial registration timeout.
   * @param listeners the advertised broker endpoints (bound ports filled in).
   * @param previousBrokerEpoch the epoch this broker had before its last clean shutdown, or -1 (KIP-966).
   * @throws Error when already started.
   */
  start(listeners: readonly BrokerEndpoint[], previousBrokerEpoch = -1n): void {
    if (this.#state !== BrokerState.NOT_RUNNING) throw new Error(`the broker lifecycle manager is already ${this.#state}`);
    this.#listeners = listeners;
    this.#previousBrokerEpoch = previousBrokerEpoch;
    this.#state = BrokerState.STARTING;
    this.#registrationDeadlineMs = this.#options.time.hiResClockMs() + this.#options.initialRegistrationTimeoutMs;
    this.#sendRegistration();
    this.#options.logger.info({ incarnationId: this.#options.incarnationId, clusterId: this.#options.clusterId }, 'The broker is now STARTING');
    this.#arm();
  }

  /**
   * Lets the next heartbeats ask to be unfenced (wantFence false), at once. Called once this broker published the
   * metadata it caught up to.
   * @returns {@link initialUnfence}.
   */
  setReadyToUnfence(): Promise<void> {
    if (this.#state !== BrokerState.SHUTTING_DOWN) {
      this.#readyToUnfence = true;
      this.#scheduleNextCommunication(0);
    }
    return this.#initialUnfence.promise;
  }

  /**
   * RUNNING → PENDING_CONTROLLED_SHUTDOWN: heartbeats ask wantShutDown (the first at once) until the controller
   * answers shouldShutDown (it moved this broker's leaderships away), then SHUTTING_DOWN. In any other state (not
   * yet unfenced) there is nothing to hand over: the manager shuts down at once.
   */
  beginControlledShutdown(): void {
    switch (this.#state) {
      case BrokerState.PENDING_CONTROLLED_SHUTDOWN:
        this.#options.logger.info('Already in PENDING_CONTROLLED_SHUTDOWN');
        return;
      case BrokerState.RUNNING:
        this.#options.logger.info('Beginning controlled shutdown');
        this.#state = BrokerState.PENDING_CONTROLLED_SHUTDOWN;
        this.#scheduleNextCommunication(0);
        return;
      default:
        this.#options.logger.info({ state: this.#state }, 'Skipping controlled shutdown: the broker is not RUNNING');
        this.beginShutdown();
    }
  }

  /**
   * SHUTTING_DOWN: no more registrations or heartbeats; {@link controlledShutdown} resolves, the startup futures
   * not yet settled are rejected. Idempotent.
   */
  beginShutdown(): void {
    if (this.#state === BrokerState.SHUTTING_DOWN) return;
    this.#options.logger.info({ from: this.#state }, 'Transitioning to SHUTTING_DOWN');
    this.#state = BrokerState.SHUTTING_DOWN;
    this.#nextCommunicationMs = null;
    this.#registrationDeadlineMs = null;
    this.#controlledShutdown.resolve();
    const cancelled = new Error('the broker lifecycle manager shut down');
    this.#initialCatchUp.reject(cancelled);
    this.#initialUnfence.reject(cancelled);
    this.#disarm();
  }

  /** Registers again at once (Kafka's BrokerRegistrationTracker: the metadata lost or changed this registration). */
  resendBrokerRegistration(): void {
    if (this.#state === BrokerState.SHUTTING_DOWN || this.#state === BrokerState.NOT_RUNNING) return;
    this.#registered = false;
    this.#scheduleNextCommunication(0);
  }

  /** Runs what is due at the Time's now (the registration timeout, the next communication). */
  poll(): void {
    const now = this.#options.time.hiResClockMs();
    if (this.#registrationDeadlineMs !== null && now >= this.#registrationDeadlineMs) {
      this.#registrationDeadlineMs = null;
      if (!this.#initialRegistrationSucceeded) {
        this.#options.logger.error(
          { initialRegistrationTimeoutMs: this.#options.initialRegistrationTimeoutMs },
          'Shutting down because the broker could not register with the controller quorum',
        );
        this.beginShutdown();
        return;
      }
    }
    if (this.#nextCommunicationMs !== null && now >= this.#nextCommunicationMs) {
      this.#nextCommunicationMs = null;
      this.#communicate();
    }
    this.#arm();
  }

  /** Stops everything (SHUTTING_DOWN) and the timer. */
  close(): void {
    this.beginShutdown();
  }

  #communicate(): void {
    if (this.#communicationInFlight) {
      this.#nextSchedulingShouldBeImmediate = true;
    } else if (this.#registered) {
      this.#sendHeartbeat();
    } else {
      this.#sendRegistration();
    }
  }

  #sendRegistration(): void {
    const o = this.#options;
    const request = {
      brokerId: o.nodeId,
      clusterId: o.clusterId,
      incarnationId: o.incarnationId,
      listeners: this.#listeners.map((e) => ({ name: e.name, host: e.host, port: e.port, securityProtocol: e.securityProtocol })),
      features: o.supportedFeatures.map((f) => ({ name: f.name, minSupportedVersion: f.minVersion, maxSupportedVersion: f.maxVersion })),
      rack: o.rack,
      isMigratingZkBroker: false,
      logDirs: [...o.logDirs].sort(),
      previousBrokerEpoch: this.#previousBrokerEpoch,
    };
    o.logger.debug({ request }, 'Sending broker registration');
    this.#communicationInFlight = true;
    o.channel.send<BrokerRegistrationResponse>(ApiKeys.BrokerRegistration, request, { timeoutMs: o.requestTimeoutMs }).then(
      (response) => this.#onRegistrationResponse(response),
      (err: unknown) => this.#onFailure('register', err),
    );
  }

  #sendHeartbeat(): void {
    const o = this.#options;
    const request = {
      brokerId: o.nodeId,
      brokerEpoch: this.#brokerEpoch,
      currentMetadataOffset: o.currentMetadataOffset(),
      wantFence: !this.#readyToUnfence,
      wantShutDown: this.#state === BrokerState.PENDING_CONTROLLED_SHUTDOWN,
      offlineLogDirs: [],
    };
    o.logger.trace({ request }, 'Sending broker heartbeat');
    this.#communicationInFlight = true;
    o.channel.send<BrokerHeartbeatResponse>(ApiKeys.BrokerHeartbeat, request, { timeoutMs: o.requestTimeoutMs }).then(
      (response) => this.#onHeartbeatResponse(response),
      (err: unknown) => this.#onFailure('heartbeat', err),
    );
  }

  #onRegistrationResponse(response: BrokerRegistrationResponse): void {
    this.#communicationInFlight = false;
    if (this.#state === BrokerState.SHUTTING_DOWN) return;
    if (response.errorCode !== Errors.NONE) {
      this.#options.logger.info({ errorCode: response.errorCode, error: ERROR_INFO[response.errorCode]?.name }, 'The controller refused the broker registration');
      this.#scheduleNextCommunicationAfterFailure();
      return;
    }
    this.#brokerEpoch = response.brokerEpoch;
    this.#registered = true;
    this.#initialRegistrationSucceeded = true;
    this.#options.logger.info({ brokerEpoch: String(response.brokerEpoch) }, 'Registered with the controller');
    this.#scheduleNextCommunication(0);
  }

  #onHeartbeatResponse(response: BrokerHeartbeatResponse): void {
    this.#communicationInFlight = false;
    const logger = this.#options.logger;
    if (this.#state === BrokerState.SHUTTING_DOWN) return;
    if (response.errorCode !== Errors.NONE) {
      logger.warn({ errorCode: response.errorCode, error: ERROR_INFO[response.errorCode]?.name }, 'The controller answered a broker heartbeat with an error');
      this.#scheduleNextCommunicationAfterFailure();
      return;
    }
    switch (this.#state) {
      case BrokerState.STARTING:
        if (response.isCaughtUp) {
          logger.info('The broker has caught up with the metadata log: STARTING → RECOVERY');
          this.#state = BrokerState.RECOVERY;
          this.#initialCatchUp.resolve();
        } else {
          logger.debug('The broker is STARTING: still catching up with the metadata log');
        }
        this.#scheduleNextCommunication(CATCH_UP_HEARTBEAT_MS);
        return;
      case BrokerState.RECOVERY:
        if (!response.isFenced) {
          logger.info('The broker has been unfenced: RECOVERY → RUNNING');
          this.#state = BrokerState.RUNNING;
          this.#initialUnfence.resolve();
        } else {
          logger.debug('The broker is in RECOVERY (fenced)');
        }
        this.#scheduleNextCommunicationAfterSuccess();
        return;
      case BrokerState.PENDING_CONTROLLED_SHUTDOWN:
        if (response.shouldShutDown) {
          logger.info('The controller has allowed the controlled shutdown');
          this.beginShutdown();
          return;
        }
        logger.info('PENDING_CONTROLLED_SHUTDOWN: waiting for the active controller to move this broker\'s leaderships away');
        this.#scheduleNextCommunication(this.#gotControlledShutdownResponse ? this.#options.heartbeatIntervalMs : CONTROLLED_SHUTDOWN_HEARTBEAT_MS);
        this.#gotControlledShutdownResponse = true;
        return;
      default:
        this.#scheduleNextCommunicationAfterSuccess();
    }
  }

  #onFailure(what: 'register' | 'heartbeat', err: unknown): void {
    this.#communicationInFlight = false;
    if (this.#state === BrokerState.SHUTTING_DOWN) return;
    this.#options.logger.warn({ err }, what === 'register' ? 'Unable to register the broker; retrying' : 'Unable to send a broker heartbeat; retrying');
    this.#scheduleNextCommunicationAfterFailure();
  }

  #scheduleNextCommunicationAfterSuccess(): void {
    this.#scheduleNextCommunication(this.#options.heartbeatIntervalMs);
  }

  #scheduleNextCommunicationAfterFailure(): void {
    this.#nextSchedulingShouldBeImmediate = false;
    this.#scheduleNextCommunication(this.#options.heartbeatIntervalMs);
  }

  /** Replaces the pending communication deadline (sent at once instead when a send was asked while one was in flight). */
  #scheduleNextCommunication(delayMs: number): void {
    if (this.#state === BrokerState.SHUTTING_DOWN) return;
    const adjusted = this.#nextSchedulingShouldBeImmediate ? 0 : delayMs;
    this.#nextSchedulingShouldBeImmediate = false;
    this.#nextCommunicationMs = this.#options.time.hiResClockMs() + adjusted;
    this.#arm();
  }

  /** Timers mode: one real timer, for the earliest deadline. */
  #arm(): void {
    if (this.#options.driver === 'manual') return;
    this.#disarm();
    const deadline = this.nextDeadlineMs;
    if (!Number.isFinite(deadline)) return;
    const delayMs = Math.max(0, Math.min(MAX_TIMER_MS, deadline - this.#options.time.hiResClockMs()));
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.poll();
    }, delayMs);
    // The listeners keep the process alive, not the heartbeats.
    this.#timer.unref();
  }

  #disarm(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
