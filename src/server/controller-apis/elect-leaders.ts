// ElectLeaders (key 43): v0-2
// Behaviour: an admin asks the active controller to elect leaders (kafka-leader-election.sh, Admin.electLeaders;
// brokers forward it, KIP-590). PREFERRED (0, KIP-183) gives each partition its first replica as leader when that
// replica is an active ISR member; UNCLEAN (1, KIP-460) gives a leaderless partition an ISR member or, failing
// that, any active replica (data loss, logged). Per partition: NONE once the new leader is committed,
// ELECTION_NOT_NEEDED (84), PREFERRED_LEADER_NOT_AVAILABLE (80), ELIGIBLE_LEADERS_NOT_AVAILABLE (83),
// UNKNOWN_TOPIC_OR_PARTITION (3). With topicPartitions null every partition is tried and only those that needed an
// election are listed. Top level (v1+; v0 has only the partition codes): INVALID_REQUEST (42) for an unknown
// election type, POLICY_VIOLATION (44) past 10,000 elections, NOT_CONTROLLER (41) off the active controller.
// Version notes: v1 electionType and the top-level errorCode (KIP-460); v2 flexible.
// answer waits for the commit however long it takes, as the other controller writes here).
// Authorization (Kafka's ControllerApis): ALTER on the cluster, else CLUSTER_AUTHORIZATION_FAILED (31).
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { withClusterOperation } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import type { ElectLeadersRequest } from '../../protocol/generated/messages/elect-leaders-request.ts';
import type { ElectLeadersResponse } from '../../protocol/generated/messages/elect-leaders-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import type { ControllerOpsServices } from '../controller-services.ts';

export const electLeadersHandler = withClusterOperation(AclOperation.ALTER, defineHandler<ElectLeadersRequest, Input<ElectLeadersResponse>, ControllerOpsServices>({
  apiKey: ApiKeys.ElectLeaders,
  minVersion: 0,
  maxVersion: 2,
  handle(services, request) {
    return services.controller.electLeaders(request);
  },
  errorResponse(request, error, apiVersion) {
    const replicaElectionResults = (request.topicPartitions ?? []).map((t) => ({
      topic: t.topic,
      partitionResult: t.partitions.map((partitionId) => ({ partitionId, errorCode: error.code, errorMessage: error.message })),
    }));
    return apiVersion >= 1 ? { throttleTimeMs: 0, errorCode: error.code, replicaElectionResults } : { throttleTimeMs: 0, replicaElectionResults };
  },
}));
