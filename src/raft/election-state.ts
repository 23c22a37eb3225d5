import type { QuorumStateData } from '../protocol/generated/records/quorum-state-data.ts';
import { NO_DIRECTORY_ID, formatReplicaKey, replicaKey, replicaKeyMatches, type ReplicaKey } from './replica-key.ts';

/**
 * What a replica must remember across restarts (Kafka's `ElectionState`): the epoch, the leader it knows of in
 * that epoch, and the candidate it voted for in that epoch. KIP-595: a voter persists this before it grants a vote
 * or acts in a new epoch, so a restart can never make it vote twice in one epoch or go back to an older epoch.
 * `voters` is kept for the version-0 file (static quorums) only.
 */
export class ElectionState {
  readonly epoch: number;
  readonly leaderId: number | null;
  readonly votedKey: ReplicaKey | null;
  readonly voters: ReadonlySet<number>;

  constructor(epoch: number, leaderId: number | null, votedKey: ReplicaKey | null, voters: ReadonlySet<number>) {
    this.epoch = epoch;
    this.leaderId = leaderId;
    this.votedKey = votedKey;
    this.voters = voters;
  }

  static withUnknownLeader(epoch: number, voters: ReadonlySet<number>): ElectionState {
    return new ElectionState(epoch, null, null, voters);
  }

  static withVotedCandidate(epoch: number, votedKey: ReplicaKey, voters: ReadonlySet<number>): ElectionState {
    if (votedKey.id < 0) throw new RangeError(`Illegal voted id ${votedKey.id}: must be non-negative`);
    return new ElectionState(epoch, null, votedKey, voters);
  }

  static withElectedLeader(epoch: number, leaderId: number, votedKey: ReplicaKey | null, voters: ReadonlySet<number>): ElectionState {
    if (leaderId < 0) throw new RangeError(`Illegal leader id ${leaderId}: must be non-negative`);
    return new ElectionState(epoch, leaderId, votedKey, voters);
  }

  /** The state of a replica that may know a leader and may have voted in `epoch`. */
  static of(epoch: number, leaderId: number | null, votedKey: ReplicaKey | null, voters: ReadonlySet<number>): ElectionState {
    if (leaderId !== null) return ElectionState.withElectedLeader(epoch, leaderId, votedKey, voters);
    if (votedKey !== null) return ElectionState.withVotedCandidate(epoch, votedKey, voters);
    return ElectionState.withUnknownLeader(epoch, voters);
  }

  hasLeader(): boolean {
    return this.leaderId !== null;
  }

  hasVoted(): boolean {
    return this.votedKey !== null;
  }

  isLeader(nodeId: number): boolean {
    return this.leaderId === nodeId;
  }

  /** True when this state voted for `key` (directory ids compared only when the vote recorded one). */
  isVotedCandidate(key: ReplicaKey): boolean {
    return this.votedKey !== null && replicaKeyMatches(this.votedKey, key);
  }

  /**
   * The `quorum-state` file content (QuorumStateData): version 0 (kraft.version 0, static quorum) carries the
   * voters, clusterId "" and appliedOffset 0; version 1 (kraft.version 1) the voted directory id instead.
   */
  toQuorumStateData(version: 0 | 1): QuorumStateData {
    return {
      clusterId: '',
      leaderId: this.leaderId ?? -1,
      leaderEpoch: this.epoch,
      votedId: this.votedKey?.id ?? -1,
      votedDirectoryId: version === 1 ? (this.votedKey?.directoryId ?? NO_DIRECTORY_ID) : NO_DIRECTORY_ID,
      appliedOffset: 0n,
      currentVoters: version === 0 ? [...this.voters].sort((a, b) => a - b).map((voterId) => ({ voterId })) : null,
    };
  }

  static fromQuorumStateData(data: QuorumStateData): ElectionState {
    const votedKey = data.votedId === -1 ? null : replicaKey(data.votedId, data.votedDirectoryId);
    return new ElectionState(data.leaderEpoch, data.leaderId === -1 ? null : data.leaderId, votedKey, new Set((data.currentVoters ?? []).map((v) => v.voterId)));
  }

  equals(other: ElectionState): boolean {
    return (
      this.epoch === other.epoch &&
      this.leaderId === other.leaderId &&
      (this.votedKey === null ? other.votedKey === null : other.votedKey !== null && this.votedKey.id === other.votedKey.id && this.votedKey.directoryId === other.votedKey.directoryId)
    );
  }

  toString(): string {
    return `Election(epoch=${this.epoch}, leaderId=${this.leaderId ?? 'none'}, votedKey=${this.votedKey === null ? 'none' : formatReplicaKey(this.votedKey)})`;
  }
}
