import { ElectionState } from './election-state.ts';
import { EpochElection } from './epoch-election.ts';
import { NO_ENDPOINTS, type EpochState } from './epoch-state.ts';
import type { LeaderAndEpoch } from './leader-and-epoch.ts';
import { ElectionTimerState } from './election-timer-state.ts';
import { replicaKey, type ReplicaKey } from './replica-key.ts';
import type { HostAndPort, VoterSet } from './voter-set.ts';

/**
 * Candidate (Kafka's `CandidateState`): a voter that won a pre-vote, bumped the epoch and voted for itself (both
 * persisted), and asks the voters for their votes. With a majority it becomes Leader; when its election timer
 * expires it goes back to Prospective. It grants no vote to others in its epoch, only pre-votes to an
 * up-to-date log.
 */
export class CandidateState extends ElectionTimerState implements EpochState {
  readonly name = 'Candidate' as const;
  /** What this state persists (it never changes for the state's life). */
  #election: ElectionState | null = null;
  readonly epoch: number;
  readonly epochElection: EpochElection;
  readonly #localKey: ReplicaKey;
  readonly #highWatermark: bigint | null;

  constructor(nowMs: number, localId: number, localDirectoryId: string | null, epoch: number, voters: VoterSet, highWatermark: bigint | null, electionTimeoutMs: number) {
    super(nowMs, electionTimeoutMs);
    this.#localKey = replicaKey(localId, localDirectoryId);
    if (!voters.isVoter(this.#localKey)) throw new Error(`Local replica ${localId} must be in the set of voters ${voters}`);
    this.epoch = epoch;
    this.#highWatermark = highWatermark;
    this.epochElection = new EpochElection(voters.voterKeys());
    this.epochElection.recordVote(localId, true);
  }

  /** @throws Error when the voter rejected before (a granted vote never turns into a rejection, nor back). */
  recordGrantedVote(remoteId: number): boolean {
    if (this.epochElection.isRejectedVoter(remoteId)) throw new Error(`Attempt to grant vote from node ${remoteId} which previously rejected our request`);
    return this.epochElection.recordVote(remoteId, true);
  }

  recordRejectedVote(remoteId: number): boolean {
    if (this.epochElection.isGrantedVoter(remoteId)) throw new Error(`Attempt to reject vote from node ${remoteId} which previously granted our request`);
    return this.epochElection.recordVote(remoteId, false);
  }

  election(): ElectionState {
    return (this.#election ??= ElectionState.withVotedCandidate(this.epoch, this.#localKey, this.epochElection.voterIds()));
  }

  leaderAndEpoch(): LeaderAndEpoch {
    return { leaderId: null, epoch: this.epoch };
  }

  leaderEndpoints(): ReadonlyMap<string, HostAndPort> {
    return NO_ENDPOINTS;
  }

  highWatermark(): bigint | null {
    return this.#highWatermark;
  }

  canGrantVote(_replicaKey: ReplicaKey, isLogUpToDate: boolean, isPreVote: boolean): boolean {
    return isPreVote && isLogUpToDate;
  }

  async close(): Promise<void> {}

  override toString(): string {
    return `Candidate(epoch=${this.epoch}, ${this.epochElection})`;
  }
}
