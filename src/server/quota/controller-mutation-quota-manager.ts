import { ApiError } from '../../common/api-error.ts';
import type { Time } from '../../common/time.ts';
import type { PartitionChangeQuota } from '../../controller/replication-control-manager.ts';
import { Errors, ERROR_INFO } from '../../protocol/generated/errors.ts';
import { ClientQuotaManager, type QuotaEntityName } from './client-quota-manager.ts';
import { TokenBucket } from './token-bucket.ts';

/** Buckets unused this long are dropped (Kafka's sensor expiration, one hour). */
const INACTIVE_BUCKET_EXPIRATION_MS = 3_600_000;

/**
 * The quota of one CreateTopics / CreatePartitions / DeleteTopics request (Kafka's ControllerMutationQuota): the
 * controller calls `applyPartitionChangeQuota` with each topic's partition count before it writes that topic's
 * records; `throttleTimeMs` is what the response's throttle_time_ms carries.
 */
export interface ControllerMutationQuota extends PartitionChangeQuota {
  /** The throttle still owed, in ms: the last violation's throttle time less the time since (0 if none). */
  throttleTimeMs(): number;
}

/** Without a `controller_mutation_rate` for the client: nothing is recorded or refused. */
const UNBOUNDED: ControllerMutationQuota = { applyPartitionChangeQuota: () => undefined, throttleTimeMs: () => 0 };

interface Bucket {
  readonly user: string;
  readonly clientId: string;
  readonly bucket: TokenBucket;
  lastRecordMs: number;
}

/**
 * Kafka's ControllerMutationQuotaManager (KIP-599): `controller_mutation_rate` per user / client id with the
 * KIP-55 precedence of the other client quotas ({@link ClientQuotaManager}, here used for the bounds only), each
 * entity's mutations (partitions created or deleted) measured by a {@link TokenBucket} over
 * `controller.quota.window.num` x `controller.quota.window.size.seconds`.
 *
 * A request gets a strict quota from the versions whose clients understand THROTTLING_QUOTA_EXCEEDED (89)
 * (CreateTopics v6+, CreatePartitions v3+, DeleteTopics v5+): a topic arriving while the bucket is in debt is
 * refused with it (the request that drives the bucket negative is still admitted whole per topic); older versions get
 * a permissive quota: everything is done and recorded, and the debt becomes the response's throttle_time_ms.
 * It runs where Kafka's does, on the controller (ControllerApis), with the principal of the forwarded request.
 */
export class ControllerMutationQuotaManager {
  readonly #bounds: ClientQuotaManager;
  readonly #samples: number;
  readonly #windowMs: number;
  readonly #time: Time;
  readonly #buckets = new Map<string, Bucket>();
  #lastExpiryMs = 0;

  /**
   * @param options.samples `controller.quota.window.num`
   * @param options.windowMs `controller.quota.window.size.seconds` x 1000
   */
  constructor(options: { samples: number; windowMs: number; time: Time }) {
    this.#samples = options.samples;
    this.#windowMs = options.windowMs;
    this.#time = options.time;
    this.#bounds = new ClientQuotaManager({ numQuotaSamples: options.samples, quotaWindowSizeMs: options.windowMs });
  }

  /** Sets (mutations per second) or removes (null) the `controller_mutation_rate` of an entity. */
  updateQuota(user: QuotaEntityName, clientId: QuotaEntityName, bound: number | null): void {
    this.#bounds.updateQuota(user, clientId, bound);
  }

  /**
   * The quota of one request (Kafka's newQuotaFor): strict from `strictSinceVersion`, permissive before it, unbounded
   * when no `controller_mutation_rate` applies to the client.
   */
  newQuotaFor(user: string, clientId: string, apiVersion: number, strictSinceVersion: number): ControllerMutationQuota {
    if (!this.#bounds.quotasEnabled) return UNBOUNDED;
    const tags = this.#bounds.quotaMetricTags(user, clientId);
    if (this.#bounds.quotaLimit(tags) === null) return UNBOUNDED;
    const entry = this.#bucketOf(tags.user, tags.clientId);
    return new RequestQuota(this.#time, () => this.#bounds.quotaLimit(tags), entry, apiVersion >= strictSinceVersion);
  }

  #bucketOf(user: string, clientId: string): Bucket {
    const now = this.#time.milliseconds();
    if (now - this.#lastExpiryMs >= 60_000) {
      this.#lastExpiryMs = now;
      for (const [k, b] of this.#buckets) if (now - b.lastRecordMs >= INACTIVE_BUCKET_EXPIRATION_MS) this.#buckets.delete(k);
    }
    const key = `${user}\u0000${clientId}`;
    let b = this.#buckets.get(key);
    if (b === undefined) {
      b = { user, clientId, bucket: new TokenBucket(this.#samples, this.#windowMs), lastRecordMs: now };
      this.#buckets.set(key, b);
    }
    b.lastRecordMs = now;
    return b;
  }
}

/**
 * Kafka's StrictControllerMutationQuota (`strict`) and PermissiveControllerMutationQuota: one request's view of its
 * entity's bucket, remembering its last throttle time.
 */
class RequestQuota implements ControllerMutationQuota {
  readonly #time: Time;
  readonly #bound: () => number | null;
  readonly #entry: Bucket;
  readonly #strict: boolean;
  #lastThrottleTimeMs = 0;
  #lastRecordedMs = 0;

  constructor(time: Time, bound: () => number | null, entry: Bucket, strict: boolean) {
    this.#time = time;
    this.#bound = bound;
    this.#entry = entry;
    this.#strict = strict;
  }

  /** @throws ApiError THROTTLING_QUOTA_EXCEEDED (89) on a strict quota whose bucket is in debt. */
  applyPartitionChangeQuota(permits: number): void {
    const quota = this.#bound();
    if (quota === null) return;
    const now = this.#time.milliseconds();
    const { bucket } = this.#entry;
    this.#entry.lastRecordMs = now;
    if (this.#strict) {
      const throttleMs = bucket.throttleTimeMs(quota, now);
      if (throttleMs > 0) {
        this.#violated(throttleMs, now);
        throw new ApiError(Errors.THROTTLING_QUOTA_EXCEEDED, ERROR_INFO[Errors.THROTTLING_QUOTA_EXCEEDED]!.message);
      }
      bucket.record(quota, permits, now);
      return;
    }
    bucket.record(quota, permits, now);
    const throttleMs = bucket.throttleTimeMs(quota, now);
    if (throttleMs > 0) this.#violated(throttleMs, now);
  }

  throttleTimeMs(): number {
    if (this.#lastThrottleTimeMs === 0) return 0;
    return Math.max(0, this.#lastThrottleTimeMs - (this.#time.milliseconds() - this.#lastRecordedMs));
  }

  #violated(throttleMs: number, now: number): void {
    this.#lastThrottleTimeMs = throttleMs;
    this.#lastRecordedMs = now;
  }
}
