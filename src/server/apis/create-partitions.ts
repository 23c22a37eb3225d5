// CreatePartitions (key 37): v0-3
// Behaviour: adds partitions to existing topics through the controller. UNKNOWN_TOPIC_OR_PARTITION (3),
// INVALID_PARTITIONS (37) when the count is not an increase, INVALID_REPLICA_ASSIGNMENT (39), INVALID_REQUEST (42)
// for a topic named twice. validateOnly writes nothing.
// Authorization (Kafka's ControllerApis, with the forwarded principal): ALTER on each topic, else
// TOPIC_AUTHORIZATION_FAILED (29) and the topic is not changed.
// Version notes: v1 same as v0; v2 flexible; v3 THROTTLING_QUOTA_EXCEEDED (89) per topic under
// controller_mutation_rate (KIP-599; before v3 the quota only throttles).
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { authorizedTopics, runAuthorized } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { controllerMutationQuotaFor, controllerMutationThrottle, type ControllerOpsServices } from '../controller-services.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { CreatePartitionsRequest } from '../../protocol/generated/messages/create-partitions-request.ts';
import type { CreatePartitionsResponse } from '../../protocol/generated/messages/create-partitions-response.ts';
import type { Input } from '../../protocol/message-input.ts';

export const createPartitionsHandler = defineHandler<CreatePartitionsRequest, Input<CreatePartitionsResponse>, ControllerOpsServices>({
  apiKey: ApiKeys.CreatePartitions,
  minVersion: 0,
  maxVersion: 3,
  async handle(services, request, info) {
    const counts = new Map<string, number>();
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const unique = request.topics.filter((t) => counts.get(t.name) === 1);
    const alterable = authorizedTopics(services.authorizer, info, AclOperation.ALTER, unique.map((t) => t.name));
    const quota = controllerMutationQuotaFor(services, info, 3);
    const results = await runAuthorized(
      unique,
      (t) => (alterable.has(t.name) ? Errors.NONE : Errors.TOPIC_AUTHORIZATION_FAILED),
      (allowed) => services.controller.createPartitions(allowed.map((t) => ({ name: t.name, count: t.count, assignments: t.assignments })), request.validateOnly, quota),
      (t, errorCode) => ({ name: t.name, errorCode, errorMessage: 'The topic authorization is failed.' }),
    );
    const duplicates = [...counts].filter(([, n]) => n > 1).map(([name]) => ({
      name,
      errorCode: Errors.INVALID_REQUEST,
      errorMessage: 'Duplicate topic in request.',
    }));
    return { throttleTimeMs: controllerMutationThrottle(quota, info), results: [...results, ...duplicates] };
  },
  // Kafka's CreatePartitionsRequest.getErrorResponse: the error and its message on every topic.
  errorResponse(request, error) {
    return { throttleTimeMs: 0, results: request.topics.map((t) => ({ name: t.name, errorCode: error.code, errorMessage: error.message })) };
  },
});
