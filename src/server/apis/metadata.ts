// Metadata (key 3): v0-12
// Behaviour: the unfenced brokers that have an endpoint on the listener the request came in on (their advertised
// host/port), the cluster id, a controller id (a random unfenced broker, as Kafka's KRaft brokers answer: brokers
// forward metadata writes to the active controller), and the requested topics (all topics for a null list, or an
// empty list at v0) with leader, leader epoch, replicas, ISR and offline replicas per partition. Unknown topics are
// created when auto.create.topics.enable is on and the request allows it (v4+ flag; implied before v4): a
// CreateTopics in an Envelope with the client's principal to the active controller, awaited (unlike Kafka, which
// answers UNKNOWN_TOPIC_OR_PARTITION meanwhile) until this broker's metadata has the topic; otherwise
// UNKNOWN_TOPIC_OR_PARTITION (3), INVALID_TOPIC_EXCEPTION (17) for illegal names, UNKNOWN_TOPIC_ID (100) for ids.
// Version notes: v1 null topics = all, adds rack/controllerId/isInternal; v2 clusterId; v4 allowAutoTopicCreation;
// v5 offlineReplicas; v7 leaderEpoch; v8 authorized operations; v9 flexible; v10 topic ids; v11 drops cluster
// authorized operations; v12 nullable topic name.
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { MetadataRequest } from '../../protocol/generated/messages/metadata-request.ts';
import type { MetadataResponse, MetadataResponseTopic } from '../../protocol/generated/messages/metadata-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import type { MetadataImage, TopicImage } from '../../metadata/metadata-image.ts';
import { ZERO_UUID_STRING } from '../../common/uuid.ts';
import { isInternalTopic, topicNameError } from '../../controller/topic-validation.ts';
import type { BrokerServices } from '../broker-services.ts';

/** Every topic operation allowed (no authorizer): READ..ALTER_CONFIGS bits of Kafka's AclOperation codes. */
export const ALL_TOPIC_OPERATIONS = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 10) | (1 << 11);
/** Every cluster operation allowed (no authorizer). */
const ALL_CLUSTER_OPERATIONS = (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | (1 << 14);
const OPERATIONS_NOT_REQUESTED = -2147483648;

function describeTopic(image: MetadataImage, topic: TopicImage, authorizedOperations: number): Input<MetadataResponseTopic> {
  const partitions = [...topic.partitions.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([partitionIndex, p]) => ({
      errorCode: p.leader === -1 ? Errors.LEADER_NOT_AVAILABLE : Errors.NONE,
      partitionIndex,
      leaderId: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: [...p.replicas],
      isrNodes: [...p.isr],
      offlineReplicas: p.replicas.filter((id) => image.brokers.get(id)?.fenced !== false),
    }));
  return {
    errorCode: Errors.NONE,
    name: topic.name,
    topicId: topic.id,
    isInternal: isInternalTopic(topic.name),
    partitions,
    topicAuthorizedOperations: authorizedOperations,
  };
}

function topicError(name: string | null, topicId: string, errorCode: number): Input<MetadataResponseTopic> {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: OPERATIONS_NOT_REQUESTED };
}

/** Whether an unknown topic should be created now. */
function mayAutoCreate(services: BrokerServices, request: MetadataRequest, apiVersion: number, name: string): boolean {
  const allowed = apiVersion < 4 || request.allowAutoTopicCreation;
  return allowed && services.autoTopicCreation.enabled && topicNameError(name) === null && !isInternalTopic(name);
}

export const metadataHandler = defineHandler<MetadataRequest, Input<MetadataResponse>>({
  apiKey: ApiKeys.Metadata,
  minVersion: 0,
  maxVersion: 12,
  async handle(services, request, info) {
    const { apiVersion, connection } = info;
    const topicOps = request.includeTopicAuthorizedOperations ? ALL_TOPIC_OPERATIONS : OPERATIONS_NOT_REQUESTED;
    let image = services.metadata();
    const allTopics = request.topics === null || (apiVersion === 0 && request.topics.length === 0);
    let topics: Input<MetadataResponseTopic>[];
    if (allTopics) {
      topics = [...image.topicsByName.values()].map((t) => describeTopic(image, t, topicOps));
    } else {
      const requested = request.topics!;
      // Create the unknown topics first (one controller round trip each, concurrently), then describe all.
      const toCreate = requested
        .map((t) => t.name)
        .filter((name): name is string => name !== null && !image.topicsByName.has(name) && mayAutoCreate(services, request, apiVersion, name));
      if (toCreate.length > 0) {
        await Promise.all([...new Set(toCreate)].map((name) => services.autoTopicCreation.createTopic(name, info)));
        image = services.metadata();
      }
      topics = requested.map((t) => {
        if (t.name === null) {
          const byId = image.topicsById.get(t.topicId);
          return byId === undefined ? topicError(null, t.topicId, Errors.UNKNOWN_TOPIC_ID) : describeTopic(image, byId, topicOps);
        }
        const topic = image.topicsByName.get(t.name);
        if (topic !== undefined) return describeTopic(image, topic, topicOps);
        const code = topicNameError(t.name) !== null ? Errors.INVALID_TOPIC_EXCEPTION : Errors.UNKNOWN_TOPIC_OR_PARTITION;
        return topicError(t.name, ZERO_UUID_STRING, code);
      });
    }
    const brokers = [...image.brokers.values()]
      .filter((b) => !b.fenced)
      .flatMap((b) => {
        const ep = b.endpoints.find((e) => e.name === connection.listenerName);
        return ep === undefined ? [] : [{ nodeId: b.id, host: ep.host, port: ep.port, rack: b.rack }];
      });
    return {
      throttleTimeMs: 0,
      brokers,
      clusterId: services.clusterId,
      controllerId: services.randomAliveBrokerId() ?? -1,
      topics,
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? ALL_CLUSTER_OPERATIONS : OPERATIONS_NOT_REQUESTED,
    };
  },
  // Kafka's MetadataRequest.getErrorResponse: the error on every requested topic (none for an all-topics request).
  errorResponse(request, error) {
    return { throttleTimeMs: 0, brokers: [], clusterId: null, controllerId: -1, topics: (request.topics ?? []).map((t) => topicError(t.name ?? '', t.topicId, error.code)) };
  },
});
