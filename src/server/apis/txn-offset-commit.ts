// TxnOffsetCommit (key 28): v0-4
// Behaviour: stores offsets in __consumer_offsets inside the producer's transaction (a transactional batch): they
// stay pending, invisible to OffsetFetch, until the transaction's COMMIT marker makes them the group's committed
// offsets (an ABORT drops them). The __consumer_offsets partition must be part of the transaction (AddOffsetsToTxn;
// KIP-890 verification): otherwise INVALID_TXN_STATE (48; TRANSACTION_ABORTABLE (120) from v4), and
// INVALID_PRODUCER_EPOCH (47) for a fenced producer, INVALID_PRODUCER_ID_MAPPING (49). Per partition errors:
// UNKNOWN_TOPIC_OR_PARTITION (3), INVALID_GROUP_ID (24), UNKNOWN_MEMBER_ID (25) / ILLEGAL_GENERATION (22) /
// FENCED_INSTANCE_ID (82) for stale group members (v3+), OFFSET_METADATA_TOO_LARGE (12), NOT_COORDINATOR (16),
// COORDINATOR_LOAD_IN_PROGRESS (14; COORDINATOR_NOT_AVAILABLE (15) before v2, which 0.11-2.0 clients mishandle).
// Not yet: authorization.
// Version notes: v1 same as v0; v2 committedLeaderEpoch; v3 flexible, generationId/memberId/groupInstanceId
// (KIP-447); v4 TRANSACTION_ABORTABLE.
// Authorization (Kafka's KafkaApis): WRITE on the transactional id (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
// 53, on every partition), READ on the group (else GROUP_AUTHORIZATION_FAILED, 30, on every partition), READ on
// each topic (else TOPIC_AUTHORIZATION_FAILED, 29, on its partitions, which are not committed).
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { authorizedTopics, requireGroup, requireTransactionalId } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { TxnOffsetCommitRequest } from '../../protocol/generated/messages/txn-offset-commit-request.ts';
import type { TxnOffsetCommitResponse, TxnOffsetCommitResponseTopic } from '../../protocol/generated/messages/txn-offset-commit-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { groupRequestContext } from '../../coordinator/group/group-manager-context.ts';
import { splitKnownPartitions } from '../known-partitions.ts';
import type { BrokerServices } from '../broker-services.ts';

/** KIP-890: the group's __consumer_offsets partition must be in the transaction (Kafka's CoordinatorPartitionWriter verification). */
async function verify(services: BrokerServices, request: TxnOffsetCommitRequest, apiVersion: number): Promise<number> {
  const tp = services.groupCoordinator.topicPartitionFor(request.groupId);
  const [code = Errors.UNKNOWN_SERVER_ERROR] = await services.transactionCoordinator.verifyPartitionsInTransaction(request.transactionalId, request.producerId, request.producerEpoch, [tp]);
  switch (code) {
    case Errors.TRANSACTION_ABORTABLE:
      return apiVersion >= 4 ? Errors.TRANSACTION_ABORTABLE : Errors.INVALID_TXN_STATE;
    case Errors.PRODUCER_FENCED:
      return Errors.INVALID_PRODUCER_EPOCH;
    default:
      return code;
  }
}

export const txnOffsetCommitHandler = defineHandler<TxnOffsetCommitRequest, Input<TxnOffsetCommitResponse>>({
  apiKey: ApiKeys.TxnOffsetCommit,
  minVersion: 0,
  maxVersion: 4,
  async handle(services, request, info) {
    const { apiVersion, header, connection } = info;
    requireTransactionalId(services.authorizer, info, AclOperation.WRITE, request.transactionalId);
    requireGroup(services.authorizer, info, AclOperation.READ, request.groupId);
    const readable = authorizedTopics(services.authorizer, info, AclOperation.READ, request.topics.map((t) => t.name));
    const { valid, errors } = splitKnownPartitions(services.metadata(), request.topics, readable);
    let topics: Input<TxnOffsetCommitResponseTopic>[] = errors;
    if (valid.length > 0) {
      const verified = request.groupId === '' ? Errors.NONE : await verify(services, request, apiVersion);
      if (verified !== Errors.NONE) {
        topics = [...valid.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: verified })) })), ...errors];
      } else {
        const context = groupRequestContext(header.clientId, connection.clientAddress, apiVersion);
        const response = await services.groupCoordinator.commitTransactionalOffsets(context, { ...request, topics: valid });
        topics = [...(response.topics ?? []), ...errors];
      }
    }
    if (apiVersion < 2) {
      topics = topics.map((t) => ({
        ...t,
        partitions: (t.partitions ?? []).map((p) => (p.errorCode === Errors.COORDINATOR_LOAD_IN_PROGRESS ? { ...p, errorCode: Errors.COORDINATOR_NOT_AVAILABLE } : p)),
      }));
    }
    return { throttleTimeMs: 0, topics };
  },
  // Kafka's TxnOffsetCommitRequest.getErrorResponse: the error on every partition.
  errorResponse(request, error) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: error.code })) })),
    };
  },
});
