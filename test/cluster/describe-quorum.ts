// DescribeQuorum (key 55) over the wire to a controller listener, as `kafka-metadata-quorum --bootstrap-controller`
// asks it: the test cluster's way to learn who leads the metadata quorum at which epoch, from the nodes themselves
// rather than from their log text. Only the leader answers with the quorum; every other voter answers
// NOT_LEADER_OR_FOLLOWER (KIP-595).
import { RawKafkaClient } from '../fixtures/e2e/raw-kafka-client.ts';
import { ApiKeys } from '../../src/protocol/generated/api-keys.ts';
import type { DescribeQuorumResponse, ReplicaState } from '../../src/protocol/generated/messages/describe-quorum-response.ts';

/** The metadata quorum as its leader describes it. Offsets are numbers (the metadata log of a test is small). */
export interface QuorumDescription {
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly highWatermark: number;
  readonly voters: readonly ReplicaDescription[];
  readonly observers: readonly ReplicaDescription[];
}

/** One replica of the metadata log as the leader tracks it; times are wall-clock ms, -1 when unknown. */
export interface ReplicaDescription {
  readonly replicaId: number;
  readonly logEndOffset: number;
  readonly lastFetchTimestamp: number;
  readonly lastCaughtUpTimestamp: number;
}

function replica(r: ReplicaState): ReplicaDescription {
  return { replicaId: r.replicaId, logEndOffset: Number(r.logEndOffset), lastFetchTimestamp: Number(r.lastFetchTimestamp), lastCaughtUpTimestamp: Number(r.lastCaughtUpTimestamp) };
}

/**
 * Sends DescribeQuorum v1 for `__cluster_metadata` partition 0 to the controller listener on `host`:`port`.
 * @returns the quorum when that node is the leader; null when it answers with an error (not the leader, shutting
 *   down), refuses the connection or does not answer within `timeoutMs` (a paused process).
 */
export async function describeQuorum(port: number, timeoutMs = 2000, host = '127.0.0.1'): Promise<QuorumDescription | null> {
  let client: RawKafkaClient | undefined;
  try {
    client = await RawKafkaClient.connect(port, host);
    const response = await client.request<DescribeQuorumResponse>(ApiKeys.DescribeQuorum, 1, { topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }] }, timeoutMs);
    const p = response.topics[0]?.partitions[0];
    if (response.errorCode !== 0 || p === undefined || p.errorCode !== 0) return null;
    return { leaderId: p.leaderId, leaderEpoch: p.leaderEpoch, highWatermark: Number(p.highWatermark), voters: p.currentVoters.map(replica), observers: p.observers.map(replica) };
  } catch {
    return null;
  } finally {
    client?.socket.destroy();
  }
}
