import { ElectionState } from './election-state.ts';
import type { EpochState } from './epoch-state.ts';
import type { LeaderAndEpoch } from './leader-and-epoch.ts';
import { RaftTimer } from './raft-timer.ts';
import type { RawSnapshotWriter } from './raw-snapshot.ts';
import type { ReplicaKey } from './replica-key.ts';
import type { HostAndPort } from './voter-set.ts';

/**
 * Follower (Kafka's `FollowerState`): knows the leader of `epoch` and its endpoints and fetches from it. A voter
 * whose fetches fail for controller.quorum.fetch.timeout.ms becomes Prospective. The high watermark it carries is
 * the leader's, capped at its own log end, and never goes back. While it downloads a snapshot (FetchSnapshot) it
 * holds the partial snapshot.
 */
export class FollowerState implements EpochState {
  readonly name = 'Follower' as const;
  /** What this state persists (it never changes for the state's life). */
  #election: ElectionState | null = null;
  readonly epoch: number;
  readonly leaderId: number;
  readonly votedKey: ReplicaKey | null;
  readonly #leaderEndpoints: ReadonlyMap<string, HostAndPort>;
  readonly #voters: ReadonlySet<number>;
  readonly #fetchTimeoutMs: number;
  readonly #fetchTimer: RaftTimer;
  readonly #updateVoterSetPeriodTimer: RaftTimer;
  #hasFetchedFromLeader = false;
  #hasUpdatedLeader = false;
  #highWatermark: bigint | null;
  #fetchingSnapshot: RawSnapshotWriter | null = null;

  constructor(
    nowMs: number,
    epoch: number,
    leaderId: number,
    leaderEndpoints: ReadonlyMap<string, HostAndPort>,
    votedKey: ReplicaKey | null,
    voters: ReadonlySet<number>,
    highWatermark: bigint | null,
    fetchTimeoutMs: number,
  ) {
    this.epoch = epoch;
    this.leaderId = leaderId;
    this.#leaderEndpoints = leaderEndpoints;
    this.votedKey = votedKey;
    this.#voters = voters;
    this.#highWatermark = highWatermark;
    this.#fetchTimeoutMs = fetchTimeoutMs;
    this.#fetchTimer = new RaftTimer(nowMs, fetchTimeoutMs);
    this.#updateVoterSetPeriodTimer = new RaftTimer(nowMs, fetchTimeoutMs);
  }

  election(): ElectionState {
    return (this.#election ??= ElectionState.withElectedLeader(this.epoch, this.leaderId, this.votedKey, this.#voters));
  }

  leaderAndEpoch(): LeaderAndEpoch {
    return { leaderId: this.leaderId, epoch: this.epoch };
  }

  leaderEndpoints(): ReadonlyMap<string, HostAndPort> {
    return this.#leaderEndpoints;
  }

  highWatermark(): bigint | null {
    return this.#highWatermark;
  }

  get hasFetchedFromLeader(): boolean {
    return this.#hasFetchedFromLeader;
  }

  hasFetchTimeoutExpired(nowMs: number): boolean {
    return this.#fetchTimer.isExpired(nowMs);
  }

  remainingFetchTimeMs(nowMs: number): number {
    return this.#fetchTimer.remainingMs(nowMs);
  }

  resetFetchTimeoutForSuccessfulFetch(nowMs: number): void {
    this.overrideFetchTimeout(nowMs, this.#fetchTimeoutMs);
    this.#hasFetchedFromLeader = true;
  }

  /** Restarts the fetch timer with `timeoutMs` (EndQuorumEpoch shortens it by the successor's rank). */
  overrideFetchTimeout(nowMs: number, timeoutMs: number): void {
    this.#fetchTimer.update(nowMs);
    this.#fetchTimer.reset(timeoutMs);
  }

  hasUpdateVoterSetPeriodExpired(nowMs: number): boolean {
    return this.#updateVoterSetPeriodTimer.isExpired(nowMs);
  }

  resetUpdateVoterSetPeriod(nowMs: number): void {
    this.#updateVoterSetPeriodTimer.update(nowMs);
    this.#updateVoterSetPeriodTimer.reset(this.#fetchTimeoutMs);
  }

  get hasUpdatedLeader(): boolean {
    return this.#hasUpdatedLeader;
  }

  setHasUpdatedLeader(): void {
    this.#hasUpdatedLeader = true;
  }

  /**
   * Moves the high watermark to `offset`.
   * @returns true when it changed.
   * @throws Error when `offset` is negative or below the current high watermark (a leader never moves it back).
   */
  updateHighWatermark(offset: bigint): boolean {
    if (offset < 0n) throw new Error(`Illegal negative (${offset}) high watermark update`);
    if (this.#highWatermark !== null) {
      if (this.#highWatermark > offset) throw new Error(`Non-monotonic update of high watermark from ${this.#highWatermark} to ${offset}`);
      if (this.#highWatermark === offset) return false;
    }
    this.#highWatermark = offset;
    return true;
  }

  get fetchingSnapshot(): RawSnapshotWriter | null {
    return this.#fetchingSnapshot;
  }

  /** Replaces the snapshot being downloaded, discarding the previous partial one. */
  async setFetchingSnapshot(snapshot: RawSnapshotWriter | null): Promise<void> {
    const previous = this.#fetchingSnapshot;
    this.#fetchingSnapshot = snapshot;
    if (previous !== null && previous !== snapshot) await previous.close();
  }

  /**
   * KIP-996: a follower grants a pre-vote only while it has not yet fetched from its leader in this epoch (it
   * cannot tell the leader is alive); it never grants a vote.
   */
  canGrantVote(_replicaKey: ReplicaKey, isLogUpToDate: boolean, isPreVote: boolean): boolean {
    return isPreVote && !this.#hasFetchedFromLeader && isLogUpToDate;
  }

  async close(): Promise<void> {
    await this.setFetchingSnapshot(null);
  }

  toString(): string {
    return `Follower(epoch=${this.epoch}, leaderId=${this.leaderId}, votedId=${this.votedKey?.id ?? 'none'}, highWatermark=${this.#highWatermark ?? 'unknown'}, fetchingSnapshot=${this.#fetchingSnapshot !== null})`;
  }
}
