// UnregisterBroker (key 64): v0
// Behaviour: removes a broker's registration (KIP-631; `kafka-cluster.sh unregister`): it leaves every ISR it is
// in, partitions it led get new leaders from their ISRs, then an UnregisterBrokerRecord. A broker that is still
// running is answered STALE_BROKER_EPOCH on its next heartbeat and registers again. Errors:
// BROKER_ID_NOT_REGISTERED (102), NOT_CONTROLLER (41) on a node that is not the active controller.
// Not yet: authorization (Kafka requires ALTER on the cluster; this broker has no authorizer).
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { UnregisterBrokerRequest } from '../../protocol/generated/messages/unregister-broker-request.ts';
import type { UnregisterBrokerResponse } from '../../protocol/generated/messages/unregister-broker-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import type { ControllerOpsServices } from '../controller-services.ts';

export const unregisterBrokerHandler = defineHandler<UnregisterBrokerRequest, Input<UnregisterBrokerResponse>, ControllerOpsServices>({
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
});
