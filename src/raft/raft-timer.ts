/**
 * A deadline on the raft clock (Kafka's `Timer` as the raft states use it). Times are monotonic ms passed in by
 * the caller, so a state never reads a clock itself; `Infinity` is a timeout that never expires (an observer's
 * election timer).
 */
export class RaftTimer {
  #deadlineMs: number;
  #nowMs: number;
  #timeoutMs: number;

  constructor(nowMs: number, timeoutMs: number) {
    this.#nowMs = nowMs;
    this.#timeoutMs = timeoutMs;
    this.#deadlineMs = nowMs + timeoutMs;
  }

  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  update(nowMs: number): void {
    if (nowMs > this.#nowMs) this.#nowMs = nowMs;
  }

  /** Restarts the timer at the last updated time. */
  reset(timeoutMs: number): void {
    this.#timeoutMs = timeoutMs;
    this.#deadlineMs = this.#nowMs + timeoutMs;
  }

  isExpired(nowMs: number): boolean {
    this.update(nowMs);
    return this.#nowMs >= this.#deadlineMs;
  }

  remainingMs(nowMs: number): number {
    this.update(nowMs);
    return Math.max(0, this.#deadlineMs - this.#nowMs);
  }
}
