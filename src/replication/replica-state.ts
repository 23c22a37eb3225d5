import { ApiError } from '../common/api-error.ts';
import { Errors } from '../protocol/generated/errors.ts';

/**
 * What a partition leader knows of one follower replica, after Kafka's `Replica` / `ReplicaState`: the follower's
 * log start and log end offsets as its last Fetch said (the fetch offset is its log end offset), the leader's log
 * end offset at that fetch and the one before, when it was last caught up, and the broker epoch the fetch carried
 * (KIP-903; -1n when the fetch did not say, null before the first fetch).
 *
 * "Caught up" (Kafka's lastCaughtUpTimeMs) is the latest time t such that a fetch of the follower reached the
 * leader's log end offset as of t: a fetch that reaches the leader's current log end offset makes it the fetch's
 * time; one that only reaches the log end offset the leader had at the previous fetch makes it the previous fetch's
 * time (so a follower that keeps up with a steady stream of small produces, always one fetch behind, stays in sync).
 *
 * Offsets are bigint (-1n unknown); times in ms of the leader's clock.
 */
export class ReplicaState {
  readonly brokerId: number;
  logStartOffset = -1n;
  logEndOffset = -1n;
  lastFetchLeaderLogEndOffset = 0n;
  lastFetchTimeMs = 0;
  lastCaughtUpTimeMs = 0;
  brokerEpoch: bigint | null = null;

  constructor(brokerId: number) {
    this.brokerId = brokerId;
  }

  /**
   * Records a fetch of this follower (Kafka's updateFetchStateOrThrow).
   * @param aliveBrokerEpoch the broker epoch of the follower's current registration, or null when not registered.
   * @throws ApiError NOT_LEADER_OR_FOLLOWER (6) when the fetch carries a broker epoch older than the follower's
   *   current registration: it comes from an earlier incarnation of the broker and must not move its state.
   */
  updateFetchState(fetchOffset: bigint, followerStartOffset: bigint, fetchTimeMs: number, leaderEndOffset: bigint, brokerEpoch: bigint, aliveBrokerEpoch: bigint | null): void {
    if (brokerEpoch !== -1n && aliveBrokerEpoch !== null && aliveBrokerEpoch > brokerEpoch) {
      throw new ApiError(Errors.NOT_LEADER_OR_FOLLOWER, `Received stale fetch state update. broker epoch=${brokerEpoch} vs expected=${aliveBrokerEpoch}`);
    }
    if (fetchOffset >= leaderEndOffset) {
      this.lastCaughtUpTimeMs = Math.max(this.lastCaughtUpTimeMs, fetchTimeMs);
    } else if (fetchOffset >= this.lastFetchLeaderLogEndOffset) {
      this.lastCaughtUpTimeMs = Math.max(this.lastCaughtUpTimeMs, this.lastFetchTimeMs);
    }
    this.logStartOffset = followerStartOffset;
    this.logEndOffset = fetchOffset;
    this.lastFetchLeaderLogEndOffset = leaderEndOffset > this.lastFetchLeaderLogEndOffset ? leaderEndOffset : this.lastFetchLeaderLogEndOffset;
    this.lastFetchTimeMs = fetchTimeMs;
    this.brokerEpoch = brokerEpoch;
  }

  /**
   * The leader was elected or re-elected (Kafka's resetReplicaState): a follower in the ISR counts as caught up
   * now, one outside it as never (so that it does not hold the high watermark back). A new leader forgets what it
   * knew of the follower's log (it was not the leader when that was true); a re-elected one keeps it.
   */
  reset(nowMs: number, leaderEndOffset: bigint, isNewLeader: boolean, isFollowerInSync: boolean): void {
    this.lastCaughtUpTimeMs = isFollowerInSync ? nowMs : 0;
    if (isNewLeader) {
      this.logStartOffset = -1n;
      this.logEndOffset = -1n;
      this.lastFetchLeaderLogEndOffset = -1n;
      this.lastFetchTimeMs = 0;
      this.brokerEpoch = null;
    } else {
      this.lastFetchLeaderLogEndOffset = leaderEndOffset;
      this.lastFetchTimeMs = isFollowerInSync ? nowMs : 0;
    }
  }

  /**
   * True when the follower has the leader's whole log, or was caught up less than `replicaLagTimeMaxMs` ago
   * (Kafka's isCaughtUp): the condition for staying in the ISR (replica.lag.time.max.ms).
   */
  isCaughtUp(leaderEndOffset: bigint, nowMs: number, replicaLagTimeMaxMs: number): boolean {
    return leaderEndOffset === this.logEndOffset || nowMs - this.lastCaughtUpTimeMs <= replicaLagTimeMaxMs;
  }
}
