// CreateTopics (key 19): v0-7
// Behaviour: validates and creates topics through the controller (one metadata batch per request, answered once
// committed). Per topic: INVALID_TOPIC_EXCEPTION (17), TOPIC_ALREADY_EXISTS (36), INVALID_PARTITIONS (37),
// INVALID_REPLICATION_FACTOR (38), INVALID_REPLICA_ASSIGNMENT (39), INVALID_CONFIG (40), INVALID_REQUEST (42) for a
// name given twice. validateOnly checks everything and writes nothing.
// Authorization (Kafka's ControllerApis, with the forwarded principal): CREATE on the cluster or on each topic, else
// TOPIC_AUTHORIZATION_FAILED (29) and the topic is not created; v5+ configs of a created topic only with
// DESCRIBE_CONFIGS on it (else topicConfigErrorCode TOPIC_AUTHORIZATION_FAILED and no configs).
// Version notes: v1 validateOnly; v1 errorMessage; v2 throttleTimeMs; v4 -1 partitions/replication factor = broker
// defaults; v5 flexible, returns numPartitions/replicationFactor/configs; v6 THROTTLING_QUOTA_EXCEEDED (89) per topic
// under controller_mutation_rate (KIP-599; before v6 the quota only throttles); v7 topicId.
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { authorizeCluster, authorizedTopics } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { controllerMutationQuotaFor, controllerMutationThrottle, type ControllerOpsServices } from '../controller-services.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { CreateTopicsRequest } from '../../protocol/generated/messages/create-topics-request.ts';
import type { CreateTopicsResponse, CreatableTopicResult } from '../../protocol/generated/messages/create-topics-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { ZERO_UUID_STRING } from '../../common/uuid.ts';
import { describeTopicConfigs } from '../config-describer.ts';

export const createTopicsHandler = defineHandler<CreateTopicsRequest, Input<CreateTopicsResponse>, ControllerOpsServices>({
  apiKey: ApiKeys.CreateTopics,
  minVersion: 0,
  maxVersion: 7,
  async handle(services, request, info) {
    const { apiVersion } = info;
    const authorizer = services.authorizer;
    const counts = new Map<string, number>();
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const uniqueNames = request.topics.filter((t) => counts.get(t.name) === 1).map((t) => t.name);
    const creatable = authorizeCluster(authorizer, info, AclOperation.CREATE) ? new Set(uniqueNames) : authorizedTopics(authorizer, info, AclOperation.CREATE, uniqueNames);
    const configsDescribable = authorizedTopics(authorizer, info, AclOperation.DESCRIBE_CONFIGS, uniqueNames);
    const unique = request.topics.filter((t) => counts.get(t.name) === 1 && creatable.has(t.name));
    const quota = controllerMutationQuotaFor(services, info, 6);
    const created = unique.length === 0 ? [] : await services.controller.createTopics(
      unique.map((t) => ({
        name: t.name,
        // Before v4 clients had to give explicit values; -1 there is still "default" for us, as Kafka's KRaft controller does.
        numPartitions: t.numPartitions,
        replicationFactor: t.replicationFactor,
        assignments: t.assignments.map((a) => ({ partitionIndex: a.partitionIndex, brokerIds: a.brokerIds })),
        configs: t.configs.map((c) => ({ name: c.name, value: c.value })),
      })),
      request.validateOnly,
      quota,
    );
    const byName = new Map(created.map((r) => [r.name, r]));
    const topics: Input<CreatableTopicResult>[] = [];
    const seenDuplicate = new Set<string>();
    for (const t of request.topics) {
      if (counts.get(t.name)! > 1) {
        if (seenDuplicate.has(t.name)) continue;
        seenDuplicate.add(t.name);
        topics.push({ name: t.name, topicId: ZERO_UUID_STRING, errorCode: Errors.INVALID_REQUEST, errorMessage: `Create topics request contains multiple entries for the topic ${t.name}.` });
        continue;
      }
      if (!creatable.has(t.name)) {
        topics.push({ name: t.name, topicId: ZERO_UUID_STRING, errorCode: Errors.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Authorization failed.', configs: null });
        continue;
      }
      const r = byName.get(t.name)!;
      const result: Input<CreatableTopicResult> = {
        name: r.name,
        topicId: r.topicId,
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
        numPartitions: r.numPartitions,
        replicationFactor: r.replicationFactor,
      };
      if (r.errorCode === Errors.NONE && apiVersion >= 5 && !configsDescribable.has(t.name)) {
        result.topicConfigErrorCode = Errors.TOPIC_AUTHORIZATION_FAILED;
        result.configs = [];
      } else if (r.errorCode === Errors.NONE && apiVersion >= 5) {
        const overrides = new Map(t.configs.filter((c) => c.value !== null).map((c) => [c.name, c.value!]));
        result.configs = describeTopicConfigs(services, overrides).map((e) => ({
          name: e.name,
          value: e.value,
          readOnly: e.readOnly,
          configSource: e.sourceId,
          isSensitive: e.sensitive,
        }));
      }
      // A topic in error keeps the schema's default configs, an empty list (not null), as Kafka 4.4 answers.
      topics.push(result);
    }
    return { throttleTimeMs: controllerMutationThrottle(quota, info), topics };
  },
  // Kafka's CreateTopicsRequest.getErrorResponse: the error and its message on every topic.
  errorResponse(request, error) {
    return { throttleTimeMs: 0, topics: request.topics.map((t) => ({ name: t.name, errorCode: error.code, errorMessage: error.message })) };
  },
});
