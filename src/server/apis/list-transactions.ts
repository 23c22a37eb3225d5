// ListTransactions (key 66): v0-1
// Behaviour: the transactions of the __transaction_state partitions this broker coordinates (the admin client
// asks every broker), filtered by state names (unknown names are returned in unknownStateFilters), producer ids
// and (v1) a minimum running time in ms; Dead (expiring) ids are left out. errorCode COORDINATOR_LOAD_IN_PROGRESS
// (14) while a partition loads.
// Not yet: authorization (only ids the principal may describe).
// Version notes: v1 adds durationFilter (KIP-994).
// Authorization (Kafka's KafkaApis): only the transactional ids the principal may DESCRIBE are listed.
import { AclOperation, ResourceType } from '../../security/authorizer/acl-codes.ts';
import { filterAuthorized } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import type { ListTransactionsRequest } from '../../protocol/generated/messages/list-transactions-request.ts';
import type { ListTransactionsResponse } from '../../protocol/generated/messages/list-transactions-response.ts';
import type { Input } from '../../protocol/message-input.ts';

export const listTransactionsHandler = defineHandler<ListTransactionsRequest, Input<ListTransactionsResponse>>({
  apiKey: ApiKeys.ListTransactions,
  minVersion: 0,
  maxVersion: 1,
  async handle(services, request, info) {
    const result = await services.transactionCoordinator.listTransactions(request.stateFilters, request.producerIdFilters, request.durationFilter);
    const describable = filterAuthorized(services.authorizer, info, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, result.transactionStates.map((s) => s.transactionalId));
    return { throttleTimeMs: 0, ...result, transactionStates: result.transactionStates.filter((s) => describable.has(s.transactionalId)) };
  },
  // Kafka's ListTransactionsRequest.getErrorResponse: the top-level error, no transactions.
  errorResponse(_request, error) {
    return { throttleTimeMs: 0, errorCode: error.code, transactionStates: [] };
  },
});
