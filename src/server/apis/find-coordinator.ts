// FindCoordinator (key 10): v0-6
// Behaviour: the broker leading the __consumer_offsets partition of a group id (key type 0, partition
// abs(hashCode(groupId)) % offsets.topic.num.partitions) or the __transaction_state partition of a transactional
// id (key type 1, transaction.state.log.num.partitions), with its endpoint on the listener the request came in on.
// The internal topic is created on first use by a CreateTopics from this broker to the active controller (the
// creation is awaited, unlike Kafka which answers COORDINATOR_NOT_AVAILABLE meanwhile). Errors:
// COORDINATOR_NOT_AVAILABLE (15) when the partition has no live leader or the topic could not be created;
// INVALID_REQUEST (42) for share coordinators (key type 2, not served).
// Version notes: v1 keyType, throttle time and error message; v3 flexible; v4 batches keys (coordinatorKeys) with
// per-key errors; v5-6 only change error semantics (v6 adds the share key type).
// Authorization (Kafka's KafkaApis): DESCRIBE on the group key (else GROUP_AUTHORIZATION_FAILED, 30) or on the
// transactional id key (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 53), per key from v4.
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { authorizeGroup, authorizeTransactionalId } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { ERROR_INFO, Errors } from '../../protocol/generated/errors.ts';
import type { FindCoordinatorRequest } from '../../protocol/generated/messages/find-coordinator-request.ts';
import type { FindCoordinatorResponse } from '../../protocol/generated/messages/find-coordinator-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { partitionFor } from '../../coordinator/runtime/partition-for.ts';
import { GROUP_METADATA_TOPIC_NAME } from '../../coordinator/group/group-coordinator.ts';
import type { BrokerServices } from '../broker-services.ts';

const TRANSACTION_STATE_TOPIC_NAME = '__transaction_state';
const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;

interface CoordinatorNode {
  errorCode: number;
  nodeId: number;
  host: string;
  port: number;
}

const NO_NODE = { nodeId: -1, host: '', port: -1 };

async function findCoordinator(services: BrokerServices, keyType: number, key: string, listenerName: string): Promise<CoordinatorNode> {
  let topicName: string;
  let partition: number;
  if (keyType === KEY_TYPE_GROUP) {
    topicName = GROUP_METADATA_TOPIC_NAME;
    partition = services.groupCoordinator.partitionFor(key);
  } else if (keyType === KEY_TYPE_TRANSACTION) {
    topicName = TRANSACTION_STATE_TOPIC_NAME;
    partition = partitionFor(key, services.config.getInt('transaction.state.log.num.partitions'));
  } else {
    return { errorCode: Errors.INVALID_REQUEST, ...NO_NODE };
  }
  let image = services.metadata();
  if (!image.topicsByName.has(topicName)) {
    // Kafka creates the internal topics as the broker itself (no client principal, no envelope).
    const created = await services.autoTopicCreation.createTopic(topicName, null);
    if (created.errorCode !== Errors.NONE) return { errorCode: Errors.COORDINATOR_NOT_AVAILABLE, ...NO_NODE };
    image = services.metadata();
  }
  const leader = image.topicsByName.get(topicName)?.partitions.get(partition)?.leader ?? -1;
  const broker = leader < 0 ? undefined : image.brokers.get(leader);
  const endpoint = broker === undefined || broker.fenced ? undefined : broker.endpoints.find((e) => e.name === listenerName);
  if (endpoint === undefined) return { errorCode: Errors.COORDINATOR_NOT_AVAILABLE, ...NO_NODE };
  return { errorCode: Errors.NONE, nodeId: leader, host: endpoint.host, port: endpoint.port };
}

export const findCoordinatorHandler = defineHandler<FindCoordinatorRequest, Input<FindCoordinatorResponse>>({
  apiKey: ApiKeys.FindCoordinator,
  minVersion: 0,
  maxVersion: 6,
  async handle(services, request, info) {
    const { apiVersion, connection } = info;
    // Kafka's KafkaApis.getCoordinator: the key's DESCRIBE first, without revealing the coordinator.
    const find = (key: string): Promise<CoordinatorNode> | CoordinatorNode => {
      if (request.keyType === KEY_TYPE_GROUP && !authorizeGroup(services.authorizer, info, AclOperation.DESCRIBE, key)) return { errorCode: Errors.GROUP_AUTHORIZATION_FAILED, ...NO_NODE };
      if (request.keyType === KEY_TYPE_TRANSACTION && !authorizeTransactionalId(services.authorizer, info, AclOperation.DESCRIBE, key)) return { errorCode: Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, ...NO_NODE };
      return findCoordinator(services, request.keyType, key, connection.listenerName);
    };
    if (apiVersion >= 4) {
      const coordinators = await Promise.all(request.coordinatorKeys.map(async (key) => ({ key, ...(await find(key)) })));
      return { throttleTimeMs: 0, coordinators };
    }
    const node = await find(request.key);
    return {
      throttleTimeMs: 0,
      errorCode: node.errorCode,
      errorMessage: node.errorCode === Errors.NONE ? null : (ERROR_INFO[node.errorCode]?.message ?? null),
      nodeId: node.nodeId,
      host: node.host,
      port: node.port,
    };
  },
  // Kafka's FindCoordinatorRequest.getErrorResponse: no node, the error and its generic message (per key from v4).
  errorResponse(request, error, apiVersion) {
    const errorMessage = ERROR_INFO[error.code]?.message ?? null;
    if (apiVersion >= 4) return { throttleTimeMs: 0, coordinators: request.coordinatorKeys.map((key) => ({ key, errorCode: error.code, errorMessage, ...NO_NODE })) };
    return { throttleTimeMs: 0, errorCode: error.code, errorMessage, ...NO_NODE };
  },
});
