import { SYSTEM_TIMER, type Timer } from './timer.ts';

/**
 * An operation that waits for a condition on some partitions or for its timeout (Kafka's `DelayedOperation`).
 * `tryComplete` is called whenever a watched key changes; it returns true once the operation has completed
 * (it must then not be completed again). `onExpiration` is called once on timeout if it has not completed.
 */
export interface DelayedOperation {
  tryComplete(): boolean | Promise<boolean>;
  onExpiration(): void | Promise<void>;
}

interface Entry {
  op: DelayedOperation;
  keys: readonly string[];
  cancelTimer: (() => void) | undefined;
  done: boolean;
  checking: boolean;
  recheck: boolean;
}

/**
 * Holds delayed operations (long-polling fetches, acks=all produces) keyed by the partitions they watch, after
 * Kafka's `DelayedOperationPurgatory`. `checkAndComplete(key)` re-evaluates the operations watching a key (called
 * after an append or a high watermark move). Evaluations of one operation never overlap: a change that arrives
 * while one runs triggers another evaluation after it.
 */
export class DelayedOperationPurgatory {
  readonly #watchers = new Map<string, Set<Entry>>();
  readonly #name: string;
  readonly #timer: Timer;
  /** checkAndComplete calls so far, on any key (see {@link version}). */
  #version = 0;

  /** @param timer where the operations' timeouts run (the simulation passes its event queue). */
  constructor(name: string, timer: Timer = SYSTEM_TIMER) {
    this.#name = name;
    this.#timer = timer;
  }

  get name(): string {
    return this.#name;
  }

  /** Number of operations waiting. */
  get size(): number {
    const all = new Set<Entry>();
    for (const s of this.#watchers.values()) for (const e of s) all.add(e);
    return all.size;
  }

  /**
   * A counter that every {@link checkAndComplete} call advances. A caller reads it before its first attempt to
   * complete an operation and passes it to {@link watch}: a change in between means a completion check ran while
   * the operation was not yet watched (the attempt is asynchronous), and watch then evaluates it at once.
   */
  get version(): number {
    return this.#version;
  }

  /**
   * Watches `op` on `keys` until it completes or `timeoutMs` passes. The caller has already tried to complete it
   * once; when `versionBeforeAttempt` (the {@link version} read before that attempt) is no longer current, a
   * completion check was missed meanwhile and the operation is evaluated again right away (Kafka's
   * tryCompleteElseWatch tries once more after watching, for the same reason).
   */
  watch(op: DelayedOperation, keys: readonly string[], timeoutMs: number, versionBeforeAttempt = this.#version): void {
    const entry: Entry = { op, keys, cancelTimer: undefined, done: false, checking: false, recheck: false };
    for (const key of keys) {
      let set = this.#watchers.get(key);
      if (set === undefined) this.#watchers.set(key, (set = new Set()));
      set.add(entry);
    }
    entry.cancelTimer = this.#timer.schedule(Math.max(0, timeoutMs), () => {
      if (entry.done) return;
      this.#finish(entry);
      void op.onExpiration();
    });
    if (versionBeforeAttempt !== this.#version) void this.#evaluate(entry);
  }

  #finish(entry: Entry): void {
    entry.done = true;
    entry.cancelTimer?.();
    for (const key of entry.keys) {
      const set = this.#watchers.get(key);
      if (set === undefined) continue;
      set.delete(entry);
      if (set.size === 0) this.#watchers.delete(key);
    }
  }

  async #evaluate(entry: Entry): Promise<void> {
    if (entry.done) return;
    if (entry.checking) {
      entry.recheck = true;
      return;
    }
    entry.checking = true;
    try {
      do {
        entry.recheck = false;
        if (await entry.op.tryComplete()) {
          this.#finish(entry);
          return;
        }
      } while (entry.recheck && !entry.done);
    } catch {
      // A failed evaluation (e.g. a log deleted under it) ends the wait: the operation answers with what it has.
      if (!entry.done) {
        this.#finish(entry);
        await entry.op.onExpiration();
      }
    } finally {
      entry.checking = false;
    }
  }

  /** Re-evaluates every operation watching `key`. */
  checkAndComplete(key: string): void {
    this.#version++;
    const set = this.#watchers.get(key);
    if (set === undefined) return;
    for (const entry of [...set]) void this.#evaluate(entry);
  }

  /** Expires every waiting operation now (shutdown). */
  async shutdown(): Promise<void> {
    const all = new Set<Entry>();
    for (const s of this.#watchers.values()) for (const e of s) all.add(e);
    for (const e of all) {
      this.#finish(e);
      await e.op.onExpiration();
    }
  }
}
