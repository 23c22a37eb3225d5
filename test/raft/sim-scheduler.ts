import { MockTime } from '../../src/common/time.ts';

/**
 * The simulation's clock: MockTime whose wall clock can also jump (NTP steps, a VM resumed) while the monotonic
 * clock the raft timers run on only moves with the events.
 */
export class SimClock extends MockTime {
  #wallOffsetMs = 0;

  override milliseconds(): number {
    return super.milliseconds() + this.#wallOffsetMs;
  }

  /** Moves the wall clock by `ms` (forward or back) without moving the monotonic clock. */
  jumpWallClock(ms: number): void {
    this.#wallOffsetMs += ms;
  }
}

interface SimEvent {
  readonly atMs: number;
  readonly seq: number;
  /** Returns false when the event turned out to be a no-op (a cancelled timer): nothing to settle or check. */
  readonly run: () => boolean | void;
}

/**
 * The simulation's event queue and clock: events run in (time, insertion) order and the MockTime jumps to each
 * event's time, so a run depends only on its seed.
 */
export class SimScheduler {
  readonly time = new SimClock(1_700_000_000_000);
  readonly #heap: SimEvent[] = [];
  #seq = 0;

  get nowMs(): number {
    return this.time.hiResClockMs();
  }

  get size(): number {
    return this.#heap.length;
  }

  /** Runs `run` `delayMs` from now (at least now). */
  schedule(delayMs: number, run: () => boolean | void): void {
    const e = { atMs: this.nowMs + Math.max(0, delayMs), seq: this.#seq++, run };
    const h = this.#heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  /** Advances the clock to the next event and returns it (without running it), or null when none is left. */
  next(): SimEvent | null {
    const h = this.#heap;
    if (h.length === 0) return null;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    if (top.atMs > this.nowMs) this.time.sleep(top.atMs - this.nowMs);
    return top;
  }

  /** Time of the next event, or Infinity. */
  peekTimeMs(): number {
    return this.#heap[0]?.atMs ?? Infinity;
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}
