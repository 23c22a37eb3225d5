import { ApiKeys } from '../protocol/generated/api-keys.ts';
import type { BeginQuorumEpochRequest } from '../protocol/generated/messages/begin-quorum-epoch-request.ts';
import type { BeginQuorumEpochResponse } from '../protocol/generated/messages/begin-quorum-epoch-response.ts';
import type { DescribeQuorumRequest } from '../protocol/generated/messages/describe-quorum-request.ts';
import type { DescribeQuorumResponse } from '../protocol/generated/messages/describe-quorum-response.ts';
import type { EndQuorumEpochRequest } from '../protocol/generated/messages/end-quorum-epoch-request.ts';
import type { EndQuorumEpochResponse } from '../protocol/generated/messages/end-quorum-epoch-response.ts';
import type { FetchRequest } from '../protocol/generated/messages/fetch-request.ts';
import type { FetchResponse } from '../protocol/generated/messages/fetch-response.ts';
import type { FetchSnapshotRequest } from '../protocol/generated/messages/fetch-snapshot-request.ts';
import type { FetchSnapshotResponse } from '../protocol/generated/messages/fetch-snapshot-response.ts';
import type { AddRaftVoterRequest } from '../protocol/generated/messages/add-raft-voter-request.ts';
import type { AddRaftVoterResponse } from '../protocol/generated/messages/add-raft-voter-response.ts';
import type { ApiVersionsRequest } from '../protocol/generated/messages/api-versions-request.ts';
import type { ApiVersionsResponse } from '../protocol/generated/messages/api-versions-response.ts';
import type { RemoveRaftVoterRequest } from '../protocol/generated/messages/remove-raft-voter-request.ts';
import type { RemoveRaftVoterResponse } from '../protocol/generated/messages/remove-raft-voter-response.ts';
import type { UpdateRaftVoterRequest } from '../protocol/generated/messages/update-raft-voter-request.ts';
import type { UpdateRaftVoterResponse } from '../protocol/generated/messages/update-raft-voter-response.ts';
import type { VoteRequest } from '../protocol/generated/messages/vote-request.ts';
import type { VoteResponse } from '../protocol/generated/messages/vote-response.ts';
import type { RaftNode } from './voter-set.ts';

/**
 * The APIs the quorum sends between its replicas (Kafka's RaftMessage bodies). KIP-853 adds AddRaftVoter,
 * RemoveRaftVoter and UpdateRaftVoter (sent by followers to the leader, or by admin clients), and ApiVersions,
 * which the leader sends to a voter it is about to add (its kraft.version range; the raft client never answers
 * ApiVersions itself: the node's ApiVersions handler does, and must list the `kraft.version` supported feature).
 */
export type RaftApiKey =
  | typeof ApiKeys.Fetch
  | typeof ApiKeys.Vote
  | typeof ApiKeys.BeginQuorumEpoch
  | typeof ApiKeys.EndQuorumEpoch
  | typeof ApiKeys.DescribeQuorum
  | typeof ApiKeys.FetchSnapshot
  | typeof ApiKeys.AddRaftVoter
  | typeof ApiKeys.RemoveRaftVoter
  | typeof ApiKeys.UpdateRaftVoter
  | typeof ApiKeys.ApiVersions;

/** A request body: the generated message type of its API. */
export type RaftRequestData =
  | FetchRequest
  | VoteRequest
  | BeginQuorumEpochRequest
  | EndQuorumEpochRequest
  | DescribeQuorumRequest
  | FetchSnapshotRequest
  | AddRaftVoterRequest
  | RemoveRaftVoterRequest
  | UpdateRaftVoterRequest
  | ApiVersionsRequest;

/** A response body: the generated message type of its API. */
export type RaftResponseData =
  | FetchResponse
  | VoteResponse
  | BeginQuorumEpochResponse
  | EndQuorumEpochResponse
  | DescribeQuorumResponse
  | FetchSnapshotResponse
  | AddRaftVoterResponse
  | RemoveRaftVoterResponse
  | UpdateRaftVoterResponse
  | ApiVersionsResponse;

/**
 * The versions the client writes its requests at (what `RaftRequestOutbound.apiVersion` carries). The bodies
 * use the fields of these versions: Fetch v17 (replicaState, topicId, replicaDirectoryId), Vote v2 (see
 * vote-messages.ts: PreVote; a real vote can also go at v0-1), BeginQuorumEpoch/EndQuorumEpoch/FetchSnapshot v1, the voter
 * changes v0 (AddRaftVoter v1's AckWhenCommitted is read when present), ApiVersions v3 (supportedFeatures).
 */
export const RAFT_REQUEST_VERSIONS: Readonly<Record<RaftApiKey, number>> = {
  [ApiKeys.Fetch]: 17,
  [ApiKeys.Vote]: 2,
  [ApiKeys.BeginQuorumEpoch]: 1,
  [ApiKeys.EndQuorumEpoch]: 1,
  [ApiKeys.DescribeQuorum]: 2,
  [ApiKeys.FetchSnapshot]: 1,
  [ApiKeys.AddRaftVoter]: 0,
  [ApiKeys.RemoveRaftVoter]: 0,
  [ApiKeys.UpdateRaftVoter]: 0,
  [ApiKeys.ApiVersions]: 3,
};

/** A request the client sends (Kafka's `RaftRequest.Outbound`). */
export interface RaftRequestOutbound {
  readonly correlationId: number;
  readonly destination: RaftNode;
  readonly apiKey: RaftApiKey;
  /** The version the body is written for (RAFT_REQUEST_VERSIONS). */
  readonly apiVersion: number;
  readonly data: RaftRequestData;
  /** Monotonic ms when the client sent it. */
  readonly createdTimeMs: number;
  /** controller.quorum.request.timeout.ms: the channel may give up after this (the client does anyway). */
  readonly timeoutMs: number;
}

/**
 * How the client sends requests to other replicas (Kafka's raft `NetworkChannel`). `send` resolves with the
 * response body. It may reject when no response can come (connection refused or lost, timeout, the request
 * could not be encoded at the destination's versions): the client then treats the response as a top-level
 * error, BROKER_NOT_AVAILABLE (8), or the `errorCode` of the rejection when it has a numeric one
 * (REQUEST_TIMED_OUT 7, UNSUPPORTED_VERSION 35, NETWORK_EXCEPTION 13...), and backs off. It must never resolve
 * a response of another request.
 *
 * Over the Kafka wire an adapter is one line around a promise-based client:
 * `send: (r) => client.send({ nodeId: r.destination.id, host: r.destination.host, port: r.destination.port },
 * r.apiKey, r.apiVersion, r.data, { timeoutMs: r.timeoutMs })`, with one rule: a Vote whose body is a pre-vote
 * (vote-messages.ts `isPreVoteRequest`) must fail with UNSUPPORTED_VERSION when the destination lacks Vote v2,
 * exactly as Kafka's client does; the prospective then runs a real election. The in-memory network of the
 * simulation delivers the bodies as they are.
 */
export interface NetworkChannel {
  send(request: RaftRequestOutbound): Promise<RaftResponseData>;
  /** The listener name the quorum's endpoints are looked up under (controller.listener.names, first). */
  readonly listenerName: string;
}

/** A NetworkChannel for a quorum of one voter: nothing is ever sent; a send fails (BROKER_NOT_AVAILABLE). */
export const NO_NETWORK_CHANNEL: NetworkChannel = {
  listenerName: 'CONTROLLER',
  send: (request) => Promise.reject(Object.assign(new Error(`No network channel: cannot send API ${request.apiKey} to node ${request.destination.id}`), { errorCode: 8 })),
};
