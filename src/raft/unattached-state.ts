import { ElectionState } from './election-state.ts';
import { NO_ENDPOINTS, type EpochState } from './epoch-state.ts';
import type { LeaderAndEpoch } from './leader-and-epoch.ts';
import { RaftTimer } from './raft-timer.ts';
import type { ReplicaKey } from './replica-key.ts';
import type { HostAndPort } from './voter-set.ts';

/**
 * The vote rule shared by Unattached and Prospective (Kafka's QuorumState.unattachedOrProspectiveCanGrantVote):
 * a pre-vote is granted to an up-to-date log; a vote is granted to the candidate already voted for in this epoch
 * (a retried request), or, when no vote was cast and no leader is known in this epoch, to an up-to-date log.
 */
export function unattachedOrProspectiveCanGrantVote(
  leaderId: number | null,
  votedKey: ReplicaKey | null,
  replicaKey: ReplicaKey,
  isLogUpToDate: boolean,
  isPreVote: boolean,
): boolean {
  if (isPreVote) return isLogUpToDate;
  if (votedKey !== null) {
    if (votedKey.id !== replicaKey.id) return false;
    return votedKey.directoryId === null || votedKey.directoryId === replicaKey.directoryId;
  }
  if (leaderId !== null) return false;
  return isLogUpToDate;
}

/**
 * Unattached (Kafka's `UnattachedState`): in `epoch` with no leader to fetch from. It may know the leader's id
 * without its endpoints, and may have voted (`votedKey`, Kafka 3's Voted state). A voter starts an election
 * (Prospective) when the election timer expires; an observer's timer never does.
 */
export class UnattachedState implements EpochState {
  readonly name = 'Unattached' as const;
  /** What this state persists (it never changes for the state's life). */
  #election: ElectionState | null = null;
  readonly epoch: number;
  readonly leaderId: number | null;
  readonly votedKey: ReplicaKey | null;
  readonly #voters: ReadonlySet<number>;
  readonly #highWatermark: bigint | null;
  readonly #electionTimer: RaftTimer;

  constructor(nowMs: number, epoch: number, leaderId: number | null, votedKey: ReplicaKey | null, voters: ReadonlySet<number>, highWatermark: bigint | null, electionTimeoutMs: number) {
    this.epoch = epoch;
    this.leaderId = leaderId;
    this.votedKey = votedKey;
    this.#voters = voters;
    this.#highWatermark = highWatermark;
    this.#electionTimer = new RaftTimer(nowMs, electionTimeoutMs);
  }

  election(): ElectionState {
    if (this.#election !== null) return this.#election;
    if (this.leaderId !== null) this.#election = ElectionState.withElectedLeader(this.epoch, this.leaderId, this.votedKey, this.#voters);
    else if (this.votedKey !== null) this.#election = ElectionState.withVotedCandidate(this.epoch, this.votedKey, this.#voters);
    else this.#election = ElectionState.withUnknownLeader(this.epoch, this.#voters);
    return this.#election;
  }

  leaderAndEpoch(): LeaderAndEpoch {
    return { leaderId: this.leaderId, epoch: this.epoch };
  }

  leaderEndpoints(): ReadonlyMap<string, HostAndPort> {
    return NO_ENDPOINTS;
  }

  highWatermark(): bigint | null {
    return this.#highWatermark;
  }

  get electionTimeoutMs(): number {
    return this.#electionTimer.timeoutMs;
  }

  hasElectionTimeoutExpired(nowMs: number): boolean {
    return this.#electionTimer.isExpired(nowMs);
  }

  remainingElectionTimeMs(nowMs: number): number {
    return this.#electionTimer.remainingMs(nowMs);
  }

  canGrantVote(replicaKey: ReplicaKey, isLogUpToDate: boolean, isPreVote: boolean): boolean {
    return unattachedOrProspectiveCanGrantVote(this.leaderId, this.votedKey, replicaKey, isLogUpToDate, isPreVote);
  }

  async close(): Promise<void> {}

  toString(): string {
    return `Unattached(epoch=${this.epoch}, leaderId=${this.leaderId ?? 'none'}, votedId=${this.votedKey?.id ?? 'none'}, highWatermark=${this.#highWatermark ?? 'unknown'})`;
  }
}
