// DeleteTopics (key 20): v0-6
// Behaviour: removes topics through the controller (RemoveTopicRecord); their logs are renamed to
// `<dir>.<uuid>-delete` and removed in the background by the LogManager. UNKNOWN_TOPIC_OR_PARTITION (3) by name,
// UNKNOWN_TOPIC_ID (100) by id, TOPIC_DELETION_DISABLED (73) when delete.topic.enable=false, INVALID_REQUEST for
// internal topics.
// Authorization (Kafka's ControllerApis, with the forwarded principal): DELETE on the cluster, or DESCRIBE and
// DELETE on each topic, else TOPIC_AUTHORIZATION_FAILED (29) and the topic stays: by name without its id; by id
// with its name only when the principal may describe it.
// Version notes: v1 throttleTimeMs; v4 flexible; v5 errorMessage, THROTTLING_QUOTA_EXCEEDED (89) per topic under
// controller_mutation_rate (KIP-599; before v5 the quota only throttles); v6 topics by name or id.
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { authorizeCluster, authorizedTopics, runAuthorized } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { controllerMutationQuotaFor, controllerMutationThrottle, type ControllerOpsServices } from '../controller-services.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors, ERROR_INFO } from '../../protocol/generated/errors.ts';
import type { DeleteTopicsRequest } from '../../protocol/generated/messages/delete-topics-request.ts';
import type { DeleteTopicsResponse } from '../../protocol/generated/messages/delete-topics-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { ZERO_UUID_STRING } from '../../common/uuid.ts';

export const deleteTopicsHandler = defineHandler<DeleteTopicsRequest, Input<DeleteTopicsResponse>, ControllerOpsServices>({
  apiKey: ApiKeys.DeleteTopics,
  minVersion: 0,
  maxVersion: 6,
  async handle(services, request, info) {
    const { apiVersion } = info;
    const wanted = apiVersion >= 6
      ? request.topics.map((t) => ({ name: t.name, topicId: t.topicId === ZERO_UUID_STRING ? null : t.topicId }))
      : request.topicNames.map((name) => ({ name, topicId: null }));
    if (!services.config.getBoolean('delete.topic.enable')) {
      return {
        throttleTimeMs: 0,
        responses: wanted.map((t) => ({ name: t.name, topicId: t.topicId ?? ZERO_UUID_STRING, errorCode: Errors.TOPIC_DELETION_DISABLED, errorMessage: 'Topic deletion is disabled.' })),
      };
    }
    const authorizer = services.authorizer;
    const image = services.metadata();
    // The authorizer needs names: an id is authorized as its topic's name (an unknown id is left to the controller).
    const names = wanted.map((t) => (t.topicId === null ? t.name : image.topicsById.get(t.topicId)?.name ?? null));
    const known = names.filter((n): n is string => n !== null);
    const clusterDelete = authorizeCluster(authorizer, info, AclOperation.DELETE);
    const describable = clusterDelete ? new Set(known) : authorizedTopics(authorizer, info, AclOperation.DESCRIBE, known);
    const deletable = clusterDelete ? new Set(known) : authorizedTopics(authorizer, info, AclOperation.DELETE, known);
    const allowed = (i: number): boolean => names[i] === null || (describable.has(names[i]!) && deletable.has(names[i]!));
    const quota = controllerMutationQuotaFor(services, info, 5);
    const results = await runAuthorized(
      wanted.map((t, i) => ({ t, i })),
      ({ i }) => (allowed(i) ? Errors.NONE : Errors.TOPIC_AUTHORIZATION_FAILED),
      (items) => services.controller.deleteTopics(items.map(({ t }) => t), quota),
      ({ t, i }, errorCode) => ({
        name: t.topicId === null || describable.has(names[i]!) ? names[i]! : null,
        topicId: t.topicId ?? ZERO_UUID_STRING,
        errorCode,
        errorMessage: ERROR_INFO[errorCode]?.message ?? null,
      }),
    );
    return {
      throttleTimeMs: controllerMutationThrottle(quota, info),
      responses: results.map((r) => ({ name: r.name, topicId: r.topicId, errorCode: r.errorCode, errorMessage: r.errorMessage })),
    };
  },
  // Kafka's DeleteTopicsRequest.getErrorResponse: the error on every topic, by name (v0-5) or name and id (v6).
  errorResponse(request, error, apiVersion) {
    const topics = apiVersion >= 6 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID_STRING }));
    return { throttleTimeMs: 0, responses: topics.map((t) => ({ name: t.name, topicId: t.topicId, errorCode: error.code })) };
  },
});
