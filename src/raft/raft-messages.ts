// Builders and checks of the quorum's request and response bodies (Kafka's RaftUtil): every request names exactly
// one topic-partition, __cluster_metadata-0. Responses carry the leader's endpoint on the quorum listener
// (nodeEndpoints) only in the versions that have the field.

import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { BeginQuorumEpochRequest } from '../protocol/generated/messages/begin-quorum-epoch-request.ts';
import type { BeginQuorumEpochResponse } from '../protocol/generated/messages/begin-quorum-epoch-response.ts';
import type { DescribeQuorumRequest } from '../protocol/generated/messages/describe-quorum-request.ts';
import type { DescribeQuorumResponse, ReplicaState as DescribedReplica } from '../protocol/generated/messages/describe-quorum-response.ts';
import type { EndQuorumEpochRequest } from '../protocol/generated/messages/end-quorum-epoch-request.ts';
import type { EndQuorumEpochResponse } from '../protocol/generated/messages/end-quorum-epoch-response.ts';
import type { FetchRequest } from '../protocol/generated/messages/fetch-request.ts';
import type { FetchResponse, PartitionData as FetchPartitionResponse } from '../protocol/generated/messages/fetch-response.ts';
import type { FetchSnapshotRequest } from '../protocol/generated/messages/fetch-snapshot-request.ts';
import type { FetchSnapshotResponse, PartitionSnapshot as FetchSnapshotPartitionResponse } from '../protocol/generated/messages/fetch-snapshot-response.ts';
import type { VoteResponse } from '../protocol/generated/messages/vote-response.ts';
import type { RaftApiKey, RaftResponseData } from './network-channel.ts';
import type { OffsetAndEpoch } from './offset-and-epoch.ts';
import { NO_DIRECTORY_ID, type ReplicaKey } from './replica-key.ts';
import type { HostAndPort } from './voter-set.ts';

/** The metadata log: topic `__cluster_metadata`, partition 0, topic id Uuid.METADATA_TOPIC_ID. */
export const METADATA_TOPIC_NAME = '__cluster_metadata';
export const METADATA_PARTITION = 0;
/** Kafka's Uuid.METADATA_TOPIC_ID (0, 1) in string form. */
export const METADATA_TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

/** The leader's endpoint on `listenerName` as a response's nodeEndpoints entry, or none. */
function leaderNodeEndpoints(listenerName: string, leaderId: number, endpoints: ReadonlyMap<string, HostAndPort>): { nodeId: number; host: string; port: number }[] {
  const a = endpoints.get(listenerName);
  return leaderId < 0 || a === undefined ? [] : [{ nodeId: leaderId, host: a.host, port: a.port }];
}

/** Endpoints as the LeaderEndpoint lists of BeginQuorumEpoch/EndQuorumEpoch requests. */
export function endpointList(endpoints: ReadonlyMap<string, HostAndPort>): { name: string; host: string; port: number }[] {
  return [...endpoints].map(([name, a]) => ({ name, host: a.host, port: a.port }));
}

/** Endpoints from a request's LeaderEndpoint list. */
export function endpointsFromList(list: readonly { name: string; host: string; port: number }[]): Map<string, HostAndPort> {
  return new Map(list.map((e) => [e.name, { host: e.host, port: e.port }]));
}

/** Endpoints from a response's nodeEndpoints for `leaderId` (on `listenerName`). */
export function endpointsFromNodeEndpoints(listenerName: string, leaderId: number, nodes: readonly { nodeId: number; host: string; port: number }[]): Map<string, HostAndPort> {
  const n = nodes.find((e) => e.nodeId === leaderId);
  return n === undefined ? new Map() : new Map([[listenerName, { host: n.host, port: n.port }]]);
}

/** True for a body that names exactly __cluster_metadata-0 (by name). */
export function hasValidTopicPartition(topics: readonly { topicName: string; partitions: readonly { partitionIndex: number }[] }[]): boolean {
  return topics.length === 1 && topics[0]!.topicName === METADATA_TOPIC_NAME && topics[0]!.partitions.length === 1 && topics[0]!.partitions[0]!.partitionIndex === METADATA_PARTITION;
}

/** True for a Fetch body that names exactly __cluster_metadata-0 (by topic id from v13, else by name). */
export function hasValidFetchTopicPartition(topics: readonly { topic: string; topicId: string; partitions: readonly { partition: number }[] }[]): boolean {
  if (topics.length !== 1) return false;
  const t = topics[0]!;
  const idOk = t.topicId === METADATA_TOPIC_ID || (t.topicId === NO_DIRECTORY_ID && t.topic === METADATA_TOPIC_NAME);
  return idOk && t.partitions.length === 1 && t.partitions[0]!.partition === METADATA_PARTITION;
}

/** The same check on a Fetch response. */
export function hasValidFetchResponseTopicPartition(responses: readonly { topic: string; topicId: string; partitions: readonly { partitionIndex: number }[] }[]): boolean {
  if (responses.length !== 1) return false;
  const t = responses[0]!;
  const idOk = t.topicId === METADATA_TOPIC_ID || (t.topicId === NO_DIRECTORY_ID && t.topic === METADATA_TOPIC_NAME);
  return idOk && t.partitions.length === 1 && t.partitions[0]!.partitionIndex === METADATA_PARTITION;
}

/** A response body with only a top-level error (Kafka's RaftUtil.errorResponse). */
export function raftErrorResponse(apiKey: RaftApiKey, errorCode: number): RaftResponseData {
  switch (apiKey) {
    case ApiKeys.Vote:
    case ApiKeys.BeginQuorumEpoch:
    case ApiKeys.EndQuorumEpoch:
      return { errorCode, topics: [], nodeEndpoints: [] };
    case ApiKeys.Fetch:
      return { throttleTimeMs: 0, errorCode, sessionId: 0, responses: [], nodeEndpoints: [] };
    case ApiKeys.FetchSnapshot:
      return { throttleTimeMs: 0, errorCode, topics: [], nodeEndpoints: [] };
    case ApiKeys.DescribeQuorum:
      return { errorCode, errorMessage: null, topics: [], nodes: [] };
    case ApiKeys.AddRaftVoter:
    case ApiKeys.RemoveRaftVoter:
      return { throttleTimeMs: 0, errorCode, errorMessage: null };
    case ApiKeys.UpdateRaftVoter:
      return { throttleTimeMs: 0, errorCode, currentLeader: { leaderId: -1, leaderEpoch: -1, host: '', port: 0 } };
    case ApiKeys.ApiVersions:
      return { errorCode, apiKeys: [], throttleTimeMs: 0, supportedFeatures: [], finalizedFeaturesEpoch: -1n, finalizedFeatures: [], zkMigrationReady: false };
  }
}

/** Common response fields: the replica's view of the epoch and leader, and the partition-level error. */
export interface ResponseView {
  readonly apiVersion: number;
  readonly listenerName: string;
  readonly errorCode: number;
  readonly epoch: number;
  readonly leaderId: number;
  readonly leaderEndpoints: ReadonlyMap<string, HostAndPort>;
}

export function voteResponse(v: ResponseView, voteGranted: boolean): VoteResponse {
  return {
    errorCode: Errors.NONE,
    topics: [{ topicName: METADATA_TOPIC_NAME, partitions: [{ partitionIndex: METADATA_PARTITION, errorCode: v.errorCode, leaderId: v.leaderId, leaderEpoch: v.epoch, voteGranted }] }],
    nodeEndpoints: v.apiVersion >= 1 ? leaderNodeEndpoints(v.listenerName, v.leaderId, v.leaderEndpoints) : [],
  };
}

export function beginQuorumEpochRequest(clusterId: string, epoch: number, leaderId: number, leaderEndpoints: ReadonlyMap<string, HostAndPort>, voterKey: ReplicaKey): BeginQuorumEpochRequest {
  return {
    clusterId,
    voterId: voterKey.id,
    topics: [{ topicName: METADATA_TOPIC_NAME, partitions: [{ partitionIndex: METADATA_PARTITION, voterDirectoryId: voterKey.directoryId ?? NO_DIRECTORY_ID, leaderId, leaderEpoch: epoch }] }],
    leaderEndpoints: endpointList(leaderEndpoints),
  };
}

export function beginQuorumEpochResponse(v: ResponseView): BeginQuorumEpochResponse {
  return {
    errorCode: Errors.NONE,
    topics: [{ topicName: METADATA_TOPIC_NAME, partitions: [{ partitionIndex: METADATA_PARTITION, errorCode: v.errorCode, leaderId: v.leaderId, leaderEpoch: v.epoch }] }],
    nodeEndpoints: v.apiVersion >= 1 ? leaderNodeEndpoints(v.listenerName, v.leaderId, v.leaderEndpoints) : [],
  };
}

export function endQuorumEpochRequest(clusterId: string, epoch: number, leaderId: number, leaderEndpoints: ReadonlyMap<string, HostAndPort>, preferredSuccessors: readonly ReplicaKey[]): EndQuorumEpochRequest {
  return {
    clusterId,
    topics: [
      {
        topicName: METADATA_TOPIC_NAME,
        partitions: [
          {
            partitionIndex: METADATA_PARTITION,
            leaderId,
            leaderEpoch: epoch,
            preferredSuccessors: preferredSuccessors.map((k) => k.id),
            preferredCandidates: preferredSuccessors.map((k) => ({ candidateId: k.id, candidateDirectoryId: k.directoryId ?? NO_DIRECTORY_ID })),
          },
        ],
      },
    ],
    leaderEndpoints: endpointList(leaderEndpoints),
  };
}

/** The preferred successors of an EndQuorumEpoch partition: v1's candidates, else v0's ids. */
export function preferredCandidates(p: EndQuorumEpochRequest['topics'][number]['partitions'][number]): ReplicaKey[] {
  if (p.preferredCandidates.length > 0) return p.preferredCandidates.map((c) => ({ id: c.candidateId, directoryId: c.candidateDirectoryId === NO_DIRECTORY_ID ? null : c.candidateDirectoryId }));
  return p.preferredSuccessors.map((id) => ({ id, directoryId: null }));
}

export function endQuorumEpochResponse(v: ResponseView): EndQuorumEpochResponse {
  return {
    errorCode: Errors.NONE,
    topics: [{ topicName: METADATA_TOPIC_NAME, partitions: [{ partitionIndex: METADATA_PARTITION, errorCode: v.errorCode, leaderId: v.leaderId, leaderEpoch: v.epoch }] }],
    nodeEndpoints: v.apiVersion >= 1 ? leaderNodeEndpoints(v.listenerName, v.leaderId, v.leaderEndpoints) : [],
  };
}

/** What a follower or observer puts in its Fetch. */
export interface FetchRequestFields {
  readonly clusterId: string;
  readonly replicaId: number;
  readonly replicaDirectoryId: string | null;
  readonly currentLeaderEpoch: number;
  readonly fetchOffset: bigint;
  readonly lastFetchedEpoch: number;
  readonly maxWaitMs: number;
  readonly maxBytes: number;
}

export function fetchRequest(f: FetchRequestFields): FetchRequest {
  return {
    clusterId: f.clusterId,
    replicaId: -1,
    replicaState: { replicaId: f.replicaId, replicaEpoch: -1n },
    maxWaitMs: f.maxWaitMs,
    minBytes: 0,
    maxBytes: f.maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: METADATA_TOPIC_NAME,
        topicId: METADATA_TOPIC_ID,
        partitions: [
          {
            partition: METADATA_PARTITION,
            currentLeaderEpoch: f.currentLeaderEpoch,
            fetchOffset: f.fetchOffset,
            lastFetchedEpoch: f.lastFetchedEpoch,
            logStartOffset: -1n,
            partitionMaxBytes: 0,
            replicaDirectoryId: f.replicaDirectoryId ?? NO_DIRECTORY_ID,
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  };
}

/** The replica id of a Fetch: replicaState's from v15, else the top-level field (Kafka's FetchRequest.replicaId). */
export function fetchReplicaId(request: FetchRequest): number {
  return request.replicaState.replicaId >= 0 ? request.replicaState.replicaId : request.replicaId;
}

/** What the leader answers a Fetch with. */
export interface FetchResponseFields {
  readonly errorCode: number;
  readonly records: Buffer;
  readonly highWatermark: bigint;
  readonly logStartOffset: bigint;
  readonly divergingEpoch: OffsetAndEpoch | null;
  readonly snapshotId: OffsetAndEpoch | null;
}

export function fetchResponse(v: ResponseView, f: FetchResponseFields): FetchResponse {
  const partition: FetchPartitionResponse = {
    partitionIndex: METADATA_PARTITION,
    errorCode: f.errorCode,
    highWatermark: f.highWatermark,
    lastStableOffset: -1n,
    logStartOffset: f.logStartOffset,
    divergingEpoch: f.divergingEpoch === null ? { epoch: -1, endOffset: -1n } : { epoch: f.divergingEpoch.epoch, endOffset: f.divergingEpoch.offset },
    currentLeader: { leaderId: v.leaderId, leaderEpoch: v.epoch },
    snapshotId: f.snapshotId === null ? { endOffset: -1n, epoch: -1 } : { endOffset: f.snapshotId.offset, epoch: f.snapshotId.epoch },
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: f.records,
  };
  return {
    throttleTimeMs: 0,
    errorCode: Errors.NONE,
    sessionId: 0,
    responses: [{ topic: METADATA_TOPIC_NAME, topicId: METADATA_TOPIC_ID, partitions: [partition] }],
    nodeEndpoints: v.apiVersion >= 16 ? leaderNodeEndpoints(v.listenerName, v.leaderId, v.leaderEndpoints).map((e) => ({ ...e, rack: null })) : [],
  };
}

export function fetchSnapshotRequest(clusterId: string, replica: ReplicaKey, currentLeaderEpoch: number, snapshotId: OffsetAndEpoch, maxBytes: number, position: bigint): FetchSnapshotRequest {
  return {
    clusterId,
    replicaId: replica.id,
    maxBytes,
    topics: [
      {
        name: METADATA_TOPIC_NAME,
        partitions: [{ partition: METADATA_PARTITION, currentLeaderEpoch, snapshotId: { endOffset: snapshotId.offset, epoch: snapshotId.epoch }, position, replicaDirectoryId: replica.directoryId ?? NO_DIRECTORY_ID }],
      },
    ],
  };
}

/** What the leader answers a FetchSnapshot with (a chunk, or an error). */
export interface FetchSnapshotResponseFields {
  readonly errorCode: number;
  readonly snapshotId: OffsetAndEpoch | null;
  readonly size: bigint;
  readonly position: bigint;
  readonly bytes: Buffer;
}

export function fetchSnapshotResponse(v: ResponseView, f: FetchSnapshotResponseFields, topicName = METADATA_TOPIC_NAME, partition = METADATA_PARTITION): FetchSnapshotResponse {
  const p: FetchSnapshotPartitionResponse = {
    index: partition,
    errorCode: f.errorCode,
    snapshotId: f.snapshotId === null ? { endOffset: -1n, epoch: -1 } : { endOffset: f.snapshotId.offset, epoch: f.snapshotId.epoch },
    currentLeader: { leaderId: v.leaderId, leaderEpoch: v.epoch },
    size: f.size,
    position: f.position,
    unalignedRecords: f.bytes,
  };
  return {
    throttleTimeMs: 0,
    errorCode: Errors.NONE,
    topics: [{ name: topicName, partitions: [p] }],
    nodeEndpoints: v.apiVersion >= 1 ? leaderNodeEndpoints(v.listenerName, v.leaderId, v.leaderEndpoints) : [],
  };
}

/** One replica in a DescribeQuorum answer; times are wall-clock ms since the epoch, -1 never. */
export interface DescribedReplicaFields {
  readonly replicaId: number;
  readonly replicaDirectoryId: string | null;
  readonly logEndOffset: bigint;
  readonly lastFetchTimestamp: number;
  readonly lastCaughtUpTimestamp: number;
}

export function describeQuorumRequestIsValid(request: DescribeQuorumRequest): boolean {
  return hasValidTopicPartition(request.topics);
}

/** DescribeQuorum's answer from the leader (Kafka's RaftUtil.singletonDescribeQuorumResponse). */
export function describeQuorumResponse(
  apiVersion: number,
  leaderId: number,
  epoch: number,
  highWatermark: bigint,
  voters: readonly DescribedReplicaFields[],
  observers: readonly DescribedReplicaFields[],
  nodes: readonly { nodeId: number; listeners: ReadonlyMap<string, HostAndPort> }[],
): DescribeQuorumResponse {
  // v0 has no fetch times, v1 no directory ids: those versions get the defaults.
  const toState = (r: DescribedReplicaFields): DescribedReplica => ({
    replicaId: r.replicaId,
    replicaDirectoryId: apiVersion >= 2 ? (r.replicaDirectoryId ?? NO_DIRECTORY_ID) : NO_DIRECTORY_ID,
    logEndOffset: r.logEndOffset,
    lastFetchTimestamp: apiVersion >= 1 ? BigInt(r.lastFetchTimestamp) : -1n,
    lastCaughtUpTimestamp: apiVersion >= 1 ? BigInt(r.lastCaughtUpTimestamp) : -1n,
  });
  return {
    errorCode: Errors.NONE,
    errorMessage: null,
    topics: [
      {
        topicName: METADATA_TOPIC_NAME,
        partitions: [{ partitionIndex: METADATA_PARTITION, errorCode: Errors.NONE, errorMessage: null, leaderId, leaderEpoch: epoch, highWatermark, currentVoters: voters.map(toState), observers: observers.map(toState) }],
      },
    ],
    nodes: apiVersion >= 2 ? nodes.map((n) => ({ nodeId: n.nodeId, listeners: endpointList(n.listeners) })) : [],
  };
}

/** DescribeQuorum answered with a partition-level error (not the leader, unknown partition). */
export function describeQuorumPartitionError(errorCode: number, topicName = METADATA_TOPIC_NAME, partition = METADATA_PARTITION): DescribeQuorumResponse {
  return {
    errorCode: Errors.NONE,
    errorMessage: null,
    topics: [{ topicName, partitions: [{ partitionIndex: partition, errorCode, errorMessage: null, leaderId: -1, leaderEpoch: -1, highWatermark: -1n, currentVoters: [], observers: [] }] }],
    nodes: [],
  };
}
