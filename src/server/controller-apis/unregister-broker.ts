// UnregisterBroker (key 64): v0
// Behaviour: removes a broker's registration (KIP-631; `kafka-cluster.sh unregister`): it leaves every ISR it is
// in, partitions it led get new leaders from their ISRs, then an UnregisterBrokerRecord. A broker that is still
// running is answered STALE_BROKER_EPOCH on its next heartbeat and registers again. Errors:
// BROKER_ID_NOT_REGISTERED (102), NOT_CONTROLLER (41) on a node that is not the active controller.
// Authorization (Kafka's ControllerApis): ALTER on the cluster, else CLUSTER_AUTHORIZATION_FAILED (31).
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { withClusterOperation } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { UnregisterBrokerRequest } from '../../protocol/generated/messages/unregister-broker-request.ts';
import type { UnregisterBrokerResponse } from '../../protocol/generated/messages/unregister-broker-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import type { ControllerOpsServices } from '../controller-services.ts';

export const unregisterBrokerHandler = withClusterOperation(AclOperation.ALTER, defineHandler<UnregisterBrokerRequest, Input<UnregisterBrokerResponse>, ControllerOpsServices>({
  apiKey: ApiKeys.UnregisterBroker,
  minVersion: 0,
  maxVersion: 0,
  async handle(services, request) {
    await services.controller.unregisterBroker(request.brokerId);
    return { errorCode: Errors.NONE, errorMessage: null };
  },
  errorResponse(_request, error) {
    return { errorCode: error.code, errorMessage: error.message };
  },
}));
