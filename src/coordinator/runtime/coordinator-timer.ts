import type { Time } from '../../common/time.ts';
import type { CoordinatorResult } from './coordinator-shard.ts';

/** A timer task: runs as a write operation of its shard when due; its records are appended like any other. */
export type TimerOperation<R> = () => CoordinatorResult<void, R>;

interface TimerTask<R> {
  readonly key: string;
  readonly deadlineMs: number;
  readonly retry: boolean;
  readonly retryBackoffMs: number;
  readonly operation: TimerOperation<R>;
  /** Unique per scheduling, so a stale firing of a replaced task is recognised. */
  readonly seq: number;
}

/**
 * Keyed timers of one coordinator shard, after Kafka's `CoordinatorTimer`: scheduling a key again replaces
 * its previous task (this is how a heartbeat pushes back a session expiry). Deadlines use the monotonic clock
 * `time.hiResClockMs()`. The timer does not run anything by itself: the {@link CoordinatorRuntime} asks for
 * {@link expired} tasks when it polls (driven by a Node timeout in production, by the test with MockTime).
 */
export class CoordinatorTimer<R> {
  readonly #time: Time;
  readonly #tasks = new Map<string, TimerTask<R>>();
  readonly #onScheduled: (deadlineMs: number) => void;
  #seq = 0;

  /** @param onScheduled called with the deadline of every newly scheduled task (the runtime re-arms its wake-up). */
  constructor(time: Time, onScheduled: (deadlineMs: number) => void) {
    this.#time = time;
    this.#onScheduled = onScheduled;
  }

  /**
   * Schedules `operation` to run in `delayMs` ms under `key`, replacing a task already scheduled under it.
   * With `retry`, a task whose operation throws is rescheduled after `retryBackoffMs` (Kafka: 500 ms).
   */
  schedule(key: string, delayMs: number, operation: TimerOperation<R>, retry = false, retryBackoffMs = 500): void {
    const deadlineMs = this.#time.hiResClockMs() + Math.max(0, delayMs);
    this.#tasks.set(key, { key, deadlineMs, retry, retryBackoffMs, operation, seq: ++this.#seq });
    this.#onScheduled(deadlineMs);
  }

  /** Schedules only if nothing is scheduled under `key`. */
  scheduleIfAbsent(key: string, delayMs: number, operation: TimerOperation<R>): void {
    if (!this.#tasks.has(key)) this.schedule(key, delayMs, operation);
  }

  cancel(key: string): void {
    this.#tasks.delete(key);
  }

  isScheduled(key: string): boolean {
    return this.#tasks.has(key);
  }

  /** Remaining ms of the task under `key`, or undefined. */
  remainingMs(key: string): number | undefined {
    const t = this.#tasks.get(key);
    return t === undefined ? undefined : t.deadlineMs - this.#time.hiResClockMs();
  }

  get size(): number {
    return this.#tasks.size;
  }

  /** Earliest deadline, or Infinity. */
  nextDeadlineMs(): number {
    let min = Infinity;
    for (const t of this.#tasks.values()) if (t.deadlineMs < min) min = t.deadlineMs;
    return min;
  }

  /**
   * Removes and returns the tasks due at `nowMs`, earliest first. The returned `run` executes the operation
   * unless the key was rescheduled or cancelled meanwhile (an earlier task of the same poll may do that).
   */
  expired(nowMs: number): { key: string; run: () => CoordinatorResult<void, R> | null }[] {
    const due = [...this.#tasks.values()].filter((t) => t.deadlineMs <= nowMs).sort((a, b) => a.deadlineMs - b.deadlineMs || a.seq - b.seq);
    return due.map((t) => ({
      key: t.key,
      run: () => {
        const current = this.#tasks.get(t.key);
        if (current === undefined || current.seq !== t.seq) return null;
        this.#tasks.delete(t.key);
        try {
          return t.operation();
        } catch (e) {
          if (t.retry) this.schedule(t.key, t.retryBackoffMs, t.operation, true, t.retryBackoffMs);
          throw e;
        }
      },
    }));
  }

  /** Drops every task (the shard is unloaded). */
  clear(): void {
    this.#tasks.clear();
  }
}
