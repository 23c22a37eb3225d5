import type { Logger } from '../observability/logger.ts';
import type { Random } from '../common/random.ts';
import type { BatchAccumulator } from './batch-accumulator.ts';
import { CandidateState } from './candidate-state.ts';
import { ElectionState } from './election-state.ts';
import type { EpochState } from './epoch-state.ts';
import { FollowerState } from './follower-state.ts';
import type { LeaderAndEpoch } from './leader-and-epoch.ts';
import { LeaderState } from './leader-state.ts';
import type { OffsetAndEpoch } from './offset-and-epoch.ts';
import { ProspectiveState } from './prospective-state.ts';
import type { QuorumStateStore } from './quorum-state-store.ts';
import { replicaKey, type ReplicaKey } from './replica-key.ts';
import { ResignedState } from './resigned-state.ts';
import { UnattachedState } from './unattached-state.ts';
import type { HostAndPort, VoterSet } from './voter-set.ts';

/** What QuorumState is built with. */
export interface QuorumStateOptions {
  /** node.id; null for an observer without one. */
  readonly localId: number | null;
  /** directory.id of the metadata log directory (KIP-853), null when unknown. */
  readonly localDirectoryId: string | null;
  /** This node's endpoints on the controller listeners (what a leader advertises). */
  readonly localListeners: ReadonlyMap<string, HostAndPort>;
  /** The latest voter set (static, or the log's with KIP-853). */
  readonly voters: () => VoterSet;
  /** The latest kraft.version (0 for a static quorum): picks the quorum-state file version. */
  readonly kraftVersion: () => number;
  /** controller.quorum.election.timeout.ms */
  readonly electionTimeoutMs: number;
  /** controller.quorum.fetch.timeout.ms */
  readonly fetchTimeoutMs: number;
  readonly store: QuorumStateStore;
  readonly random: Random;
  readonly logger: Logger;
}

/**
 * The election state machine of one replica (Kafka's `QuorumState`, KIP-595 + KIP-996). A transition marked
 * durable writes the new {@link ElectionState} to the QuorumStateStore, and waits for it to be on disk, before the
 * new state is used: no vote is granted and no epoch is used that a crash could make the replica forget.
 *
 * ```
 * Unattached|Follower|Resigned (initialize: epoch, leader and vote from the store)
 *
 * Unattached  -> Unattached   higher epoch (durable); same epoch, adds the granted vote (durable)
 *             -> Prospective  election timeout (voter only)
 *             -> Follower     leader known (durable)
 * Prospective -> Prospective  grants a vote in its epoch (durable; the pre-vote goes on)
 *             -> Candidate    pre-vote granted by a majority (epoch + 1, voted for itself: durable)
 *             -> Follower     leader of this or a higher epoch known, or pre-vote lost/timed out with a
 *                             known leader (durable)
 *             -> Unattached   higher epoch, or pre-vote lost/timed out without a known leader (durable)
 * Candidate   -> Leader       vote granted by a majority (durable)
 *             -> Prospective  election timeout
 *             -> Follower     leader of this or a higher epoch known (durable)
 *             -> Unattached   higher epoch (durable)
 * Leader      -> Resigned     graceful shutdown, resign request, or no fetch from a majority in
 *                             fetch.timeout * 1.5 (check quorum)
 *             -> Follower     leader of a higher epoch known (durable)
 *             -> Unattached   higher epoch (durable)
 * Follower    -> Prospective  fetch timeout (voter only)
 *             -> Follower     higher epoch with a leader, or the same leader with more endpoints (durable)
 *             -> Unattached   higher epoch (durable)
 * Resigned    -> Unattached   election timeout (epoch + 1) or higher epoch (durable)
 *             -> Follower     leader of a higher epoch known (durable)
 * ```
 * Prospective (pre-vote) and Resigned are memory-only: they change nothing a restart must remember. A voter that
 * restarts as the leader of its stored epoch starts Resigned; knowing another leader, Follower; as the voted-for
 * candidate of an epoch without a known leader, Candidate.
 * Epochs never go down. An observer (not in the voter set) never leaves Unattached/Follower on its own.
 */
export class QuorumState {
  readonly #o: QuorumStateOptions;
  #state: EpochState | null = null;

  constructor(options: QuorumStateOptions) {
    this.#o = options;
  }

  get state(): EpochState {
    if (this.#state === null) throw new Error('QuorumState is not initialized');
    return this.#state;
  }

  /**
   * Reads the stored election state and enters the initial state (durably, so the file exists from the start).
   * @param logEnd the log's (end offset, last epoch): a stored epoch below the log's is a lost write of an
   * older version; the replica then starts Unattached in the log's epoch.
   * @throws Error when the stored state has a vote but the node has no id.
   */
  async initialize(logEnd: OffsetAndEpoch, nowMs: number): Promise<void> {
    const voters = this.#o.voters();
    const election = (await this.#o.store.readElectionState()) ?? ElectionState.withUnknownLeader(0, voters.voterIds());
    const localId = this.#o.localId;
    if (election.hasVoted() && localId === null) throw new Error(`Initialized quorum state (${election}) with a voted candidate but without a local id`);
    let initial: EpochState;
    if (election.epoch < logEnd.epoch) {
      this.#o.logger.warn({ storedEpoch: election.epoch, logEpoch: logEnd.epoch, path: this.#o.store.path }, 'Epoch from the quorum state file is smaller than the last epoch written in the log');
      initial = new UnattachedState(nowMs, logEnd.epoch, null, null, voters.voterIds(), null, this.#randomElectionTimeoutMs());
    } else if (localId !== null && election.isLeader(localId)) {
      initial = new ResignedState(nowMs, localId, election.epoch, voters.voterIds(), this.#randomElectionTimeoutMs(), [], this.#o.localListeners);
    } else if (election.leaderId !== null) {
      // Before the voted-candidate case (Kafka checks it first): a candidate that lost its epoch to another leader
      // and followed it has fetched batches of that epoch; restarting as Candidate in it would send votes whose
      // last epoch is not below their epoch, which every voter refuses as INVALID_REQUEST (found by the simulation).
      const endpoints = voters.listeners(election.leaderId);
      initial = endpoints.size === 0
        ? new UnattachedState(nowMs, election.epoch, election.leaderId, election.votedKey, voters.voterIds(), null, this.#randomElectionTimeoutMs())
        : new FollowerState(nowMs, election.epoch, election.leaderId, endpoints, election.votedKey, voters.voterIds(), null, this.#o.fetchTimeoutMs);
    } else if (localId !== null && election.isVotedCandidate(this.localReplicaKey())) {
      initial = new CandidateState(nowMs, localId, this.#o.localDirectoryId, election.epoch, voters, null, this.#randomElectionTimeoutMs());
    } else {
      initial = new UnattachedState(nowMs, election.epoch, null, election.votedKey, voters.voterIds(), null, this.#randomElectionTimeoutMs());
    }
    await this.#durableTransitionTo(initial);
  }

  get localId(): number | null {
    return this.#o.localId;
  }

  get localDirectoryId(): string | null {
    return this.#o.localDirectoryId;
  }

  localReplicaKey(): ReplicaKey {
    if (this.#o.localId === null) throw new Error('Required local id is not present');
    return replicaKey(this.#o.localId, this.#o.localDirectoryId);
  }

  /** Our key, with id -1 for an observer without a node id (what fetches carry). */
  localReplicaKeyOrObserver(): ReplicaKey {
    return replicaKey(this.#o.localId ?? -1, this.#o.localDirectoryId);
  }

  get epoch(): number {
    return this.state.epoch;
  }

  leaderAndEpoch(): LeaderAndEpoch {
    return this.state.leaderAndEpoch();
  }

  get leaderId(): number | null {
    return this.state.leaderAndEpoch().leaderId;
  }

  get hasLeader(): boolean {
    return this.leaderId !== null;
  }

  get hasRemoteLeader(): boolean {
    return this.hasLeader && this.leaderId !== this.#o.localId;
  }

  highWatermark(): bigint | null {
    return this.state.highWatermark();
  }

  leaderEndpoints(): ReadonlyMap<string, HostAndPort> {
    return this.state.leaderEndpoints();
  }

  votedKey(): ReplicaKey | null {
    return this.state.election().votedKey;
  }

  isVoter(key?: ReplicaKey): boolean {
    if (key !== undefined) return this.#o.voters().isVoter(key);
    return this.#o.localId !== null && this.#o.voters().isVoter(this.localReplicaKey());
  }

  get isObserver(): boolean {
    return !this.isVoter();
  }

  get isOnlyVoter(): boolean {
    return this.#o.localId !== null && this.#o.voters().isOnlyVoter(this.localReplicaKey());
  }

  get isLeader(): boolean {
    return this.#state instanceof LeaderState;
  }

  get isFollower(): boolean {
    return this.#state instanceof FollowerState;
  }

  get isUnattached(): boolean {
    return this.#state instanceof UnattachedState;
  }

  get isProspective(): boolean {
    return this.#state instanceof ProspectiveState;
  }

  get isCandidate(): boolean {
    return this.#state instanceof CandidateState;
  }

  get isResigned(): boolean {
    return this.#state instanceof ResignedState;
  }

  get isNominee(): boolean {
    return this.isProspective || this.isCandidate;
  }

  get isUnattachedNotVoted(): boolean {
    return this.#state instanceof UnattachedState && this.#state.votedKey === null;
  }

  get isProspectiveNotVoted(): boolean {
    return this.#state instanceof ProspectiveState && this.#state.votedKey === null;
  }

  canGrantVote(key: ReplicaKey, isLogUpToDate: boolean, isPreVote: boolean): boolean {
    return this.state.canGrantVote(key, isLogUpToDate, isPreVote);
  }

  /** Leader -> Resigned (memory only). @throws Error when not leader. */
  async transitionToResigned(preferredSuccessors: readonly ReplicaKey[], nowMs: number): Promise<void> {
    if (!this.isLeader) throw new Error(`Invalid transition to Resigned state from ${this.state}`);
    await this.#memoryTransitionTo(new ResignedState(nowMs, this.#o.localId!, this.epoch, this.#o.voters().voterIds(), this.#randomElectionTimeoutMs(), preferredSuccessors, this.#o.localListeners));
  }

  /**
   * -> Unattached in `epoch` (durable): a higher epoch, or the same epoch from Prospective. The election timer
   * carries over from a Candidate, Unattached, Resigned or a Prospective whose pre-vote is not lost.
   * @throws Error for a lower epoch, or the same epoch from another state.
   */
  async transitionToUnattached(epoch: number, leaderId: number | null, nowMs: number): Promise<void> {
    const current = this.state;
    if (epoch < current.epoch || (epoch === current.epoch && !this.isProspective)) {
      throw new Error(`Cannot transition to Unattached with epoch ${epoch} from current state ${current}`);
    }
    let electionTimeoutMs: number;
    if (this.isObserver) electionTimeoutMs = Infinity;
    else if (current instanceof CandidateState || current instanceof UnattachedState || current instanceof ResignedState) electionTimeoutMs = current.remainingElectionTimeMs(nowMs);
    else if (current instanceof ProspectiveState && !current.epochElection.isVoteRejected()) electionTimeoutMs = current.remainingElectionTimeMs(nowMs);
    else electionTimeoutMs = this.#randomElectionTimeoutMs();
    const votedKey = epoch === current.epoch ? this.votedKey() : null;
    await this.#durableTransitionTo(new UnattachedState(nowMs, epoch, leaderId, votedKey, this.#o.voters().voterIds(), current.highWatermark(), electionTimeoutMs));
  }

  /** Unattached without a vote -> Unattached with a vote for `candidate` in the same epoch (durable). */
  async unattachedAddVotedState(epoch: number, candidate: ReplicaKey, nowMs: number): Promise<void> {
    this.#checkVotedKey(candidate);
    const current = this.state;
    if (!(current instanceof UnattachedState) || current.votedKey !== null || epoch !== current.epoch) {
      throw new Error(`Cannot add voted key (${candidate.id}) to current state (${current}) in epoch ${epoch}`);
    }
    await this.#durableTransitionTo(new UnattachedState(nowMs, epoch, current.leaderId, candidate, this.#o.voters().voterIds(), current.highWatermark(), this.#randomElectionTimeoutMs()));
  }

  /** Prospective without a vote -> Prospective with a vote for `candidate` in the same epoch (durable). */
  async prospectiveAddVotedState(epoch: number, candidate: ReplicaKey, nowMs: number): Promise<void> {
    this.#checkVotedKey(candidate);
    const current = this.state;
    if (!(current instanceof ProspectiveState) || current.votedKey !== null || epoch !== current.epoch) {
      throw new Error(`Cannot add voted key (${candidate.id}) to current state (${current}) in epoch ${epoch}`);
    }
    await this.#durableTransitionTo(
      new ProspectiveState(nowMs, this.#o.localId!, epoch, current.leaderId, current.leaderEndpoints(), candidate, this.#o.voters(), current.highWatermark(), this.#randomElectionTimeoutMs()),
    );
  }

  /**
   * -> Follower of `leaderId` in `epoch` (durable). In the same epoch only from a non-leader state, or from
   * Follower to learn more endpoints of the same leader.
   * @throws Error on an invalid transition.
   */
  async transitionToFollower(epoch: number, leaderId: number, endpoints: ReadonlyMap<string, HostAndPort>, nowMs: number): Promise<void> {
    const current = this.state;
    if (endpoints.size === 0) throw new Error(`Cannot transition to Follower with leader ${leaderId} and epoch ${epoch} without a leader endpoint`);
    if (leaderId === this.#o.localId) throw new Error(`Cannot transition to Follower with leader ${leaderId} and epoch ${epoch} since it matches the local node.id`);
    if (epoch < current.epoch) throw new Error(`Cannot transition to Follower with leader ${leaderId} and epoch ${epoch} since the current epoch ${current.epoch} is larger`);
    if (epoch === current.epoch) {
      if (current instanceof FollowerState && current.leaderEndpoints().size >= endpoints.size) {
        throw new Error(`Cannot transition to Follower with leader ${leaderId}, epoch ${epoch} from state ${current}`);
      }
      if (current instanceof LeaderState) throw new Error(`Cannot transition to Follower with leader ${leaderId} and epoch ${epoch} from state ${current}`);
    }
    const votedKey = epoch === current.epoch ? this.votedKey() : null;
    await this.#durableTransitionTo(new FollowerState(nowMs, epoch, leaderId, endpoints, votedKey, this.#o.voters().voterIds(), current.highWatermark(), this.#o.fetchTimeoutMs));
  }

  /** -> Prospective (memory only; a voter that is not Leader or already Prospective). */
  async transitionToProspective(nowMs: number): Promise<void> {
    if (this.isObserver) throw new Error(`Cannot transition to Prospective since the local id (${this.#o.localId}) is not one of the voters ${this.#o.voters()}`);
    const current = this.state;
    if (this.isLeader || this.isProspective) throw new Error(`Cannot transition to Prospective since the local node is in state ${current}`);
    await this.#memoryTransitionTo(
      new ProspectiveState(nowMs, this.#o.localId!, current.epoch, current.leaderAndEpoch().leaderId, current.leaderEndpoints(), this.votedKey(), this.#o.voters(), current.highWatermark(), this.#randomElectionTimeoutMs()),
    );
  }

  /** Prospective -> Candidate in epoch + 1, voted for itself (durable). */
  async transitionToCandidate(nowMs: number): Promise<void> {
    if (this.isObserver) throw new Error(`Cannot transition to Candidate since the local id (${this.#o.localId}) is not one of the voters ${this.#o.voters()}`);
    if (!this.isProspective) throw new Error(`Cannot transition to Candidate since the local node is in state ${this.state}`);
    const current = this.state;
    await this.#durableTransitionTo(new CandidateState(nowMs, this.#o.localId!, this.#o.localDirectoryId, current.epoch + 1, this.#o.voters(), current.highWatermark(), this.#randomElectionTimeoutMs()));
  }

  /** Candidate with a majority -> Leader (durable). @throws Error without a majority. */
  async transitionToLeader(epochStartOffset: bigint, accumulator: BatchAccumulator, nowMs: number): Promise<LeaderState> {
    if (this.isObserver) throw new Error(`Cannot transition to Leader since the local id (${this.#o.localId}) is not one of the voters`);
    const current = this.state;
    if (!(current instanceof CandidateState)) throw new Error(`Cannot transition to Leader from current state ${current}`);
    if (!current.epochElection.isVoteGranted()) throw new Error('Cannot become leader without majority votes granted');
    const leader = new LeaderState(nowMs, this.localReplicaKey(), this.#o.localListeners, current.epoch, epochStartOffset, this.#o.voters(), current.epochElection.grantingVoters(), accumulator, this.#o.fetchTimeoutMs);
    await this.#durableTransitionTo(leader);
    return leader;
  }

  #checkVotedKey(candidate: ReplicaKey): void {
    if (this.#o.localId === null) throw new Error('Cannot add voted state without a replica id');
    if (candidate.id === this.#o.localId) throw new Error(`Cannot add voted key (${candidate.id}) since it matches the local node.id`);
  }

  async #durableTransitionTo(next: EpochState): Promise<void> {
    this.#o.logger.info({ from: String(this.#state), to: String(next) }, 'Attempting durable transition');
    await this.#o.store.writeElectionState(next.election(), this.#o.kraftVersion());
    await this.#memoryTransitionTo(next);
  }

  async #memoryTransitionTo(next: EpochState): Promise<void> {
    const previous = this.#state;
    this.#state = next;
    if (previous !== null) await previous.close();
    this.#o.logger.info({ from: String(previous), to: String(next) }, 'Completed transition');
  }

  /** controller.quorum.election.timeout.ms plus a random share of it, in [timeout, 2 * timeout). */
  /** A randomised election timeout: controller.quorum.election.timeout.ms + random in [0, timeout). */
  randomElectionTimeoutMs(): number {
    return this.#randomElectionTimeoutMs();
  }

  #randomElectionTimeoutMs(): number {
    const t = this.#o.electionTimeoutMs;
    return t === 0 ? 0 : t + this.#o.random.nextInt(t);
  }
}
