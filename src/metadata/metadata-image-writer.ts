import { encodeMetadataRecord, type MetadataRecordInput } from './metadata-record-serde.ts';
import { RegisterBrokerRecordMeta } from '../protocol/generated/records/register-broker-record.ts';
import { clientQuotaEntity, configResource, type MetadataImage } from './metadata-image.ts';
import { MIGRATING_DIRECTORY } from './partition-registration.ts';
import {
  ELR_VERSION_FEATURE,
  METADATA_VERSION_FEATURE,
  isKnownMetadataVersion,
  metadataVersionName,
  metadataVersionSupports as supports,
  partitionRecordVersion,
  registerBrokerRecordVersion,
} from './metadata-version.ts';

/** Part of an image that the chosen metadata.version cannot represent (Kafka's UnwritableMetadataException). */
export class UnwritableMetadataError extends Error {
  readonly metadataVersion: number;
  readonly loss: string;

  constructor(metadataVersion: number, loss: string) {
    super(`Metadata has been lost because the following could not be represented in metadata.version ${metadataVersionName(metadataVersion)}: ${loss}`);
    this.name = 'UnwritableMetadataError';
    this.metadataVersion = metadataVersion;
    this.loss = loss;
  }
}

/** How an image is written (Kafka's ImageWriterOptions). */
export interface ImageWriterOptions {
  /** metadata.version level to write at (record versions follow it); default: the image's own. */
  readonly metadataVersion?: number;
  /**
   * Whether eligible leader replicas (KIP-966) are written; default: the image's eligible.leader.replicas.version
   * is at least 1 (Kafka's FeaturesImage.isElrEnabled). When off they are left out, as Kafka does.
   */
  readonly eligibleLeaderReplicasEnabled?: boolean;
  /** Called with what cannot be represented; default: throw it (Kafka's default loss handler). */
  readonly lossHandler?: (loss: UnwritableMetadataError) => void;
}

/** Bounds of the batches {@link writeMetadataImage} yields. */
export interface ImageBatchOptions extends ImageWriterOptions {
  /** Most records per batch; default 1024 (Kafka's SnapshotEmitter batch size). */
  readonly maxRecordsPerBatch?: number;
  /**
   * Most bytes of record values per batch (record and batch framing not counted); default 1 MiB, well under
   * KafkaRaftClient's 8 MiB batch limit. A single larger record gets a batch of its own.
   */
  readonly maxBatchBytes?: number;
}

const DEFAULT_MAX_RECORDS_PER_BATCH = 1024;
const DEFAULT_MAX_BATCH_BYTES = 1024 * 1024;

/**
 * The records that rebuild `image` when replayed from the empty image (Kafka's `MetadataImage.write`), lazily,
 * in Kafka's order: features (metadata.version first of all, since readers pick record versions and feature
 * gates by it and Kafka's loader will not publish an image without it), cluster (brokers, then controllers),
 * topics (each TopicRecord before its PartitionRecords, which need it), configs, client quotas, producer ids,
 * ACLs, SCRAM credentials, delegation tokens. Record versions are those of the metadata.version; what it cannot
 * carry goes to the loss handler. The image is immutable, so the records may be taken over several event-loop
 * turns.
 * @throws Error when the image has no metadata.version and none is given, or the level is not one Kafka knows;
 * UnwritableMetadataError (default loss handler) for data the metadata.version cannot represent.
 */
export function* metadataImageRecords(image: MetadataImage, options: ImageWriterOptions = {}): Generator<MetadataRecordInput> {
  const mv = options.metadataVersion ?? image.features.get(METADATA_VERSION_FEATURE);
  if (mv === undefined) throw new Error('cannot write a metadata image without metadata.version');
  if (!isKnownMetadataVersion(mv)) throw new Error(`cannot write a metadata image at unknown metadata.version ${mv}`);
  const elrEnabled = options.eligibleLeaderReplicasEnabled ?? (image.features.get(ELR_VERSION_FEATURE) ?? 0) >= 1;
  const lossHandler =
    options.lossHandler ??
    ((loss: UnwritableMetadataError) => {
      throw loss;
    });
  const handleLoss = (what: string): void => lossHandler(new UnwritableMetadataError(mv, what));

  yield { type: 'FeatureLevelRecord', version: 0, data: { name: METADATA_VERSION_FEATURE, featureLevel: mv } };
  for (const [name, featureLevel] of image.features) {
    if (name !== METADATA_VERSION_FEATURE) yield { type: 'FeatureLevelRecord', version: 0, data: { name, featureLevel } };
  }

  const brokerVersion = registerBrokerRecordVersion(mv);
  if (image.brokers.size > 0 && brokerVersion > RegisterBrokerRecordMeta.maxVersion) {
    throw new Error(`metadata.version ${metadataVersionName(mv)} writes RegisterBrokerRecord v${brokerVersion}, which this build's record definitions lack`);
  }
  for (const b of image.brokers.values()) {
    let isMigratingZkBroker = false;
    if (b.isMigratingZkBroker) {
      if (supports.zkMigration(mv)) isMigratingZkBroker = true;
      else handleLoss('the isMigratingZkBroker state of one or more brokers');
    }
    let logDirs: readonly string[] = [];
    if (b.directories.length > 0 && !supports.directoryAssignment(mv)) handleLoss('the online log directories of one or more brokers');
    else logDirs = b.directories;
    yield {
      type: 'RegisterBrokerRecord',
      version: brokerVersion,
      data: {
        brokerId: b.id,
        isMigratingZkBroker,
        incarnationId: b.incarnationId,
        brokerEpoch: b.epoch,
        endPoints: b.endpoints.map((e) => ({ ...e })),
        features: b.supportedFeatures.map((f) => ({ ...f })),
        rack: b.rack,
        fenced: b.fenced,
        inControlledShutdown: b.inControlledShutdown,
        logDirs: [...logDirs],
      },
    };
  }
  if (image.controllers.size > 0) {
    if (!supports.controllerRegistration(mv)) handleLoss('controller registration data');
    else {
      for (const c of image.controllers.values()) {
        yield {
          type: 'RegisterControllerRecord',
          version: 0,
          data: {
            controllerId: c.id,
            incarnationId: c.incarnationId,
            zkMigrationReady: c.zkMigrationReady,
            endPoints: c.endpoints.map((e) => ({ ...e })),
            features: c.supportedFeatures.map((f) => ({ ...f })),
          },
        };
      }
    }
  }

  const partitionVersion = partitionRecordVersion(mv);
  for (const topic of image.topicsById.values()) {
    yield { type: 'TopicRecord', version: 0, data: { name: topic.name, topicId: topic.id } };
    for (const [partitionId, p] of topic.partitions) {
      let elr: number[] | null = null;
      let lastKnownElr: number[] | null = null;
      if (elrEnabled && (p.elr.length > 0 || p.lastKnownElr.length > 0)) {
        if (partitionVersion < 2) handleLoss('the eligible leader replicas of one or more partitions');
        else {
          if (p.elr.length > 0) elr = [...p.elr];
          if (p.lastKnownElr.length > 0) lastKnownElr = [...p.lastKnownElr];
        }
      }
      let directories: string[] = [];
      if (supports.directoryAssignment(mv)) directories = [...p.directories];
      else if (p.directories.some((d) => d !== MIGRATING_DIRECTORY)) handleLoss('the directory assignment state of one or more replicas');
      yield {
        type: 'PartitionRecord',
        version: partitionVersion,
        data: {
          partitionId,
          topicId: topic.id,
          replicas: [...p.replicas],
          isr: [...p.isr],
          removingReplicas: [...p.removingReplicas],
          addingReplicas: [...p.addingReplicas],
          leader: p.leader,
          leaderRecoveryState: p.leaderRecoveryState,
          leaderEpoch: p.leaderEpoch,
          partitionEpoch: p.partitionEpoch,
          directories,
          eligibleLeaderReplicas: elr,
          lastKnownElr,
        },
      };
    }
  }

  for (const [key, entries] of image.configs) {
    const { resourceType, resourceName } = configResource(key);
    for (const [name, value] of entries) yield { type: 'ConfigRecord', version: 0, data: { resourceType, resourceName, name, value } };
  }

  for (const [key, quotas] of image.clientQuotas) {
    const entity = clientQuotaEntity(key);
    for (const [quota, value] of quotas) {
      yield { type: 'ClientQuotaRecord', version: 0, data: { entity: entity.map((e) => ({ ...e })), key: quota, value, remove: false } };
    }
  }

  // 0n is "no block handed out yet" (Kafka: -1, and nothing written); a block's record is written with broker -1,
  // epoch -1 as Kafka's ProducerIdsImage does: only the next id matters to a later reader.
  if (image.nextProducerId > 0n) {
    yield { type: 'ProducerIdsRecord', version: 0, data: { brokerId: -1, brokerEpoch: -1n, nextProducerId: image.nextProducerId } };
  }

  for (const [id, acl] of image.acls) yield { type: 'AccessControlEntryRecord', version: 0, data: { id, ...acl } };

  if (image.scram.size > 0 && !supports.scram(mv)) {
    handleLoss(`SCRAM credentials of users ${[...image.scram.keys()].join(', ')}`);
  } else {
    for (const [name, byMechanism] of image.scram) {
      for (const [mechanism, c] of byMechanism) {
        yield {
          type: 'UserScramCredentialRecord',
          version: 0,
          data: { name, mechanism, salt: c.salt, storedKey: c.storedKey, serverKey: c.serverKey, iterations: c.iterations },
        };
      }
    }
  }

  if (image.delegationTokens.size > 0 && !supports.delegationTokens(mv)) {
    handleLoss(`delegation tokens ${[...image.delegationTokens.keys()].join(', ')}`);
  } else {
    for (const t of image.delegationTokens.values()) yield { type: 'DelegationTokenRecord', version: 0, data: { ...t, renewers: [...t.renewers] } };
  }
}

/**
 * The image as encoded record values (what {@link encodeMetadataRecord} gives) in batches for a snapshot writer
 * that takes `Buffer[]` per batch: {@link metadataImageRecords}' records in order, at most `maxRecordsPerBatch`
 * records and `maxBatchBytes` value bytes per batch. Lazy: each batch is encoded when asked for, so a caller can
 * yield to the event loop between batches of a large image.
 * @throws as {@link metadataImageRecords}.
 */
export function* writeMetadataImage(image: MetadataImage, options: ImageBatchOptions = {}): Generator<Buffer[]> {
  const maxRecords = options.maxRecordsPerBatch ?? DEFAULT_MAX_RECORDS_PER_BATCH;
  const maxBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
  if (!(maxRecords >= 1 && maxBytes >= 1)) throw new RangeError('batches need room for one record');
  let batch: Buffer[] = [];
  let bytes = 0;
  for (const record of metadataImageRecords(image, options)) {
    const value = encodeMetadataRecord(record);
    if (batch.length > 0 && (batch.length >= maxRecords || bytes + value.length > maxBytes)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(value);
    bytes += value.length;
  }
  if (batch.length > 0) yield batch;
}
