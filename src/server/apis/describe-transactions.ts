// DescribeTransactions (key 65): v0
// Behaviour: state, producer id/epoch, timeout, start time and partitions of each transactional id, answered by
// its coordinator. Per id errors: TRANSACTIONAL_ID_NOT_FOUND (105), NOT_COORDINATOR (16),
// COORDINATOR_LOAD_IN_PROGRESS (14), COORDINATOR_NOT_AVAILABLE (15), INVALID_REQUEST (42) for an empty id.
// Not yet: authorization (TRANSACTIONAL_ID_AUTHORIZATION_FAILED, topics the principal may not describe).
// Version notes: v0 only.
// Authorization (Kafka's KafkaApis): DESCRIBE on each transactional id (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
// 53, for it); the partitions of topics the principal may not DESCRIBE are left out.
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { authorizeTopic, authorizeTransactionalId } from '../auth-helper.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import type { DescribeTransactionsRequest } from '../../protocol/generated/messages/describe-transactions-request.ts';
import type { DescribeTransactionsResponse } from '../../protocol/generated/messages/describe-transactions-response.ts';
import type { Input } from '../../protocol/message-input.ts';

export const describeTransactionsHandler = defineHandler<DescribeTransactionsRequest, Input<DescribeTransactionsResponse>>({
  apiKey: ApiKeys.DescribeTransactions,
  minVersion: 0,
  maxVersion: 0,
  async handle(services, request, info) {
    const authorizer = services.authorizer;
    const transactionStates = await Promise.all(request.transactionalIds.map(async (id) => {
      if (!authorizeTransactionalId(authorizer, info, AclOperation.DESCRIBE, id)) return { transactionalId: id, errorCode: Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
      const state = await services.transactionCoordinator.describeTransaction(id);
      return { ...state, topics: (state.topics ?? []).filter((t) => authorizeTopic(authorizer, info, AclOperation.DESCRIBE, t.topic)) };
    }));
    return { throttleTimeMs: 0, transactionStates };
  },
  // Kafka's DescribeTransactionsRequest.getErrorResponse: the error on every transactional id.
  errorResponse(request, error) {
    return { throttleTimeMs: 0, transactionStates: request.transactionalIds.map((transactionalId) => ({ transactionalId, errorCode: error.code })) };
  },
});
