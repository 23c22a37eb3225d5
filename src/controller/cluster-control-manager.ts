import { ApiError } from '../common/api-error.ts';
import type { Time } from '../common/time.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { BrokerRegistrationRequest } from '../protocol/generated/messages/broker-registration-request.ts';
import type { ControllerRegistrationRequest } from '../protocol/generated/messages/controller-registration-request.ts';
import type { RegisterBrokerRecord } from '../protocol/generated/records/register-broker-record.ts';
import type { BrokerRegistration, MetadataImage, PartitionRegistration } from '../metadata/metadata-image.ts';
import type { MetadataRecordInput } from '../metadata/metadata-record-serde.ts';
import { MIGRATING_DIRECTORY } from '../metadata/partition-registration.ts';
import {
  METADATA_VERSION_FEATURE,
  MetadataVersion,
  metadataVersionSupports,
  registerBrokerRecordVersion,
} from '../metadata/metadata-version.ts';
import type { Logger } from '../observability/logger.ts';
import { BrokerHeartbeatManager } from './broker-heartbeat-manager.ts';
import type { UsableBroker } from './striped-replica-placer.ts';

/** Kafka's DirectoryId.UNASSIGNED (Uuid 0,1): a replica whose directory the broker has not reported yet. */
const UNASSIGNED_DIRECTORY = 'AAAAAAAAAAAAAAAAAAAAAQ';
/** Kafka's DirectoryId.LOST (Uuid 0,2). */
const LOST_DIRECTORY = 'AAAAAAAAAAAAAAAAAAAAAg';

/** The broker registration fields {@link ClusterControlManager.registerBroker} reads (BrokerRegistrationRequest). */
export type BrokerRegistrationInput = Omit<BrokerRegistrationRequest, '_unknownTaggedFields'>;
/** The controller registration fields {@link ClusterControlManager.registerController} reads. */
export type ControllerRegistrationInput = Omit<ControllerRegistrationRequest, '_unknownTaggedFields'>;

/** Adds the records that retire a previous incarnation's leaderships (Kafka's BrokerShutdownHandler). */
export type BrokerShutdownHandler = (image: MetadataImage, brokerId: number, isCleanShutdown: boolean, records: MetadataRecordInput[]) => void;

/** Kafka's DirectoryId.reserved: a Uuid with a zero high half and a low half below 100. */
function isReservedDirectory(id: string): boolean {
  const bytes = Buffer.from(id, 'base64url');
  return bytes.length === 16 && bytes.readBigUInt64BE(0) === 0n && bytes.readBigUInt64BE(8) < 100n;
}

/** Kafka's DirectoryId.isOnline: unassigned and migrating replicas count as online, a lost one not. */
export function isDirectoryOnline(dir: string, onlineDirs: readonly string[]): boolean {
  if (dir === UNASSIGNED_DIRECTORY || dir === MIGRATING_DIRECTORY) return true;
  if (dir === LOST_DIRECTORY) return false;
  return onlineDirs.length === 0 || onlineDirs.includes(dir);
}

/**
 * Kafka's LeaderAcceptor: whether a broker may lead `partition`: `isAcceptable` (by default: registered, unfenced,
 * not in controlled shutdown) and its replica's log directory online. The ISR condition is the election's.
 */
export function leaderAcceptor(
  image: MetadataImage,
  partition: PartitionRegistration,
  isAcceptable: (brokerId: number) => boolean = (r) => isActiveBroker(image, r),
): (brokerId: number) => boolean {
  return (brokerId) => {
    const registration = image.brokers.get(brokerId);
    if (registration === undefined || !isAcceptable(brokerId)) return false;
    const dir = partition.directories[partition.replicas.indexOf(brokerId)];
    return dir === undefined || isDirectoryOnline(dir, registration.directories);
  };
}

/** An error carrying a Kafka error code and message (what Kafka's controller throws). */
function fail(code: number, message: string): never {
  throw new ApiError(code, message);
}

/** The metadata.version level of `image` (our bootstrap level while none is written). */
export function metadataVersionOf(image: MetadataImage): number {
  return image.features.get(METADATA_VERSION_FEATURE) ?? MetadataVersion.IBP_3_9_IV0;
}

/** Whether `brokerId` is registered, unfenced and not in controlled shutdown (Kafka's ClusterControlManager.isActive). */
export function isActiveBroker(image: MetadataImage, brokerId: number): boolean {
  const b = image.brokers.get(brokerId);
  return b !== undefined && !b.fenced && !b.inControlledShutdown;
}

/**
 * Broker and controller membership on the controller, after Kafka's `ClusterControlManager`. Registrations live in
 * the metadata image (RegisterBrokerRecord, BrokerRegistrationChangeRecord, ...); what only the active controller
 * keeps (Kafka's soft state) is here: the {@link BrokerHeartbeatManager} (sessions, fencing and controlled
 * shutdown progress) and the offset of each broker's RegisterBrokerRecord, which a broker must have applied
 * before it is unfenced. {@link activate} builds it when this node becomes the active controller and
 * {@link deactivate} drops it; the controller calls {@link replay} with each registration record it appends.
 *
 * The registration offset of a broker registered before this controller became active is not known exactly here
 * (the image does not keep record offsets): the image's offset at activation stands for it, as the offset of a
 * loaded snapshot does in Kafka. It can only be later than the real one, so an unfencing still waits for the
 * broker to have the registration.
 */
export class ClusterControlManager {
  readonly #clusterId: string;
  readonly #time: Time;
  readonly #sessionTimeoutMs: number;
  readonly #logger: Logger;
  #heartbeatManager: BrokerHeartbeatManager | null = null;
  readonly #registerBrokerRecordOffsets = new Map<number, bigint>();

  /** @param sessionTimeoutMs broker.session.timeout.ms (Kafka's default 9000). */
  constructor(options: { clusterId: string; time: Time; sessionTimeoutMs: number; logger: Logger }) {
    this.#clusterId = options.clusterId;
    this.#time = options.time;
    this.#sessionTimeoutMs = options.sessionTimeoutMs;
    this.#logger = options.logger;
  }

  get isActive(): boolean {
    return this.#heartbeatManager !== null;
  }

  /**
   * Builds the soft state from `image` (the image when this node became the active controller): every
   * registered broker is tracked, and each unfenced one gets a fresh session, so that it is not fenced before it
   * had a chance to heartbeat to the new controller (Kafka's activate; fenced brokers get none, KAFKA-19130).
   */
  activate(image: MetadataImage): void {
    const manager = new BrokerHeartbeatManager(this.#time, this.#sessionTimeoutMs, this.#logger);
    const nowMs = this.#time.hiResClockMs();
    this.#registerBrokerRecordOffsets.clear();
    for (const b of image.brokers.values()) {
      manager.register(b.id, b.fenced);
      if (!b.fenced) manager.tracker.updateContactTime({ id: b.id, epoch: b.epoch }, nowMs);
      this.#registerBrokerRecordOffsets.set(b.id, image.offset);
    }
    this.#heartbeatManager = manager;
  }

  /** Drops the soft state (this node is no longer the active controller). */
  deactivate(): void {
    this.#heartbeatManager = null;
    this.#registerBrokerRecordOffsets.clear();
  }

  /** The heartbeat manager. @throws Error when this controller is not active. */
  get heartbeatManager(): BrokerHeartbeatManager {
    if (this.#heartbeatManager === null) throw new Error('ClusterControlManager is not active.');
    return this.#heartbeatManager;
  }

  /** Offset of `brokerId`'s RegisterBrokerRecord (see the class doc), or null when it is not registered. */
  registerBrokerRecordOffset(brokerId: number): bigint | null {
    return this.#registerBrokerRecordOffsets.get(brokerId) ?? null;
  }

  /** Records a heartbeat's contact (before it is queued, as Kafka does). @returns false when not active. */
  trackBrokerHeartbeat(brokerId: number, brokerEpoch: bigint): boolean {
    const manager = this.#heartbeatManager;
    if (manager === null) return false;
    manager.tracker.updateContactTime({ id: brokerId, epoch: brokerEpoch });
    return true;
  }

  /** @throws ApiError STALE_BROKER_EPOCH (77) unless `brokerId` is registered with `brokerEpoch`. */
  checkBrokerEpoch(image: MetadataImage, brokerId: number, brokerEpoch: bigint): BrokerRegistration {
    const registration = image.brokers.get(brokerId);
    if (registration === undefined) fail(Errors.STALE_BROKER_EPOCH, `No broker registration found for broker id ${brokerId}`);
    if (registration.epoch !== brokerEpoch) fail(Errors.STALE_BROKER_EPOCH, `Expected broker epoch ${registration.epoch}, but got broker epoch ${brokerEpoch}`);
    return registration;
  }

  /**
   * Brokers that can host new replicas (Kafka's usableBrokers): every tracked broker not in controlled shutdown,
   * fenced or not, with its rack.
   */
  usableBrokers(image: MetadataImage): UsableBroker[] {
    const manager = this.heartbeatManager;
    const out: UsableBroker[] = [];
    for (const id of manager.brokerIds()) {
      const registration = image.brokers.get(id);
      if (registration === undefined || manager.isShuttingDown(id)) continue;
      out.push({ id, rack: registration.rack, fenced: manager.isFenced(id)! });
    }
    return out;
  }

  /**
   * BrokerRegistration (Kafka's registerBroker). A new incarnation (another incarnation id) gets `newBrokerEpoch`
   * (the offset its RegisterBrokerRecord will have: it is the first record of the batch) and is registered
   * fenced; `shutdownHandler` adds the records that move the previous incarnation's leaderships away. The same
   * incarnation registering again keeps its epoch and its fencing and controlled shutdown state.
   * @param finalizedFeatures finalized feature levels (metadata.version, kraft.version, ...).
   * @param cleanShutdownDetection whether the request carries previousBrokerEpoch (v3+, KIP-1033).
   * @returns the records (RegisterBrokerRecord first) and the broker epoch.
   * @throws ApiError INCONSISTENT_CLUSTER_ID (104), DUPLICATE_BROKER_REGISTRATION (101) while another incarnation
   *   has a live session, BROKER_ID_NOT_REGISTERED (102) for a ZooKeeper migration broker, INVALID_REGISTRATION
   *   (119) for bad log directories or no metadata.version feature, UNSUPPORTED_VERSION (35) when a finalized
   *   feature level is outside the broker's range.
   */
  registerBroker(
    image: MetadataImage,
    request: BrokerRegistrationInput,
    newBrokerEpoch: bigint,
    finalizedFeatures: ReadonlyMap<string, number>,
    cleanShutdownDetection: boolean,
    shutdownHandler: BrokerShutdownHandler,
  ): { records: MetadataRecordInput[]; brokerEpoch: bigint } {
    const manager = this.heartbeatManager;
    if (request.clusterId !== this.#clusterId) fail(Errors.INCONSISTENT_CLUSTER_ID, `Expected cluster ID ${this.#clusterId}, but got cluster ID ${request.clusterId}`);
    const brokerId = request.brokerId;
    const existing = image.brokers.get(brokerId);
    if (existing !== undefined && manager.hasValidSession(brokerId, existing.epoch) && request.incarnationId !== existing.incarnationId) {
      fail(
        Errors.DUPLICATE_BROKER_REGISTRATION,
        "Another broker is registered with that broker id. If the broker was recently restarted this should self-resolve once the heartbeat manager expires the broker's session.",
      );
    }
    if (request.isMigratingZkBroker) fail(Errors.BROKER_ID_NOT_REGISTERED, 'Controller does not support registering ZK brokers.');
    const level = metadataVersionOf(image);
    if (metadataVersionSupports.directoryAssignment(level)) this.#checkLogDirs(image, brokerId, request.logDirs);
    const features: RegisterBrokerRecord['features'] = [];
    for (const f of request.features) features.push(this.#checkFeature(finalizedFeatures, f.name, f.minSupportedVersion, f.maxSupportedVersion));
    if (!request.features.some((f) => f.name === METADATA_VERSION_FEATURE)) fail(Errors.INVALID_REGISTRATION, "Request features do not contain 'metadata.version'");
    for (const [name, finalized] of finalizedFeatures) {
      if (finalized !== 0 && !request.features.some((f) => f.name === name)) this.#checkFeature(finalizedFeatures, name, 0, 0);
    }
    const newIncarnation = existing?.incarnationId !== request.incarnationId;
    const brokerEpoch = newIncarnation ? newBrokerEpoch : existing!.epoch;
    const record: MetadataRecordInput = {
      type: 'RegisterBrokerRecord',
      version: registerBrokerRecordVersion(level),
      data: {
        brokerId,
        isMigratingZkBroker: false,
        incarnationId: request.incarnationId,
        brokerEpoch,
        endPoints: request.listeners.map((l) => ({ name: l.name, host: l.host, port: l.port, securityProtocol: l.securityProtocol })),
        features,
        rack: request.rack,
        fenced: newIncarnation ? true : existing!.fenced,
        inControlledShutdown: newIncarnation ? false : existing!.inControlledShutdown,
        logDirs: metadataVersionSupports.directoryAssignment(level) ? [...request.logDirs] : [],
      },
    };
    const records: MetadataRecordInput[] = [record];
    if (newIncarnation) {
      // KIP-1033: the previous incarnation shut down cleanly when the broker names its epoch. Only KIP-966 (ELR)
      // treats the two differently: after an unclean one the broker leaves every ELR. As in Kafka this runs with
      // no registration too (an unregistered broker may still be in an ELR), and that counts as unclean.
      const isCleanShutdown = cleanShutdownDetection && existing !== undefined && existing.epoch === request.previousBrokerEpoch;
      shutdownHandler(image, brokerId, isCleanShutdown, records);
      this.#logger.info(
        { brokerId, incarnationId: request.incarnationId, previousIncarnationId: existing?.incarnationId ?? null, brokerEpoch: String(brokerEpoch), isCleanShutdown, cleanupRecords: records.length - 1 },
        existing === undefined ? 'Registering a new broker' : 'Registering a new incarnation of broker',
      );
    } else {
      this.#logger.info({ brokerId, incarnationId: request.incarnationId, brokerEpoch: String(brokerEpoch) }, 'Amending the registration of broker; its epoch remains');
    }
    return { records, brokerEpoch };
  }

  #checkLogDirs(image: MetadataImage, brokerId: number, logDirs: readonly string[]): void {
    // Kafka refuses a registration without directories at this metadata.version ("No directories specified in
    // request"); ours accepts one, since our brokers do not assign replicas to directories (KIP-858) yet: its
    // partitions keep the MIGRATING directory, which Kafka treats as online.
    if (logDirs.some(isReservedDirectory)) fail(Errors.INVALID_REGISTRATION, 'Reserved directory ID in request');
    if (new Set(logDirs).size !== logDirs.length) fail(Errors.INVALID_REGISTRATION, 'Duplicate directory ID in request');
    for (const dir of logDirs) {
      for (const other of image.brokers.values()) {
        if (other.id !== brokerId && other.directories.includes(dir)) fail(Errors.INVALID_REGISTRATION, `Broker ${other.id} is already registered with directory ${dir}`);
      }
    }
  }

  /** Kafka's processRegistrationFeature. @throws ApiError UNSUPPORTED_VERSION (35) when the finalized level is out of range. */
  #checkFeature(finalizedFeatures: ReadonlyMap<string, number>, name: string, min: number, max: number) {
    const finalized = finalizedFeatures.get(name);
    if (finalized === undefined && name === METADATA_VERSION_FEATURE) throw new Error("Feature with name 'metadata.version' not found in the finalized features");
    const level = finalized ?? 0;
    if (level < min || level > max) {
      fail(
        Errors.UNSUPPORTED_VERSION,
        `Unable to register because the broker does not support finalized version ${level} of ${name}. The broker wants a version between ${min} and ${max}, inclusive.`,
      );
    }
    return { name, minSupportedVersion: min, maxSupportedVersion: max };
  }

  /**
   * ControllerRegistration (KIP-919, Kafka's registerController): a RegisterControllerRecord with the controller's
   * incarnation, listeners and features.
   * @throws ApiError UNSUPPORTED_VERSION (35) below metadata.version 3.7-IV0.
   */
  registerController(image: MetadataImage, request: ControllerRegistrationInput): MetadataRecordInput[] {
    if (!metadataVersionSupports.controllerRegistration(metadataVersionOf(image))) {
      fail(Errors.UNSUPPORTED_VERSION, 'The current MetadataVersion is too old to support controller registrations.');
    }
    return [
      {
        type: 'RegisterControllerRecord',
        version: 0,
        data: {
          controllerId: request.controllerId,
          incarnationId: request.incarnationId,
          zkMigrationReady: false,
          endPoints: request.listeners.map((l) => ({ name: l.name, host: l.host, port: l.port, securityProtocol: l.securityProtocol })),
          features: request.features.map((f) => ({ name: f.name, minSupportedVersion: f.minSupportedVersion, maxSupportedVersion: f.maxSupportedVersion })),
        },
      },
    ];
  }

  /**
   * Updates the soft state for a registration record this controller appended at `offset` (Kafka's replay hooks
   * of RegisterBrokerRecord, BrokerRegistrationChangeRecord, UnregisterBrokerRecord, Fence/UnfenceBrokerRecord).
   * @param before the image the record's operation read (the registration it changes).
   */
  replay(record: MetadataRecordInput, offset: bigint, before: MetadataImage): void {
    const manager = this.#heartbeatManager;
    switch (record.type) {
      case 'RegisterBrokerRecord': {
        const id = record.data.brokerId;
        this.#registerBrokerRecordOffsets.set(id, offset);
        if (manager === null) return;
        if (before.brokers.has(id)) manager.remove(id);
        manager.register(id, record.data.fenced);
        return;
      }
      case 'BrokerRegistrationChangeRecord': {
        const fenced = record.data.fenced === 1 ? true : record.data.fenced === -1 ? false : before.brokers.get(record.data.brokerId)?.fenced;
        if (manager !== null && fenced !== undefined) manager.register(record.data.brokerId, fenced);
        return;
      }
      case 'FenceBrokerRecord':
      case 'UnfenceBrokerRecord':
        manager?.register(record.data.id, record.type === 'FenceBrokerRecord');
        return;
      case 'UnregisterBrokerRecord':
        this.#registerBrokerRecordOffsets.delete(record.data.brokerId);
        manager?.remove(record.data.brokerId);
        return;
      default:
        return;
    }
  }
}
