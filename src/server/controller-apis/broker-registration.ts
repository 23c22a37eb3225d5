// BrokerRegistration (key 62): v0-3
// Behaviour: a broker registers (or re-registers after a restart) with the active controller: a
// RegisterBrokerRecord with a new broker epoch (the offset of the record), its listeners, rack and incarnation id;
// the broker is registered unfenced and partitions of which it is a replica that have no leader get it as leader.
// Errors: INCONSISTENT_CLUSTER_ID (104) for another cluster's broker, NOT_CONTROLLER (41) on a node that is not the
// active controller.
// Not yet: fencing until the broker has caught up with the metadata log, duplicate registration checks
// (DUPLICATE_BROKER_REGISTRATION), feature range checks (UNSUPPORTED_VERSION), log dirs (KIP-858).
// Version notes: v1 logDirs; v2 isMigratingZkBroker semantics; v3 previousBrokerEpoch (KIP-1033).
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { BrokerRegistrationRequest } from '../../protocol/generated/messages/broker-registration-request.ts';
import type { BrokerRegistrationResponse } from '../../protocol/generated/messages/broker-registration-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import type { ControllerServices } from '../controller-services.ts';

export const brokerRegistrationHandler = defineHandler<BrokerRegistrationRequest, Input<BrokerRegistrationResponse>, ControllerServices>({
  apiKey: ApiKeys.BrokerRegistration,
  minVersion: 0,
  maxVersion: 3,
  async handle(services, request) {
    if (request.clusterId !== services.clusterId) return { errorCode: Errors.INCONSISTENT_CLUSTER_ID, brokerEpoch: -1n };
    const endpoints = request.listeners.map((l) => ({ name: l.name, host: l.host, port: l.port, securityProtocol: l.securityProtocol }));
    const brokerEpoch = await services.controller.registerBroker(request.brokerId, endpoints, request.rack, request.incarnationId);
    return { errorCode: Errors.NONE, brokerEpoch };
  },
  errorResponse(_request, error) {
    return { errorCode: error.code, brokerEpoch: -1n };
  },
});
