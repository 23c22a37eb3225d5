// DescribeTransactions (key 65): v0
// Behaviour: state, producer id/epoch, timeout, start time and partitions of each transactional id, answered by
// its coordinator. Per id errors: TRANSACTIONAL_ID_NOT_FOUND (105), NOT_COORDINATOR (16),
// COORDINATOR_LOAD_IN_PROGRESS (14), COORDINATOR_NOT_AVAILABLE (15), INVALID_REQUEST (42) for an empty id.
// Not yet: authorization (TRANSACTIONAL_ID_AUTHORIZATION_FAILED, topics the principal may not describe).
// Version notes: v0 only.
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import type { DescribeTransactionsRequest } from '../../protocol/generated/messages/describe-transactions-request.ts';
import type { DescribeTransactionsResponse } from '../../protocol/generated/messages/describe-transactions-response.ts';
import type { Input } from '../../protocol/message-input.ts';

export const describeTransactionsHandler = defineHandler<DescribeTransactionsRequest, Input<DescribeTransactionsResponse>>({
  apiKey: ApiKeys.DescribeTransactions,
  minVersion: 0,
  maxVersion: 0,
  async handle(services, request) {
    const transactionStates = await Promise.all(request.transactionalIds.map((id) => services.transactionCoordinator.describeTransaction(id)));
    return { throttleTimeMs: 0, transactionStates };
  },
  // Kafka's DescribeTransactionsRequest.getErrorResponse: the error on every transactional id.
  errorResponse(request, error) {
    return { throttleTimeMs: 0, transactionStates: request.transactionalIds.map((transactionalId) => ({ transactionalId, errorCode: error.code })) };
  },
});
