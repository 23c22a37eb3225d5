import type { TopicPartition } from '../common/topic-partition.ts';
import type { FetchRequest } from '../protocol/generated/messages/fetch-request.ts';
import type { FetchResponse } from '../protocol/generated/messages/fetch-response.ts';
import type { Input } from '../protocol/message-input.ts';

/** A broker's address on the inter-broker listener (Kafka's BrokerEndPoint). */
export interface BrokerEndPoint {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

/** ListOffsets' answer for one partition. */
export interface LeaderOffset {
  readonly errorCode: number;
  readonly offset: bigint;
  readonly leaderEpoch: number;
}

/**
 * How a replica fetcher talks to the leader it fetches from (Kafka's `LeaderEndPoint`): the broker's
 * RemoteLeaderEndPoint sends Fetch (v12: replica id, last fetched epoch, diverging epoch in the answer) and
 * ListOffsets over a NetworkClient of its own; the replication simulation delivers the same requests over its
 * simulated network. Fetch sessions (KIP-227) are the fetcher's: the request already carries them.
 */
export interface LeaderEndPoint {
  readonly leader: BrokerEndPoint;
  /**
   * Sends a Fetch and resolves with the answer; its records are Buffers.
   * @throws whatever the transport throws (disconnection, timeout): the fetcher backs off and starts a new session.
   */
  fetch(request: Input<FetchRequest>): Promise<FetchResponse>;
  /**
   * The fetcher is done with `response` (its records appended, nothing refers to them any more): the memory they
   * are views of may be reused (RemoteLeaderEndPoint recycles the response frame). Optional; at most once per
   * response.
   */
  releaseResponse?(response: FetchResponse): void;
  /**
   * ListOffsets for one partition as a replica (replica id set, so the latest offset is the log end offset):
   * `timestamp` -1n latest, -2n earliest.
   * @throws whatever the transport throws.
   */
  listOffset(tp: TopicPartition, currentLeaderEpoch: number, timestamp: bigint): Promise<LeaderOffset>;
  /** Closes the connection; requests in flight fail. */
  close(): void;
}
