// AlterPartitionReassignments (key 45): v0
// Behaviour: an admin moves partitions to new replicas or cancels a move (KIP-455; kafka-reassign-partitions.sh,
// Admin.alterPartitionReassignments; brokers forward it, KIP-590). Per partition, once the records are committed:
// NONE (the reassignment runs: the adding replicas catch up and join the ISR, then the controller drops the
// removing ones), UNKNOWN_TOPIC_OR_PARTITION (3), INVALID_REPLICA_ASSIGNMENT (39: empty, unregistered or repeated
// broker, or a cancellation that would need an unclean election), NO_REASSIGNMENT_IN_PROGRESS (85) for a
// cancellation (replicas null) of a partition not being reassigned, POLICY_VIOLATION (44) past 10,000 records.
// Top level: NOT_CONTROLLER (41) off the active controller.
// Version notes: v0 flexible; v1 (allowReplicationFactorChange, KIP-860) is newer than our protocol definitions.
// Authorization: ALTER on the cluster (Kafka's ControllerApis), else CLUSTER_AUTHORIZATION_FAILED (31) top level.
// Not yet: the request's timeoutMs (the answer waits for the commit, as the other controller writes here).
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { withClusterOperation } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import type { AlterPartitionReassignmentsRequest } from '../../protocol/generated/messages/alter-partition-reassignments-request.ts';
import type { AlterPartitionReassignmentsResponse } from '../../protocol/generated/messages/alter-partition-reassignments-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import type { ControllerOpsServices } from '../controller-services.ts';

export const alterPartitionReassignmentsHandler = withClusterOperation(AclOperation.ALTER, defineHandler<AlterPartitionReassignmentsRequest, Input<AlterPartitionReassignmentsResponse>, ControllerOpsServices>({
  apiKey: ApiKeys.AlterPartitionReassignments,
  minVersion: 0,
  maxVersion: 0,
  handle(services, request) {
    return services.controller.alterPartitionReassignments(request);
  },
  errorResponse(request, error) {
    const responses = request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: error.code, errorMessage: error.message })),
    }));
    return { throttleTimeMs: 0, errorCode: error.code, errorMessage: error.message, responses };
  },
}));
