// AddOffsetsToTxn (key 25): v0-4
// Behaviour: adds the __consumer_offsets partition of a consumer group (abs(hashCode(groupId)) %
// offsets.topic.num.partitions) to the ongoing transaction, so the offsets the producer then commits with
// TxnOffsetCommit become visible only if the transaction commits. Errors as AddPartitionsToTxn: INVALID_REQUEST
// (42), INVALID_PRODUCER_ID_MAPPING (49), PRODUCER_FENCED (90; INVALID_PRODUCER_EPOCH (47) before v2),
// CONCURRENT_TRANSACTIONS (51), NOT_COORDINATOR (16), COORDINATOR_LOAD_IN_PROGRESS (14), COORDINATOR_NOT_AVAILABLE (15).
// Not yet: authorization (TRANSACTIONAL_ID_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED).
// Version notes: v1 same as v0; v2 PRODUCER_FENCED; v3 flexible; v4 TRANSACTION_ABORTABLE may be returned (KIP-890).
// Authorization (Kafka's KafkaApis): WRITE on the transactional id (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
// 53), then READ on the group (else GROUP_AUTHORIZATION_FAILED, 30).
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { requireGroup, requireTransactionalId } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { AddOffsetsToTxnRequest } from '../../protocol/generated/messages/add-offsets-to-txn-request.ts';
import type { AddOffsetsToTxnResponse } from '../../protocol/generated/messages/add-offsets-to-txn-response.ts';
import type { Input } from '../../protocol/message-input.ts';

export const addOffsetsToTxnHandler = defineHandler<AddOffsetsToTxnRequest, Input<AddOffsetsToTxnResponse>>({
  apiKey: ApiKeys.AddOffsetsToTxn,
  minVersion: 0,
  maxVersion: 4,
  async handle(services, request, info) {
    const { apiVersion } = info;
    requireTransactionalId(services.authorizer, info, AclOperation.WRITE, request.transactionalId);
    requireGroup(services.authorizer, info, AclOperation.READ, request.groupId);
    const offsetsPartition = services.groupCoordinator.topicPartitionFor(request.groupId);
    let errorCode = await services.transactionCoordinator.addPartitionsToTransaction(request.transactionalId, request.producerId, request.producerEpoch, [offsetsPartition]);
    if (apiVersion < 2 && errorCode === Errors.PRODUCER_FENCED) errorCode = Errors.INVALID_PRODUCER_EPOCH;
    return { throttleTimeMs: 0, errorCode };
  },
  // Kafka's AddOffsetsToTxnRequest.getErrorResponse.
  errorResponse(_request, error) {
    return { throttleTimeMs: 0, errorCode: error.code };
  },
});
