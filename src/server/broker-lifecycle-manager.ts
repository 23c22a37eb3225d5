import type { Time } from '../common/time.ts';
import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { BrokerRegistrationResponse } from '../protocol/generated/messages/broker-registration-response.ts';
import type { BrokerHeartbeatResponse } from '../protocol/generated/messages/broker-heartbeat-response.ts';
import type { BrokerEndpoint } from '../metadata/metadata-image.ts';
import type { Logger } from '../observability/logger.ts';
import type { NodeToControllerChannel } from './node-to-controller-channel.ts';

/** What a {@link BrokerLifecycleManager} is built with. */
export interface BrokerLifecycleOptions {
  readonly nodeId: number;
  readonly clusterId: string;
  /** This process's incarnation (a new random id per start: the controller tells restarts apart by it). */
  readonly incarnationId: string;
  readonly channel: NodeToControllerChannel;
  readonly time: Time;
  readonly logger: Logger;
  /** broker.heartbeat.interval.ms. */
  readonly heartbeatIntervalMs: number;
  /** initial.broker.registration.timeout.ms: how long the first registration may take. */
  readonly registrationTimeoutMs: number;
  /** metadata.version levels this broker supports. */
  readonly metadataVersionRange: { readonly min: number; readonly max: number };
  /** The offset of the newest metadata this broker has applied (the heartbeat's currentMetadataOffset). */
  currentMetadataOffset(): bigint;
}

/**
 * The broker's session with the active controller, after Kafka's `BrokerLifecycleManager`: it registers
 * (BrokerRegistration: listeners, rack, features, incarnation id) and then heartbeats every
 * broker.heartbeat.interval.ms (BrokerHeartbeat with its broker epoch and metadata offset). A heartbeat answered
 * STALE_BROKER_EPOCH (the controller lost the registration) registers again.
 *
 * Not yet as Kafka's: the fencing states (the controller keeps a new registration fenced until the broker caught
 * up), controlled shutdown through `wantShutDown`, offline log dirs.
 */
export class BrokerLifecycleManager {
  readonly #options: BrokerLifecycleOptions;
  #registration: { endpoints: BrokerEndpoint[]; rack: string | null } | null = null;
  #brokerEpoch = -1n;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(options: BrokerLifecycleOptions) {
    this.#options = options;
  }

  /** The epoch of the current registration (-1 before the first). */
  get brokerEpoch(): bigint {
    return this.#brokerEpoch;
  }

  /**
   * Registers with the active controller, retrying until initial.broker.registration.timeout.ms passes, then
   * starts the heartbeats.
   * @returns the broker epoch.
   * @throws Error when no controller accepted the registration in time, or it was refused (its error code).
   */
  async register(endpoints: BrokerEndpoint[], rack: string | null): Promise<bigint> {
    this.#registration = { endpoints, rack };
    const epoch = await this.#register(this.#options.registrationTimeoutMs);
    this.#scheduleHeartbeat();
    return epoch;
  }

  async #register(timeoutMs: number): Promise<bigint> {
    const o = this.#options;
    const { endpoints, rack } = this.#registration!;
    const response = await o.channel.send<BrokerRegistrationResponse>(
      ApiKeys.BrokerRegistration,
      {
        brokerId: o.nodeId,
        clusterId: o.clusterId,
        incarnationId: o.incarnationId,
        listeners: endpoints.map((e) => ({ name: e.name, host: e.host, port: e.port, securityProtocol: e.securityProtocol })),
        features: [{ name: 'metadata.version', minSupportedVersion: o.metadataVersionRange.min, maxSupportedVersion: o.metadataVersionRange.max }],
        rack,
        previousBrokerEpoch: this.#brokerEpoch,
      },
      { timeoutMs },
    );
    if (response.errorCode !== Errors.NONE) throw Object.assign(new Error(`broker registration refused with error ${response.errorCode}`), { errorCode: response.errorCode });
    this.#brokerEpoch = response.brokerEpoch;
    o.logger.info({ brokerEpoch: String(response.brokerEpoch) }, 'Registered with the controller');
    return response.brokerEpoch;
  }

  #scheduleHeartbeat(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#heartbeat().finally(() => this.#scheduleHeartbeat());
    }, this.#options.heartbeatIntervalMs);
    this.#timer.unref();
  }

  async #heartbeat(): Promise<void> {
    const o = this.#options;
    try {
      const response = await o.channel.send<BrokerHeartbeatResponse>(
        ApiKeys.BrokerHeartbeat,
        { brokerId: o.nodeId, brokerEpoch: this.#brokerEpoch, currentMetadataOffset: o.currentMetadataOffset(), wantFence: false, wantShutDown: false },
        { timeoutMs: o.heartbeatIntervalMs },
      );
      if (response.errorCode === Errors.STALE_BROKER_EPOCH) await this.#register(o.heartbeatIntervalMs);
      else if (response.errorCode !== Errors.NONE) o.logger.warn({ errorCode: response.errorCode }, 'Broker heartbeat failed');
    } catch (e) {
      if (!this.#closed) o.logger.warn({ err: e }, 'Broker heartbeat failed');
    }
  }

  /** Stops the heartbeats. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
