import { ElectionState } from './election-state.ts';
import type { EpochState } from './epoch-state.ts';
import type { LeaderAndEpoch } from './leader-and-epoch.ts';
import { ElectionTimerState } from './election-timer-state.ts';
import type { ReplicaKey } from './replica-key.ts';
import type { HostAndPort } from './voter-set.ts';

/**
 * Resigned (Kafka's `ResignedState`): a leader that gave up its epoch (graceful shutdown, lost quorum, or at start
 * after a restart as leader). It sends EndQuorumEpoch to the voters that have not acknowledged it, listing its
 * preferred successors by replication progress, until they answer or its election timer expires (then
 * Unattached in epoch + 1). It appends nothing more.
 */
export class ResignedState extends ElectionTimerState implements EpochState {
  readonly name = 'Resigned' as const;
  /** What this state persists (it never changes for the state's life). */
  #election: ElectionState | null = null;
  readonly epoch: number;
  readonly localId: number;
  readonly preferredSuccessors: readonly ReplicaKey[];
  readonly #voters: ReadonlySet<number>;
  readonly #unackedVoters: Set<number>;
  readonly #endpoints: ReadonlyMap<string, HostAndPort>;

  constructor(nowMs: number, localId: number, epoch: number, voters: ReadonlySet<number>, electionTimeoutMs: number, preferredSuccessors: readonly ReplicaKey[], endpoints: ReadonlyMap<string, HostAndPort>) {
    super(nowMs, electionTimeoutMs);
    this.localId = localId;
    this.epoch = epoch;
    this.#voters = voters;
    this.#unackedVoters = new Set(voters);
    this.#unackedVoters.delete(localId);
    this.preferredSuccessors = preferredSuccessors;
    this.#endpoints = endpoints;
  }

  election(): ElectionState {
    return (this.#election ??= ElectionState.withElectedLeader(this.epoch, this.localId, null, this.#voters));
  }

  leaderAndEpoch(): LeaderAndEpoch {
    return { leaderId: this.localId, epoch: this.epoch };
  }

  leaderEndpoints(): ReadonlyMap<string, HostAndPort> {
    return this.#endpoints;
  }

  highWatermark(): bigint | null {
    return null;
  }

  unackedVoters(): ReadonlySet<number> {
    return this.#unackedVoters;
  }

  /** @throws Error for a non-voter. */
  acknowledgeResignation(voterId: number): void {
    if (!this.#voters.has(voterId)) throw new Error(`Attempt to acknowledge delivery of EndQuorumEpoch by a non-voter ${voterId}`);
    this.#unackedVoters.delete(voterId);
  }

  canGrantVote(_replicaKey: ReplicaKey, isLogUpToDate: boolean, isPreVote: boolean): boolean {
    return isPreVote && isLogUpToDate;
  }

  async close(): Promise<void> {}

  override toString(): string {
    return `Resigned(epoch=${this.epoch}, unackedVoters=${[...this.#unackedVoters]}, preferredSuccessors=${this.preferredSuccessors.map((k) => k.id)})`;
  }
}
