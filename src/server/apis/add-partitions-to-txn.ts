// AddPartitionsToTxn (key 24): v0-5
// Behaviour: adds partitions to the ongoing transaction of a transactional id (starting it: Ongoing), written to
// __transaction_state before the answer. Every partition must exist (else UNKNOWN_TOPIC_OR_PARTITION (3) for it and
// OPERATION_NOT_ATTEMPTED (55) for the others, nothing added); internal topics cannot be added by clients
// (TOPIC_AUTHORIZATION_FAILED (29), as Kafka's authorizer filter does). One error for all partitions otherwise:
// INVALID_PRODUCER_ID_MAPPING (49), PRODUCER_FENCED (90; INVALID_PRODUCER_EPOCH (47) before v2),
// CONCURRENT_TRANSACTIONS (51) while the previous transaction completes, NOT_COORDINATOR (16),
// COORDINATOR_LOAD_IN_PROGRESS (14), COORDINATOR_NOT_AVAILABLE (15).
// v4+ (brokers' batched form, KIP-890) with verifyOnly checks instead of adding: per partition NONE or
// TRANSACTION_ABORTABLE (120) when it is not in the transaction.
// Not yet: authorization of the transactional id and topics.
// Version notes: v1 same as v0; v2 PRODUCER_FENCED; v3 flexible; v4 batches transactions and adds verifyOnly
// (top-level errorCode); v5 same as v4.
// Authorization (Kafka's KafkaApis): v4+ (from brokers) CLUSTER_ACTION on the cluster (else
// CLUSTER_AUTHORIZATION_FAILED, 31, top-level); v0-3 (from clients) WRITE on the transactional id (else
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 53, on every partition) and WRITE on each topic (else
// TOPIC_AUTHORIZATION_FAILED, 29, for its partitions, OPERATION_NOT_ATTEMPTED for the others).
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { authorizeClusterOperation, authorizedTopics, authorizeTransactionalId } from '../auth-helper.ts';
import type { RequestInfo } from '../api-handler.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { AddPartitionsToTxnRequest, AddPartitionsToTxnTopic } from '../../protocol/generated/messages/add-partitions-to-txn-request.ts';
import type { AddPartitionsToTxnResponse, AddPartitionsToTxnTopicResult } from '../../protocol/generated/messages/add-partitions-to-txn-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import type { TopicPartition } from '../../common/topic-partition.ts';
import type { BrokerServices } from '../broker-services.ts';

const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state']);

interface Transaction {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  verifyOnly: boolean;
  topics: readonly AddPartitionsToTxnTopic[];
}

/** The result of each partition, grouped by topic in request order. */
function topicResults(partitions: readonly TopicPartition[], errorOf: (tp: TopicPartition, i: number) => number): Input<AddPartitionsToTxnTopicResult>[] {
  const byTopic = new Map<string, { partitionIndex: number; partitionErrorCode: number }[]>();
  partitions.forEach((tp, i) => {
    let list = byTopic.get(tp.topic);
    if (list === undefined) byTopic.set(tp.topic, (list = []));
    list.push({ partitionIndex: tp.partition, partitionErrorCode: errorOf(tp, i) });
  });
  return [...byTopic].map(([name, resultsByPartition]) => ({ name, resultsByPartition }));
}

async function handleTransaction(services: BrokerServices, info: RequestInfo, txn: Transaction, apiVersion: number): Promise<Input<AddPartitionsToTxnTopicResult>[]> {
  const partitions = txn.topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
  if (apiVersion < 4 && !authorizeTransactionalId(services.authorizer, info, AclOperation.WRITE, txn.transactionalId)) {
    return topicResults(partitions, () => Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  }
  const writable = apiVersion < 4 ? authorizedTopics(services.authorizer, info, AclOperation.WRITE, partitions.map((tp) => tp.topic)) : null;
  const image = services.metadata();
  const checks = partitions.map((tp) => {
    if (apiVersion < 4 && (INTERNAL_TOPICS.has(tp.topic) || !writable!.has(tp.topic))) return Errors.TOPIC_AUTHORIZATION_FAILED;
    return image.topicsByName.get(tp.topic)?.partitions.has(tp.partition) === true ? Errors.NONE : Errors.UNKNOWN_TOPIC_OR_PARTITION;
  });
  if (checks.some((c) => c !== Errors.NONE)) {
    return topicResults(partitions, (_tp, i) => (checks[i] === Errors.NONE ? Errors.OPERATION_NOT_ATTEMPTED : checks[i]!));
  }
  const coordinator = services.transactionCoordinator;
  if (txn.verifyOnly) {
    const codes = await coordinator.verifyPartitionsInTransaction(txn.transactionalId, txn.producerId, txn.producerEpoch, partitions);
    return topicResults(partitions, (_tp, i) => codes[i]!);
  }
  let error = await coordinator.addPartitionsToTransaction(txn.transactionalId, txn.producerId, txn.producerEpoch, partitions);
  if (apiVersion < 2 && error === Errors.PRODUCER_FENCED) error = Errors.INVALID_PRODUCER_EPOCH;
  return topicResults(partitions, () => error);
}

export const addPartitionsToTxnHandler = defineHandler<AddPartitionsToTxnRequest, Input<AddPartitionsToTxnResponse>>({
  apiKey: ApiKeys.AddPartitionsToTxn,
  minVersion: 0,
  maxVersion: 5,
  async handle(services, request, info) {
    const { apiVersion } = info;
    if (apiVersion >= 4) authorizeClusterOperation(services.authorizer, info, AclOperation.CLUSTER_ACTION);
    if (apiVersion < 4) {
      const results = await handleTransaction(services, info, {
        transactionalId: request.v3AndBelowTransactionalId,
        producerId: request.v3AndBelowProducerId,
        producerEpoch: request.v3AndBelowProducerEpoch,
        verifyOnly: false,
        topics: request.v3AndBelowTopics,
      }, apiVersion);
      return { throttleTimeMs: 0, resultsByTopicV3AndBelow: results };
    }
    const resultsByTransaction = await Promise.all(request.transactions.map(async (t) => ({
      transactionalId: t.transactionalId,
      topicResults: await handleTransaction(services, info, t, apiVersion),
    })));
    return { throttleTimeMs: 0, errorCode: Errors.NONE, resultsByTransaction };
  },
  // Kafka's AddPartitionsToTxnRequest.getErrorResponse: v0-3 the error on every partition; v4+ the top-level error.
  errorResponse(request, error, apiVersion) {
    if (apiVersion >= 4) return { throttleTimeMs: 0, errorCode: error.code, resultsByTransaction: [] };
    return {
      throttleTimeMs: 0,
      resultsByTopicV3AndBelow: request.v3AndBelowTopics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((partitionIndex) => ({ partitionIndex, partitionErrorCode: error.code })) })),
    };
  },
});
