import { isDeepStrictEqual } from 'node:util';
import type { MetadataRecord } from './metadata-record-serde.ts';
import type { RegisterBrokerRecord } from '../protocol/generated/records/register-broker-record.ts';
import type { RegisterControllerRecord } from '../protocol/generated/records/register-controller-record.ts';
import type { UserScramCredentialRecord } from '../protocol/generated/records/user-scram-credential-record.ts';
import {
  clientQuotaEntityKey,
  configResourceKey,
  ConfigResourceType,
  type BrokerEndpoint,
  type BrokerRegistration,
  type ControllerRegistration,
  type DelegationToken,
  type MetadataImage,
  type ScramCredential,
  type StandardAcl,
  type SupportedFeature,
  type TopicImage,
} from './metadata-image.ts';
import { MapDelta, NestedMapDelta } from './map-delta.ts';
import { TopicsDelta } from './topics-delta.ts';
import { internList } from './partition-registration.ts';
import { isKnownMetadataVersion, KRAFT_VERSION_FEATURE, METADATA_VERSION_FEATURE } from './metadata-version.ts';

/**
 * What changed between two images, for the components that react (ReplicaManager, coordinators, caches). For a
 * log delta a key is listed when a record touched it; for a snapshot, when it differs from the previous image.
 */
export interface MetadataChanges {
  /** Topics created in this delta, by id. */
  readonly createdTopics: ReadonlySet<string>;
  /** Topics removed in this delta: their last image, by id. */
  readonly deletedTopics: ReadonlyMap<string, TopicImage>;
  /** Partitions whose registration changed (or were created), as "topicId:partition". */
  readonly changedPartitions: ReadonlySet<string>;
  /** Config resources whose configs changed ({@link configResourceKey} keys). */
  readonly changedConfigs: ReadonlySet<string>;
  /** True when {@link changedBrokers} is not empty. */
  readonly brokersChanged: boolean;
  /** Brokers registered, changed (fencing, controlled shutdown, directories) or unregistered. */
  readonly changedBrokers: ReadonlySet<number>;
  readonly changedControllers: ReadonlySet<number>;
  /** Finalized features whose level changed (metadata.version included). */
  readonly changedFeatures: ReadonlySet<string>;
  /** Client quota entities ({@link clientQuotaEntityKey} keys) whose quotas changed. */
  readonly changedClientQuotas: ReadonlySet<string>;
  /** ACL ids added or removed. */
  readonly changedAcls: ReadonlySet<string>;
  /** Users whose SCRAM credentials changed. */
  readonly changedScramUsers: ReadonlySet<string>;
  readonly changedDelegationTokens: ReadonlySet<string>;
  readonly producerIdsChanged: boolean;
  /** True when the image was loaded from a snapshot (everything the snapshot lacks is gone). */
  readonly fromSnapshot: boolean;
}

/** Kafka's SecurityProtocol ids (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL). */
const SECURITY_PROTOCOLS = new Set([0, 1, 2, 3]);

function endpoints(list: readonly BrokerEndpoint[]): readonly BrokerEndpoint[] {
  return Object.freeze(list.map((e) => Object.freeze({ name: e.name, host: e.host, port: e.port, securityProtocol: e.securityProtocol })));
}

function supportedFeatures(list: readonly SupportedFeature[]): readonly SupportedFeature[] {
  return Object.freeze(
    list.map((f) => Object.freeze({ name: f.name, minSupportedVersion: f.minSupportedVersion, maxSupportedVersion: f.maxSupportedVersion })),
  );
}

function brokerFromRecord(d: RegisterBrokerRecord): BrokerRegistration {
  return Object.freeze({
    id: d.brokerId,
    epoch: d.brokerEpoch,
    incarnationId: d.incarnationId,
    endpoints: endpoints(d.endPoints),
    supportedFeatures: supportedFeatures(d.features),
    rack: d.rack,
    fenced: d.fenced,
    inControlledShutdown: d.inControlledShutdown,
    isMigratingZkBroker: d.isMigratingZkBroker,
    directories: internList(d.logDirs),
  });
}

function controllerFromRecord(d: RegisterControllerRecord): ControllerRegistration {
  for (const e of d.endPoints) {
    if (!SECURITY_PROTOCOLS.has(e.securityProtocol)) throw new Error(`RegisterControllerRecord ${d.controllerId}: unknown security protocol ${e.securityProtocol}`);
  }
  return Object.freeze({
    id: d.controllerId,
    incarnationId: d.incarnationId,
    zkMigrationReady: d.zkMigrationReady,
    endpoints: endpoints(d.endPoints),
    supportedFeatures: supportedFeatures(d.features),
  });
}

/** A copy that owns its memory: decoded bytes are views of the whole record batch, which must not stay alive. */
function ownBytes(view: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(view.length);
  view.copy(copy);
  return copy;
}

function scramFromRecord(d: UserScramCredentialRecord): ScramCredential {
  return Object.freeze({ salt: ownBytes(d.salt), storedKey: ownBytes(d.storedKey), serverKey: ownBytes(d.serverKey), iterations: d.iterations });
}

/** Kafka's BrokerRegistrationFencingChange values: 1 FENCE, 0 NONE, -1 UNFENCE. */
const FENCING_CHANGES = new Map<number, boolean | undefined>([[1, true], [0, undefined], [-1, false]]);
/** Kafka's BrokerRegistrationInControlledShutdownChange values: 0 NONE, 1 IN_CONTROLLED_SHUTDOWN. */
const SHUTDOWN_CHANGES = new Map<number, boolean | undefined>([[0, undefined], [1, true]]);

/**
 * Accumulates metadata records on top of a base image and builds the next image, after Kafka's
 * `org.apache.kafka.image.MetadataDelta`: one part delta per image part, each sharing the base until it changes.
 * Records that break an invariant (unknown topic, partition or ACL, a broker epoch that does not match, a
 * metadata.version Kafka does not know, a record type this build cannot apply) throw; the loader treats that as
 * a fault (fail-stop). NoOpRecord and ZkMigrationStateRecord change nothing, as in Kafka 4.
 *
 * Loading a snapshot (KIP-630): {@link beginSnapshot}, replay every record of the snapshot, then
 * {@link finishSnapshot}; {@link apply} then gives exactly the snapshot's content, and changes relative to the
 * base image (topics the snapshot lacks are deleted, and so on). Log records that follow the snapshot may be
 * replayed into the same delta after finishSnapshot (a loader catching up publishes once). A delta is applied once.
 */
export class MetadataDelta {
  readonly base: MetadataImage;
  #offset: bigint;
  #epoch: number;
  #replayed = false;
  #snapshot: 'no' | 'loading' | 'finished' = 'no';
  #applied = false;
  readonly #topics: TopicsDelta;
  readonly #features: MapDelta<string, number>;
  readonly #brokers: MapDelta<number, BrokerRegistration>;
  readonly #controllers: MapDelta<number, ControllerRegistration>;
  readonly #configs: NestedMapDelta<string, string, string>;
  readonly #clientQuotas: NestedMapDelta<string, string, number>;
  readonly #acls: MapDelta<string, StandardAcl>;
  readonly #scram: NestedMapDelta<string, number, ScramCredential>;
  readonly #delegationTokens: MapDelta<string, DelegationToken>;
  #nextProducerId: bigint;
  #producerIdsChanged = false;

  constructor(base: MetadataImage) {
    this.base = base;
    this.#offset = base.offset;
    this.#epoch = base.epoch;
    this.#topics = new TopicsDelta(base.topicsById, base.topicsByName);
    this.#features = new MapDelta(base.features);
    this.#brokers = new MapDelta(base.brokers);
    this.#controllers = new MapDelta(base.controllers);
    this.#configs = new NestedMapDelta(base.configs);
    this.#clientQuotas = new NestedMapDelta(base.clientQuotas);
    this.#acls = new MapDelta(base.acls);
    this.#scram = new NestedMapDelta(base.scram);
    this.#delegationTokens = new MapDelta(base.delegationTokens);
    this.#nextProducerId = base.nextProducerId;
  }

  /** True when no record has been replayed and no snapshot loaded. */
  get isEmpty(): boolean {
    return !this.#replayed && this.#snapshot === 'no';
  }

  /** Offset of the last replayed record (or of the loaded snapshot). */
  get offset(): bigint {
    return this.#offset;
  }

  /**
   * Starts loading a snapshot: whatever was replayed so far is dropped (the base stays, so changes are still
   * reported against the last published image) and the records that follow are the whole metadata state.
   * Their offsets do not matter; {@link finishSnapshot} gives the snapshot's own.
   */
  beginSnapshot(): void {
    this.#checkOpen();
    this.#snapshot = 'loading';
    this.#topics.beginSnapshot();
    this.#features.beginSnapshot();
    this.#brokers.beginSnapshot();
    this.#controllers.beginSnapshot();
    this.#configs.beginSnapshot();
    this.#clientQuotas.beginSnapshot();
    this.#acls.beginSnapshot();
    this.#scram.beginSnapshot();
    this.#delegationTokens.beginSnapshot();
    // Exactly the snapshot's value (0n, "none", without a ProducerIdsRecord). Kafka's ProducerIdsDelta keeps the
    // base's value instead; within one history the two agree, since a snapshot after a block holds its record.
    this.#nextProducerId = 0n;
  }

  /**
   * Ends a snapshot (Kafka's MetadataDelta.finishSnapshot): what the base holds and the snapshot lacks is removed.
   * Records replayed afterwards are the log that follows the snapshot.
   * @param lastContainedOffset the snapshot's end offset - 1 (its id's offset - 1, Kafka's SnapshotManifest).
   * @param lastContainedEpoch the snapshot id's epoch.
   * @throws Error without a {@link beginSnapshot}, for a snapshot without metadata.version, or when the snapshot
   * contradicts the base in a way Kafka's controller never produces (a topic id renamed or without one of its
   * partitions).
   */
  finishSnapshot(lastContainedOffset: bigint, lastContainedEpoch: number): void {
    if (this.#snapshot !== 'loading') throw new Error('finishSnapshot without beginSnapshot');
    // Kafka writes metadata.version first in every snapshot, the bootstrap one included.
    if (!this.#features.has(METADATA_VERSION_FEATURE)) throw new Error('the snapshot holds no metadata.version');
    this.#topics.finishSnapshot();
    this.#snapshot = 'finished';
    this.#offset = lastContainedOffset;
    this.#epoch = lastContainedEpoch;
  }

  #checkOpen(): void {
    if (this.#applied) throw new Error('MetadataDelta was already applied');
  }

  #brokerForChange(id: number, epoch: bigint, action: string): BrokerRegistration {
    const broker = this.#brokers.get(id);
    if (broker === undefined) throw new Error(`Tried to ${action} broker ${id}, but that broker was not registered`);
    if (broker.epoch !== epoch) {
      throw new Error(`Tried to ${action} broker ${id}, but the given epoch, ${epoch}, did not match the current broker epoch, ${broker.epoch}`);
    }
    return broker;
  }

  /**
   * Applies one record written at `offset` in a batch of leader epoch `epoch`.
   * @throws Error when the record breaks an invariant (see the class comment).
   */
  replay(record: MetadataRecord, offset: bigint, epoch: number): void {
    this.#checkOpen();
    this.#replayed = true;
    if (this.#snapshot !== 'loading') {
      this.#offset = offset;
      this.#epoch = epoch;
    }
    switch (record.type) {
      case 'TopicRecord':
        this.#topics.replayTopic(record.data);
        break;
      case 'PartitionRecord':
        this.#topics.replayPartition(record.data);
        break;
      case 'PartitionChangeRecord':
        this.#topics.replayPartitionChange(record.data);
        break;
      case 'RemoveTopicRecord': {
        // The topic's configs go with it (Kafka's ConfigurationsDelta on RemoveTopicRecord): a topic re-created
        // under the same name must not inherit them.
        const name = this.#topics.replayRemoveTopic(record.data.topicId);
        this.#configs.deleteAll(configResourceKey(ConfigResourceType.TOPIC, name));
        break;
      }
      case 'ConfigRecord': {
        const d = record.data;
        const key = configResourceKey(d.resourceType, d.resourceName);
        if (d.value === null) this.#configs.delete(key, d.name);
        else this.#configs.set(key, d.name, d.value);
        break;
      }
      case 'RegisterBrokerRecord':
        this.#brokers.set(record.data.brokerId, brokerFromRecord(record.data));
        break;
      case 'UnregisterBrokerRecord':
        this.#brokers.delete(record.data.brokerId);
        break;
      case 'FenceBrokerRecord': {
        const b = this.#brokerForChange(record.data.id, record.data.epoch, 'fence');
        this.#brokers.set(b.id, Object.freeze({ ...b, fenced: true }));
        break;
      }
      case 'UnfenceBrokerRecord': {
        const b = this.#brokerForChange(record.data.id, record.data.epoch, 'unfence');
        this.#brokers.set(b.id, Object.freeze({ ...b, fenced: false }));
        break;
      }
      case 'BrokerRegistrationChangeRecord': {
        const d = record.data;
        const b = this.#brokerForChange(d.brokerId, d.brokerEpoch, 'change');
        if (!FENCING_CHANGES.has(d.fenced)) throw new Error(`BrokerRegistrationChangeRecord: unknown value for fenced: ${d.fenced}`);
        if (!SHUTDOWN_CHANGES.has(d.inControlledShutdown)) {
          throw new Error(`BrokerRegistrationChangeRecord: unknown value for inControlledShutdown: ${d.inControlledShutdown}`);
        }
        const fenced = FENCING_CHANGES.get(d.fenced) ?? b.fenced;
        const inControlledShutdown = SHUTDOWN_CHANGES.get(d.inControlledShutdown) ?? b.inControlledShutdown;
        // An empty LogDirs means "unchanged" (Kafka's ClusterDelta: a broker always has a directory).
        const directories = d.logDirs.length > 0 ? internList(d.logDirs) : b.directories;
        if (fenced !== b.fenced || inControlledShutdown !== b.inControlledShutdown || !isDeepStrictEqual(directories, b.directories)) {
          this.#brokers.set(b.id, Object.freeze({ ...b, fenced, inControlledShutdown, directories }));
        }
        break;
      }
      case 'RegisterControllerRecord':
        this.#controllers.set(record.data.controllerId, controllerFromRecord(record.data));
        break;
      case 'FeatureLevelRecord': {
        const { name, featureLevel } = record.data;
        if (name === KRAFT_VERSION_FEATURE) break; // the Raft layer's, from its KRaftVersionRecord
        if (name === METADATA_VERSION_FEATURE && !isKnownMetadataVersion(featureLevel)) {
          throw new Error(`Unsupported metadata.version level ${featureLevel} (Kafka 4 knows 7 to 34)`);
        }
        if (featureLevel === 0) this.#features.delete(name);
        else this.#features.set(name, featureLevel);
        break;
      }
      case 'ProducerIdsRecord':
        this.#nextProducerId = record.data.nextProducerId;
        this.#producerIdsChanged = true;
        break;
      case 'ClientQuotaRecord': {
        const d = record.data;
        const key = clientQuotaEntityKey(d.entity);
        if (d.remove) this.#clientQuotas.delete(key, d.key);
        else this.#clientQuotas.set(key, d.key, d.value);
        break;
      }
      case 'AccessControlEntryRecord': {
        const { id, resourceType, resourceName, patternType, principal, host, operation, permissionType } = record.data;
        this.#acls.set(id, Object.freeze({ resourceType, resourceName, patternType, principal, host, operation, permissionType }));
        break;
      }
      case 'RemoveAccessControlEntryRecord':
        if (!this.#acls.delete(record.data.id)) throw new Error(`Failed to find existing ACL with ID ${record.data.id}`);
        break;
      case 'UserScramCredentialRecord':
        this.#scram.set(record.data.name, record.data.mechanism, scramFromRecord(record.data));
        break;
      case 'RemoveUserScramCredentialRecord':
        this.#scram.delete(record.data.name, record.data.mechanism);
        break;
      case 'DelegationTokenRecord': {
        const { tokenId, owner, requester, renewers, issueTimestamp, maxTimestamp, expirationTimestamp } = record.data;
        this.#delegationTokens.set(
          tokenId,
          Object.freeze({ tokenId, owner, requester, renewers: Object.freeze([...renewers]), issueTimestamp, maxTimestamp, expirationTimestamp }),
        );
        break;
      }
      case 'RemoveDelegationTokenRecord':
        this.#delegationTokens.delete(record.data.tokenId);
        break;
      case 'NoOpRecord':
      case 'ZkMigrationStateRecord':
        break;
      case 'EndTransactionRecord':
      case 'AbortTransactionRecord':
        // The loader resolved the transaction (MetadataLoader: its records replayed before the End, dropped
        // before the Abort); the marker only moves the delta's offset past itself.
        break;
      case 'BeginTransactionRecord':
        // KIP-868 metadata transactions are the loader's to resolve (Kafka's MetadataBatchLoader): a delta that
        // sees a Begin would apply records of a transaction that may yet abort.
        throw new Error(`${record.type} reached MetadataDelta: the loader holds metadata transactions back`);
      case 'Unknown':
        throw new Error(`Unknown metadata record type (api key ${record.apiKey}, version ${record.version})`);
    }
  }

  /** Builds the next image and describes what changed. @throws Error for a snapshot begun and not finished. */
  apply(): { image: MetadataImage; changes: MetadataChanges } {
    if (this.#snapshot === 'loading') throw new Error('a snapshot was begun and not finished');
    this.#applied = true;
    const topics = this.#topics.apply();
    const features = this.#features.apply((a, b) => a === b);
    const brokers = this.#brokers.apply(isDeepStrictEqual);
    const controllers = this.#controllers.apply(isDeepStrictEqual);
    const configs = this.#configs.apply((a, b) => a === b);
    const clientQuotas = this.#clientQuotas.apply(Object.is);
    const acls = this.#acls.apply(isDeepStrictEqual);
    const scram = this.#scram.apply(isDeepStrictEqual);
    const delegationTokens = this.#delegationTokens.apply(isDeepStrictEqual);
    const image: MetadataImage = {
      offset: this.#offset,
      epoch: this.#epoch,
      features: features.map,
      brokers: brokers.map,
      controllers: controllers.map,
      topicsById: topics.topicsById,
      topicsByName: topics.topicsByName,
      configs: configs.map,
      clientQuotas: clientQuotas.map,
      nextProducerId: this.#nextProducerId,
      acls: acls.map,
      scram: scram.map,
      delegationTokens: delegationTokens.map,
    };
    const fromSnapshot = this.#snapshot === 'finished';
    return {
      image,
      changes: {
        createdTopics: topics.createdTopics,
        deletedTopics: topics.deletedTopics,
        changedPartitions: topics.changedPartitions,
        changedConfigs: configs.changed,
        brokersChanged: brokers.changed.size > 0,
        changedBrokers: brokers.changed,
        changedControllers: controllers.changed,
        changedFeatures: features.changed,
        changedClientQuotas: clientQuotas.changed,
        changedAcls: acls.changed,
        changedScramUsers: scram.changed,
        changedDelegationTokens: delegationTokens.changed,
        producerIdsChanged: fromSnapshot ? this.#nextProducerId !== this.base.nextProducerId : this.#producerIdsChanged,
        fromSnapshot,
      },
    };
  }
}
