import type { MetadataRecord } from './metadata-record-serde.ts';
import {
  configResourceKey,
  type BrokerRegistration,
  type MetadataImage,
  type PartitionRegistration,
  type TopicImage,
} from './metadata-image.ts';

/** What changed between two images, for the components that react (ReplicaManager, caches). */
export interface MetadataChanges {
  /** Topics created in this delta, by id. */
  readonly createdTopics: ReadonlySet<string>;
  /** Topics removed in this delta: their last image, by id. */
  readonly deletedTopics: ReadonlyMap<string, TopicImage>;
  /** Partitions whose registration changed (or were created), as "topicId:partition". */
  readonly changedPartitions: ReadonlySet<string>;
  /** Config resources whose configs changed ({@link configResourceKey} keys). */
  readonly changedConfigs: ReadonlySet<string>;
  readonly brokersChanged: boolean;
}

/** The replica list of no replica (removingReplicas and addingReplicas outside reassignments). */
const NO_REPLICAS: readonly number[] = Object.freeze([]);
/** Interned replica lists, by their ids joined with ','. Bounded: past it, lists are only copied to size. */
const replicaLists = new Map<string, readonly number[]>();
const MAX_INTERNED_LISTS = 10_000;

/**
 * A frozen list equal to `ids`, shared by every partition with the same one: a cluster has few distinct replica
 * sets and ISRs, while an image holds four lists per partition (decoded arrays are also over-allocated, a
 * 17-slot backing store for one broker id).
 */
function replicaList(ids: readonly number[]): readonly number[] {
  if (ids.length === 0) return NO_REPLICAS;
  const key = ids.length === 1 ? String(ids[0]) : ids.join(',');
  const found = replicaLists.get(key);
  if (found !== undefined) return found;
  const list = Object.freeze(ids.slice());
  if (replicaLists.size < MAX_INTERNED_LISTS) replicaLists.set(key, list);
  return list;
}

interface MutableTopic {
  name: string;
  id: string;
  partitions: Map<number, PartitionRegistration>;
}

/**
 * Accumulates metadata records on top of a base image and builds the next image, after Kafka's
 * `org.apache.kafka.image.MetadataDelta`. Only topics touched by the delta are copied; the rest of the image
 * is shared. Records that refer to unknown topics or brokers are invariant breaks and throw (the controller
 * never writes them).
 */
export class MetadataDelta {
  readonly base: MetadataImage;
  #offset: bigint;
  #epoch: number;
  #features: Map<string, number> | undefined;
  #brokers: Map<number, BrokerRegistration> | undefined;
  #topics = new Map<string, MutableTopic>();
  #removed = new Map<string, TopicImage>();
  #created = new Set<string>();
  #changedPartitions = new Set<string>();
  #configs: Map<string, Map<string, string>> | undefined;
  #changedConfigs = new Set<string>();
  #nextProducerId: bigint;

  constructor(base: MetadataImage) {
    this.base = base;
    this.#offset = base.offset;
    this.#epoch = base.epoch;
    this.#nextProducerId = base.nextProducerId;
  }

  /** True when no record has been replayed. */
  get isEmpty(): boolean {
    return this.#offset === this.base.offset;
  }

  #topic(id: string): MutableTopic {
    let t = this.#topics.get(id);
    if (t !== undefined) return t;
    const base = this.base.topicsById.get(id);
    if (base === undefined || this.#removed.has(id)) throw new Error(`metadata record for unknown topic id ${id}`);
    t = { name: base.name, id, partitions: new Map(base.partitions) };
    this.#topics.set(id, t);
    return t;
  }

  #brokerMap(): Map<number, BrokerRegistration> {
    return (this.#brokers ??= new Map(this.base.brokers));
  }

  #updateBroker(id: number, change: Partial<BrokerRegistration>): void {
    const brokers = this.#brokerMap();
    const b = brokers.get(id);
    if (b === undefined) throw new Error(`metadata record for unknown broker ${id}`);
    brokers.set(id, { ...b, ...change });
  }

  /** Applies one record written at `offset` in a batch of leader epoch `epoch`. */
  replay(record: MetadataRecord, offset: bigint, epoch: number): void {
    this.#offset = offset;
    this.#epoch = epoch;
    switch (record.type) {
      case 'TopicRecord': {
        const { name, topicId } = record.data;
        this.#topics.set(topicId, { name, id: topicId, partitions: new Map() });
        this.#removed.delete(topicId);
        this.#created.add(topicId);
        break;
      }
      case 'PartitionRecord': {
        const d = record.data;
        this.#topic(d.topicId).partitions.set(d.partitionId, {
          replicas: replicaList(d.replicas),
          isr: replicaList(d.isr),
          removingReplicas: replicaList(d.removingReplicas),
          addingReplicas: replicaList(d.addingReplicas),
          leader: d.leader,
          leaderRecoveryState: d.leaderRecoveryState,
          leaderEpoch: d.leaderEpoch,
          partitionEpoch: d.partitionEpoch,
        });
        this.#changedPartitions.add(`${d.topicId}:${d.partitionId}`);
        break;
      }
      case 'PartitionChangeRecord': {
        const d = record.data;
        const t = this.#topic(d.topicId);
        const p = t.partitions.get(d.partitionId);
        if (p === undefined) throw new Error(`PartitionChangeRecord for unknown partition ${t.name}-${d.partitionId}`);
        // Leader -2 means "unchanged"; a leader change bumps the leader epoch (Kafka's PartitionRegistration.merge).
        const leaderChanged = d.leader !== -2 && d.leader !== p.leader;
        t.partitions.set(d.partitionId, {
          replicas: d.replicas === null ? p.replicas : replicaList(d.replicas),
          isr: d.isr === null ? p.isr : replicaList(d.isr),
          removingReplicas: d.removingReplicas === null ? p.removingReplicas : replicaList(d.removingReplicas),
          addingReplicas: d.addingReplicas === null ? p.addingReplicas : replicaList(d.addingReplicas),
          leader: d.leader === -2 ? p.leader : d.leader,
          leaderRecoveryState: d.leaderRecoveryState === -1 ? p.leaderRecoveryState : d.leaderRecoveryState,
          leaderEpoch: leaderChanged ? p.leaderEpoch + 1 : p.leaderEpoch,
          partitionEpoch: p.partitionEpoch + 1,
        });
        this.#changedPartitions.add(`${d.topicId}:${d.partitionId}`);
        break;
      }
      case 'RemoveTopicRecord': {
        const id = record.data.topicId;
        const base = this.base.topicsById.get(id);
        const current = this.#topics.get(id);
        const last: TopicImage | undefined = current ?? base;
        if (last === undefined) throw new Error(`RemoveTopicRecord for unknown topic id ${id}`);
        this.#topics.delete(id);
        // The topic's configs go with it (Kafka's ConfigurationsDelta on RemoveTopicRecord), also when it was
        // created within this delta: a topic re-created under the same name must not inherit them.
        const key = configResourceKey(2, last.name);
        if ((this.#configs ?? this.base.configs).has(key)) {
          (this.#configs ??= new Map([...this.base.configs].map(([k, v]) => [k, new Map(v)]))).delete(key);
          this.#changedConfigs.add(key);
        }
        if (this.#created.delete(id) && base === undefined) break; // created and removed within this delta
        this.#removed.set(id, last);
        break;
      }
      case 'ConfigRecord': {
        const d = record.data;
        const key = configResourceKey(d.resourceType, d.resourceName);
        const configs = (this.#configs ??= new Map([...this.base.configs].map(([k, v]) => [k, new Map(v)])));
        let entries = configs.get(key);
        if (entries === undefined) configs.set(key, (entries = new Map()));
        if (d.value === null) entries.delete(d.name);
        else entries.set(d.name, d.value);
        if (entries.size === 0) configs.delete(key);
        this.#changedConfigs.add(key);
        break;
      }
      case 'RegisterBrokerRecord': {
        const d = record.data;
        this.#brokerMap().set(d.brokerId, {
          id: d.brokerId,
          epoch: d.brokerEpoch,
          incarnationId: d.incarnationId,
          endpoints: d.endPoints.map((e) => ({ name: e.name, host: e.host, port: e.port, securityProtocol: e.securityProtocol })),
          rack: d.rack,
          fenced: d.fenced,
          inControlledShutdown: d.inControlledShutdown,
        });
        break;
      }
      case 'UnregisterBrokerRecord':
        this.#brokerMap().delete(record.data.brokerId);
        break;
      case 'FenceBrokerRecord':
        this.#updateBroker(record.data.id, { fenced: true });
        break;
      case 'UnfenceBrokerRecord':
        this.#updateBroker(record.data.id, { fenced: false });
        break;
      case 'BrokerRegistrationChangeRecord': {
        const d = record.data;
        // Fenced / InControlledShutdown are tri-state int8: 0 unchanged, 1 set, -1 cleared (Kafka's BrokerRegistrationFencingChange).
        const change: { fenced?: boolean; inControlledShutdown?: boolean } = {};
        if (d.fenced === 1) change.fenced = true;
        else if (d.fenced === -1) change.fenced = false;
        if (d.inControlledShutdown === 1) change.inControlledShutdown = true;
        this.#updateBroker(d.brokerId, change);
        break;
      }
      case 'FeatureLevelRecord': {
        const features = (this.#features ??= new Map(this.base.features));
        if (record.data.featureLevel === 0) features.delete(record.data.name);
        else features.set(record.data.name, record.data.featureLevel);
        break;
      }
      case 'ProducerIdsRecord':
        this.#nextProducerId = record.data.nextProducerId;
        break;
      case 'NoOpRecord':
      case 'RegisterControllerRecord':
      case 'Unknown':
        break;
    }
  }

  /** Offset of the last replayed record. */
  get offset(): bigint {
    return this.#offset;
  }

  /** Builds the next image and describes what changed. */
  apply(): { image: MetadataImage; changes: MetadataChanges } {
    let topicsById = this.base.topicsById;
    let topicsByName = this.base.topicsByName;
    if (this.#topics.size > 0 || this.#removed.size > 0) {
      const byId = new Map(this.base.topicsById);
      const byName = new Map(this.base.topicsByName);
      for (const [id, last] of this.#removed) {
        byId.delete(id);
        if (byName.get(last.name)?.id === id) byName.delete(last.name);
      }
      for (const t of this.#topics.values()) {
        const image: TopicImage = { name: t.name, id: t.id, partitions: t.partitions };
        byId.set(t.id, image);
        byName.set(t.name, image);
      }
      topicsById = byId;
      topicsByName = byName;
    }
    const image: MetadataImage = {
      offset: this.#offset,
      epoch: this.#epoch,
      features: this.#features ?? this.base.features,
      brokers: this.#brokers ?? this.base.brokers,
      topicsById,
      topicsByName,
      configs: this.#configs ?? this.base.configs,
      nextProducerId: this.#nextProducerId,
    };
    return {
      image,
      changes: {
        createdTopics: this.#created,
        deletedTopics: this.#removed,
        changedPartitions: this.#changedPartitions,
        changedConfigs: this.#changedConfigs,
        brokersChanged: this.#brokers !== undefined,
      },
    };
  }
}
