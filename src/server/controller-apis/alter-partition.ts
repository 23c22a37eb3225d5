// AlterPartition (key 56): v0-3
// Behaviour: a partition leader asks the active controller for a new ISR (shrunk after replica.lag.time.max.ms,
// expanded when a follower caught up) or reports that it recovered from an unclean election (KIP-497). Checks in
// Kafka's order (ReplicationControlManager.alterPartition): STALE_BROKER_EPOCH (77, top level) for a sender not
// registered with its broker epoch; per partition UNKNOWN_TOPIC_ID (100, v2+) / UNKNOWN_TOPIC_OR_PARTITION (3),
// NOT_CONTROLLER (41) for epochs newer than the controller's, FENCED_LEADER_EPOCH (74), INVALID_REQUEST (42) when
// the sender is not the leader or the ISR is not valid, INVALID_UPDATE_VERSION (95) for a stale partition epoch,
// INELIGIBLE_REPLICA (107) for a new member that is fenced, shutting down, unregistered or (v3) of another broker
// epoch. A valid change is committed as a PartitionChangeRecord (the partition epoch grows) before the answer,
// which carries the new leader, leader epoch, ISR, leader recovery state and partition epoch. Active controller
// only (NOT_CONTROLLER, 41, top level).
// Version notes: v0-1 name topics (v0 answers OPERATION_NOT_ATTEMPTED (55) for ineligible replicas, v0-1
// FENCED_LEADER_EPOCH for NEW_LEADER_ELECTED); v1 leaderRecoveryState (KIP-704); v2 topic ids (KIP-841); v3
// newIsrWithEpochs (KIP-903). Kafka 4 accepts only v2-3; v0-1 are served as Kafka 3.x served them.
// Authorization (Kafka's ControllerApis): CLUSTER_ACTION on the cluster, else CLUSTER_AUTHORIZATION_FAILED (31).
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { withClusterOperation } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import type { AlterPartitionRequest } from '../../protocol/generated/messages/alter-partition-request.ts';
import type { AlterPartitionResponse } from '../../protocol/generated/messages/alter-partition-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import type { ControllerServices } from '../controller-services.ts';

export const alterPartitionHandler = withClusterOperation(AclOperation.CLUSTER_ACTION, defineHandler<AlterPartitionRequest, Input<AlterPartitionResponse>, ControllerServices>({
  apiKey: ApiKeys.AlterPartition,
  minVersion: 0,
  maxVersion: 3,
  handle(services, request, context) {
    return services.controller.alterPartition(request, context.apiVersion);
  },
  errorResponse(_request, error) {
    return { throttleTimeMs: 0, errorCode: error.code, topics: [] };
  },
}));
