// The KRaft quorum's own APIs on the controller listener (Kafka's ControllerApis hands them to the raft manager):
// Vote (key 52), BeginQuorumEpoch (53), EndQuorumEpoch (54), DescribeQuorum (55), Fetch (1) and FetchSnapshot (59)
// of `__cluster_metadata`, and the KIP-853 voter changes AddRaftVoter (80), RemoveRaftVoter (81) and
// UpdateRaftVoter (82).
// Behaviour: each request is queued to the KafkaRaftClient and answered from its poll loop; every error (stale
// epoch, wrong cluster id, unknown voter, not the leader) is the raft client's answer, in the response's fields.
// Versions: those the raft client reads and writes (RAFT_REQUEST_VERSIONS): Fetch v13-17 (topic ids; replica state
// from v15), Vote v0-2 (v2: KIP-996's pre-vote), BeginQuorumEpoch and
// EndQuorumEpoch v0-1, DescribeQuorum v0-2, FetchSnapshot v0-1, the voter changes v0.
// Authorization (Kafka's ControllerApis): CLUSTER_ACTION on the cluster for the quorum's own requests (Fetch,
// FetchSnapshot, Vote, BeginQuorumEpoch, EndQuorumEpoch, UpdateRaftVoter), DESCRIBE for DescribeQuorum, ALTER for
// AddRaftVoter / RemoveRaftVoter; else CLUSTER_AUTHORIZATION_FAILED (31) top-level.
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { withClusterOperation } from '../auth-helper.ts';
import { defineHandler, type ApiHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import type { RaftApiKey } from '../../raft/network-channel.ts';
import type { ControllerServices } from '../controller-services.ts';

/**
 * A handler that passes `apiKey` requests of versions [minVersion, maxVersion] to the raft client. Kafka's
 * getErrorResponse for these APIs sets the top-level error code (a request the raft client could not answer:
 * it is shutting down).
 */
function raftHandler(apiKey: Exclude<RaftApiKey, typeof ApiKeys.ApiVersions>, minVersion: number, maxVersion: number, operation: number): ApiHandler<unknown, unknown, ControllerServices> {
  return withClusterOperation(operation, defineHandler<unknown, unknown, ControllerServices>({
    apiKey,
    minVersion,
    maxVersion,
    handle(services, request, { apiVersion }) {
      // One entry point with a body type per key; the dispatcher decoded `request` for this key.
      return (services.raft.handleInboundRequest as (k: number, v: number, d: unknown) => Promise<unknown>)(apiKey, apiVersion, request);
    },
    errorResponse(_request, error) {
      return apiKey === ApiKeys.Fetch ? { errorCode: error.code, responses: [] } : { errorCode: error.code };
    },
  }));
}

/** The quorum APIs the controller listener serves. */
export const RAFT_HANDLERS: readonly ApiHandler<unknown, unknown, ControllerServices>[] = [
  raftHandler(ApiKeys.Fetch, 13, 17, AclOperation.CLUSTER_ACTION),
  raftHandler(ApiKeys.Vote, 0, 2, AclOperation.CLUSTER_ACTION),
  raftHandler(ApiKeys.BeginQuorumEpoch, 0, 1, AclOperation.CLUSTER_ACTION),
  raftHandler(ApiKeys.EndQuorumEpoch, 0, 1, AclOperation.CLUSTER_ACTION),
  raftHandler(ApiKeys.DescribeQuorum, 0, 2, AclOperation.DESCRIBE),
  raftHandler(ApiKeys.FetchSnapshot, 0, 1, AclOperation.CLUSTER_ACTION),
  raftHandler(ApiKeys.AddRaftVoter, 0, 0, AclOperation.ALTER),
  raftHandler(ApiKeys.RemoveRaftVoter, 0, 0, AclOperation.ALTER),
  raftHandler(ApiKeys.UpdateRaftVoter, 0, 0, AclOperation.CLUSTER_ACTION),
];
