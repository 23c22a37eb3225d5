// ListPartitionReassignments (key 46): v0
// Behaviour: the running partition reassignments (KIP-455; kafka-reassign-partitions.sh --list/--verify,
// Admin.listPartitionReassignments; brokers forward it, KIP-590): for each partition being reassigned, its replicas
// (target + removing), adding and removing replicas; of the named partitions, or of all when topics is null.
// Unknown topics and partitions, and partitions not being reassigned, are left out. Top level: NOT_CONTROLLER (41)
// off the active controller.
// Version notes: v0 flexible.
// Authorization: DESCRIBE on the cluster (Kafka's ControllerApis), else CLUSTER_AUTHORIZATION_FAILED (31) top level.
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { withClusterOperation } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import type { ListPartitionReassignmentsRequest } from '../../protocol/generated/messages/list-partition-reassignments-request.ts';
import type { ListPartitionReassignmentsResponse } from '../../protocol/generated/messages/list-partition-reassignments-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import type { ControllerOpsServices } from '../controller-services.ts';

export const listPartitionReassignmentsHandler = withClusterOperation(AclOperation.DESCRIBE, defineHandler<ListPartitionReassignmentsRequest, Input<ListPartitionReassignmentsResponse>, ControllerOpsServices>({
  apiKey: ApiKeys.ListPartitionReassignments,
  minVersion: 0,
  maxVersion: 0,
  handle(services, request) {
    return services.controller.listPartitionReassignments(request);
  },
  // Kafka's getErrorResponse mirrors the named partitions, with empty replica lists.
  errorResponse(request, error) {
    const topics = (request.topics ?? []).map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, replicas: [], addingReplicas: [], removingReplicas: [] })),
    }));
    return { throttleTimeMs: 0, errorCode: error.code, errorMessage: error.message, topics };
  },
}));
