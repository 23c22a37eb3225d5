import { ElectionState } from './election-state.ts';
import { NO_ENDPOINTS, type EpochState } from './epoch-state.ts';
import type { LeaderAndEpoch } from './leader-and-epoch.ts';
import { ElectionTimerState } from './election-timer-state.ts';
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
export class UnattachedState extends ElectionTimerState implements EpochState {
  readonly name = 'Unattached' as const;
  /** What this state persists (it never changes for the state's life). */
  #election: ElectionState | null = null;
  readonly epoch: number;
  readonly leaderId: number | null;
  readonly votedKey: ReplicaKey | null;
  readonly #voters: ReadonlySet<number>;
  readonly #highWatermark: bigint | null;

  constructor(nowMs: number, epoch: number, leaderId: number | null, votedKey: ReplicaKey | null, voters: ReadonlySet<number>, highWatermark: bigint | null, electionTimeoutMs: number) {
    super(nowMs, electionTimeoutMs);
    this.epoch = epoch;
    this.leaderId = leaderId;
    this.votedKey = votedKey;
    this.#voters = voters;
    this.#highWatermark = highWatermark;
  }

  election(): ElectionState {
    return (this.#election ??= ElectionState.of(this.epoch, this.leaderId, this.votedKey, this.#voters));
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

  canGrantVote(replicaKey: ReplicaKey, isLogUpToDate: boolean, isPreVote: boolean): boolean {
    return unattachedOrProspectiveCanGrantVote(this.leaderId, this.votedKey, replicaKey, isLogUpToDate, isPreVote);
  }

  async close(): Promise<void> {}

  override toString(): string {
    return `Unattached(epoch=${this.epoch}, leaderId=${this.leaderId ?? 'none'}, votedId=${this.votedKey?.id ?? 'none'}, highWatermark=${this.#highWatermark ?? 'unknown'})`;
  }
}
