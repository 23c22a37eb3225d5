// AlterConfigs (key 33): v0-2
// Behaviour: the legacy, non-incremental API: the given configs replace every dynamic config of the resource
// (those not listed are deleted), through the controller as ConfigRecords. Errors per resource as
// IncrementalAlterConfigs: UNKNOWN_TOPIC_OR_PARTITION (3), INVALID_CONFIG (40), INVALID_REQUEST (42).
// Authorization (Kafka's ControllerApis, with the forwarded principal): ALTER_CONFIGS on the cluster for BROKER /
// BROKER_LOGGER resources (else CLUSTER_AUTHORIZATION_FAILED, 31), on the topic (TOPIC_AUTHORIZATION_FAILED, 29) or
// group (GROUP_AUTHORIZATION_FAILED, 30); a denied resource is not altered.
// Version notes: v1 same as v0; v2 flexible.
import { ERROR_INFO } from '../../protocol/generated/errors.ts';
import { defineHandler } from '../api-handler.ts';
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { configResourceAuthorizationError, runAuthorized } from '../auth-helper.ts';
import type { ControllerOpsServices } from '../controller-services.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import type { AlterConfigsRequest } from '../../protocol/generated/messages/alter-configs-request.ts';
import type { AlterConfigsResponse } from '../../protocol/generated/messages/alter-configs-response.ts';
import type { Input } from '../../protocol/message-input.ts';

export const alterConfigsHandler = defineHandler<AlterConfigsRequest, Input<AlterConfigsResponse>, ControllerOpsServices>({
  apiKey: ApiKeys.AlterConfigs,
  minVersion: 0,
  maxVersion: 2,
  async handle(services, request, info) {
    const results = await runAuthorized(
      request.resources,
      (r) => configResourceAuthorizationError(services.authorizer, info, AclOperation.ALTER_CONFIGS, r.resourceType, r.resourceName),
      (allowed) => services.controller.legacyAlterConfigs(
        allowed.map((r) => ({
          resourceType: r.resourceType,
          resourceName: r.resourceName,
          configs: r.configs.map((c) => ({ name: c.name, value: c.value })),
        })),
        request.validateOnly,
      ),
      (r, errorCode) => ({ resourceType: r.resourceType, resourceName: r.resourceName, errorCode, errorMessage: ERROR_INFO[errorCode]?.message ?? null }),
    );
    return { throttleTimeMs: 0, responses: results };
  },
  // Kafka's AlterConfigsRequest.getErrorResponse: the error and its message on every resource.
  errorResponse(request, error) {
    return { throttleTimeMs: 0, responses: request.resources.map((r) => ({ resourceType: r.resourceType, resourceName: r.resourceName, errorCode: error.code, errorMessage: error.message })) };
  },
});
