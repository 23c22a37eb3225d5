/**
 * A source of randomness, injected (like {@link Time}) into every component whose behaviour depends on chance:
 * Raft election timeouts, replica placement, backoff jitter. Simulations pass a {@link SeededRandom} so a seed
 * replays the same run; the process uses {@link SystemRandom}.
 */
export interface Random {
  /** A float in [0, 1). */
  nextDouble(): number;
  /** An integer in [0, bound); `bound` must be a positive safe integer. */
  nextInt(bound: number): number;
}

/** Math.random behind the {@link Random} interface. */
export const SystemRandom: Random = {
  nextDouble: () => Math.random(),
  nextInt: (bound) => Math.floor(Math.random() * bound),
};

/**
 * A deterministic generator (SplitMix32 over a 32-bit state): the same seed gives the same sequence on every
 * machine and Node version. Not for anything security-related.
 */
export class SeededRandom implements Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** The next 32-bit unsigned value. */
  nextUint32(): number {
    this.#state = (this.#state + 0x9e3779b9) >>> 0;
    let z = this.#state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }

  nextDouble(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  nextInt(bound: number): number {
    if (!Number.isSafeInteger(bound) || bound <= 0) throw new RangeError(`bound must be a positive safe integer, got ${bound}`);
    return Math.floor(this.nextDouble() * bound);
  }

  /** A new generator whose seed is drawn from this one (one stream per simulated node). */
  fork(): SeededRandom {
    return new SeededRandom(this.nextUint32());
  }
}
