// DescribeProducers (key 61): v0
// Behaviour: per partition, the producers with state in this broker's replica of it (Kafka's
// UnifiedLog.activeProducers): producer id and epoch, last sequence (-1 when the producer has no batch left, e.g.
// after a marker-only write), timestamp of its last write, coordinator epoch of its last transaction marker, and
// the first offset of its ongoing transaction (-1 when none). Errors per partition: INVALID_TOPIC_EXCEPTION (17)
// for an illegal topic name, UNKNOWN_TOPIC_OR_PARTITION (3) for a topic or partition that does not exist,
// NOT_LEADER_OR_FOLLOWER (6) for a partition this broker does not host; each with Kafka's default message.
// Authorization (Kafka's KafkaApis): READ on the topic after the name check, else TOPIC_AUTHORIZATION_FAILED (29).
// Version notes: v0 only (flexible).
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { authorizeTopic } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { ERROR_INFO, Errors } from '../../protocol/generated/errors.ts';
import type { DescribeProducersRequest } from '../../protocol/generated/messages/describe-producers-request.ts';
import type { DescribeProducersResponse, PartitionResponse } from '../../protocol/generated/messages/describe-producers-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { topicNameError } from '../../controller/topic-validation.ts';
import type { BrokerServices } from '../broker-services.ts';

function partitionError(partitionIndex: number, errorCode: number): Input<PartitionResponse> {
  return { partitionIndex, errorCode, errorMessage: ERROR_INFO[errorCode]?.message ?? null, activeProducers: [] };
}

/** Kafka's ReplicaManager.activeProducerState: the producers of a hosted replica, leader or follower. */
function activeProducerState(services: BrokerServices, topic: string, partitionIndex: number): Input<PartitionResponse> {
  const partition = services.replicaManager.getPartition({ topic, partition: partitionIndex });
  if (partition === undefined) {
    const exists = services.metadata().topicsByName.get(topic)?.partitions.has(partitionIndex) ?? false;
    return partitionError(partitionIndex, exists ? Errors.NOT_LEADER_OR_FOLLOWER : Errors.UNKNOWN_TOPIC_OR_PARTITION);
  }
  const activeProducers = [...partition.log.producerStateManager.activeProducers.values()].map((e) => ({
    producerId: e.producerId,
    producerEpoch: e.producerEpoch,
    lastSequence: e.lastSeq,
    lastTimestamp: BigInt(e.lastTimestamp),
    coordinatorEpoch: e.coordinatorEpoch,
    currentTxnStartOffset: BigInt(e.currentTxnFirstOffset ?? -1),
  }));
  return { partitionIndex, errorCode: Errors.NONE, errorMessage: null, activeProducers };
}

export const describeProducersHandler = defineHandler<DescribeProducersRequest, Input<DescribeProducersResponse>>({
  apiKey: ApiKeys.DescribeProducers,
  minVersion: 0,
  maxVersion: 0,
  handle(services, request, info) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => {
        let topicError: number | null = null;
        if (topicNameError(t.name) !== null) topicError = Errors.INVALID_TOPIC_EXCEPTION;
        else if (!authorizeTopic(services.authorizer, info, AclOperation.READ, t.name)) topicError = Errors.TOPIC_AUTHORIZATION_FAILED;
        else if (!services.metadata().topicsByName.has(t.name)) topicError = Errors.UNKNOWN_TOPIC_OR_PARTITION;
        return {
          name: t.name,
          partitions: t.partitionIndexes.map((p) => (topicError !== null ? partitionError(p, topicError) : activeProducerState(services, t.name, p))),
        };
      }),
    };
  },
  // Kafka's DescribeProducersRequest.getErrorResponse: the error on every partition.
  errorResponse(request, error) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode: error.code, activeProducers: [] })) })),
    };
  },
});
