/** The leader a replica knows of and the epoch (Kafka's `LeaderAndEpoch`); `leaderId` null when unknown. */
export interface LeaderAndEpoch {
  readonly leaderId: number | null;
  readonly epoch: number;
}

/** Kafka's LeaderAndEpoch.UNKNOWN. */
export const UNKNOWN_LEADER_AND_EPOCH: LeaderAndEpoch = Object.freeze({ leaderId: null, epoch: 0 });

export function sameLeaderAndEpoch(a: LeaderAndEpoch, b: LeaderAndEpoch): boolean {
  return a.leaderId === b.leaderId && a.epoch === b.epoch;
}
