/**
 * The ISR as a partition leader knows it, after Kafka's `PartitionState` (KIP-497). An ISR change the leader asked
 * the controller for (AlterPartition) is pending until the controller answers or the metadata log shows the
 * partition again; meanwhile no other change is asked for:
 *
 * | state          | isr (committed) | maximalIsr (HW, acks=all)   | next                                        |
 * |----------------|-----------------|-----------------------------|---------------------------------------------|
 * | committed      | from metadata   | = isr                       | pendingExpand / pendingShrink               |
 * | pendingExpand  | last committed  | isr + the replica added     | committed (answer, metadata, or refusal)    |
 * | pendingShrink  | last committed  | = isr (the larger one)      | committed (answer, metadata, or refusal)    |
 *
 * The maximal ISR is what the high watermark and acks=all wait for: while an expansion is pending the new member
 * already counts (stricter, so safe whatever the answer), while a shrink is pending the removed members still count
 * (the shrink may fail). A refusal that says the request was not applied (INELIGIBLE_REPLICA,
 * OPERATION_NOT_ATTEMPTED) goes back to the last committed state; other errors keep the pending state until new
 * metadata replaces it.
 */
export type PartitionState = CommittedPartitionState | PendingPartitionChange;

export interface CommittedPartitionState {
  readonly kind: 'committed';
  readonly isr: readonly number[];
  readonly maximalIsr: readonly number[];
  /** 0 RECOVERED, 1 RECOVERING (Kafka's LeaderRecoveryState). */
  readonly leaderRecoveryState: number;
}

/** A pending AlterPartition (Kafka's PendingExpandIsr / PendingShrinkIsr). */
export interface PendingPartitionChange {
  readonly kind: 'pendingExpand' | 'pendingShrink';
  readonly isr: readonly number[];
  readonly maximalIsr: readonly number[];
  readonly leaderRecoveryState: number;
  /** What was sent to the controller. */
  readonly sentLeaderAndIsr: LeaderAndIsr;
  readonly lastCommittedState: CommittedPartitionState;
}

/** One ISR member with the broker epoch the leader knows for it (-1n: unknown; KIP-903 AlterPartition v3). */
export interface IsrMember {
  readonly brokerId: number;
  readonly brokerEpoch: bigint;
}

/** A partition's leader, ISR and epochs as sent in / answered to AlterPartition (Kafka's LeaderAndIsr). */
export interface LeaderAndIsr {
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly isr: readonly IsrMember[];
  readonly leaderRecoveryState: number;
  readonly partitionEpoch: number;
}

/** A partition's ISR as the controller committed it (an AlterPartition answer). */
export interface CommittedLeaderAndIsr {
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly leaderRecoveryState: number;
  readonly partitionEpoch: number;
}

export function committedState(isr: readonly number[], leaderRecoveryState = 0): CommittedPartitionState {
  return { kind: 'committed', isr, maximalIsr: isr, leaderRecoveryState };
}

/** The empty ISR of a follower (a follower does not track the ISR). */
export const FOLLOWER_STATE: CommittedPartitionState = Object.freeze(committedState(Object.freeze([])));
