// DeleteRecords (key 21): v0-2
// Behaviour: moves each partition's log start offset up to the given offset (-1 = the high watermark); whole
// segments below it are deleted by the retention task. The result is the new low watermark (log start offset).
// Errors: UNKNOWN_TOPIC_OR_PARTITION (3), NOT_LEADER_OR_FOLLOWER (6), OFFSET_OUT_OF_RANGE (1) for an offset
// above the high watermark or below zero (other than -1).
// Authorization (Kafka's KafkaApis): DELETE on each topic, else TOPIC_AUTHORIZATION_FAILED (29) on its partitions.
// Version notes: v1 same as v0; v2 flexible.
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { authorizedTopics } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { DeleteRecordsRequest } from '../../protocol/generated/messages/delete-records-request.ts';
import type { DeleteRecordsResponse } from '../../protocol/generated/messages/delete-records-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { ApiError } from '../../common/api-error.ts';

export const deleteRecordsHandler = defineHandler<DeleteRecordsRequest, Input<DeleteRecordsResponse>>({
  apiKey: ApiKeys.DeleteRecords,
  minVersion: 0,
  maxVersion: 2,
  async handle(services, request, info) {
    const deletable = authorizedTopics(services.authorizer, info, AclOperation.DELETE, request.topics.map((t) => t.name));
    const topics = await Promise.all(request.topics.map(async (t) => ({
      name: t.name,
      partitions: await Promise.all(t.partitions.map(async (p) => {
        if (!deletable.has(t.name)) return { partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: Errors.TOPIC_AUTHORIZATION_FAILED };
        try {
          const partition = services.replicaManager.leaderPartition({ topic: t.name, partition: p.partitionIndex });
          const hw = partition.highWatermark;
          const offset = p.offset === -1n ? hw : p.offset;
          if (offset < 0n || offset > hw) {
            throw new ApiError(Errors.OFFSET_OUT_OF_RANGE, `Cannot increment the log start offset to ${offset}: the high watermark is ${hw}`);
          }
          const lowWatermark = await partition.log.deleteRecordsBefore(offset);
          return { partitionIndex: p.partitionIndex, lowWatermark, errorCode: Errors.NONE };
        } catch (e) {
          const code = e instanceof ApiError ? e.code : Errors.UNKNOWN_SERVER_ERROR;
          if (!(e instanceof ApiError)) services.logger.error({ err: e }, 'DeleteRecords failed');
          return { partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: code };
        }
      })),
    })));
    return { throttleTimeMs: 0, topics };
  },
  // Kafka's DeleteRecordsRequest.getErrorResponse: the error on every partition, low watermark -1.
  errorResponse(request, error) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: error.code, lowWatermark: -1n })) })),
    };
  },
});
