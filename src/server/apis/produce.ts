// Produce (key 0): v0-11
// Behaviour: validates each partition's record batch as Kafka's LogValidator does (one magic-2 batch per
// partition, CRC-32C, sizes against max.message.bytes, record count vs offsets, timestamps against
// message.timestamp.*, keys on compacted topics, re-compression only where the topic's compression.type demands
// another codec), assigns offsets and appends; acks 0 (no response; the connection is closed if an append failed,
// as Kafka does so the client notices), 1 (after the leader's append) and -1 (after the ISR has it).
// Errors per partition: UNKNOWN_TOPIC_OR_PARTITION (3), NOT_LEADER_OR_FOLLOWER (6), CORRUPT_MESSAGE (2),
// MESSAGE_TOO_LARGE (10), INVALID_TIMESTAMP (32), INVALID_RECORD (87) with record_errors, NOT_ENOUGH_REPLICAS (19),
// INVALID_REQUIRED_ACKS (21), UNSUPPORTED_COMPRESSION_TYPE (76) for zstd before v7.
// Idempotent and transactional producers (the log's ProducerStateManager): OUT_OF_ORDER_SEQUENCE_NUMBER (45) for a
// sequence gap, INVALID_PRODUCER_EPOCH (47) for a stale epoch, INVALID_TXN_STATE (48) for a non-transactional
// batch inside a transaction or a partition the transaction coordinator does not know (KIP-890 verification of a
// transaction's first batch, with `transactionalId`); a retry of one of the producer's last 5 batches is not
// written again and gets NONE with its original base offset. Unknown producers are accepted at any sequence
// (Kafka 2.5+, KIP-360: no UNKNOWN_PRODUCER_ID from produce).
// Produce v0-2 (old clients) carry magic 0/1 message sets, up-converted to a v2 batch before validation.
// A partition this broker does not lead (a follower, or a leader that lost its leadership while acks=all waited)
// gets NOT_LEADER_OR_FOLLOWER; from v10 its current leader and leader epoch ride along (current_leader tag) with
// the leader's endpoint on the request's listener (node_endpoints tag), as Kafka does (KIP-951), so the client
// goes there without a Metadata round trip. acks=all: NOT_ENOUGH_REPLICAS_AFTER_APPEND (20) when the ISR shrank
// below min.insync.replicas while the records waited for it.
// Client quotas: the request's size counts against the client's producer_byte_rate (ClientQuotaManager); a
// violation sets throttle_time_ms and mutes the connection (KafkaApis, KIP-219), acks=0 included.
// Authorization (Kafka's KafkaApis.handleProduceRequest): a request holding a transactional batch needs WRITE on
// its transactionalId (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 53, on every partition); each topic needs WRITE
// (else TOPIC_AUTHORIZATION_FAILED, 29, on its partitions, which are not appended), checked before existence. As
// in Kafka 3.0+ (KIP-679), idempotent batches need nothing more here: InitProducerId checked IDEMPOTENT_WRITE.
// Version notes: v1 throttleTimeMs; v2 logAppendTimeMs; v3 transactionalId + magic 2 only; v5 logStartOffset;
// v7 zstd; v8 recordErrors/errorMessage; v9 flexible; v10 current leader tags; v11 same as v10.
import { defineHandler, NO_RESPONSE } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { ProduceRequest } from '../../protocol/generated/messages/produce-request.ts';
import type { NodeEndpoint, PartitionProduceResponse, ProduceResponse, TopicProduceResponse } from '../../protocol/generated/messages/produce-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import type { TopicPartition } from '../../common/topic-partition.ts';
import type { BrokerServices } from '../broker-services.ts';
import { ApiError } from '../../common/api-error.ts';
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { BatchAttributes, BatchLayout } from '../../protocol/records/record-batch.ts';
import { authorizedTopics, authorizeTransactionalId } from '../auth-helper.ts';

/**
 * Kafka's `RequestUtils.hasTransactionalRecords`: whether any v2 batch of the request has the transactional
 * attribute. Only batch headers are read; a truncated tail is left to the validation of the append.
 */
function hasTransactionalRecords(request: ProduceRequest): boolean {
  for (const t of request.topicData) {
    for (const p of t.partitionData) {
      const records = p.records as Buffer | null;
      if (records === null) continue;
      let position = 0;
      while (position + BatchLayout.HEADER_SIZE <= records.length) {
        if (records[position + BatchLayout.MAGIC]! >= 2 && (records.readInt16BE(position + BatchLayout.ATTRIBUTES) & BatchAttributes.TRANSACTIONAL) !== 0) return true;
        const length = records.readInt32BE(position + BatchLayout.BATCH_LENGTH);
        if (length <= 0) break;
        position += BatchLayout.LOG_OVERHEAD + length;
      }
    }
  }
  return false;
}

/**
 * KIP-951 (Kafka's KafkaApis.getCurrentLeader): the leader and leader epoch of `tp` as this broker knows them (its
 * hosted partition, else the metadata image), and the leader's endpoint on `listenerName` when it is registered
 * and not fenced.
 */
function currentLeader(services: BrokerServices, tp: TopicPartition, listenerName: string): { leaderId: number; leaderEpoch: number; node: NodeEndpoint | null } {
  const hosted = services.replicaManager.getPartition(tp);
  const image = services.metadata();
  let leaderId = -1;
  let leaderEpoch = -1;
  if (hosted !== undefined) {
    leaderId = hosted.leaderId;
    leaderEpoch = hosted.leaderEpoch;
  } else {
    const registration = image.topicsByName.get(tp.topic)?.partitions.get(tp.partition);
    if (registration !== undefined) {
      leaderId = registration.leader;
      leaderEpoch = registration.leaderEpoch;
    }
  }
  const broker = leaderId < 0 ? undefined : image.brokers.get(leaderId);
  const endpoint = broker === undefined || broker.fenced ? undefined : broker.endpoints.find((e) => e.name === listenerName);
  return { leaderId, leaderEpoch, node: endpoint === undefined ? null : { nodeId: leaderId, host: endpoint.host, port: endpoint.port, rack: broker!.rack } };
}

/** The result of a partition of a topic the principal may not write to. */
const TOPIC_DENIED = { errorCode: Errors.TOPIC_AUTHORIZATION_FAILED, errorMessage: null, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [] };

export const produceHandler = defineHandler<ProduceRequest, Input<ProduceResponse>>({
  apiKey: ApiKeys.Produce,
  minVersion: 0,
  maxVersion: 11,
  handle(services, request, info) {
    const { apiVersion, connection, recycleFrame } = info;
    // Kafka's produce bandwidth quota counts the request's size (RequestChannel.Request.sizeInBytes).
    const produceQuota = services.quotas?.produce;
    if (produceQuota?.quotasEnabled === true) {
      info.apiThrottleTimeMs = produceQuota.maybeRecordAndGetThrottleTimeMs(info.principal.name, info.header.clientId ?? '', info.frame.length, services.time.milliseconds());
    }
    if (hasTransactionalRecords(request) && (request.transactionalId === null || !authorizeTransactionalId(services.authorizer, info, AclOperation.WRITE, request.transactionalId))) {
      recycleFrame();
      throw new ApiError(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'Transactional Id authorization failed.');
    }
    const writable = authorizedTopics(services.authorizer, info, AclOperation.WRITE, request.topicData.map((t) => t.name));
    const entries: { topicPartition: TopicPartition; records: Buffer | null }[] = [];
    for (const t of request.topicData) {
      if (!writable.has(t.name)) continue;
      for (const p of t.partitionData) {
        entries.push({ topicPartition: { topic: t.name, partition: p.index }, records: p.records as Buffer | null });
      }
    }
    const respond = (results: { errorCode: number; errorMessage: string | null; baseOffset: bigint; logAppendTimeMs: bigint; logStartOffset: bigint; recordErrors: { batchIndex: number; batchIndexErrorMessage: string | null }[] }[]): Input<ProduceResponse> => {
      const responses: Input<TopicProduceResponse>[] = [];
      let nodeEndpoints = null as Map<number, NodeEndpoint> | null;
      let i = 0;
      for (const t of request.topicData) {
        const denied = !writable.has(t.name);
        responses.push({
          name: t.name,
          partitionResponses: t.partitionData.map((p) => {
            const r = denied ? TOPIC_DENIED : results[i++]!;
            const response: Input<PartitionProduceResponse> = {
              index: p.index,
              errorCode: r.errorCode,
              baseOffset: r.baseOffset,
              logAppendTimeMs: r.logAppendTimeMs,
              logStartOffset: r.logStartOffset,
              recordErrors: r.recordErrors,
              errorMessage: r.errorMessage,
            };
            if (r.errorCode === Errors.NOT_LEADER_OR_FOLLOWER && apiVersion >= 10) {
              const leader = currentLeader(services, { topic: t.name, partition: p.index }, connection.listenerName);
              response.currentLeader = { leaderId: leader.leaderId, leaderEpoch: leader.leaderEpoch };
              if (leader.node !== null) (nodeEndpoints ??= new Map()).set(leader.node.nodeId, leader.node);
            }
            return response;
          }),
        });
      }
      return nodeEndpoints === null ? { responses, throttleTimeMs: 0 } : { responses, throttleTimeMs: 0, nodeEndpoints: [...nodeEndpoints.values()] };
    };
    if (request.acks !== 0 && request.acks !== 1 && request.acks !== -1) {
      recycleFrame();
      return respond(entries.map(() => ({ errorCode: Errors.INVALID_REQUIRED_ACKS, errorMessage: 'Produce request specified an invalid value for required acks.', baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [] })));
    }
    // Started synchronously: pipelined produce requests of one connection append in arrival order.
    const appended = services.replicaManager.appendRecords({
      requiredAcks: request.acks,
      timeoutMs: request.timeoutMs,
      produceVersion: apiVersion,
      transactionalId: request.transactionalId,
      entries,
    });
    // Every append of the request has completed (written, or failed before writing) once this settles (it never
    // rejects): the record bytes, views of the request frame, are no longer read, so its memory can be reused.
    void appended.then(recycleFrame, recycleFrame);
    if (request.acks === 0) {
      // No response, but the request completes only once its appends did (as in Kafka, whose handler thread appends
      // before taking the next request): until then its bytes count against queued.max.request.bytes and its slot
      // against queued.max.requests, so an acks=0 producer cannot queue appends without bound.
      return appended.then((results) => {
        if (request.topicData.some((t) => !writable.has(t.name)) || results.some((r) => r.errorCode !== Errors.NONE)) {
          services.logger.debug({ connectionId: connection.connectionId }, 'acks=0 produce failed; closing the connection as Kafka does');
          connection.closeConnection();
        }
        return NO_RESPONSE;
      });
    }
    return appended.then(respond);
  },
  // Kafka's ProduceRequest.getErrorResponse: the error on every partition; acks=0 has no response (the caller closes).
  errorResponse(request, error) {
    if (request.acks === 0) return NO_RESPONSE;
    return {
      throttleTimeMs: 0,
      responses: request.topicData.map((t) => ({
        name: t.name,
        partitionResponses: t.partitionData.map((p) => ({ index: p.index, errorCode: error.code, errorMessage: error.message, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [] })),
      })),
    };
  },
});
