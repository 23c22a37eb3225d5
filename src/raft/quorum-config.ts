/**
 * The quorum's timers and sizes (Kafka's `QuorumConfig`), with Kafka's config names and defaults. The broker
 * fills it from its config (controller.quorum.*); the simulation uses the defaults.
 */
export interface QuorumConfig {
  /** controller.quorum.election.timeout.ms (1000): each wait is randomised to [timeout, 2 * timeout). */
  readonly electionTimeoutMs: number;
  /**
   * controller.quorum.election.backoff.max.ms (1000): the longest a voter named in a resigning leader's
   * EndQuorumEpoch waits before it starts an election (Kafka 4's only use of it: with KIP-996 pre-votes a failed
   * election waits out the randomised election timeout rather than a separate exponential backoff).
   */
  readonly electionBackoffMaxMs: number;
  /** controller.quorum.fetch.timeout.ms (2000): a follower without a successful fetch this long starts an election. */
  readonly fetchTimeoutMs: number;
  /** controller.quorum.request.timeout.ms (2000). */
  readonly requestTimeoutMs: number;
  /** controller.quorum.retry.backoff.ms (20): wait before a destination gets a request again after a failure. */
  readonly retryBackoffMs: number;
  /** controller.quorum.append.linger.ms (25). */
  readonly appendLingerMs: number;
  /** controller.quorum.fetch.max.bytes (1 MiB): at least one batch is always returned. */
  readonly fetchMaxBytes: number;
  /** controller.quorum.fetch.snapshot.max.bytes (1 MiB). */
  readonly fetchSnapshotMaxBytes: number;
  /**
   * controller.quorum.auto.join.enable (false): a controller that is not a voter of a kraft.version 1 quorum asks
   * the leader to add it (AddRaftVoter), or to remove its old replica first when its id is a voter with another
   * directory id (KIP-853).
   */
  readonly autoJoin: boolean;
}

/** Kafka's defaults. */
export const DEFAULT_QUORUM_CONFIG: QuorumConfig = Object.freeze({
  electionTimeoutMs: 1000,
  electionBackoffMaxMs: 1000,
  fetchTimeoutMs: 2000,
  requestTimeoutMs: 2000,
  retryBackoffMs: 20,
  appendLingerMs: 25,
  fetchMaxBytes: 1024 * 1024,
  fetchSnapshotMaxBytes: 1024 * 1024,
  autoJoin: false,
});

/** How long a follower's Fetch may be parked by the leader (Kafka's KafkaRaftClient.MAX_FETCH_WAIT_MS, not a config). */
export const FETCH_MAX_WAIT_MS = 500;
/** Largest batch the leader writes, and of snapshots (Kafka's KafkaRaftClient.MAX_BATCH_SIZE_BYTES, 8 MiB). */
export const MAX_BATCH_SIZE_BYTES = 8 * 1024 * 1024;
/** Completed batches the accumulator holds before appends are refused (Kafka's MAX_NUMBER_OF_BATCHES). */
export const MAX_NUMBER_OF_BATCHES = 10;
