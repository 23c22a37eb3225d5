// DescribeTopicPartitions (key 75): v0
// Behaviour: the partitions of the named topics (every topic when none is named), sorted by topic name and from the
// cursor on, at most min(responsePartitionLimit, max.request.partition.size.limit) partitions (at least 1) per
// response; a topic cut short or the first topic left out is named in nextCursor. Per partition: leader (-1 when its
// broker has no endpoint on this listener), leader epoch, replicas, ISR, offline replicas (unregistered, fenced or
// without this listener), and the KIP-966 eligible leader replicas and last known ELR, which only this API carries
// (Metadata does not, as in Kafka). A named topic that does not exist gets UNKNOWN_TOPIC_OR_PARTITION (3), or
// INVALID_TOPIC_EXCEPTION (17) for an illegal name; for an all-topics request it is left out. INVALID_REQUEST (42)
// when the cursor's topic is not among the named topics or its partition index is negative.
// Authorization (Kafka's DescribeTopicPartitionsRequestHandler): DESCRIBE on each topic; a named topic without it
// gets TOPIC_AUTHORIZATION_FAILED (29, before any existence check), an all-topics request leaves it out; each
// described topic carries the topic operations the principal may do.
// Version notes: v0 only (KIP-966; kafka-topics --describe uses it from Kafka 3.8).
import { defineHandler } from '../api-handler.ts';
import { ApiError } from '../../common/api-error.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { DescribeTopicPartitionsRequest } from '../../protocol/generated/messages/describe-topic-partitions-request.ts';
import type {
  Cursor,
  DescribeTopicPartitionsResponse,
  DescribeTopicPartitionsResponsePartition,
  DescribeTopicPartitionsResponseTopic,
} from '../../protocol/generated/messages/describe-topic-partitions-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import type { MetadataImage, TopicImage } from '../../metadata/metadata-image.ts';
import { ZERO_UUID_STRING } from '../../common/uuid.ts';
import { isInternalTopic, topicNameError } from '../../controller/topic-validation.ts';
import { AUTHORIZED_OPERATIONS_OMITTED, authorizedOperations, authorizedTopics, TOPIC_OPERATIONS } from '../auth-helper.ts';
import { AclOperation, ResourceType } from '../../security/authorizer/acl-codes.ts';

/** Whether broker `id` is registered with an endpoint on `listener` (Kafka's getAliveEndpoint). */
function hasEndpoint(image: MetadataImage, id: number, listener: string): boolean {
  return image.brokers.get(id)?.endpoints.some((e) => e.name === listener) === true;
}

/**
 * Up to `max` partitions of `topic` from `start` (Kafka's partitionMetadataForDescribeTopicResponse), and the index
 * to continue from, -1 when the topic is done.
 */
function describePartitions(image: MetadataImage, topic: TopicImage, listener: string, start: number, max: number) {
  const partitions: Input<DescribeTopicPartitionsResponsePartition>[] = [];
  const end = Math.min(topic.partitions.size, start + max);
  for (let partitionIndex = start; partitionIndex < end; partitionIndex++) {
    const p = topic.partitions.get(partitionIndex);
    if (p === undefined) continue;
    partitions.push({
      errorCode: Errors.NONE,
      partitionIndex,
      leaderId: hasEndpoint(image, p.leader, listener) ? p.leader : -1,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: [...p.replicas],
      isrNodes: [...p.isr],
      eligibleLeaderReplicas: [...p.elr],
      lastKnownElr: [...p.lastKnownElr],
      offlineReplicas: p.replicas.filter((id) => image.brokers.get(id)?.fenced !== false || !hasEndpoint(image, id, listener)),
    });
  }
  return { partitions, next: end < topic.partitions.size ? end : -1 };
}

function topicResult(name: string, topic: TopicImage | undefined, errorCode: number, partitions: Input<DescribeTopicPartitionsResponsePartition>[], operations: number): Input<DescribeTopicPartitionsResponseTopic> {
  return {
    errorCode,
    name,
    topicId: topic?.id ?? ZERO_UUID_STRING,
    isInternal: isInternalTopic(name),
    partitions,
    topicAuthorizedOperations: operations,
  };
}

export const describeTopicPartitionsHandler = defineHandler<DescribeTopicPartitionsRequest, Input<DescribeTopicPartitionsResponse>>({
  apiKey: ApiKeys.DescribeTopicPartitions,
  minVersion: 0,
  maxVersion: 0,
  handle(services, request, info) {
    const { connection } = info;
    const image = services.metadata();
    const cursor = request.cursor;
    const cursorTopic = cursor?.topicName ?? '';
    const allTopics = request.topics.length === 0;
    const describable = authorizedTopics(services.authorizer, info, AclOperation.DESCRIBE, allTopics ? image.topicsByName.keys() : request.topics.map((t) => t.name));
    const names = new Set((allTopics ? [...describable] : request.topics.map((t) => t.name)).filter((n) => n >= cursorTopic));
    if (!allTopics && cursor !== null && !names.has(cursor.topicName)) {
      throw new ApiError(Errors.INVALID_REQUEST, `DescribeTopicPartitionsRequest topic list should contain the cursor topic: ${cursor.topicName}`);
    }
    if (cursor !== null && cursor.partitionIndex < 0) throw new ApiError(Errors.INVALID_REQUEST, `DescribeTopicPartitionsRequest cursor partition must be valid: ${cursor.partitionIndex}`);
    let remaining = Math.max(Math.min(services.config.getInt('max.request.partition.size.limit'), request.responsePartitionLimit), 1);
    const topics: Input<DescribeTopicPartitionsResponseTopic>[] = [];
    let nextCursor: Input<Cursor> | null = null;
    for (const name of [...names].sort()) {
      if (remaining === 0) {
        nextCursor = { topicName: name, partitionIndex: 0 };
        break;
      }
      const topic = image.topicsByName.get(name);
      if (!describable.has(name)) {
        topics.push(topicResult(name, undefined, Errors.TOPIC_AUTHORIZATION_FAILED, [], AUTHORIZED_OPERATIONS_OMITTED));
        continue;
      }
      if (topic === undefined) {
        if (!allTopics) topics.push(topicResult(name, undefined, topicNameError(name) === null ? Errors.UNKNOWN_TOPIC_OR_PARTITION : Errors.INVALID_TOPIC_EXCEPTION, [], AUTHORIZED_OPERATIONS_OMITTED));
        continue;
      }
      const { partitions, next } = describePartitions(image, topic, connection.listenerName, name === cursorTopic && cursor !== null ? cursor.partitionIndex : 0, remaining);
      topics.push(topicResult(name, topic, Errors.NONE, partitions, authorizedOperations(services.authorizer, info, ResourceType.TOPIC, name, TOPIC_OPERATIONS)));
      if (next !== -1) {
        nextCursor = { topicName: name, partitionIndex: next };
        break;
      }
      remaining -= partitions.length;
    }
    return { throttleTimeMs: 0, topics, nextCursor };
  },
  // Kafka's DescribeTopicPartitionsRequest.getErrorResponse: the error on every named topic, nothing else set.
  errorResponse(request, error) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({ errorCode: error.code, name: t.name, topicId: ZERO_UUID_STRING, isInternal: false, partitions: [], topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED })),
      nextCursor: null,
    };
  },
});
