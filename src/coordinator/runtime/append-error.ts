import { ApiError } from '../../common/api-error.ts';
import { Errors } from '../../protocol/generated/errors.ts';

/**
 * The error a client gets when a coordinator's write to its internal topic failed (Kafka's
 * `appendGroupMetadataErrorToResponseError` and `TransactionStateManager.appendTransactionToLog` mapping):
 * the partition missing or under-replicated, or the write timing out: COORDINATOR_NOT_AVAILABLE (15); this
 * broker no longer leading it or its disk failing: NOT_COORDINATOR (16); a record too large:
 * UNKNOWN_SERVER_ERROR (-1); any other code unchanged. Errors without a code are UNKNOWN_SERVER_ERROR.
 */
export function coordinatorAppendError(err: unknown): number {
  const code = err instanceof ApiError ? err.code : Errors.UNKNOWN_SERVER_ERROR;
  switch (code) {
    case Errors.UNKNOWN_TOPIC_OR_PARTITION:
    case Errors.NOT_ENOUGH_REPLICAS:
    case Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case Errors.REQUEST_TIMED_OUT:
      return Errors.COORDINATOR_NOT_AVAILABLE;
    case Errors.NOT_LEADER_OR_FOLLOWER:
    case Errors.KAFKA_STORAGE_ERROR:
      return Errors.NOT_COORDINATOR;
    case Errors.MESSAGE_TOO_LARGE:
    case Errors.RECORD_LIST_TOO_LARGE:
    case Errors.INVALID_FETCH_SIZE:
      return Errors.UNKNOWN_SERVER_ERROR;
    default:
      return code;
  }
}
