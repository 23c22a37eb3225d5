import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { AlterPartitionReassignmentsResponse } from '../protocol/generated/messages/alter-partition-reassignments-response.ts';
import type { DescribeClusterResponse } from '../protocol/generated/messages/describe-cluster-response.ts';
import type { DescribeLogDirsResponse } from '../protocol/generated/messages/describe-log-dirs-response.ts';
import type { ListPartitionReassignmentsResponse } from '../protocol/generated/messages/list-partition-reassignments-response.ts';
import { AdminError, type AdminClient } from './admin-client.ts';
import { ResourceType } from './config-service.ts';
import type { IncrementalAlterConfigsResponse } from '../protocol/generated/messages/incremental-alter-configs-response.ts';
import type { NodeEndpoint } from '../network/network-client.ts';
import { exceptionClass } from './java-format.ts';
import { tpName, type PartitionReplicas } from './reassignment-json.ts';

/** The timeout of the reassignment requests, in ms (Kafka's Admin default.api.timeout.ms is the caller's deadline). */
const REQUEST_TIMEOUT_MS = 30_000;

/** Broker configs that kafka-reassign-partitions removes when a reassignment is done (BROKER_LEVEL_THROTTLES). */
const BROKER_LEVEL_THROTTLES = ['leader.replication.throttled.rate', 'follower.replication.throttled.rate', 'replica.alter.log.dirs.io.max.bytes.per.second'];
/** AlterConfigOp.OpType ids on the wire. */
const OP_SET = 0;
const OP_DELETE = 1;
/** Topic configs it removes (TOPIC_LEVEL_THROTTLES). */
const TOPIC_LEVEL_THROTTLES = ['leader.replication.throttled.replicas', 'follower.replication.throttled.replicas'];

/** An ongoing reassignment (ListPartitionReassignments): all replicas, the adding ones and the removing ones. */
export interface OngoingReassignment {
  readonly topic: string;
  readonly partition: number;
  readonly replicas: readonly number[];
  readonly adding: readonly number[];
  readonly removing: readonly number[];
}

/** Kafka's Java exception text of an error: "org.apache.kafka.common.errors.<Class>: <message>". */
export function javaExceptionText(error: AdminError): string {
  return `org.apache.kafka.common.errors.${exceptionClass(error.code)}: ${error.message}`;
}

/**
 * The Admin calls of kafka-reassign-partitions (KIP-455): ListPartitionReassignments and AlterPartitionReassignments
 * (a broker forwards both to the active controller), DescribeCluster, the replicas of topics (Metadata), and the
 * throttle configs (IncrementalAlterConfigs). Methods throw AdminError for an error the broker answered for the whole
 * request.
 */
export class ReassignmentService {
  readonly #client: AdminClient;

  constructor(client: AdminClient) {
    this.#client = client;
  }

  /** The live brokers (Metadata), by id. */
  async #liveBrokers(): Promise<Map<number, NodeEndpoint>> {
    return new Map((await this.#client.metadata([])).brokers.map((b) => [b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port }]));
  }

  /**
   * IncrementalAlterConfigs of `resources` (SET each of `set`, DELETE each of `remove`), a broker's sent to that
   * broker as Kafka's Admin does (a broker that is not live: to the bootstrap broker, which answers the error).
   * @throws AdminError for the first resource that failed.
   */
  async #alterConfigs(resourceType: number, names: readonly string[], set: ReadonlyMap<string, string>, remove: readonly string[]): Promise<void> {
    const configs = [...[...set].map(([name, value]) => ({ name, configOperation: OP_SET, value })), ...remove.map((name) => ({ name, configOperation: OP_DELETE, value: null }))];
    const live = resourceType === ResourceType.BROKER ? await this.#liveBrokers() : new Map<number, NodeEndpoint>();
    const batches = resourceType === ResourceType.BROKER ? names.map((n) => ({ node: live.get(Number(n)), names: [n] })) : [{ node: undefined, names }];
    for (const batch of batches) {
      if (batch.names.length === 0) continue;
      const request = { resources: batch.names.map((resourceName) => ({ resourceType, resourceName, configs })), validateOnly: false };
      const r = await this.#client.send<IncrementalAlterConfigsResponse>(ApiKeys.IncrementalAlterConfigs, request, batch.node === undefined ? {} : { node: batch.node });
      for (const response of r.responses) if (response.errorCode !== Errors.NONE) throw new AdminError(response.errorCode, response.errorMessage);
    }
  }

  /** The ongoing reassignments of `partitions` (null: all of them), sorted by topic and partition. */
  async list(partitions: readonly { topic: string; partition: number }[] | null = null): Promise<OngoingReassignment[]> {
    const topics = partitions === null ? null : [...new Set(partitions.map((p) => p.topic))].map((name) => ({ name, partitionIndexes: partitions.filter((p) => p.topic === name).map((p) => p.partition) }));
    const r = await this.#client.send<ListPartitionReassignmentsResponse>(ApiKeys.ListPartitionReassignments, { timeoutMs: REQUEST_TIMEOUT_MS, topics });
    if (r.errorCode !== Errors.NONE) throw new AdminError(r.errorCode, r.errorMessage);
    return r.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas, adding: p.addingReplicas, removing: p.removingReplicas })));
  }

  /**
   * AlterPartitionReassignments: each partition to its `replicas`, or its reassignment cancelled (replicas null).
   * @returns the error of each partition that failed, keyed "topic-partition" (a request-level error fails them all).
   */
  async alter(partitions: readonly { topic: string; partition: number; replicas: readonly number[] | null }[]): Promise<Map<string, AdminError>> {
    const topics = [...new Set(partitions.map((p) => p.topic))].map((name) => ({
      name,
      partitions: partitions.filter((p) => p.topic === name).map((p) => ({ partitionIndex: p.partition, replicas: p.replicas === null ? null : [...p.replicas] })),
    }));
    const r = await this.#client.send<AlterPartitionReassignmentsResponse>(ApiKeys.AlterPartitionReassignments, { timeoutMs: REQUEST_TIMEOUT_MS, topics });
    const errors = new Map<string, AdminError>();
    if (r.errorCode !== Errors.NONE) {
      for (const p of partitions) errors.set(tpName(p), new AdminError(r.errorCode, r.errorMessage));
      return errors;
    }
    for (const t of r.responses) {
      for (const p of t.partitions) if (p.errorCode !== Errors.NONE) errors.set(`${t.name}-${p.partitionIndex}`, new AdminError(p.errorCode, p.errorMessage));
    }
    return errors;
  }

  /** The brokers of the cluster (DescribeCluster), in the order the broker lists them, with their racks. */
  async brokers(): Promise<{ id: number; rack: string | null }[]> {
    const r = await this.#client.send<DescribeClusterResponse>(ApiKeys.DescribeCluster, { includeClusterAuthorizedOperations: false });
    if (r.errorCode !== Errors.NONE) throw new AdminError(r.errorCode, r.errorMessage);
    return r.brokers.map((b) => ({ id: b.brokerId, rack: b.rack }));
  }

  /**
   * The replicas of every partition of `topics` (Metadata), as Kafka's Admin.describeTopics sees them.
   * @throws Error "org.apache.kafka.common.errors.UnknownTopicOrPartitionException: Topic t not found." for an unknown
   *   topic (Kafka's message), AdminError for another topic error.
   */
  async replicas(topics: readonly string[]): Promise<PartitionReplicas[]> {
    if (topics.length === 0) return [];
    const metadata = await this.#client.metadata([...new Set(topics)]);
    const out: PartitionReplicas[] = [];
    for (const name of new Set(topics)) {
      const t = metadata.topics.find((x) => x.name === name);
      if (t === undefined || t.errorCode === Errors.UNKNOWN_TOPIC_OR_PARTITION) throw new Error(`org.apache.kafka.common.errors.UnknownTopicOrPartitionException: Topic ${name} not found.`);
      if (t.errorCode !== Errors.NONE) throw new Error(javaExceptionText(new AdminError(t.errorCode, null)));
      for (const p of t.partitions) out.push({ topic: name, partition: p.partitionIndex, replicas: p.replicaNodes });
    }
    return out;
  }

  /**
   * The log directory of each replica of `partitions` on a live broker (Kafka's Admin.describeReplicaLogDirs:
   * DescribeLogDirs to each broker for its replicas), keyed "topic-partition-broker"; a replica a broker does not
   * report (or reports only as a future replica) is left out, as Kafka's getReplicaToLogDir does.
   */
  async replicaLogDirs(partitions: readonly PartitionReplicas[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (partitions.length === 0) return out;
    for (const [id, node] of await this.#liveBrokers()) {
      const hosted = partitions.filter((p) => p.replicas.includes(id));
      if (hosted.length === 0) continue;
      const topics = [...new Set(hosted.map((p) => p.topic))].map((topic) => ({ topic, partitions: hosted.filter((p) => p.topic === topic).map((p) => p.partition) }));
      const r = await this.#client.send<DescribeLogDirsResponse>(ApiKeys.DescribeLogDirs, { topics }, { node });
      if (r.errorCode !== Errors.NONE) throw new AdminError(r.errorCode, null);
      for (const dir of r.results) {
        if (dir.errorCode !== Errors.NONE) continue;
        for (const t of dir.topics) for (const p of t.partitions) if (!p.isFutureKey) out.set(`${t.name}-${p.partitionIndex}-${id}`, dir.logDir);
      }
    }
    return out;
  }

  /** Sets leader.replication.throttled.rate and follower.replication.throttled.rate to `rate` (bytes/s) on `brokers`. */
  async setBrokerThrottle(brokers: readonly number[], rate: bigint): Promise<void> {
    const set = new Map([['leader.replication.throttled.rate', String(rate)], ['follower.replication.throttled.rate', String(rate)]]);
    await this.#alterConfigs(ResourceType.BROKER, brokers.map(String), set, []);
  }

  /** Sets leader/follower.replication.throttled.replicas of each topic (a topic absent from a map keeps its value). */
  async setTopicThrottles(leader: ReadonlyMap<string, string>, follower: ReadonlyMap<string, string>): Promise<void> {
    for (const topic of new Set([...leader.keys(), ...follower.keys()])) {
      const set = new Map<string, string>();
      if (leader.has(topic)) set.set('leader.replication.throttled.replicas', leader.get(topic)!);
      if (follower.has(topic)) set.set('follower.replication.throttled.replicas', follower.get(topic)!);
      await this.#alterConfigs(ResourceType.TOPIC, [topic], set, []);
    }
  }

  /** Deletes the broker throttle configs of `brokers` and the topic throttle configs of `topics`. */
  async clearThrottles(brokers: readonly number[], topics: readonly string[]): Promise<void> {
    await this.#alterConfigs(ResourceType.BROKER, brokers.map(String), new Map(), BROKER_LEVEL_THROTTLES);
    await this.#alterConfigs(ResourceType.TOPIC, topics, new Map(), TOPIC_LEVEL_THROTTLES);
  }
}
