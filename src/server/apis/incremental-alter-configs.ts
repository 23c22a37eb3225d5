// IncrementalAlterConfigs (key 44): v0-1
// Behaviour: SET / DELETE / APPEND / SUBTRACT per config (KIP-339) on TOPIC and BROKER resources, written as
// ConfigRecords through the controller and applied by every component on commit (logs pick up new topic configs).
// Errors per resource: UNKNOWN_TOPIC_OR_PARTITION (3), INVALID_CONFIG (40), INVALID_REQUEST (42),
// POLICY_VIOLATION is not used (no create/alter policies). validateOnly writes nothing.
// Authorization (Kafka's ControllerApis, with the forwarded principal): ALTER_CONFIGS on the cluster for BROKER /
// BROKER_LOGGER resources (else CLUSTER_AUTHORIZATION_FAILED, 31), on the topic (TOPIC_AUTHORIZATION_FAILED, 29) or
// group (GROUP_AUTHORIZATION_FAILED, 30); a denied resource is not altered.
// Version notes: v1 flexible.
import { ERROR_INFO } from '../../protocol/generated/errors.ts';
import { defineHandler } from '../api-handler.ts';
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { configResourceAuthorizationError, runAuthorized } from '../auth-helper.ts';
import type { ControllerOpsServices } from '../controller-services.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import type { IncrementalAlterConfigsRequest } from '../../protocol/generated/messages/incremental-alter-configs-request.ts';
import type { IncrementalAlterConfigsResponse } from '../../protocol/generated/messages/incremental-alter-configs-response.ts';
import type { Input } from '../../protocol/message-input.ts';

export const incrementalAlterConfigsHandler = defineHandler<IncrementalAlterConfigsRequest, Input<IncrementalAlterConfigsResponse>, ControllerOpsServices>({
  apiKey: ApiKeys.IncrementalAlterConfigs,
  minVersion: 0,
  maxVersion: 1,
  async handle(services, request, info) {
    const results = await runAuthorized(
      request.resources,
      (r) => configResourceAuthorizationError(services.authorizer, info, AclOperation.ALTER_CONFIGS, r.resourceType, r.resourceName),
      (allowed) => services.controller.incrementalAlterConfigs(
        allowed.map((r) => ({
          resourceType: r.resourceType,
          resourceName: r.resourceName,
          configs: r.configs.map((c) => ({ name: c.name, operation: c.configOperation, value: c.value })),
        })),
        request.validateOnly,
      ),
      (r, errorCode) => ({ resourceType: r.resourceType, resourceName: r.resourceName, errorCode, errorMessage: ERROR_INFO[errorCode]?.message ?? null }),
    );
    return { throttleTimeMs: 0, responses: results };
  },
  // Kafka's IncrementalAlterConfigsRequest.getErrorResponse: the error and its message on every resource.
  errorResponse(request, error) {
    return { throttleTimeMs: 0, responses: request.resources.map((r) => ({ resourceType: r.resourceType, resourceName: r.resourceName, errorCode: error.code, errorMessage: error.message })) };
  },
});
