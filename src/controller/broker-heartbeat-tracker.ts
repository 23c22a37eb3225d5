import type { Time } from '../common/time.ts';

/** A broker incarnation's registration as the session tracker keys it: its id and broker epoch. */
export interface BrokerIdAndEpoch {
  readonly id: number;
  readonly epoch: bigint;
}

/**
 * The brokers' sessions with the active controller, after Kafka's `BrokerHeartbeatTracker`: the last contact
 * time of every (broker id, broker epoch) that heartbeated (or that was unfenced when this controller became
 * active). A session is valid until broker.session.timeout.ms has passed since its last contact. Times are the
 * injected {@link Time}'s monotonic ms.
 *
 * An entry is keyed by the epoch the heartbeat carried, even a stale one: the periodic check drops entries of
 * unknown brokers and old epochs when they expire (Kafka's maybeFenceOneStaleBroker).
 */
export class BrokerHeartbeatTracker {
  readonly #time: Time;
  readonly #sessionTimeoutMs: number;
  /** Contact times in monotonic ms, by "id:epoch"; Map order is first-contact order (Kafka iterates a hash map). */
  readonly #contactTimes = new Map<string, { idAndEpoch: BrokerIdAndEpoch; timeMs: number }>();

  /** @param sessionTimeoutMs broker.session.timeout.ms. */
  constructor(time: Time, sessionTimeoutMs: number) {
    this.#time = time;
    this.#sessionTimeoutMs = sessionTimeoutMs;
  }

  get time(): Time {
    return this.#time;
  }

  /** Records a contact from `idAndEpoch` at `timeMs` (default: now). */
  updateContactTime(idAndEpoch: BrokerIdAndEpoch, timeMs: number = this.#time.hiResClockMs()): void {
    this.#contactTimes.set(key(idAndEpoch), { idAndEpoch, timeMs });
  }

  /** The last contact time of `idAndEpoch` in monotonic ms, or undefined. */
  contactTime(idAndEpoch: BrokerIdAndEpoch): number | undefined {
    return this.#contactTimes.get(key(idAndEpoch))?.timeMs;
  }

  /** Removes and returns one expired entry (the first found), or null when none has expired. */
  maybeRemoveExpired(nowMs: number = this.#time.hiResClockMs()): BrokerIdAndEpoch | null {
    for (const [k, entry] of this.#contactTimes) {
      if (this.#isExpired(entry.timeMs, nowMs)) {
        this.#contactTimes.delete(k);
        return entry.idAndEpoch;
      }
    }
    return null;
  }

  /** True when `idAndEpoch` was in contact within the session timeout. */
  hasValidSession(idAndEpoch: BrokerIdAndEpoch): boolean {
    const entry = this.#contactTimes.get(key(idAndEpoch));
    return entry !== undefined && !this.#isExpired(entry.timeMs, this.#time.hiResClockMs());
  }

  /** Kafka's rule: expired once strictly more than the session timeout has passed (a clock going back never expires). */
  #isExpired(timeMs: number, nowMs: number): boolean {
    return nowMs > timeMs && timeMs + this.#sessionTimeoutMs < nowMs;
  }
}

function key(idAndEpoch: BrokerIdAndEpoch): string {
  return `${idAndEpoch.id}:${idAndEpoch.epoch}`;
}
