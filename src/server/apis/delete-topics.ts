// DeleteTopics (key 20): v0-6
// Behaviour: removes topics through the controller (RemoveTopicRecord); their logs are renamed to
// `<dir>.<uuid>-delete` and removed in the background by the LogManager. UNKNOWN_TOPIC_OR_PARTITION (3) by name,
// UNKNOWN_TOPIC_ID (100) by id, TOPIC_DELETION_DISABLED (73) when delete.topic.enable=false, INVALID_REQUEST for
// internal topics.
// Version notes: v1 throttleTimeMs; v4 flexible; v5 errorMessage; v6 topics by name or id.
import { defineHandler } from '../api-handler.ts';
import type { ControllerOpsServices } from '../controller-services.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { DeleteTopicsRequest } from '../../protocol/generated/messages/delete-topics-request.ts';
import type { DeleteTopicsResponse } from '../../protocol/generated/messages/delete-topics-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { ZERO_UUID_STRING } from '../../common/uuid.ts';

export const deleteTopicsHandler = defineHandler<DeleteTopicsRequest, Input<DeleteTopicsResponse>, ControllerOpsServices>({
  apiKey: ApiKeys.DeleteTopics,
  minVersion: 0,
  maxVersion: 6,
  async handle(services, request, { apiVersion }) {
    const wanted = apiVersion >= 6
      ? request.topics.map((t) => ({ name: t.name, topicId: t.topicId === ZERO_UUID_STRING ? null : t.topicId }))
      : request.topicNames.map((name) => ({ name, topicId: null }));
    if (!services.config.getBoolean('delete.topic.enable')) {
      return {
        throttleTimeMs: 0,
        responses: wanted.map((t) => ({ name: t.name, topicId: t.topicId ?? ZERO_UUID_STRING, errorCode: Errors.TOPIC_DELETION_DISABLED, errorMessage: 'Topic deletion is disabled.' })),
      };
    }
    const results = await services.controller.deleteTopics(wanted);
    return {
      throttleTimeMs: 0,
      responses: results.map((r) => ({ name: r.name, topicId: r.topicId, errorCode: r.errorCode, errorMessage: r.errorMessage })),
    };
  },
  // Kafka's DeleteTopicsRequest.getErrorResponse: the error on every topic, by name (v0-5) or name and id (v6).
  errorResponse(request, error, apiVersion) {
    const topics = apiVersion >= 6 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID_STRING }));
    return { throttleTimeMs: 0, responses: topics.map((t) => ({ name: t.name, topicId: t.topicId, errorCode: error.code })) };
  },
});
