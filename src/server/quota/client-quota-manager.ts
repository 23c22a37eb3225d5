import { RateQuotaSensor } from '../../network/rate-quota-sensor.ts';

/** A quota entity's user or client-id component: a name, the default (`<default>`), or absent (null). */
export type QuotaEntityName = string | typeof DEFAULT_ENTITY | null;

/** The default user or client id of a quota entity (an entity name of null in ClientQuotaRecord). */
export const DEFAULT_ENTITY: unique symbol = Symbol('<default>');

/** Which entity kinds hold a quota (Kafka's quotaTypesEnabled bits). */
const CLIENT_ID_QUOTA = 1;
const USER_QUOTA = 2;
const USER_CLIENT_ID_QUOTA = 4;

/** Sensors unused this long are dropped (Kafka's INACTIVE_SENSOR_EXPIRATION_TIME_SECONDS, one hour). */
const INACTIVE_SENSOR_EXPIRATION_MS = 3_600_000;

/** Window settings of a {@link ClientQuotaManager} (Kafka's ClientQuotaManagerConfig). */
export interface ClientQuotaManagerConfig {
  /** `quota.window.num`: samples kept. */
  readonly numQuotaSamples: number;
  /** `quota.window.size.seconds` x 1000: length of one sample, in ms. */
  readonly quotaWindowSizeMs: number;
  /** Upper bound of one throttle, in ms (the request quota caps it at one window); default unbounded. */
  readonly maxThrottleTimeMs?: number;
}

/** The metric tags a client's usage is recorded under: '' for a component the quota does not distinguish. */
export interface QuotaMetricTags {
  readonly user: string;
  readonly clientId: string;
}

interface ClientSensor {
  readonly tags: QuotaMetricTags;
  readonly sensor: RateQuotaSensor;
  lastRecordMs: number;
}

function entityKey(user: QuotaEntityName, clientId: QuotaEntityName): string {
  const part = (n: QuotaEntityName): string => (n === null ? 'n' : n === DEFAULT_ENTITY ? 'd' : `=${n}`);
  return `${part(user)}\u0000${part(clientId)}`;
}

function quotaTypeOf(user: QuotaEntityName, clientId: QuotaEntityName): number {
  if (user !== null && clientId !== null) return USER_CLIENT_ID_QUOTA;
  if (user !== null) return USER_QUOTA;
  return clientId !== null ? CLIENT_ID_QUOTA : 0;
}

/**
 * One kind of client quota (produce bytes, fetch bytes, request time percentage) of a broker, after Kafka's
 * `ClientQuotaManager` with its default quota callback (KIP-55 precedence):
 *
 * 1. `/config/users/<user>/clients/<client-id>`   2. `/config/users/<user>/clients/<default>`
 * 3. `/config/users/<user>`                       4. `/config/users/<default>/clients/<client-id>`
 * 5. `/config/users/<default>/clients/<default>`  6. `/config/users/<default>`
 * 7. `/config/clients/<client-id>`                8. `/config/clients/<default>`
 *
 * The most specific entity holding a quota decides both the bound and which clients share one rate: usage is
 * recorded under metric tags (user, client-id) naming only the components that entity names (Kafka's
 * DefaultQuotaCallback.quotaMetricTags), so e.g. a `/config/clients/<default>` quota is shared by all connections
 * of one client id, whatever their users. Rates are Kafka's Rate over `quota.window.num` samples of
 * `quota.window.size.seconds` ({@link RateQuotaSensor}); a violation yields the throttle time of
 * QuotaUtils.throttleTime. The user is the principal's name (Kafka sanitizes it only for metric names).
 */
export class ClientQuotaManager {
  readonly #config: ClientQuotaManagerConfig;
  /** Quota bounds by entity ({@link entityKey}). */
  readonly #overridden = new Map<string, number>();
  /** Entities holding a quota, by quota type bit. */
  readonly #activeByType = new Map<number, number>();
  #quotaTypesEnabled = 0;
  /** Sensors by metric tags. */
  readonly #sensors = new Map<string, ClientSensor>();
  #lastExpiryMs = 0;

  constructor(config: ClientQuotaManagerConfig) {
    this.#config = config;
  }

  /** Whether any quota of this kind is set (when not, nothing is recorded: Kafka's quotasEnabled). */
  get quotasEnabled(): boolean {
    return this.#quotaTypesEnabled !== 0;
  }

  /**
   * Sets (`bound` a positive number) or removes (null) the quota of an entity; existing rates keep their samples
   * and take their new bound at once (Kafka's updateQuota + updateQuotaMetricConfigs).
   */
  updateQuota(user: QuotaEntityName, clientId: QuotaEntityName, bound: number | null): void {
    const key = entityKey(user, clientId);
    const had = this.#overridden.has(key);
    const type = quotaTypeOf(user, clientId);
    if (bound !== null) {
      this.#overridden.set(key, bound);
      if (!had) this.#activeByType.set(type, (this.#activeByType.get(type) ?? 0) + 1);
    } else {
      this.#overridden.delete(key);
      if (had) this.#activeByType.set(type, (this.#activeByType.get(type) ?? 1) - 1);
    }
    this.#quotaTypesEnabled = 0;
    for (const [t, n] of this.#activeByType) if (n > 0) this.#quotaTypesEnabled |= t;
    // Which entity applies may have changed for any client: recompute every bound, and drop the sensors whose tags
    // no longer match their clients (they are recreated under the right tags on their next record).
    for (const [k, s] of this.#sensors) {
      const limit = this.quotaLimit(s.tags);
      if (limit === null) this.#sensors.delete(k);
      else s.sensor.quota = limit;
    }
  }

  /** Kafka's DefaultQuotaCallback.quotaMetricTags: the tags `user`/`clientId`'s usage is recorded under. */
  quotaMetricTags(user: string, clientId: string): QuotaMetricTags {
    switch (this.#quotaTypesEnabled) {
      case 0:
      case CLIENT_ID_QUOTA:
        return { user: '', clientId };
      case USER_QUOTA:
        return { user, clientId: '' };
      case USER_CLIENT_ID_QUOTA:
        return { user, clientId };
      default: {
        const has = (u: QuotaEntityName, c: QuotaEntityName): boolean => this.#overridden.has(entityKey(u, c));
        if (has(user, clientId) || has(user, DEFAULT_ENTITY)) return { user, clientId };
        if (has(user, null)) return { user, clientId: '' };
        if (has(DEFAULT_ENTITY, clientId) || has(DEFAULT_ENTITY, DEFAULT_ENTITY)) return { user, clientId };
        if (has(DEFAULT_ENTITY, null)) return { user, clientId: '' };
        return { user: '', clientId };
      }
    }
  }

  /** Kafka's DefaultQuotaCallback.quotaLimit: the bound of the most specific entity for `tags`, or null (none). */
  quotaLimit(tags: QuotaMetricTags): number | null {
    const get = (u: QuotaEntityName, c: QuotaEntityName): number | undefined => this.#overridden.get(entityKey(u, c));
    const { user, clientId } = tags;
    if (user !== '' && clientId !== '') {
      return get(user, clientId) ?? get(user, DEFAULT_ENTITY) ?? get(DEFAULT_ENTITY, clientId) ?? get(DEFAULT_ENTITY, DEFAULT_ENTITY) ?? null;
    }
    if (user !== '') return get(user, null) ?? get(DEFAULT_ENTITY, null) ?? null;
    if (clientId !== '') return get(null, clientId) ?? get(null, DEFAULT_ENTITY) ?? null;
    return null;
  }

  /** The bound that applies to `user` with `clientId`, or null when unlimited (Kafka's ClientQuotaManager.quota). */
  quota(user: string, clientId: string): number | null {
    return this.quotaLimit(this.quotaMetricTags(user, clientId));
  }

  /**
   * Records `value` for the client and returns how long, in ms, its channel is throttled (0 within its quota, or
   * when no quota of this kind is set): Kafka's maybeRecordAndGetThrottleTimeMs.
   */
  maybeRecordAndGetThrottleTimeMs(user: string, clientId: string, value: number, timeMs: number): number {
    if (!this.quotasEnabled) return 0;
    const s = this.#sensorOf(user, clientId, timeMs);
    if (s === null) return 0;
    return s.sensor.recordValue(value, timeMs, this.#config.maxThrottleTimeMs);
  }

  /** Takes back `value` recorded earlier (a fetch answered empty because it is throttled: unrecordQuotaSensor). */
  unrecord(user: string, clientId: string, value: number, timeMs: number): void {
    if (!this.quotasEnabled) return;
    this.#sensorOf(user, clientId, timeMs)?.sensor.add(-value, timeMs);
  }

  /**
   * The most a client may take in one quota window (the bound x (samples - 1) x window length: Kafka's
   * maxValueInQuotaWindow, which caps a fetch response), or Infinity without a quota.
   */
  maxValueInQuotaWindow(user: string, clientId: string): number {
    if (!this.quotasEnabled) return Infinity;
    const limit = this.quota(user, clientId);
    if (limit === null) return Infinity;
    return limit * (this.#config.numQuotaSamples - 1) * (this.#config.quotaWindowSizeMs / 1000);
  }

  #sensorOf(user: string, clientId: string, timeMs: number): ClientSensor | null {
    this.#expireSensors(timeMs);
    const tags = this.quotaMetricTags(user, clientId);
    const key = `${tags.user}\u0000${tags.clientId}`;
    let s = this.#sensors.get(key);
    if (s === undefined) {
      const limit = this.quotaLimit(tags);
      if (limit === null) return null;
      s = { tags, sensor: new RateQuotaSensor({ quota: limit, windowMs: this.#config.quotaWindowSizeMs, samples: this.#config.numQuotaSamples }), lastRecordMs: timeMs };
      this.#sensors.set(key, s);
    }
    s.lastRecordMs = timeMs;
    return s;
  }

  /** Drops the sensors idle for an hour, checked at most once a minute (Kafka's sensor expiration). */
  #expireSensors(timeMs: number): void {
    if (timeMs - this.#lastExpiryMs < 60_000) return;
    this.#lastExpiryMs = timeMs;
    for (const [k, s] of this.#sensors) if (timeMs - s.lastRecordMs >= INACTIVE_SENSOR_EXPIRATION_MS) this.#sensors.delete(k);
  }
}
