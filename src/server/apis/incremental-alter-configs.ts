// IncrementalAlterConfigs (key 44): v0-1
// Behaviour: SET / DELETE / APPEND / SUBTRACT per config (KIP-339) on TOPIC and BROKER resources, written as
// ConfigRecords through the controller and applied by every component on commit (logs pick up new topic configs).
// Errors per resource: UNKNOWN_TOPIC_OR_PARTITION (3), INVALID_CONFIG (40), INVALID_REQUEST (42),
// POLICY_VIOLATION is not used (no create/alter policies). validateOnly writes nothing.
// Version notes: v1 flexible.
import { defineHandler } from '../api-handler.ts';
import type { ControllerOpsServices } from '../controller-services.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import type { IncrementalAlterConfigsRequest } from '../../protocol/generated/messages/incremental-alter-configs-request.ts';
import type { IncrementalAlterConfigsResponse } from '../../protocol/generated/messages/incremental-alter-configs-response.ts';
import type { Input } from '../../protocol/message-input.ts';

export const incrementalAlterConfigsHandler = defineHandler<IncrementalAlterConfigsRequest, Input<IncrementalAlterConfigsResponse>, ControllerOpsServices>({
  apiKey: ApiKeys.IncrementalAlterConfigs,
  minVersion: 0,
  maxVersion: 1,
  async handle(services, request) {
    const results = await services.controller.incrementalAlterConfigs(
      request.resources.map((r) => ({
        resourceType: r.resourceType,
        resourceName: r.resourceName,
        configs: r.configs.map((c) => ({ name: c.name, operation: c.configOperation, value: c.value })),
      })),
      request.validateOnly,
    );
    return { throttleTimeMs: 0, responses: results };
  },
  // Kafka's IncrementalAlterConfigsRequest.getErrorResponse: the error and its message on every resource.
  errorResponse(request, error) {
    return { throttleTimeMs: 0, responses: request.resources.map((r) => ({ resourceType: r.resourceType, resourceName: r.resourceName, errorCode: error.code, errorMessage: error.message })) };
  },
});
