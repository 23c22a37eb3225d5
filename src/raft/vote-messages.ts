// The one place that builds and reads Vote request bodies, with Kafka 4.x's (v2) field names: ReplicaEpoch,
// ReplicaId and the partition-level PreVote flag of KIP-996 (Kafka 4.4's definitions, layered over the base ones
// by the codegen: src/protocol/codegen/overlay/). A pre-vote can only be written at v2: the encoder refuses
// PreVote=true at v0-1, so a NetworkChannel fails it with UNSUPPORTED_VERSION against a peer without v2, and the
// client then runs a real election, as Kafka does with voters that lack v2.

import type { PartitionData, VoteRequest } from '../protocol/generated/messages/vote-request.ts';
import { NO_DIRECTORY_ID } from './replica-key.ts';

/** The fields of a Vote request, by their Kafka 4.x (v2) names. */
export interface VoteRequestFields {
  readonly clusterId: string | null;
  readonly topicName: string;
  readonly partitionIndex: number;
  /** Id of the voter receiving the request (v1+; -1 unknown). */
  readonly voterId: number;
  readonly voterDirectoryId: string;
  /** The sender (prospective or candidate). */
  readonly replicaId: number;
  readonly replicaDirectoryId: string;
  /** The sender's epoch: its current epoch for a pre-vote, the new epoch for a vote. */
  readonly replicaEpoch: number;
  readonly lastOffsetEpoch: number;
  readonly lastOffset: bigint;
  readonly preVote: boolean;
}

/** A single-partition Vote request body (Kafka's RaftUtil.singletonVoteRequest). */
export function buildVoteRequest(f: VoteRequestFields): VoteRequest {
  const partition: PartitionData = {
    partitionIndex: f.partitionIndex,
    replicaEpoch: f.replicaEpoch,
    replicaId: f.replicaId,
    replicaDirectoryId: f.replicaDirectoryId,
    voterDirectoryId: f.voterDirectoryId,
    lastOffsetEpoch: f.lastOffsetEpoch,
    lastOffset: f.lastOffset,
    preVote: f.preVote,
  };
  return { clusterId: f.clusterId, voterId: f.voterId, topics: [{ topicName: f.topicName, partitions: [partition] }] };
}

/** The fields of a Vote request with exactly one topic and one partition; null for any other shape. */
export function readVoteRequest(body: VoteRequest): VoteRequestFields | null {
  if (body.topics.length !== 1 || body.topics[0]!.partitions.length !== 1) return null;
  const topic = body.topics[0]!;
  const p = topic.partitions[0]!;
  return {
    clusterId: body.clusterId,
    topicName: topic.topicName,
    partitionIndex: p.partitionIndex,
    voterId: body.voterId,
    voterDirectoryId: p.voterDirectoryId ?? NO_DIRECTORY_ID,
    replicaId: p.replicaId,
    replicaDirectoryId: p.replicaDirectoryId ?? NO_DIRECTORY_ID,
    replicaEpoch: p.replicaEpoch,
    lastOffsetEpoch: p.lastOffsetEpoch,
    lastOffset: p.lastOffset,
    preVote: p.preVote,
  };
}

/** True for a pre-vote (KIP-996), which only Vote v2+ can carry over the wire. */
export function isPreVoteRequest(body: VoteRequest): boolean {
  return body.topics.some((t) => t.partitions.some((p) => p.preVote));
}

/** The lowest Vote version that can carry `body` (2 for a pre-vote). */
export function minimumVoteVersion(body: VoteRequest): number {
  return isPreVoteRequest(body) ? 2 : 0;
}
