/** How a wait in a {@link ThresholdPurgatory} ended. */
export type PurgatoryOutcome = { kind: 'completed'; timeMs: number } | { kind: 'expired' } | { kind: 'failed'; errorCode: number };

interface Waiter {
  readonly id: number;
  readonly threshold: bigint;
  readonly deadlineMs: number;
  readonly onDone: (outcome: PurgatoryOutcome) => void;
}

/**
 * Waits keyed by an offset threshold (Kafka's `ThresholdPurgatory`): the leader parks a long-poll Fetch until its
 * log end passes the fetch offset (or the high watermark moves), and tracks appends until the high watermark
 * passes them. Expiry runs on the raft clock: the client calls {@link expire} from poll and sleeps no longer than
 * {@link timeUntilNextExpirationMs}, so nothing here uses a real timer. Callbacks run synchronously inside the
 * call that completes them (always from poll).
 */
export class ThresholdPurgatory {
  #waiters: Waiter[] = [];
  #nextId = 0;

  get size(): number {
    return this.#waiters.length;
  }

  /** Parks `onDone` until a value >= `threshold` is offered, or `maxWaitMs` passed. @returns the wait's id. */
  await(threshold: bigint, maxWaitMs: number, nowMs: number, onDone: (outcome: PurgatoryOutcome) => void): number {
    const id = ++this.#nextId;
    this.#waiters.push({ id, threshold, deadlineMs: nowMs + maxWaitMs, onDone });
    return id;
  }

  /** Completes every wait whose threshold is <= `value`. */
  maybeComplete(value: bigint, nowMs: number): void {
    this.#finish((w) => w.threshold <= value, { kind: 'completed', timeMs: nowMs });
  }

  completeAll(nowMs: number): void {
    this.#finish(() => true, { kind: 'completed', timeMs: nowMs });
  }

  /** Fails every wait with a Kafka error code (NOT_LEADER_OR_FOLLOWER when leadership is lost). */
  completeAllExceptionally(errorCode: number): void {
    this.#finish(() => true, { kind: 'failed', errorCode });
  }

  /** Ends the waits whose time is up. */
  expire(nowMs: number): void {
    this.#finish((w) => w.deadlineMs <= nowMs, { kind: 'expired' });
  }

  timeUntilNextExpirationMs(nowMs: number): number {
    let next = Infinity;
    for (const w of this.#waiters) next = Math.min(next, w.deadlineMs);
    return Math.max(0, next - nowMs);
  }

  #finish(pred: (w: Waiter) => boolean, outcome: PurgatoryOutcome): void {
    const done = this.#waiters.filter(pred);
    if (done.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => !pred(w));
    for (const w of done) w.onDone(outcome);
  }
}
