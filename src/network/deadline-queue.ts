import type { Time } from '../common/time.ts';

/** Something that must happen at a monotonic time: a request timeout, a connection setup timeout. */
export interface Deadline {
  /** When to expire, in monotonic ms of the queue's `Time.hiResClockMs()`. Must not change while queued. */
  readonly deadlineMs: number;
  /** Position in the queue's heap, owned by the {@link DeadlineQueue}: -1 when not queued. Start it at -1. */
  deadlineIndex: number;
  /** Called once when the deadline has passed (after it left the queue). */
  expire(): void;
}

/** setTimeout's largest delay (a 32-bit signed int of ms); a longer delay is re-armed when it fires. */
const MAX_TIMER_DELAY_MS = 0x7fffffff;

/**
 * Every deadline of a {@link NetworkClient} in one indexed binary min-heap, served by a single timer armed for the
 * earliest one (rather than one setTimeout per request, which costs an object and a timer-list insertion each).
 * Removal of a completed request is O(log n) through its {@link Deadline.deadlineIndex}, so the heap only ever
 * holds live deadlines: memory is bounded by the requests and connections in progress.
 *
 * Deadlines are compared with the injected `Time.hiResClockMs()`, so a test with MockTime expires them by
 * advancing the clock and calling {@link poll}. The timer is a real, unref'd setTimeout: it does not keep the
 * process alive (sockets do, while there is anything to wait for).
 */
export class DeadlineQueue {
  readonly #time: Time;
  readonly #heap: Deadline[] = [];
  #timer: NodeJS.Timeout | null = null;
  /** The deadline the timer is armed for (Infinity when not armed). */
  #armedForMs = Infinity;
  #closed = false;

  constructor(time: Time) {
    this.#time = time;
  }

  /** Number of queued deadlines. */
  get size(): number {
    return this.#heap.length;
  }

  /** Queues `d`. @throws Error if `d` is already queued or the queue is closed. */
  add(d: Deadline): void {
    if (this.#closed) throw new Error('DeadlineQueue is closed');
    if (d.deadlineIndex !== -1) throw new Error('deadline already queued');
    d.deadlineIndex = this.#heap.length;
    this.#heap.push(d);
    this.#siftUp(d.deadlineIndex);
    this.#arm();
  }

  /** Removes `d` if queued (a no-op otherwise). */
  remove(d: Deadline): void {
    const i = d.deadlineIndex;
    if (i < 0 || this.#heap[i] !== d) return;
    const last = this.#heap.pop()!;
    d.deadlineIndex = -1;
    if (last !== d) {
      this.#heap[i] = last;
      last.deadlineIndex = i;
      this.#siftDown(i);
      this.#siftUp(last.deadlineIndex);
    }
    // The timer stays armed for an earlier instant if d was first: it then fires, finds nothing due, re-arms.
  }

  /**
   * Expires every deadline that has passed (each is removed before its `expire()` runs, so an expiry may add or
   * remove others), then re-arms the timer for the next one. Called by the timer; tests driving MockTime call it.
   */
  poll(): void {
    const now = this.#time.hiResClockMs();
    while (this.#heap.length > 0 && this.#heap[0]!.deadlineMs <= now) {
      const d = this.#heap[0]!;
      this.remove(d);
      d.expire();
    }
    this.#arm();
  }

  /** Cancels the timer and drops every deadline without expiring them; later `add` calls throw. */
  close(): void {
    this.#closed = true;
    this.#disarm();
    for (const d of this.#heap) d.deadlineIndex = -1;
    this.#heap.length = 0;
  }

  #arm(): void {
    if (this.#closed) return;
    const first = this.#heap[0];
    if (first === undefined) {
      this.#disarm();
      return;
    }
    if (this.#timer !== null && this.#armedForMs <= first.deadlineMs) return;
    this.#disarm();
    const delayMs = Math.min(Math.max(Math.ceil(first.deadlineMs - this.#time.hiResClockMs()), 0), MAX_TIMER_DELAY_MS);
    this.#armedForMs = first.deadlineMs;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#armedForMs = Infinity;
      this.poll();
    }, delayMs);
    this.#timer.unref();
  }

  #disarm(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#armedForMs = Infinity;
  }

  #siftUp(i: number): void {
    const heap = this.#heap;
    const d = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (p.deadlineMs <= d.deadlineMs) break;
      heap[i] = p;
      p.deadlineIndex = i;
      i = parent;
    }
    heap[i] = d;
    d.deadlineIndex = i;
  }

  #siftDown(i: number): void {
    const heap = this.#heap;
    const n = heap.length;
    const d = heap[i]!;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && heap[right]!.deadlineMs < heap[left]!.deadlineMs ? right : left;
      const c = heap[child]!;
      if (d.deadlineMs <= c.deadlineMs) break;
      heap[i] = c;
      c.deadlineIndex = i;
      i = child;
    }
    heap[i] = d;
    d.deadlineIndex = i;
  }
}
