import { ElectionState } from './election-state.ts';
import { EpochElection } from './epoch-election.ts';
import type { EpochState } from './epoch-state.ts';
import type { LeaderAndEpoch } from './leader-and-epoch.ts';
import { ElectionTimerState } from './election-timer-state.ts';
import type { ReplicaKey } from './replica-key.ts';
import { unattachedOrProspectiveCanGrantVote } from './unattached-state.ts';
import type { HostAndPort, VoterSet } from './voter-set.ts';

/**
 * Prospective (KIP-996 pre-vote, Kafka's `ProspectiveState`): a voter that lost its leader (fetch timeout) or
 * whose election timer expired asks the voters, without changing the epoch or any stored state, whether they
 * would vote for it. With a majority of pre-votes it becomes Candidate (epoch + 1, persisted); when the pre-vote
 * is lost or times out it goes back to Follower of the leader it knew, or Unattached. It keeps the epoch's
 * leader and vote, so it may still grant the vote it already cast (a retried request) but no other.
 */
export class ProspectiveState extends ElectionTimerState implements EpochState {
  readonly name = 'Prospective' as const;
  /** What this state persists (it never changes for the state's life). */
  #election: ElectionState | null = null;
  readonly epoch: number;
  readonly leaderId: number | null;
  readonly votedKey: ReplicaKey | null;
  readonly epochElection: EpochElection;
  readonly #localId: number;
  readonly #leaderEndpoints: ReadonlyMap<string, HostAndPort>;
  readonly #voters: VoterSet;
  readonly #highWatermark: bigint | null;

  constructor(
    nowMs: number,
    localId: number,
    epoch: number,
    leaderId: number | null,
    leaderEndpoints: ReadonlyMap<string, HostAndPort>,
    votedKey: ReplicaKey | null,
    voters: VoterSet,
    highWatermark: bigint | null,
    electionTimeoutMs: number,
  ) {
    super(nowMs, electionTimeoutMs);
    this.#localId = localId;
    this.epoch = epoch;
    this.leaderId = leaderId;
    this.#leaderEndpoints = leaderEndpoints;
    this.votedKey = votedKey;
    this.#voters = voters;
    this.#highWatermark = highWatermark;
    this.epochElection = new EpochElection(voters.voterKeys());
    this.epochElection.recordVote(localId, true);
  }

  recordGrantedVote(remoteId: number): boolean {
    return this.epochElection.recordVote(remoteId, true);
  }

  recordRejectedVote(remoteId: number): boolean {
    if (remoteId === this.#localId) throw new Error('Attempted to reject vote from ourselves');
    return this.epochElection.recordVote(remoteId, false);
  }

  election(): ElectionState {
    return (this.#election ??= ElectionState.of(this.epoch, this.leaderId, this.votedKey, this.#voters.voterIds()));
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

  canGrantVote(replicaKey: ReplicaKey, isLogUpToDate: boolean, isPreVote: boolean): boolean {
    return unattachedOrProspectiveCanGrantVote(this.leaderId, this.votedKey, replicaKey, isLogUpToDate, isPreVote);
  }

  async close(): Promise<void> {}

  override toString(): string {
    return `Prospective(epoch=${this.epoch}, leaderId=${this.leaderId ?? 'none'}, votedId=${this.votedKey?.id ?? 'none'}, ${this.epochElection})`;
  }
}
