// BrokerRegistration (key 62): v0-3
// Behaviour: a broker registers (or re-registers after a restart) with the active controller, as Kafka's
// ClusterControlManager.registerBroker: a new incarnation (incarnation id) gets a new broker epoch, the offset of
// its RegisterBrokerRecord, and is registered FENCED (its heartbeats unfence it once it has applied that record);
// the previous incarnation's partitions get new leaders from their ISRs in the same batch. The same incarnation
// registering again keeps its epoch and state (an amended registration).
// Errors: INCONSISTENT_CLUSTER_ID (104), DUPLICATE_BROKER_REGISTRATION (101) while another incarnation of the id
// has a live session, BROKER_ID_NOT_REGISTERED (102) for isMigratingZkBroker, UNSUPPORTED_VERSION (35) when a
// finalized feature (metadata.version, kraft.version, ...) is outside the broker's range, INVALID_REGISTRATION
// (119) without a metadata.version feature or with reserved, duplicate or taken log directory ids, NOT_CONTROLLER
// (41) on a node that is not the active controller.
// Not yet: Kafka refuses a registration without log directories at this metadata.version (KIP-858); ours accepts
// it, since no replica is assigned to a directory yet.
// Version notes: v1 logDirs (KIP-858); v2 isMigratingZkBroker semantics; v3 previousBrokerEpoch (KIP-1033, read
// for clean shutdown detection, which only KIP-966 ELR acts on).
// Authorization (Kafka's ControllerApis): CLUSTER_ACTION on the cluster, else CLUSTER_AUTHORIZATION_FAILED (31).
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { withClusterOperation } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { BrokerRegistrationRequest } from '../../protocol/generated/messages/broker-registration-request.ts';
import type { BrokerRegistrationResponse } from '../../protocol/generated/messages/broker-registration-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import type { ControllerServices } from '../controller-services.ts';

export const brokerRegistrationHandler = withClusterOperation(AclOperation.CLUSTER_ACTION, defineHandler<BrokerRegistrationRequest, Input<BrokerRegistrationResponse>, ControllerServices>({
  apiKey: ApiKeys.BrokerRegistration,
  minVersion: 0,
  maxVersion: 3,
  async handle(services, request, info) {
    const brokerEpoch = await services.controller.registerBroker(request, info.apiVersion);
    return { errorCode: Errors.NONE, brokerEpoch };
  },
  errorResponse(_request, error) {
    return { errorCode: error.code, brokerEpoch: -1n };
  },
}));
