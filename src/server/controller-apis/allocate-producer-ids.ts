// AllocateProducerIds (key 67): v0
// Behaviour: hands a broker's transaction coordinator the next block of producer ids (KIP-730): a committed
// ProducerIdsRecord reserves [start, start + 1000), so ids never repeat across restarts or brokers. Active
// controller only (NOT_CONTROLLER, 41); STALE_BROKER_EPOCH (77) for a broker epoch that is not the registered one.
// Authorization (Kafka's ControllerApis): CLUSTER_ACTION on the cluster, else CLUSTER_AUTHORIZATION_FAILED (31).
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { withClusterOperation } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { AllocateProducerIdsRequest } from '../../protocol/generated/messages/allocate-producer-ids-request.ts';
import type { AllocateProducerIdsResponse } from '../../protocol/generated/messages/allocate-producer-ids-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import type { ControllerServices } from '../controller-services.ts';

export const allocateProducerIdsHandler = withClusterOperation(AclOperation.CLUSTER_ACTION, defineHandler<AllocateProducerIdsRequest, Input<AllocateProducerIdsResponse>, ControllerServices>({
  apiKey: ApiKeys.AllocateProducerIds,
  minVersion: 0,
  maxVersion: 0,
  async handle(services, request) {
    const block = await services.controller.allocateProducerIds(request.brokerId, request.brokerEpoch);
    return { errorCode: Errors.NONE, producerIdStart: block.start, producerIdLen: block.length };
  },
  errorResponse(_request, error) {
    return { errorCode: error.code, producerIdStart: -1n, producerIdLen: -1 };
  },
}));
