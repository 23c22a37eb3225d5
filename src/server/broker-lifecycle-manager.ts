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

/** Kafka's BrokerLifecycleManager: heartbeats every 10 ms while waiting to be unfenced at start. */
const STARTING_HEARTBEAT_MS = 10;
/** Kafka's BrokerLifecycleManager: heartbeats every 50 ms while waiting for the controlled shutdown's end. */
const SHUTDOWN_HEARTBEAT_MS = 50;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * The broker's session with the active controller, after Kafka's `BrokerLifecycleManager`: it registers
 * (BrokerRegistration: listeners, rack, features, incarnation id; any refusal is retried every
 * broker.heartbeat.interval.ms until initial.broker.registration.timeout.ms, as Kafka's), then heartbeats
 * (BrokerHeartbeat with its broker epoch and metadata offset): every 10 ms until the controller unfences it (it
 * registers fenced and is unfenced once it reports the offset of its registration record), then every
 * broker.heartbeat.interval.ms. A heartbeat answered STALE_BROKER_EPOCH (the controller lost the registration)
 * registers again. {@link controlledShutdown} heartbeats with wantShutDown until the controller has moved this
 * broker's leaderships away and answers shouldShutDown.
 *
 * Not yet as Kafka's: wantFence until the logs are recovered (it asks to be unfenced at once), offline log dirs.
 */
export class BrokerLifecycleManager {
  readonly #options: BrokerLifecycleOptions;
  #registration: { endpoints: BrokerEndpoint[]; rack: string | null } | null = null;
  #brokerEpoch = -1n;
  #fenced = true;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  #shuttingDown = false;
  #shutdownGranted = false;
  #unfenced: (() => void) | null = null;

  constructor(options: BrokerLifecycleOptions) {
    this.#options = options;
  }

  /** The epoch of the current registration (-1 before the first). */
  get brokerEpoch(): bigint {
    return this.#brokerEpoch;
  }

  /**
   * Registers with the active controller and heartbeats until it is unfenced, retrying until
   * initial.broker.registration.timeout.ms passes, then keeps heartbeating.
   * @returns the broker epoch.
   * @throws Error when no controller registered and unfenced it in time (the last error code).
   */
  async register(endpoints: BrokerEndpoint[], rack: string | null): Promise<bigint> {
    const o = this.#options;
    this.#registration = { endpoints, rack };
    const deadline = o.time.hiResClockMs() + o.registrationTimeoutMs;
    let lastError: unknown = null;
    while (!this.#closed) {
      const remaining = deadline - o.time.hiResClockMs();
      if (remaining <= 0) break;
      try {
        await this.#register(remaining);
        break;
      } catch (e) {
        lastError = e;
        o.logger.info({ err: e }, 'Unable to register with the controller; retrying');
        await sleep(Math.min(o.heartbeatIntervalMs, Math.max(1, deadline - o.time.hiResClockMs())));
      }
    }
    if (this.#brokerEpoch < 0n) throw Object.assign(new Error('the broker could not register with the controller quorum in time'), { cause: lastError });
    const unfenced = new Promise<void>((resolve) => (this.#unfenced = resolve));
    this.#scheduleHeartbeat(0);
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), Math.max(1, deadline - o.time.hiResClockMs())).unref());
    if ((await Promise.race([unfenced, timeout])) === 'timeout') throw new Error('the controller did not unfence this broker in time');
    return this.#brokerEpoch;
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
        features: [
          { name: 'metadata.version', minSupportedVersion: o.metadataVersionRange.min, maxSupportedVersion: o.metadataVersionRange.max },
          // The quorum layer reads and writes the KIP-853 records, so both kraft.version levels are supported.
          { name: 'kraft.version', minSupportedVersion: 0, maxSupportedVersion: 1 },
        ],
        rack,
        previousBrokerEpoch: this.#brokerEpoch,
      },
      { timeoutMs },
    );
    if (response.errorCode !== Errors.NONE) throw Object.assign(new Error(`broker registration refused with error ${response.errorCode}`), { errorCode: response.errorCode });
    this.#brokerEpoch = response.brokerEpoch;
    this.#fenced = true;
    o.logger.info({ brokerEpoch: String(response.brokerEpoch) }, 'Registered with the controller');
    return response.brokerEpoch;
  }

  #scheduleHeartbeat(delayMs: number): void {
    if (this.#closed || this.#shuttingDown) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#heartbeat().then((ok) => this.#scheduleHeartbeat(ok && this.#fenced ? STARTING_HEARTBEAT_MS : this.#options.heartbeatIntervalMs));
    }, delayMs);
    this.#timer.unref();
  }

  /** @returns whether the controller answered without error. */
  async #heartbeat(wantShutDown = false): Promise<boolean> {
    const o = this.#options;
    try {
      const response = await o.channel.send<BrokerHeartbeatResponse>(
        ApiKeys.BrokerHeartbeat,
        { brokerId: o.nodeId, brokerEpoch: this.#brokerEpoch, currentMetadataOffset: o.currentMetadataOffset(), wantFence: false, wantShutDown },
        { timeoutMs: o.heartbeatIntervalMs },
      );
      if (response.errorCode === Errors.STALE_BROKER_EPOCH && !wantShutDown) {
        await this.#register(o.heartbeatIntervalMs);
        return true;
      }
      if (response.errorCode !== Errors.NONE) {
        o.logger.warn({ errorCode: response.errorCode }, 'Broker heartbeat failed');
        return false;
      }
      if (this.#fenced && !response.isFenced) o.logger.info('The controller unfenced this broker');
      this.#fenced = response.isFenced;
      if (!response.isFenced) this.#unfenced?.();
      if (wantShutDown && response.shouldShutDown) this.#shutdownGranted = true;
      return true;
    } catch (e) {
      if (!this.#closed) o.logger.warn({ err: e }, 'Broker heartbeat failed');
      return false;
    }
  }

  /**
   * Kafka's controlled shutdown: heartbeats with wantShutDown every 50 ms until the controller answers
   * shouldShutDown (it moved this broker's leaderships away and fenced it) or `timeoutMs` passes; then stops.
   * @returns whether the controller granted the shutdown.
   */
  async controlledShutdown(timeoutMs: number): Promise<boolean> {
    if (this.#closed || this.#brokerEpoch < 0n) {
      this.close();
      return false;
    }
    this.#shuttingDown = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const deadline = this.#options.time.hiResClockMs() + timeoutMs;
    this.#options.logger.info('Beginning controlled shutdown');
    while (!this.#shutdownGranted && this.#options.time.hiResClockMs() < deadline) {
      await this.#heartbeat(true);
      if (!this.#shutdownGranted) await sleep(SHUTDOWN_HEARTBEAT_MS);
    }
    this.close();
    if (this.#shutdownGranted) this.#options.logger.info('The controller has granted the controlled shutdown');
    else this.#options.logger.warn({ timeoutMs }, 'The controlled shutdown was not granted in time');
    return this.#shutdownGranted;
  }

  /** Stops the heartbeats. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
