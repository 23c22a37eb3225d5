import { ConsumerProtocol, CONSUMER_PROTOCOL_TYPE } from '../../coordinator/group/consumer-protocol.ts';
import { ConfigResourceType, configResourceKey } from '../../metadata/metadata-image.ts';
import type { PartitionRegistration } from '../../metadata/partition-registration.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import { AclOperation, ResourceType } from '../../security/authorizer/acl-codes.ts';
import { principalToString } from '../../security/kafka-principal.ts';
import { CLUSTER_NAME } from '../auth-helper.ts';
import { browseRecords, type BrowsedPage } from './message-browser.ts';
import { ConsoleBadRequest, ConsoleRefusal, CONSOLE_API_KEYS, type ConsoleRequest } from './console-request.ts';
import { MAX_TRACKED_GROUPS, type ConsoleSampler, type TrafficTotals } from './console-sampler.ts';
import type { ConsoleServices } from './console-services.ts';

/** Most records one messages call returns. */
export const MAX_RECORDS_PER_PAGE = 500;
/** Most batch bytes one messages call reads from the log. */
export const MAX_READ_BYTES = 4 * 1024 * 1024;
/** The group context the console passes to the coordinator's read operations (they ignore it). */
const CONSOLE_GROUP_CONTEXT = { clientId: 'web-console', clientHost: '/127.0.0.1', apiVersion: 0 } as const;

/**
 * The read-only JSON API of the web console (docs/console.md) over the broker's own services. Every answer is a
 * plain JSON-able object; int64 values (offsets, sizes of logs, timestamps) are decimal strings where they may
 * pass 2^53. Each read is authorized as Kafka authorizes the request that reads the same thing, for the
 * console's principal from the HTTP client's address: cluster and rates DESCRIBE CLUSTER (DescribeCluster),
 * topics DESCRIBE TOPIC (Metadata: unauthorized topics are left out of lists), topic configs DESCRIBE_CONFIGS
 * (DescribeConfigs: null when denied), messages READ TOPIC (Fetch), groups DESCRIBE GROUP (ListGroups /
 * DescribeGroups) and their offsets DESCRIBE TOPIC per topic (OffsetFetch).
 *
 * The console shows this node's view: logs this node hosts (sizes, offsets, records: others are null or 404) and
 * the groups whose coordinator partition this node leads.
 * @throws ConsoleRefusal (403/404) and ConsoleBadRequest (400) from the methods; AuthorizerNotReadyError before the
 *   authorizer loaded the ACLs.
 */
export class ConsoleApi {
  readonly #s: ConsoleServices;
  #sampler: ConsoleSampler | null = null;

  constructor(services: ConsoleServices) {
    this.#s = services;
  }

  /** Gives the API the sampler whose series {@link rates} and {@link group} return. */
  attachSampler(sampler: ConsoleSampler): void {
    this.#sampler = sampler;
  }

  /** Brokers, controllers, the active controller and the metadata quorum as this node sees it. DESCRIBE CLUSTER. */
  cluster(req: ConsoleRequest): object {
    this.#require(req, CONSOLE_API_KEYS.describeCluster, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME);
    const image = this.#s.metadata();
    const raft = this.#s.raft;
    const { leaderId, epoch } = raft.leaderAndEpoch;
    const described = raft.describeQuorum();
    return {
      clusterId: this.#s.clusterId,
      nodeId: this.#s.nodeId,
      principal: principalToString(this.#s.principal),
      metadataOffset: String(image.offset),
      features: Object.fromEntries(image.features),
      controller: { activeControllerId: leaderId, epoch },
      quorum: {
        state: raft.stateName,
        leaderId,
        epoch,
        highWatermark: raft.highWatermark === null ? null : String(raft.highWatermark),
        logEndOffset: String(raft.logEndOffset),
        voters: [...raft.latestVoters().voters.voterIds()].sort((a, b) => a - b),
        // Only the leader knows the replicas' progress (DescribeQuorum).
        replicas: described === null ? null : described.topics.flatMap((t) => t.partitions).flatMap((p) => [
          ...p.currentVoters.map((v) => ({ replicaId: v.replicaId, voter: true, logEndOffset: String(v.logEndOffset), lastCaughtUpTimestamp: String(v.lastCaughtUpTimestamp) })),
          ...p.observers.map((v) => ({ replicaId: v.replicaId, voter: false, logEndOffset: String(v.logEndOffset), lastCaughtUpTimestamp: String(v.lastCaughtUpTimestamp) })),
        ]),
      },
      brokers: [...image.brokers.values()].sort((a, b) => a.id - b.id).map((b) => ({
        id: b.id,
        rack: b.rack,
        fenced: b.fenced,
        inControlledShutdown: b.inControlledShutdown,
        endpoints: b.endpoints.map((e) => `${e.name}://${e.host}:${e.port}`),
      })),
      controllers: [...image.controllers.values()].map((c) => ({ id: c.id, endpoints: c.endpoints.map((e) => `${e.name}://${e.host}:${e.port}`) })).sort((a, b) => a.id - b.id),
    };
  }

  /** The topics the principal may describe, with partition counts, replication, under-replicated counts and hosted sizes. */
  topics(req: ConsoleRequest): object {
    const image = this.#s.metadata();
    const names = [...image.topicsByName.keys()].filter((n) => this.#allowed(req, CONSOLE_API_KEYS.metadata, AclOperation.DESCRIBE, ResourceType.TOPIC, n, false)).sort();
    return {
      topics: names.map((name) => {
        const topic = image.topicsByName.get(name)!;
        const partitions = [...topic.partitions.entries()];
        let size = 0;
        for (const [p] of partitions) size += this.#s.replicaManager.getPartition({ topic: name, partition: p })?.log.size ?? 0;
        return {
          name,
          id: topic.id,
          internal: name.startsWith('__'),
          partitions: partitions.length,
          replicationFactor: partitions[0]?.[1].replicas.length ?? 0,
          underReplicatedPartitions: partitions.filter(([, r]) => underReplicated(r)).length,
          hostedBytes: size,
        };
      }),
    };
  }

  /** One topic: its partitions (leader, replicas, ISR, ELR, offsets and size where hosted) and config overrides. */
  topic(req: ConsoleRequest, name: string): object {
    const image = this.#s.metadata();
    this.#require(req, CONSOLE_API_KEYS.metadata, AclOperation.DESCRIBE, ResourceType.TOPIC, name);
    const topic = image.topicsByName.get(name);
    if (topic === undefined) throw new ConsoleRefusal(404, `Unknown topic ${name}`);
    const configsAllowed = this.#allowed(req, CONSOLE_API_KEYS.describeConfigs, AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, name, true);
    return {
      name,
      id: topic.id,
      configs: configsAllowed ? Object.fromEntries([...(image.configs.get(configResourceKey(ConfigResourceType.TOPIC, name)) ?? new Map())].sort()) : null,
      partitions: [...topic.partitions.entries()].sort(([a], [b]) => a - b).map(([partition, r]) => {
        const hosted = this.#s.replicaManager.getPartition({ topic: name, partition });
        return {
          partition,
          leader: r.leader,
          leaderEpoch: r.leaderEpoch,
          replicas: r.replicas,
          isr: r.isr,
          elr: r.elr,
          underReplicated: underReplicated(r),
          offline: r.leader < 0,
          log: hosted === undefined ? null : {
            sizeBytes: hosted.log.size,
            segments: hosted.log.numberOfSegments,
            logStartOffset: String(hosted.log.logStartOffset),
            logEndOffset: String(hosted.log.logEndOffset),
            highWatermark: String(hosted.highWatermark),
          },
        };
      }),
    };
  }

  /**
   * Records of a hosted partition from `offset` (default: the log start) or from the first record at or after
   * `timestamp` (epoch ms), `limit` records (default 50, at most {@link MAX_RECORDS_PER_PAGE}) and at most
   * `maxBytes` read (default 1 MiB, at most {@link MAX_READ_BYTES}), keys/values/headers as `format`
   * (text | json | hex). READ TOPIC.
   * @throws ConsoleBadRequest for malformed parameters or partition; ConsoleRefusal 404 for an unknown topic or partition or a
   *   partition this node does not host.
   */
  async messages(req: ConsoleRequest, name: string, partitionText: string): Promise<BrowsedPage & { partition: number; logStartOffset: string; highWatermark: string }> {
    const partition = Number(partitionText);
    if (!/^\d{1,10}$/.test(partitionText) || partition > 0x7fffffff) throw new ConsoleBadRequest(`the partition must be an int32 >= 0, got '${partitionText}'`);
    const limit = req.int('limit', 50, 1, MAX_RECORDS_PER_PAGE);
    const maxBytes = req.int('maxBytes', 1024 * 1024, 1, MAX_READ_BYTES);
    const format = req.oneOf('format', ['text', 'json', 'hex']);
    const offset = req.long('offset');
    const timestamp = req.long('timestamp');
    if (offset !== null && timestamp !== null) throw new ConsoleBadRequest('give offset or timestamp, not both');
    this.#require(req, CONSOLE_API_KEYS.fetch, AclOperation.READ, ResourceType.TOPIC, name);
    const registration = this.#s.metadata().topicsByName.get(name)?.partitions.get(partition);
    if (registration === undefined) throw new ConsoleRefusal(404, `Unknown partition ${name}-${partition}`);
    const hosted = this.#s.replicaManager.getPartition({ topic: name, partition });
    if (hosted === undefined) throw new ConsoleRefusal(404, `${name}-${partition} has no replica on node ${this.#s.nodeId} (replicas ${registration.replicas.join(',')}): open the console of one of them`);
    const log = hosted.log;
    const hw = hosted.highWatermark;
    let start = offset ?? log.logStartOffset;
    if (timestamp !== null) start = (await log.fetchOffsetByTimestamp(timestamp))?.offset ?? hw;
    const page = await browseRecords(log, start, hw, limit, maxBytes, format);
    return { partition, logStartOffset: String(log.logStartOffset), highWatermark: String(hw), ...page };
  }

  /** The groups this node coordinates that the principal may describe. */
  async groups(req: ConsoleRequest): Promise<object> {
    const listed = await this.#s.groupCoordinator.listGroups(CONSOLE_GROUP_CONTEXT, [], []);
    const groups = listed.groups.map((g) => ({ groupId: g.groupId ?? '', state: g.groupState ?? '', type: g.groupType ?? '', protocolType: g.protocolType ?? '' }));
    return { groups: groups.filter((g) => this.#allowed(req, CONSOLE_API_KEYS.listGroups, AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId, false)).sort((a, b) => a.groupId.localeCompare(b.groupId)) };
  }

  /**
   * One group: state, members with their assignments, committed offsets with the lag of each partition
   * (high watermark - committed offset, where this node hosts the partition) and the group's lag history.
   * DESCRIBE GROUP; offsets of topics the principal may not describe are left out.
   * @throws ConsoleRefusal 404 when this node coordinates no such group.
   */
  async group(req: ConsoleRequest, groupId: string): Promise<object> {
    this.#require(req, CONSOLE_API_KEYS.describeGroups, AclOperation.DESCRIBE, ResourceType.GROUP, groupId);
    const coordinator = this.#s.groupCoordinator;
    const listed = (await coordinator.listGroups(CONSOLE_GROUP_CONTEXT, [], [])).groups.find((g) => g.groupId === groupId);
    if (listed === undefined) throw new ConsoleRefusal(404, `Group ${groupId} is not coordinated by node ${this.#s.nodeId}`);
    let members: { memberId: string; clientId: string; clientHost: string; assignment: { topic: string; partitions: number[] }[] }[];
    if (listed.groupType === 'consumer') {
      const [described] = await coordinator.consumerGroupDescribe(CONSOLE_GROUP_CONTEXT, [groupId]);
      members = (described?.members ?? []).map((m) => ({
        memberId: m.memberId ?? '',
        clientId: m.clientId ?? '',
        clientHost: m.clientHost ?? '',
        assignment: (m.assignment?.topicPartitions ?? []).map((t) => ({ topic: t.topicName ?? '', partitions: [...(t.partitions ?? [])] })),
      }));
    } else {
      const [described] = await coordinator.describeGroups(CONSOLE_GROUP_CONTEXT, [groupId]);
      members = (described?.members ?? []).map((m) => ({ memberId: m.memberId ?? '', clientId: m.clientId ?? '', clientHost: m.clientHost ?? '', assignment: classicAssignment(listed.protocolType ?? '', m.memberAssignment ?? Buffer.alloc(0)) }));
    }
    const offsets = (await this.#committedLags(groupId)).filter((o) => this.#allowed(req, CONSOLE_API_KEYS.offsetFetch, AclOperation.DESCRIBE, ResourceType.TOPIC, o.topic, false));
    const owners = new Map<string, string>();
    for (const m of members) for (const a of m.assignment) for (const p of a.partitions) owners.set(`${a.topic}-${p}`, m.memberId);
    return {
      groupId,
      state: listed.groupState,
      type: listed.groupType,
      protocolType: listed.protocolType,
      members,
      offsets: offsets.map((o) => ({ ...o, committedOffset: String(o.committedOffset), highWatermark: o.highWatermark === null ? null : String(o.highWatermark), memberId: owners.get(`${o.topic}-${o.partition}`) ?? null })),
      totalLag: offsets.reduce((sum, o) => sum + (o.lag ?? 0), 0),
      lagHistory: this.#sampler?.lag(groupId) ?? [],
    };
  }

  /** The produce (MessagesIn, BytesIn) and consume (BytesOut) rates of the last minutes. DESCRIBE CLUSTER. */
  rates(req: ConsoleRequest): object {
    this.#require(req, CONSOLE_API_KEYS.describeCluster, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME);
    return { rates: this.#sampler?.rates() ?? [] };
  }

  /** The all-topics BrokerTopicMetrics totals, read from the registry (for the sampler). */
  async trafficTotals(): Promise<TrafficTotals> {
    const total = async (name: string): Promise<number> => {
      const metric = this.#s.registry.getSingleMetric(`kafka_server_brokertopicmetrics_${name}_total`);
      if (metric === undefined) return 0;
      const values = (await metric.get()).values;
      return values.find((v) => v.labels['topic'] === undefined)?.value ?? 0;
    };
    const [messagesIn, bytesIn, bytesOut] = await Promise.all([total('messagesin'), total('bytesin'), total('bytesout')]);
    return { messagesIn, bytesIn, bytesOut };
  }

  /**
   * The total lag of the groups this node coordinates, at most {@link MAX_TRACKED_GROUPS} of them in the
   * coordinator's listing order (for the sampler; partitions hosted elsewhere count 0).
   */
  async groupLags(): Promise<Map<string, number>> {
    const lags = new Map<string, number>();
    const listed = await this.#s.groupCoordinator.listGroups(CONSOLE_GROUP_CONTEXT, [], []);
    for (const { groupId = '' } of listed.groups.slice(0, MAX_TRACKED_GROUPS)) lags.set(groupId, (await this.#committedLags(groupId)).reduce((sum, o) => sum + (o.lag ?? 0), 0));
    return lags;
  }

  async #committedLags(groupId: string): Promise<{ topic: string; partition: number; committedOffset: bigint; highWatermark: bigint | null; lag: number | null }[]> {
    const fetched = await this.#s.groupCoordinator.fetchOffsets(CONSOLE_GROUP_CONTEXT, { groupId, memberId: null, memberEpoch: -1, topics: null }, false);
    if (fetched.errorCode !== Errors.NONE) return [];
    const out = [];
    for (const { name: topic = '', partitions = [] } of fetched.topics ?? []) {
      for (const { partitionIndex: partition = 0, committedOffset = -1n, errorCode = Errors.NONE } of partitions) {
        if (errorCode !== Errors.NONE || committedOffset < 0n) continue;
        const hw = this.#s.replicaManager.getPartition({ topic, partition })?.highWatermark ?? null;
        out.push({ topic, partition, committedOffset, highWatermark: hw, lag: hw === null ? null : Math.max(0, Number(hw - committedOffset)) });
      }
    }
    return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  #allowed(req: ConsoleRequest, apiKey: number, operation: number, resourceType: number, resourceName: string, logIfDenied: boolean): boolean {
    const authorizer = this.#s.authorizer;
    if (authorizer === null) return true;
    return authorizer.authorize({ principal: req.principal, clientAddress: req.clientAddress, requestApiKey: apiKey }, { operation, resourceType, resourceName, logIfDenied }) === 'ALLOWED';
  }

  #require(req: ConsoleRequest, apiKey: number, operation: number, resourceType: number, resourceName: string): void {
    if (!this.#allowed(req, apiKey, operation, resourceType, resourceName, true)) {
      throw new ConsoleRefusal(403, `${principalToString(req.principal)} is not authorized to ${opName(operation)} ${resourceName}`);
    }
  }
}

function underReplicated(r: PartitionRegistration): boolean {
  return r.isr.length < r.replicas.length;
}

function opName(operation: number): string {
  return operation === AclOperation.READ ? 'READ' : operation === AclOperation.DESCRIBE_CONFIGS ? 'DESCRIBE_CONFIGS' : 'DESCRIBE';
}

/** A classic member's assignment: decoded for consumer groups (ConsumerProtocol), empty for other protocols or bad bytes. */
function classicAssignment(protocolType: string, bytes: Buffer): { topic: string; partitions: number[] }[] {
  if (protocolType !== CONSUMER_PROTOCOL_TYPE || bytes.length === 0) return [];
  try {
    return ConsumerProtocol.deserializeAssignment(bytes).assignedPartitions.map((a) => ({ topic: a.topic, partitions: a.partitions }));
  } catch {
    return [];
  }
}
