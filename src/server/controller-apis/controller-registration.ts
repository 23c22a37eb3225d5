// ControllerRegistration (key 70): v0
// Behaviour: a controller registers its incarnation id, listeners and supported features with the active
// controller (KIP-919, sent by every controller's ControllerRegistrationManager): a RegisterControllerRecord.
// Answered on the active controller only (NOT_CONTROLLER, 41); UNSUPPORTED_VERSION (35) below metadata.version
// 3.7-IV0.
// Authorization (Kafka's ControllerApis): CLUSTER_ACTION on the cluster, else CLUSTER_AUTHORIZATION_FAILED (31).
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { withClusterOperation } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { ControllerRegistrationRequest } from '../../protocol/generated/messages/controller-registration-request.ts';
import type { ControllerRegistrationResponse } from '../../protocol/generated/messages/controller-registration-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import type { ControllerServices } from '../controller-services.ts';

export const controllerRegistrationHandler = withClusterOperation(AclOperation.CLUSTER_ACTION, defineHandler<ControllerRegistrationRequest, Input<ControllerRegistrationResponse>, ControllerServices>({
  apiKey: ApiKeys.ControllerRegistration,
  minVersion: 0,
  maxVersion: 0,
  async handle(services, request) {
    await services.controller.registerController(request);
    return { errorCode: Errors.NONE, errorMessage: null };
  },
  errorResponse(_request, error) {
    return { errorCode: error.code, errorMessage: error.message };
  },
}));
