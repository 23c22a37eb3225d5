import { Errors } from '../protocol/generated/errors.ts';
import { randomUuid } from '../common/uuid.ts';
import { ApiError } from '../common/api-error.ts';
import type { MetadataImage, TopicImage } from '../metadata/metadata-image.ts';
import type { MetadataRecordInput } from '../metadata/metadata-record-serde.ts';
import { partitionRecordVersion } from '../metadata/metadata-version.ts';
import { MIGRATING_DIRECTORY } from '../metadata/partition-registration.ts';
import { collisionKey, isInternalTopic, topicNameError } from './topic-validation.ts';
import { isActiveBroker, metadataVersionOf } from './cluster-control-manager.ts';
import { InvalidReplicationFactorError, type StripedReplicaPlacer, type UsableBroker } from './striped-replica-placer.ts';

/** A topic to create (CreateTopicsRequest.CreatableTopic, version-independent). */
export interface TopicCreation {
  name: string;
  /** -1 = broker default (num.partitions). */
  numPartitions: number;
  /** -1 = broker default (default.replication.factor). */
  replicationFactor: number;
  /** Manual assignment: replicas per partition index; when non-empty numPartitions/replicationFactor must be -1. */
  assignments: { partitionIndex: number; brokerIds: number[] }[];
  configs: { name: string; value: string | null }[];
}

export interface TopicCreationResult {
  name: string;
  topicId: string;
  errorCode: number;
  errorMessage: string | null;
  numPartitions: number;
  replicationFactor: number;
}

/** Controller-side settings and checks that topic operations need. */
export interface ReplicationControlOptions {
  /** num.partitions */
  defaultNumPartitions: number;
  /** default.replication.factor */
  defaultReplicationFactor: number;
  /** Validates one topic config entry: null when valid, else the reason (INVALID_CONFIG, error 40). */
  validateTopicConfig(name: string, value: string | null): string | null;
}

type Outcome<T> = { records: MetadataRecordInput[]; results: T[] };

/**
 * Most partitions one CreateTopics request may create (Kafka's ReplicationControlManager.MAX_PARTITIONS_PER_BATCH);
 * also the bound on partitions one CreatePartitions request may add (Kafka bounds that operation's records by
 * QuorumController.MAX_RECORDS_PER_USER_OP, the same 10,000). Without it one request could make the controller
 * write and every broker open millions of partitions.
 */
export const MAX_PARTITIONS_PER_BATCH = 10_000;

function fail(name: string, errorCode: number, errorMessage: string): TopicCreationResult {
  return { name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', errorCode, errorMessage, numPartitions: -1, replicationFactor: -1 };
}

/**
 * The PartitionRecords of new partitions (Kafka's buildPartitionRegistration): the ISR is the replicas that are
 * active (registered, unfenced, not in controlled shutdown), the leader the first of them, epochs 0. Replicas keep
 * the MIGRATING directory: our brokers do not report directory assignments (KIP-858).
 * @param isrs each partition's ISR, not empty.
 */
function partitionRecords(image: MetadataImage, topicId: string, firstPartition: number, assignments: number[][], isrs: number[][]): MetadataRecordInput[] {
  const version = partitionRecordVersion(metadataVersionOf(image));
  return assignments.map((replicas, i) => ({
    type: 'PartitionRecord' as const,
    version,
    data: {
      partitionId: firstPartition + i,
      topicId,
      replicas,
      isr: isrs[i]!,
      removingReplicas: [],
      addingReplicas: [],
      leader: isrs[i]![0]!,
      leaderRecoveryState: 0,
      leaderEpoch: 0,
      partitionEpoch: 0,
      directories: replicas.map(() => MIGRATING_DIRECTORY),
      eligibleLeaderReplicas: null,
      lastKnownElr: null,
    },
  }));
}

/** The ISR of each assignment: its active replicas. */
function activeReplicas(image: MetadataImage, assignments: number[][]): number[][] {
  return assignments.map((replicas) => replicas.filter((id) => isActiveBroker(image, id)));
}

/** Checks a manual assignment (INVALID_REPLICA_ASSIGNMENT, error 39): contiguous partitions from `first`, equal sizes, known brokers, no duplicates. */
function assignmentError(assignments: { partitionIndex: number; brokerIds: number[] }[], first: number, image: MetadataImage): string | null {
  const sorted = [...assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
  const rf = sorted[0]?.brokerIds.length ?? 0;
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i]!;
    if (a.partitionIndex !== first + i) return `Partitions should be a consecutive 0-based integer sequence`;
    if (a.brokerIds.length === 0) return `The manual partition assignment includes an empty replica list.`;
    if (a.brokerIds.length !== rf) return `The manual partition assignment includes a partition with ${a.brokerIds.length} replica(s), but this is not consistent with previous partitions, which have ${rf} replica(s).`;
    if (new Set(a.brokerIds).size !== a.brokerIds.length) return `The manual partition assignment includes duplicate replicas.`;
    for (const id of a.brokerIds) if (!image.brokers.has(id)) return `The manual partition assignment includes broker ${id}, but no such broker is registered.`;
    if (!a.brokerIds.some((id) => isActiveBroker(image, id))) {
      return `All brokers specified in the manual partition assignment for partition ${a.partitionIndex} are fenced or in controlled shutdown.`;
    }
  }
  return null;
}

/**
 * The partition change quota of one request (Kafka's ControllerRequestContext.applyPartitionChangeQuota, KIP-599):
 * called with a topic's partitions to create or delete once the topic is otherwise valid, before its records.
 * @throws ApiError THROTTLING_QUOTA_EXCEEDED (89) to refuse that topic.
 */
export interface PartitionChangeQuota {
  applyPartitionChangeQuota(partitions: number): void;
}

/** Applies `quota` to `partitions`: null when allowed, else the refusal (THROTTLING_QUOTA_EXCEEDED) as a result error. */
function quotaRefusal(quota: PartitionChangeQuota | undefined, partitions: number): ApiError | null {
  if (quota === undefined) return null;
  try {
    quota.applyPartitionChangeQuota(partitions);
    return null;
  } catch (e) {
    if (e instanceof ApiError && e.code === Errors.THROTTLING_QUOTA_EXCEEDED) return e;
    throw e;
  }
}

/**
 * Topic and partition lifecycle on the controller, after Kafka's `ReplicationControlManager`: each operation
 * checks a request against the current image and returns the metadata records to append plus per-item results.
 * Nothing here mutates state; the records do, once committed and replayed.
 */
export class ReplicationControlManager {
  readonly #options: ReplicationControlOptions;
  readonly #placer: StripedReplicaPlacer;

  constructor(options: ReplicationControlOptions, placer: StripedReplicaPlacer) {
    this.#options = options;
    this.#placer = placer;
  }

  /**
   * Places new partitions on `brokers` (Kafka's StripedReplicaPlacer) and derives their ISRs.
   * @throws InvalidReplicationFactorError (38) when they cannot be placed, or every replica of one is inactive.
   */
  #place(image: MetadataImage, brokers: readonly UsableBroker[], count: number, replicationFactor: number): { assignments: number[][]; isrs: number[][] } {
    const assignments = this.#placer.place(count, replicationFactor, brokers);
    const isrs = activeReplicas(image, assignments);
    if (isrs.some((isr) => isr.length === 0)) throw new InvalidReplicationFactorError(`Unable to replicate the partition ${replicationFactor} time(s): All brokers are currently fenced or in controlled shutdown.`);
    return { assignments, isrs };
  }

  /**
   * CreateTopics. Errors per topic: INVALID_TOPIC_EXCEPTION (17), TOPIC_ALREADY_EXISTS (36), INVALID_PARTITIONS
   * (37), INVALID_REPLICATION_FACTOR (38), INVALID_REPLICA_ASSIGNMENT (39), INVALID_CONFIG (40), INVALID_REQUEST (42);
   * POLICY_VIOLATION (44) for every topic when the request asks for more than {@link MAX_PARTITIONS_PER_BATCH}
   * partitions in total.
   * @param brokers where new replicas may go (registered, not in controlled shutdown; the first replica of each
   *   partition goes to an unfenced one).
   */
  createTopics(image: MetadataImage, topics: TopicCreation[], brokers: readonly UsableBroker[], quota?: PartitionChangeQuota): Outcome<TopicCreationResult> {
    const records: MetadataRecordInput[] = [];
    const results: TopicCreationResult[] = [];
    // Kafka checks the request's total before anything else and refuses all of it (validateTotalNumberOfPartitions).
    let totalPartitions = 0;
    for (const t of topics) {
      if (t.assignments.length > 0) totalPartitions += t.assignments.length;
      else if (t.numPartitions === -1) totalPartitions += this.#options.defaultNumPartitions;
      else if (t.numPartitions > 0) totalPartitions += t.numPartitions;
    }
    if (totalPartitions > MAX_PARTITIONS_PER_BATCH) {
      return { records, results: topics.map((t) => fail(t.name, Errors.POLICY_VIOLATION, 'Excessively large number of partitions per request.')) };
    }
    const collisions = new Map([...image.topicsByName.keys()].map((n) => [collisionKey(n), n]));
    for (const t of topics) {
      const nameError = topicNameError(t.name);
      if (nameError !== null) {
        results.push(fail(t.name, Errors.INVALID_TOPIC_EXCEPTION, nameError));
        continue;
      }
      if (image.topicsByName.has(t.name)) {
        results.push(fail(t.name, Errors.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`));
        continue;
      }
      const collision = collisions.get(collisionKey(t.name));
      if (collision !== undefined) {
        results.push(fail(t.name, Errors.INVALID_TOPIC_EXCEPTION, `Topic '${t.name}' collides with existing topic: ${collision}`));
        continue;
      }
      let configError: string | null = null;
      for (const c of t.configs) {
        configError = this.#options.validateTopicConfig(c.name, c.value);
        if (configError !== null) break;
      }
      if (configError !== null) {
        results.push(fail(t.name, Errors.INVALID_CONFIG, configError));
        continue;
      }
      let assignments: number[][];
      let isrs: number[][];
      if (t.assignments.length > 0) {
        if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
          results.push(fail(t.name, Errors.INVALID_REQUEST, 'A manual partition assignment was specified, but numPartitions or replicationFactor was not set to -1.'));
          continue;
        }
        const err = assignmentError(t.assignments, 0, image);
        if (err !== null) {
          results.push(fail(t.name, Errors.INVALID_REPLICA_ASSIGNMENT, err));
          continue;
        }
        assignments = [...t.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex).map((a) => a.brokerIds);
        isrs = activeReplicas(image, assignments);
      } else {
        const numPartitions = t.numPartitions === -1 ? this.#options.defaultNumPartitions : t.numPartitions;
        const rf = t.replicationFactor === -1 ? this.#options.defaultReplicationFactor : t.replicationFactor;
        if (numPartitions <= 0) {
          results.push(fail(t.name, Errors.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.'));
          continue;
        }
        if (rf <= 0) {
          results.push(fail(t.name, Errors.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.'));
          continue;
        }
        try {
          ({ assignments, isrs } = this.#place(image, brokers, numPartitions, rf));
        } catch (e) {
          if (!(e instanceof InvalidReplicationFactorError)) throw e;
          const message = e.message.startsWith('Unable to replicate') ? e.message : `Unable to replicate the partition ${rf} time(s): ${e.message}`;
          results.push(fail(t.name, Errors.INVALID_REPLICATION_FACTOR, message));
          continue;
        }
      }
      const refused = quotaRefusal(quota, assignments.length);
      if (refused !== null) {
        results.push(fail(t.name, refused.code, refused.message));
        continue;
      }
      const topicId = randomUuid();
      records.push({ type: 'TopicRecord', data: { name: t.name, topicId } });
      for (const c of t.configs) {
        if (c.value !== null) records.push({ type: 'ConfigRecord', data: { resourceType: 2, resourceName: t.name, name: c.name, value: c.value } });
      }
      records.push(...partitionRecords(image, topicId, 0, assignments, isrs));
      collisions.set(collisionKey(t.name), t.name);
      results.push({ name: t.name, topicId, errorCode: 0, errorMessage: null, numPartitions: assignments.length, replicationFactor: assignments[0]!.length });
    }
    return { records, results };
  }

  /**
   * DeleteTopics by name or id. Errors: UNKNOWN_TOPIC_OR_PARTITION (3), UNKNOWN_TOPIC_ID (100).
   * Internal topics cannot be deleted here (TOPIC_AUTHORIZATION_FAILED is what Kafka gives without the right ACL;
   * we answer INVALID_REQUEST with a message).
   */
  deleteTopics(image: MetadataImage, topics: { name: string | null; topicId: string | null }[], quota?: PartitionChangeQuota): Outcome<{ name: string | null; topicId: string; errorCode: number; errorMessage: string | null }> {
    const records: MetadataRecordInput[] = [];
    const results: { name: string | null; topicId: string; errorCode: number; errorMessage: string | null }[] = [];
    const removed = new Set<string>();
    for (const t of topics) {
      let topic: TopicImage | undefined;
      if (t.name !== null) topic = image.topicsByName.get(t.name);
      else if (t.topicId !== null) topic = image.topicsById.get(t.topicId);
      if (topic === undefined) {
        const byName = t.name !== null;
        results.push({
          name: t.name,
          topicId: t.topicId ?? 'AAAAAAAAAAAAAAAAAAAAAA',
          errorCode: byName ? Errors.UNKNOWN_TOPIC_OR_PARTITION : Errors.UNKNOWN_TOPIC_ID,
          errorMessage: byName ? 'This server does not host this topic-partition.' : 'This server does not host this topic ID.',
        });
        continue;
      }
      if (isInternalTopic(topic.name)) {
        results.push({ name: topic.name, topicId: topic.id, errorCode: Errors.INVALID_REQUEST, errorMessage: `Internal topic ${topic.name} cannot be deleted.` });
        continue;
      }
      if (!removed.has(topic.id)) {
        const refused = quotaRefusal(quota, topic.partitions.size);
        if (refused !== null) {
          results.push({ name: topic.name, topicId: topic.id, errorCode: refused.code, errorMessage: refused.message });
          continue;
        }
        records.push({ type: 'RemoveTopicRecord', data: { topicId: topic.id } });
        removed.add(topic.id);
      }
      results.push({ name: topic.name, topicId: topic.id, errorCode: 0, errorMessage: null });
    }
    return { records, results };
  }

  /**
   * CreatePartitions: grows a topic to `count` partitions. Errors: UNKNOWN_TOPIC_OR_PARTITION (3),
   * INVALID_PARTITIONS (37) when count is not larger, INVALID_REPLICA_ASSIGNMENT (39), INVALID_REPLICATION_FACTOR (38);
   * POLICY_VIOLATION (44) for every topic when more than {@link MAX_PARTITIONS_PER_BATCH} partitions would be added.
   * @param brokers where new replicas may go (see {@link createTopics}).
   */
  createPartitions(
    image: MetadataImage,
    requests: { name: string; count: number; assignments: { brokerIds: number[] }[] | null }[],
    brokers: readonly UsableBroker[],
    quota?: PartitionChangeQuota,
  ): Outcome<{ name: string; errorCode: number; errorMessage: string | null }> {
    const records: MetadataRecordInput[] = [];
    const results: { name: string; errorCode: number; errorMessage: string | null }[] = [];
    // Kafka's bounded record list overflows (BoundedListTooLongException) and the whole request becomes a
    // PolicyViolationException with this message.
    let totalAdded = 0;
    for (const req of requests) totalAdded += Math.max(0, req.count - (image.topicsByName.get(req.name)?.partitions.size ?? req.count));
    if (totalAdded > MAX_PARTITIONS_PER_BATCH) {
      return { records, results: requests.map((r) => ({ name: r.name, errorCode: Errors.POLICY_VIOLATION, errorMessage: 'Unable to perform excessively large batch operation.' })) };
    }
    for (const req of requests) {
      const topic = image.topicsByName.get(req.name);
      if (topic === undefined) {
        results.push({ name: req.name, errorCode: Errors.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${req.name}' does not exist.` });
        continue;
      }
      const current = topic.partitions.size;
      if (req.count < current) {
        results.push({ name: req.name, errorCode: Errors.INVALID_PARTITIONS, errorMessage: `The topic ${req.name} currently has ${current} partition(s); ${req.count} would not be an increase.` });
        continue;
      }
      if (req.count === current) {
        results.push({ name: req.name, errorCode: Errors.INVALID_PARTITIONS, errorMessage: `Topic already has ${current} partition(s).` });
        continue;
      }
      const adding = req.count - current;
      if (req.assignments !== null && req.assignments.length !== adding) {
        results.push({ name: req.name, errorCode: Errors.INVALID_REPLICA_ASSIGNMENT, errorMessage: `Attempted to add ${adding} additional partition(s), but only ${req.assignments.length} assignment(s) were specified.` });
        continue;
      }
      const refused = quotaRefusal(quota, adding);
      if (refused !== null) {
        results.push({ name: req.name, errorCode: refused.code, errorMessage: refused.message });
        continue;
      }
      const rf = topic.partitions.get(0)?.replicas.length ?? 1;
      let assignments: number[][];
      let isrs: number[][];
      if (req.assignments !== null) {
        const err = assignmentError(req.assignments.map((a, i) => ({ partitionIndex: current + i, brokerIds: a.brokerIds })), current, image);
        if (err !== null) {
          results.push({ name: req.name, errorCode: Errors.INVALID_REPLICA_ASSIGNMENT, errorMessage: err });
          continue;
        }
        assignments = req.assignments.map((a) => a.brokerIds);
        isrs = activeReplicas(image, assignments);
      } else {
        try {
          ({ assignments, isrs } = this.#place(image, brokers, adding, rf));
        } catch (e) {
          if (!(e instanceof InvalidReplicationFactorError)) throw e;
          results.push({ name: req.name, errorCode: Errors.INVALID_REPLICATION_FACTOR, errorMessage: e.message });
          continue;
        }
      }
      records.push(...partitionRecords(image, topic.id, current, assignments, isrs));
      results.push({ name: req.name, errorCode: 0, errorMessage: null });
    }
    return { records, results };
  }
}
