// InitProducerId (key 22): v0-5
// Behaviour: without a transactional id (idempotent producer) a new producer id with epoch 0, from producer id
// blocks reserved through the metadata log (ProducerIdsRecord), so ids never repeat across restarts or nodes. With
// one, the transaction coordinator of its __transaction_state partition allocates a producer id once and bumps
// the epoch on every call, fencing older producers; an ongoing transaction of the id is aborted first
// (CONCURRENT_TRANSACTIONS: retry). Errors: INVALID_REQUEST (42) for an empty transactional id or a producer id /
// epoch pair with only one of them set, INVALID_TRANSACTION_TIMEOUT (50), NOT_COORDINATOR (16),
// COORDINATOR_LOAD_IN_PROGRESS (14), COORDINATOR_NOT_AVAILABLE (15), CONCURRENT_TRANSACTIONS (51),
// PRODUCER_FENCED (90; INVALID_PRODUCER_EPOCH (47) before v4).
// Not yet: authorization (TRANSACTIONAL_ID_AUTHORIZATION_FAILED / CLUSTER_AUTHORIZATION_FAILED).
// Version notes: v1 same as v0; v2 flexible; v3 producerId/producerEpoch of a producer recovering from an
// error (KIP-360); v4 PRODUCER_FENCED; v5 same as v4. v6 (transactions v2, KIP-939) is not served.
// Authorization (Kafka's KafkaApis): WRITE on the transactional id (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 53);
// without one (idempotence), IDEMPOTENT_WRITE on the cluster or WRITE on some topic (authorizeByResourceType),
// else CLUSTER_AUTHORIZATION_FAILED (31).
import { AclOperation, ResourceType } from '../../security/authorizer/acl-codes.ts';
import { authorizeByResourceType, authorizeCluster, requireTransactionalId } from '../auth-helper.ts';
import { ApiError } from '../../common/api-error.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { InitProducerIdRequest } from '../../protocol/generated/messages/init-producer-id-request.ts';
import type { InitProducerIdResponse } from '../../protocol/generated/messages/init-producer-id-response.ts';
import type { Input } from '../../protocol/message-input.ts';

export const initProducerIdHandler = defineHandler<InitProducerIdRequest, Input<InitProducerIdResponse>>({
  apiKey: ApiKeys.InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  async handle(services, request, info) {
    const { apiVersion } = info;
    const authorizer = services.authorizer;
    if (request.transactionalId !== null) {
      requireTransactionalId(authorizer, info, AclOperation.WRITE, request.transactionalId);
    } else if (!authorizeCluster(authorizer, info, AclOperation.IDEMPOTENT_WRITE) && !authorizeByResourceType(authorizer, info, AclOperation.WRITE, ResourceType.TOPIC)) {
      throw new ApiError(Errors.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
    }
    const noId = request.producerId === -1n;
    const noEpoch = request.producerEpoch === -1;
    if (noId !== noEpoch) return { throttleTimeMs: 0, errorCode: Errors.INVALID_REQUEST, producerId: -1n, producerEpoch: -1 };
    const expected = noId ? null : { producerId: request.producerId, producerEpoch: request.producerEpoch };
    const result = await services.transactionCoordinator.initProducerId(request.transactionalId, request.transactionTimeoutMs, expected);
    // Clients before v4 do not know PRODUCER_FENCED.
    const errorCode = apiVersion < 4 && result.errorCode === Errors.PRODUCER_FENCED ? Errors.INVALID_PRODUCER_EPOCH : result.errorCode;
    return { throttleTimeMs: 0, errorCode, producerId: result.producerId, producerEpoch: result.producerEpoch };
  },
  // Kafka's InitProducerIdRequest.getErrorResponse: the error, no producer id or epoch.
  errorResponse(_request, error) {
    return { throttleTimeMs: 0, errorCode: error.code, producerId: -1n, producerEpoch: -1 };
  },
});
