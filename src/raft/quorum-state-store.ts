import type { ElectionState } from './election-state.ts';

/**
 * Where a replica keeps its {@link ElectionState} (Kafka's `QuorumStateStore`). `writeElectionState` resolves
 * only once the state is durable (fsynced): QuorumState awaits it before it grants a vote or uses a new epoch.
 * The broker uses FileQuorumStateStore; the simulation keeps it in memory with crash semantics.
 */
export interface QuorumStateStore {
  /** The stored state, or null when there is none yet. @throws Error when it cannot be read or parsed. */
  readElectionState(): Promise<ElectionState | null>;
  /**
   * Replaces the stored state atomically and durably. `kraftVersion` picks the file version (0 -> data_version 0,
   * 1 -> data_version 1), as Kafka's KRaftVersion.quorumStateVersion.
   */
  writeElectionState(state: ElectionState, kraftVersion: number): Promise<void>;
  /** Removes the state (tests, format). */
  clear(): Promise<void>;
  /** The file path, for messages. */
  readonly path: string;
}
