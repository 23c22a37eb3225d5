// EndTxn (key 26): v0-4
// Behaviour: commits or aborts the ongoing transaction of a transactional id, two-phase as Kafka: PrepareCommit /
// PrepareAbort is written to __transaction_state and the client answered; then a COMMIT/ABORT control batch is
// written to every partition of the transaction (and the pending offsets of __consumer_offsets partitions become
// visible or are dropped), then CompleteCommit / CompleteAbort. A retry of a completed EndTxn answers NONE.
// Errors: INVALID_REQUEST (42), INVALID_PRODUCER_ID_MAPPING (49), PRODUCER_FENCED (90; INVALID_PRODUCER_EPOCH (47)
// before v2), CONCURRENT_TRANSACTIONS (51) while the transaction completes, INVALID_TXN_STATE (48) with no
// transaction or against the outcome being written, NOT_COORDINATOR (16), COORDINATOR_LOAD_IN_PROGRESS (14),
// COORDINATOR_NOT_AVAILABLE (15).
// Not yet: authorization; v5 (transactions v2, KIP-890 part 2: epoch bump per transaction) is not served.
// Version notes: v1 same as v0; v2 PRODUCER_FENCED; v3 flexible; v4 TRANSACTION_ABORTABLE may be returned.
// Authorization (Kafka's KafkaApis): WRITE on the transactional id, else TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53).
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { requireTransactionalId } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { EndTxnRequest } from '../../protocol/generated/messages/end-txn-request.ts';
import type { EndTxnResponse } from '../../protocol/generated/messages/end-txn-response.ts';
import type { Input } from '../../protocol/message-input.ts';

export const endTxnHandler = defineHandler<EndTxnRequest, Input<EndTxnResponse>>({
  apiKey: ApiKeys.EndTxn,
  minVersion: 0,
  maxVersion: 4,
  async handle(services, request, info) {
    const { apiVersion } = info;
    requireTransactionalId(services.authorizer, info, AclOperation.WRITE, request.transactionalId);
    let errorCode = await services.transactionCoordinator.endTransaction(request.transactionalId, request.producerId, request.producerEpoch, request.committed);
    if (apiVersion < 2 && errorCode === Errors.PRODUCER_FENCED) errorCode = Errors.INVALID_PRODUCER_EPOCH;
    return { throttleTimeMs: 0, errorCode };
  },
  // Kafka's EndTxnRequest.getErrorResponse.
  errorResponse(_request, error) {
    return { throttleTimeMs: 0, errorCode: error.code };
  },
});
