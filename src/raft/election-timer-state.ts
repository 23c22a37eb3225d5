import { RaftTimer } from './raft-timer.ts';

/**
 * The randomised election timer of the states that wait for an election (Unattached, Prospective, Candidate,
 * Resigned): started when the state is entered, it says when the state must act (start or retry an election).
 */
export abstract class ElectionTimerState {
  readonly #electionTimer: RaftTimer;

  protected constructor(nowMs: number, electionTimeoutMs: number) {
    this.#electionTimer = new RaftTimer(nowMs, electionTimeoutMs);
  }

  get electionTimeoutMs(): number {
    return this.#electionTimer.timeoutMs;
  }

  hasElectionTimeoutExpired(nowMs: number): boolean {
    return this.#electionTimer.isExpired(nowMs);
  }

  /** Restarts the timer (an observer's Unattached state, whose timer never expires, once it is made a voter). */
  resetElectionTimeout(nowMs: number, electionTimeoutMs: number): void {
    this.#electionTimer.update(nowMs);
    this.#electionTimer.reset(electionTimeoutMs);
  }

  remainingElectionTimeMs(nowMs: number): number {
    return this.#electionTimer.remainingMs(nowMs);
  }
}
