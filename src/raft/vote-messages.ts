// The one place that builds and reads Vote request bodies. Kafka 4.x's Vote v2 (KIP-996) renamed
// CandidateEpoch/CandidateId to ReplicaEpoch/ReplicaId and added the partition-level PreVote flag; the generated
// codec is still v0-1 (candidateEpoch/candidateId, no preVote). Until the codegen moves to Kafka 4.4's
// definitions, the pre-vote flag rides on the partition object as an extra `preVote` property: the in-memory
// simulation delivers it as it is, but an encoder at v0-1 drops it, so over the real wire a pre-vote needs Vote v2
// and a NetworkChannel must fail a pre-vote request with UNSUPPORTED_VERSION (the client then skips the pre-vote,
// as Kafka does with voters that lack v2). After the codegen moves, only this file changes.

import type { PartitionData, VoteRequest } from '../protocol/generated/messages/vote-request.ts';
import { NO_DIRECTORY_ID } from './replica-key.ts';

/** The Vote partition body with the v2 pre-vote flag. */
type PartitionDataV2 = PartitionData & { preVote?: boolean };

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
  const partition: PartitionDataV2 = {
    partitionIndex: f.partitionIndex,
    candidateEpoch: f.replicaEpoch,
    candidateId: f.replicaId,
    candidateDirectoryId: f.replicaDirectoryId,
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
  const p = topic.partitions[0] as PartitionDataV2;
  return {
    clusterId: body.clusterId,
    topicName: topic.topicName,
    partitionIndex: p.partitionIndex,
    voterId: body.voterId,
    voterDirectoryId: p.voterDirectoryId ?? NO_DIRECTORY_ID,
    replicaId: p.candidateId,
    replicaDirectoryId: p.candidateDirectoryId ?? NO_DIRECTORY_ID,
    replicaEpoch: p.candidateEpoch,
    lastOffsetEpoch: p.lastOffsetEpoch,
    lastOffset: p.lastOffset,
    preVote: p.preVote === true,
  };
}

/** True for a pre-vote (KIP-996), which only Vote v2+ can carry over the wire. */
export function isPreVoteRequest(body: VoteRequest): boolean {
  return body.topics.some((t) => t.partitions.some((p) => (p as PartitionDataV2).preVote === true));
}

/** The lowest Vote version that can carry `body` (2 for a pre-vote). */
export function minimumVoteVersion(body: VoteRequest): number {
  return isPreVoteRequest(body) ? 2 : 0;
}
