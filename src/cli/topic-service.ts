import { UnsupportedVersionError } from '../network/network-client-errors.ts';
import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { CreatePartitionsResponse } from '../protocol/generated/messages/create-partitions-response.ts';
import type { CreateTopicsResponse } from '../protocol/generated/messages/create-topics-response.ts';
import type { DeleteTopicsResponse } from '../protocol/generated/messages/delete-topics-response.ts';
import type { DescribeClusterResponse } from '../protocol/generated/messages/describe-cluster-response.ts';
import type { DescribeConfigsResponse } from '../protocol/generated/messages/describe-configs-response.ts';
import type { DescribeTopicPartitionsResponse } from '../protocol/generated/messages/describe-topic-partitions-response.ts';
import type { ListPartitionReassignmentsResponse } from '../protocol/generated/messages/list-partition-reassignments-response.ts';
import { ZERO_UUID_STRING } from '../common/uuid.ts';
import { AdminError, type AdminClient } from './admin-client.ts';
import type { PartitionInfo, PartitionReassignment } from './topic-description-format.ts';

/** Kafka's Topic.INTERNAL_TOPICS. */
const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state', '__share_group_state']);
/** ConfigResource.Type.TOPIC. */
const TOPIC_RESOURCE = 2;
/** ConfigEntry.ConfigSource.DEFAULT_CONFIG: the only source Kafka's describe leaves out of "Configs:". */
const DEFAULT_CONFIG_SOURCE = 5;
/** The CreateTopics/CreatePartitions/DeleteTopics timeoutMs Kafka's Admin sends (its default.api.timeout.ms). */
const REQUEST_TIMEOUT_MS = 30_000;

/** A topic as `--describe` shows it. */
export interface TopicDescription {
  readonly name: string;
  /** null for the zero uuid (a broker without topic ids). */
  readonly topicId: string | null;
  readonly partitions: readonly PartitionInfo[];
}

/** A topic config entry as DescribeConfigs returned it. */
export interface TopicConfigEntry {
  readonly name: string;
  readonly value: string | null;
  readonly isDefault: boolean;
}

/** What `--create` asks for (Kafka's NewTopic). */
export interface NewTopic {
  readonly name: string;
  /** -1: the broker's num.partitions. */
  readonly numPartitions: number;
  /** -1: the broker's default.replication.factor. */
  readonly replicationFactor: number;
  /** Partition i's replicas, when given by --replica-assignment. */
  readonly assignment: readonly (readonly number[])[] | null;
  readonly configs: ReadonlyMap<string, string>;
}

/**
 * Kafka's TopicFilter.IncludeList: a Java regex matching whole topic names, ',' meaning '|', spaces and surrounding
 * quotes dropped. @throws Error "<regex> is an invalid regex." as Kafka's.
 */
export function includeListPattern(raw: string): RegExp {
  const regex = raw.trim().replaceAll(',', '|').replaceAll(' ', '').replace(/^["']+/, '').replace(/["']+$/, '');
  try {
    return new RegExp(`^(?:${regex})$`, 'u');
  } catch {
    throw new Error(`${regex} is an invalid regex.`);
  }
}

/** Whether Kafka's Topic.isInternal names `topic` an internal topic. */
export function isInternalTopic(topic: string): boolean {
  return INTERNAL_TOPICS.has(topic);
}

/**
 * The admin calls behind `kafka-broker topics` (Kafka's TopicCommand.TopicService and the Admin calls it makes):
 * list, describe (DescribeTopicPartitions with Metadata as the fallback, DescribeConfigs, DescribeCluster,
 * ListPartitionReassignments when offered), create, create partitions, delete. Errors answered by the broker are
 * thrown as AdminError carrying the broker's message.
 */
export class TopicService {
  readonly #client: AdminClient;

  constructor(client: AdminClient) {
    this.#client = client;
  }

  /**
   * The topic names, sorted, matching `include` (see {@link includeListPattern}), internal topics left out when
   * `excludeInternal` (TopicCommand.getTopics).
   */
  async topics(include: string | undefined, excludeInternal: boolean): Promise<string[]> {
    const metadata = await this.#client.metadata(null);
    const all = metadata.topics.filter((t) => t.errorCode === Errors.NONE && t.name !== null).map((t) => ({ name: t.name!, internal: t.isInternal || isInternalTopic(t.name!) }));
    const listed = all.filter((t) => !(excludeInternal && t.internal)).map((t) => t.name).sort(compareStrings);
    if (include === undefined) return listed;
    const pattern = includeListPattern(include);
    return listed.filter((t) => pattern.test(t));
  }

  /** The id of every topic (Metadata), by name. */
  async topicIds(): Promise<Map<string, string>> {
    const metadata = await this.#client.metadata(null);
    return new Map(metadata.topics.filter((t) => t.name !== null).map((t) => [t.name!, t.topicId]));
  }

  /**
   * Describes `names` through DescribeTopicPartitions (KIP-966: with ELR), paging with its cursor, or through
   * Metadata when the broker does not offer it (ELR then unknown), as Kafka's Admin.describeTopics.
   * @throws AdminError for a topic answered with an error (UNKNOWN_TOPIC_OR_PARTITION...).
   */
  async describe(names: readonly string[], partitionLimit: number): Promise<TopicDescription[]> {
    try {
      return await this.#describeTopicPartitions(names, partitionLimit);
    } catch (e) {
      if (!(e instanceof UnsupportedVersionError)) throw e;
    }
    const metadata = await this.#client.metadata(names);
    return names.map((name) => {
      const t = metadata.topics.find((x) => x.name === name);
      if (t === undefined) throw new Error(`Metadata answered without topic ${name}`);
      if (t.errorCode !== Errors.NONE) throw new AdminError(t.errorCode, null);
      const partitions = t.partitions.map((p) => ({ partition: p.partitionIndex, leader: p.leaderId, replicas: p.replicaNodes, isr: p.isrNodes, elr: null, lastKnownElr: null }));
      return { name, topicId: topicIdOrNull(t.topicId), partitions: partitions.sort((a, b) => a.partition - b.partition) };
    });
  }

  async #describeTopicPartitions(names: readonly string[], partitionLimit: number): Promise<TopicDescription[]> {
    const found = new Map<string, { topicId: string | null; partitions: PartitionInfo[] }>();
    let cursor: { topicName: string; partitionIndex: number } | null = null;
    do {
      const request: object = { topics: names.map((name) => ({ name })), responsePartitionLimit: partitionLimit, cursor };
      const r: DescribeTopicPartitionsResponse = await this.#client.send<DescribeTopicPartitionsResponse>(ApiKeys.DescribeTopicPartitions, request);
      for (const t of r.topics) {
        if (t.errorCode !== Errors.NONE) throw new AdminError(t.errorCode, null);
        const entry = found.get(t.name!) ?? { topicId: topicIdOrNull(t.topicId), partitions: [] };
        for (const p of t.partitions) {
          entry.partitions.push({ partition: p.partitionIndex, leader: p.leaderId, replicas: p.replicaNodes, isr: p.isrNodes, elr: p.eligibleLeaderReplicas, lastKnownElr: p.lastKnownElr });
        }
        found.set(t.name!, entry);
      }
      cursor = r.nextCursor === null ? null : { topicName: r.nextCursor.topicName, partitionIndex: r.nextCursor.partitionIndex };
    } while (cursor !== null);
    return names.filter((n) => found.has(n)).map((name) => {
      const { topicId, partitions } = found.get(name)!;
      return { name, topicId, partitions: partitions.sort((a, b) => a.partition - b.partition) };
    });
  }

  /** The configs of each topic (DescribeConfigs), in the broker's order. @throws AdminError for a topic's error. */
  async configs(names: readonly string[]): Promise<Map<string, TopicConfigEntry[]>> {
    if (names.length === 0) return new Map();
    const r = await this.#client.send<DescribeConfigsResponse>(ApiKeys.DescribeConfigs, {
      resources: names.map((resourceName) => ({ resourceType: TOPIC_RESOURCE, resourceName, configurationKeys: null })),
      includeSynonyms: false,
      includeDocumentation: false,
    }, { version: { min: 1 } });
    const out = new Map<string, TopicConfigEntry[]>();
    for (const result of r.results) {
      if (result.errorCode !== Errors.NONE) throw new AdminError(result.errorCode, result.errorMessage);
      out.set(result.resourceName, result.configs.map((c) => ({ name: c.name, value: c.value, isDefault: c.configSource === DEFAULT_CONFIG_SOURCE })));
    }
    return out;
  }

  /** The ids of the live brokers (DescribeCluster). */
  async liveBrokers(): Promise<Set<number>> {
    const r = await this.#client.send<DescribeClusterResponse>(ApiKeys.DescribeCluster, { includeClusterAuthorizedOperations: false });
    if (r.errorCode !== Errors.NONE) throw new AdminError(r.errorCode, r.errorMessage);
    return new Set(r.brokers.map((b) => b.brokerId));
  }

  /**
   * The reassignments in progress of `topics`, keyed "topic-partition"; empty when the broker does not offer
   * ListPartitionReassignments or refuses it (CLUSTER_AUTHORIZATION_FAILED), as Kafka's listAllReassignments.
   */
  async reassignments(topics: readonly TopicDescription[]): Promise<Map<string, PartitionReassignment>> {
    const out = new Map<string, PartitionReassignment>();
    let r: ListPartitionReassignmentsResponse;
    try {
      r = await this.#client.send<ListPartitionReassignmentsResponse>(ApiKeys.ListPartitionReassignments, {
        timeoutMs: REQUEST_TIMEOUT_MS,
        topics: topics.map((t) => ({ name: t.name, partitionIndexes: t.partitions.map((p) => p.partition) })),
      });
    } catch (e) {
      if (e instanceof UnsupportedVersionError) return out;
      throw e;
    }
    if (r.errorCode === Errors.CLUSTER_AUTHORIZATION_FAILED || r.errorCode === Errors.UNSUPPORTED_VERSION) return out;
    if (r.errorCode !== Errors.NONE) throw new AdminError(r.errorCode, r.errorMessage);
    for (const t of r.topics) {
      for (const p of t.partitions) out.set(`${t.name}-${p.partitionIndex}`, { replicas: p.replicas, addingReplicas: p.addingReplicas, removingReplicas: p.removingReplicas });
    }
    return out;
  }

  /** Creates a topic (CreateTopics). @throws AdminError with the broker's error (TOPIC_ALREADY_EXISTS...). */
  async create(topic: NewTopic): Promise<void> {
    const assignments = topic.assignment?.map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds })) ?? [];
    const r = await this.#client.send<CreateTopicsResponse>(ApiKeys.CreateTopics, {
      topics: [{
        name: topic.name,
        numPartitions: topic.assignment === null ? topic.numPartitions : -1,
        replicationFactor: topic.assignment === null ? topic.replicationFactor : -1,
        assignments,
        configs: [...topic.configs].map(([name, value]) => ({ name, value })),
      }],
      timeoutMs: REQUEST_TIMEOUT_MS,
      validateOnly: false,
    });
    const result = r.topics.find((t) => t.name === topic.name);
    if (result === undefined) throw new Error(`CreateTopics answered without topic ${topic.name}`);
    if (result.errorCode !== Errors.NONE) throw new AdminError(result.errorCode, result.errorMessage);
  }

  /**
   * Raises the partition count of each topic to `count` (CreatePartitions), with the replicas of the new partitions
   * when given. @throws AdminError with the first topic's error (INVALID_PARTITIONS...).
   */
  async createPartitions(increases: ReadonlyMap<string, { count: number; assignment: readonly (readonly number[])[] | null }>): Promise<void> {
    const r = await this.#client.send<CreatePartitionsResponse>(ApiKeys.CreatePartitions, {
      topics: [...increases].map(([name, { count, assignment }]) => ({ name, count, assignments: assignment?.map((brokerIds) => ({ brokerIds })) ?? null })),
      timeoutMs: REQUEST_TIMEOUT_MS,
      validateOnly: false,
    });
    const failed = r.results.find((t) => t.errorCode !== Errors.NONE);
    if (failed !== undefined) throw new AdminError(failed.errorCode, failed.errorMessage);
  }

  /** Deletes topics by name (DeleteTopics). @throws AdminError with the first topic's error. */
  async delete(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    const r = await this.#client.send<DeleteTopicsResponse>(ApiKeys.DeleteTopics, {
      topics: names.map((name) => ({ name, topicId: ZERO_UUID_STRING })),
      topicNames: [...names],
      timeoutMs: REQUEST_TIMEOUT_MS,
    });
    const failed = r.responses.find((t) => t.errorCode !== Errors.NONE);
    if (failed !== undefined) throw new AdminError(failed.errorCode, failed.errorMessage);
  }
}

function topicIdOrNull(topicId: string): string | null {
  return topicId === ZERO_UUID_STRING ? null : topicId;
}

/** Java's String.compareTo order (UTF-16 code units), as Kafka sorts topic names. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
