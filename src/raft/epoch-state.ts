import type { ElectionState } from './election-state.ts';
import type { LeaderAndEpoch } from './leader-and-epoch.ts';
import type { ReplicaKey } from './replica-key.ts';
import type { HostAndPort } from './voter-set.ts';

/** Names of the states of Kafka's QuorumState (Kafka 4 folded Voted into Unattached with a voted key). */
export type EpochStateName = 'Unattached' | 'Prospective' | 'Candidate' | 'Leader' | 'Follower' | 'Resigned';

/** No endpoints (the leader is unknown or not reachable by the quorum listener). */
export const NO_ENDPOINTS: ReadonlyMap<string, HostAndPort> = new Map();

/**
 * One state of a replica in one epoch (Kafka's `EpochState`). Every state knows its epoch, the election state it
 * persists, the leader it knows of, the high watermark it carries (null when unknown) and whether it may grant a
 * vote (KIP-595) or pre-vote (KIP-996).
 */
export interface EpochState {
  readonly name: EpochStateName;
  readonly epoch: number;
  election(): ElectionState;
  leaderAndEpoch(): LeaderAndEpoch;
  leaderEndpoints(): ReadonlyMap<string, HostAndPort>;
  highWatermark(): bigint | null;
  /**
   * Whether a (pre-)vote request from `replicaKey` may be granted in this state.
   * @param isLogUpToDate the requester's (lastEpoch, endOffset) is at least ours.
   */
  canGrantVote(replicaKey: ReplicaKey, isLogUpToDate: boolean, isPreVote: boolean): boolean;
  /** Releases what the state holds (a follower's partial snapshot, a leader's accumulator). */
  close(): Promise<void>;
}
