import type { Random } from '../common/random.ts';
import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { ControllerRegistrationResponse } from '../protocol/generated/messages/controller-registration-response.ts';
import type { BrokerEndpoint, MetadataImage, SupportedFeature } from '../metadata/metadata-image.ts';
import type { MetadataChanges } from '../metadata/metadata-delta.ts';
import type { MetadataPublisher } from '../metadata/metadata-loader.ts';
import { METADATA_VERSION_FEATURE, metadataVersionSupports } from '../metadata/metadata-version.ts';
import type { Logger } from '../observability/logger.ts';
import type { ControllerSendOptions } from './node-to-controller-channel.ts';

/** What the manager sends through (a NodeToControllerChannel to the active controller). */
export interface ControllerChannel {
  send<Res extends object>(apiKey: number, request: object, options: ControllerSendOptions): Promise<Res>;
}

/** What a {@link ControllerRegistrationManager} is built with. */
export interface ControllerRegistrationManagerOptions {
  readonly nodeId: number;
  /** This process's incarnation (a new random Uuid per start). */
  readonly incarnationId: string;
  /** The controller listeners as other nodes reach them (bound ports filled in). */
  readonly listeners: () => readonly BrokerEndpoint[];
  readonly supportedFeatures: readonly SupportedFeature[];
  readonly channel: ControllerChannel;
  /** How long one attempt may keep looking for the active controller, in ms. */
  readonly requestTimeoutMs: number;
  /** Backoff jitter. */
  readonly random: Random;
  readonly logger: Logger;
}

/** Kafka's ControllerRegistrationManager backoff: 100 ms doubling up to 120 s, with 2% jitter. */
const BACKOFF_INITIAL_MS = 100;
const BACKOFF_MAX_MS = 120_000;
const BACKOFF_JITTER = 0.02;

/**
 * A controller's registration with the active controller (KIP-919), after Kafka's `ControllerRegistrationManager`:
 * once the metadata.version is known and supports it (3.7-IV0+), it sends ControllerRegistration (its incarnation
 * id, controller listeners and supported features) and waits until the metadata log holds a
 * RegisterControllerRecord of its own incarnation. A refused or failed attempt is retried with exponential backoff
 * (100 ms to 120 s); a registration of another incarnation (the previous process) or a removed one is sent again.
 * One request at a time.
 */
export class ControllerRegistrationManager implements MetadataPublisher {
  readonly name = 'ControllerRegistrationManager';
  readonly #options: ControllerRegistrationManagerOptions;
  #metadataVersion: number | null = null;
  #registeredInLog = false;
  #started = false;
  #closed = false;
  #pendingRpc = false;
  #failedRpcs = 0;
  #successfulRpcs = 0;
  #retryTimer: NodeJS.Timeout | null = null;

  constructor(options: ControllerRegistrationManagerOptions) {
    this.#options = options;
  }

  /** True once the metadata log holds this incarnation's registration. */
  get registeredInLog(): boolean {
    return this.#registeredInLog;
  }

  get successfulRpcs(): number {
    return this.#successfulRpcs;
  }

  get failedRpcs(): number {
    return this.#failedRpcs;
  }

  /** Starts registering, from `image` (the newest one, should updates have been published before). */
  start(image: MetadataImage): void {
    this.#observe(image);
    this.#started = true;
    this.#maybeSend();
  }

  onMetadataUpdate(image: MetadataImage, changes: MetadataChanges): void {
    if (!changes.changedFeatures.has(METADATA_VERSION_FEATURE) && !changes.changedControllers.has(this.#options.nodeId) && !changes.fromSnapshot) return;
    this.#observe(image);
    this.#maybeSend();
  }

  #observe(image: MetadataImage): void {
    this.#metadataVersion = image.features.get(METADATA_VERSION_FEATURE) ?? null;
    const registration = image.controllers.get(this.#options.nodeId);
    const registered = registration !== undefined && registration.incarnationId === this.#options.incarnationId;
    if (registered && !this.#registeredInLog) this.#options.logger.info('Our controller registration has been persisted to the metadata log');
    else if (!registered && this.#registeredInLog) this.#options.logger.info('Our controller registration is no longer in the metadata log');
    this.#registeredInLog = registered;
  }

  #maybeSend(): void {
    if (this.#closed || !this.#started || this.#registeredInLog || this.#pendingRpc || this.#retryTimer !== null) return;
    const mv = this.#metadataVersion;
    if (mv === null || !metadataVersionSupports.controllerRegistration(mv)) return;
    this.#pendingRpc = true;
    const o = this.#options;
    const request = {
      controllerId: o.nodeId,
      incarnationId: o.incarnationId,
      zkMigrationReady: false,
      listeners: o.listeners().map((l) => ({ name: l.name, host: l.host, port: l.port, securityProtocol: l.securityProtocol })),
      features: o.supportedFeatures.map((f) => ({ name: f.name, minSupportedVersion: f.minSupportedVersion, maxSupportedVersion: f.maxSupportedVersion })),
    };
    o.logger.info({ incarnationId: o.incarnationId }, 'Sending the controller registration');
    o.channel.send<ControllerRegistrationResponse>(ApiKeys.ControllerRegistration, request, { timeoutMs: o.requestTimeoutMs }).then(
      (response) => {
        this.#pendingRpc = false;
        if (response.errorCode === Errors.NONE) {
          this.#successfulRpcs++;
          this.#failedRpcs = 0;
          o.logger.info('The active controller acknowledged our controller registration');
          // Registered once the record is applied here (onMetadataUpdate); it may already be.
          this.#maybeSend();
        } else {
          o.logger.info({ errorCode: response.errorCode, errorMessage: response.errorMessage }, 'The controller registration was refused');
          this.#retryAfterFailure();
        }
      },
      (e: unknown) => {
        this.#pendingRpc = false;
        if (!this.#closed) o.logger.warn({ err: e }, 'The controller registration failed');
        this.#retryAfterFailure();
      },
    );
  }

  #retryAfterFailure(): void {
    if (this.#closed) return;
    const exp = Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * 2 ** this.#failedRpcs);
    const delayMs = Math.round(exp * (1 - BACKOFF_JITTER + 2 * BACKOFF_JITTER * this.#options.random.nextDouble()));
    this.#failedRpcs++;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#maybeSend();
    }, delayMs);
    this.#retryTimer.unref();
  }

  /** Stops registering (the channel is the caller's to close). */
  close(): void {
    this.#closed = true;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }
}
