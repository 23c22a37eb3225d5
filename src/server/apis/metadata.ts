// Metadata (key 3): v0-12
// Behaviour: the unfenced brokers that have an endpoint on the listener the request came in on (their advertised
// host/port), the cluster id, a controller id (a random unfenced broker, as Kafka's KRaft brokers answer: brokers
// forward metadata writes to the active controller), and the requested topics (all topics for a null list, or an
// empty list at v0) with leader, leader epoch, replicas, ISR and offline replicas per partition. Unknown topics are
// created when auto.create.topics.enable is on and the request allows it (v4+ flag; implied before v4): a
// CreateTopics in an Envelope with the client's principal to the active controller, awaited (unlike Kafka, which
// answers UNKNOWN_TOPIC_OR_PARTITION meanwhile) until this broker's metadata has the topic; otherwise
// UNKNOWN_TOPIC_OR_PARTITION (3), INVALID_TOPIC_EXCEPTION (17) for illegal names, UNKNOWN_TOPIC_ID (100) for ids.
// Authorization (Kafka's KafkaApis): DESCRIBE on each topic; an all-topics request leaves the others out, a named
// one gets TOPIC_AUTHORIZATION_FAILED (29) without its id (by id: with its id, without its name); an unknown topic
// is auto-created only with CREATE on the cluster or the topic, else TOPIC_AUTHORIZATION_FAILED; authorized
// operations (v8+) are the principal's; cluster authorized operations (v8-10) need DESCRIBE on the cluster.
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
import { AclOperation, ResourceType } from '../../security/authorizer/acl-codes.ts';
import { authorizeCluster, AUTHORIZED_OPERATIONS_OMITTED, authorizedOperations, authorizedTopics, clusterAuthorizedOperations, TOPIC_OPERATIONS } from '../auth-helper.ts';


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
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
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
    const authorizer = services.authorizer;
    // Kafka's handleTopicMetadataRequest: the authorized operations of each described topic when asked (v8+).
    const topicOps = (name: string): number => (request.includeTopicAuthorizedOperations
      ? authorizedOperations(authorizer, info, ResourceType.TOPIC, name, TOPIC_OPERATIONS)
      : AUTHORIZED_OPERATIONS_OMITTED);
    let image = services.metadata();
    const allTopics = request.topics === null || (apiVersion === 0 && request.topics.length === 0);
    let topics: Input<MetadataResponseTopic>[];
    if (allTopics) {
      // Topics the principal may not describe are left out, without a trace.
      const describable = authorizedTopics(authorizer, info, AclOperation.DESCRIBE, image.topicsByName.keys());
      topics = [...image.topicsByName.values()].filter((t) => describable.has(t.name)).map((t) => describeTopic(image, t, topicOps(t.name)));
    } else {
      const requested = request.topics!;
      // Requested by id: the name of a known id is authorized as a requested name; an unknown id is UNKNOWN_TOPIC_ID.
      const names = requested.map((t) => (t.name === null ? image.topicsById.get(t.topicId)?.name ?? null : t.name));
      const describable = authorizedTopics(authorizer, info, AclOperation.DESCRIBE, names.filter((n): n is string => n !== null));
      // Auto-creation needs CREATE on the cluster or on the topic; a describable unknown topic without it is
      // TOPIC_AUTHORIZATION_FAILED.
      const autoCreation = (apiVersion < 4 || request.allowAutoTopicCreation) && services.autoTopicCreation.enabled;
      const unknown = [...describable].filter((name) => !image.topicsByName.has(name));
      const creatable = !autoCreation || unknown.length === 0 || authorizeCluster(authorizer, info, AclOperation.CREATE)
        ? new Set(unknown)
        : authorizedTopics(authorizer, info, AclOperation.CREATE, unknown);
      // Create the unknown topics first (one controller round trip each, concurrently), then describe all.
      const toCreate = unknown.filter((name) => creatable.has(name) && mayAutoCreate(services, request, apiVersion, name));
      if (toCreate.length > 0) {
        await Promise.all(toCreate.map((name) => services.autoTopicCreation.createTopic(name, info)));
        image = services.metadata();
      }
      topics = requested.map((t, i) => {
        const name = names[i]!;
        if (name === null) return topicError(null, t.topicId, Errors.UNKNOWN_TOPIC_ID);
        // Topic ids are not secret: a denied id is answered with its id and no name; a denied name without its id.
        if (!describable.has(name)) return t.name === null ? topicError(null, t.topicId, Errors.TOPIC_AUTHORIZATION_FAILED) : topicError(name, ZERO_UUID_STRING, Errors.TOPIC_AUTHORIZATION_FAILED);
        const topic = image.topicsByName.get(name);
        if (topic !== undefined) return describeTopic(image, topic, topicOps(name));
        if (!creatable.has(name)) return topicError(name, ZERO_UUID_STRING, Errors.TOPIC_AUTHORIZATION_FAILED);
        const code = topicNameError(name) !== null ? Errors.INVALID_TOPIC_EXCEPTION : Errors.UNKNOWN_TOPIC_OR_PARTITION;
        return topicError(name, ZERO_UUID_STRING, code);
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
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations && apiVersion <= 10 ? clusterAuthorizedOperations(authorizer, info) : AUTHORIZED_OPERATIONS_OMITTED,
    };
  },
  // Kafka's MetadataRequest.getErrorResponse: the error on every requested topic (none for an all-topics request).
  errorResponse(request, error) {
    return { throttleTimeMs: 0, brokers: [], clusterId: null, controllerId: -1, topics: (request.topics ?? []).map((t) => topicError(t.name ?? '', t.topicId, error.code)) };
  },
});
