import { ApiError } from '../common/api-error.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { MetadataImage, PartitionRegistration } from '../metadata/metadata-image.ts';
import type { MetadataRecordInput } from '../metadata/metadata-record-serde.ts';
import type { Logger } from '../observability/logger.ts';
import { BrokersToIsrs, type TopicIdPartition } from './brokers-to-isrs.ts';
import { isFencedState, type HeartbeatIntent } from './broker-heartbeat-manager.ts';
import { isActiveBroker, leaderAcceptor, metadataVersionOf, type ClusterControlManager } from './cluster-control-manager.ts';
import { PartitionChangeBuilder } from './partition-change-builder.ts';
import { eligibleLeaderReplicasEnabled, eligibleLeaderReplicasSettings } from './eligible-leader-replicas.ts';
import { ElectionType, electLeader, logUncleanElection } from './elect-leaders.ts';

/** BrokerRegistrationChangeRecord.Fenced values (Kafka's BrokerRegistrationFencingChange). */
const FENCE = 1;
const UNFENCE = -1;
/** BrokerRegistrationChangeRecord.InControlledShutdown: IN_CONTROLLED_SHUTDOWN. */
const IN_CONTROLLED_SHUTDOWN = 1;
/** Kafka's ReplicationControlManager.MAX_ELECTIONS_PER_IMBALANCE: records one unclean election pass may write. */
export const MAX_ELECTIONS_PER_IMBALANCE = 1000;

/** A BrokerHeartbeat as the controller processes it. */
export interface BrokerHeartbeatInput extends HeartbeatIntent {
  readonly brokerId: number;
  readonly brokerEpoch: bigint;
  /** Uuids of log directories that went offline (KIP-858, v1+). */
  readonly offlineLogDirs: readonly string[];
}

/** The answer to a heartbeat (Kafka's BrokerHeartbeatReply). */
export interface BrokerHeartbeatReply {
  /** The broker has applied its own registration record. */
  readonly isCaughtUp: boolean;
  readonly isFenced: boolean;
  readonly inControlledShutdown: boolean;
  readonly shouldShutDown: boolean;
}

export interface BrokerStateHandlersOptions {
  readonly cluster: ClusterControlManager;
  /** The effective unclean.leader.election.enable of a topic (topic config, then node, cluster and static ones). */
  uncleanLeaderElectionEnabled(image: MetadataImage, topicName: string): boolean;
  readonly logger: Logger;
}

/**
 * What a change of a broker's state does to partitions and registrations, after the broker handlers of Kafka's
 * `ReplicationControlManager`. Each method reads an image and adds records; nothing changes until they are
 * committed and replayed. The records, as Kafka 4 writes them (PartitionChangeRecord v2 from metadata.version
 * 4.0-IV1, where KIP-966 ELR changes ride on the same records):
 *
 * | event                          | records (in order)                                                      |
 * |--------------------------------|-------------------------------------------------------------------------|
 * | fenced (request, SHUTDOWN_NOW, | PartitionChangeRecord per partition whose ISR holds it (leader moved,   |
 * |   session expired)             | ISR shrunk, ELR grown), BrokerRegistrationChangeRecord v0 fenced=1      |
 * | unfenced                       | BrokerRegistrationChangeRecord v0 fenced=-1, PartitionChangeRecord per  |
 * |                                | leaderless partition that can now get a leader (from the ISR or ELR)    |
 * | controlled shutdown            | BrokerRegistrationChangeRecord v1 inControlledShutdown=1 (once),        |
 * |                                | PartitionChangeRecord per partition whose ISR holds it                  |
 * | new incarnation registered     | PartitionChangeRecord per partition whose ISR held the old one (and,    |
 * |                                | after an unclean shutdown with ELR on, whose ELR held it)               |
 * | unregistered                   | PartitionChangeRecord per partition whose ISR or ELR holds it,          |
 * |                                | UnregisterBrokerRecord v0                                               |
 * | log directories offline        | BrokerRegistrationChangeRecord v2 with the remaining directories        |
 */
export class BrokerStateHandlers {
  readonly #options: BrokerStateHandlersOptions;

  constructor(options: BrokerStateHandlersOptions) {
    this.#options = options;
  }

  /**
   * For each partition of `partitions`: `brokerToRemove` leaves the ISR and may not lead, `brokerToAdd` may lead
   * even though its registration is not active yet, and a new leader is elected from the ISR (or, where
   * unclean.leader.election.enable holds for the topic, from outside it as a last resort). Kafka's
   * generateLeaderAndIsrUpdates. `brokerWithUncleanShutdown` (KIP-966) leaves the ISR and the ELR and may not
   * lead; -1 for none.
   */
  generateLeaderAndIsrUpdates(
    image: MetadataImage,
    context: string,
    brokerToRemove: number,
    brokerToAdd: number,
    partitions: readonly TopicIdPartition[],
    records: MetadataRecordInput[],
    brokerWithUncleanShutdown = -1,
  ): void {
    const level = metadataVersionOf(image);
    const before = records.length;
    for (const { topicId, partitionId } of partitions) {
      const topic = image.topicsById.get(topicId);
      const partition = topic?.partitions.get(partitionId);
      if (topic === undefined || partition === undefined) throw new Error(`Partition ${topicId}:${partitionId} is in the ISR index but not in the image`);
      const gone = (r: number) => r === brokerToRemove || r === brokerWithUncleanShutdown;
      const isAcceptableLeader = leaderAcceptor(image, partition, (r) => !gone(r) && (r === brokerToAdd || isActiveBroker(image, r)));
      const builder = new PartitionChangeBuilder(partition, topicId, partitionId, isAcceptableLeader, level)
        .setTargetIsr(partition.isr.filter((r) => !gone(r)))
        .setEligibleLeaderReplicas(eligibleLeaderReplicasSettings(image, topic));
      if (brokerWithUncleanShutdown !== -1) builder.setUncleanShutdownReplicas([brokerWithUncleanShutdown]);
      if (this.#options.uncleanLeaderElectionEnabled(image, topic.name)) builder.setElection('UNCLEAN');
      const change = builder.build();
      if (change === null) continue;
      if (change.unclean) logUncleanElection(this.#options.logger, `${topic.name}-${partitionId}`, partition.isr, change.data.leader, context);
      records.push({ type: change.type, version: change.version, data: change.data });
    }
    if (records.length > before) this.#options.logger.info({ context, partitions: records.length - before }, 'Changing partition leadership and ISRs');
  }

  /** Fences `brokerId` (Kafka's handleBrokerFenced). @throws Error when it is not registered. */
  handleBrokerFenced(image: MetadataImage, brokerId: number, records: MetadataRecordInput[]): void {
    const registration = image.brokers.get(brokerId);
    if (registration === undefined) throw new Error(`Can't find broker registration for broker ${brokerId}`);
    this.generateLeaderAndIsrUpdates(image, 'handleBrokerFenced', brokerId, -1, BrokersToIsrs.of(image).partitionsWithBrokerInIsr(brokerId), records);
    records.push({ type: 'BrokerRegistrationChangeRecord', version: 0, data: { brokerId, brokerEpoch: registration.epoch, fenced: FENCE, inControlledShutdown: 0, logDirs: [] } });
  }

  /** Unfences `brokerId` and gives leaderless partitions it can lead a leader (Kafka's handleBrokerUnfenced). */
  handleBrokerUnfenced(image: MetadataImage, brokerId: number, brokerEpoch: bigint, records: MetadataRecordInput[]): void {
    records.push({ type: 'BrokerRegistrationChangeRecord', version: 0, data: { brokerId, brokerEpoch, fenced: UNFENCE, inControlledShutdown: 0, logDirs: [] } });
    this.generateLeaderAndIsrUpdates(image, 'handleBrokerUnfenced', -1, brokerId, BrokersToIsrs.of(image).partitionsWithNoLeader(), records);
  }

  /** Moves leaderships and ISR membership off a broker that asked to shut down (Kafka's handleBrokerInControlledShutdown). */
  handleBrokerInControlledShutdown(image: MetadataImage, brokerId: number, brokerEpoch: bigint, records: MetadataRecordInput[]): void {
    if (image.brokers.get(brokerId)?.inControlledShutdown !== true) {
      records.push({
        type: 'BrokerRegistrationChangeRecord',
        version: 1,
        data: { brokerId, brokerEpoch, fenced: 0, inControlledShutdown: IN_CONTROLLED_SHUTDOWN, logDirs: [] },
      });
    }
    this.generateLeaderAndIsrUpdates(image, `enterControlledShutdown[${brokerId}]`, brokerId, -1, BrokersToIsrs.of(image).partitionsWithBrokerInIsr(brokerId), records);
  }

  /**
   * A new incarnation of `brokerId` registers: the previous one is gone (Kafka's handleBrokerShutdown). With
   * KIP-966 on, an unclean shutdown (the broker did not name its previous epoch: it may have lost records it had
   * acknowledged) also takes it out of every ELR; otherwise it only leaves the ISRs, like a fenced broker.
   */
  handleBrokerShutdown(image: MetadataImage, brokerId: number, isCleanShutdown: boolean, records: MetadataRecordInput[]): void {
    const index = BrokersToIsrs.of(image);
    if (eligibleLeaderReplicasEnabled(image) && !isCleanShutdown) {
      this.generateLeaderAndIsrUpdates(image, 'handleBrokerUncleanShutdown', -1, -1, index.partitionsWithBrokerInIsr(brokerId), records, brokerId);
      this.generateLeaderAndIsrUpdates(image, 'handleBrokerUncleanShutdown', -1, -1, index.partitionsWithBrokerInElr(brokerId), records, brokerId);
    } else {
      this.generateLeaderAndIsrUpdates(image, 'handleBrokerShutdown', brokerId, -1, index.partitionsWithBrokerInIsr(brokerId), records);
    }
  }

  /**
   * UnregisterBroker (Kafka's unregisterBroker + handleBrokerUnregistered).
   * @throws ApiError BROKER_ID_NOT_REGISTERED (102) when `brokerId` is not registered.
   */
  unregisterBroker(image: MetadataImage, brokerId: number): MetadataRecordInput[] {
    const registration = image.brokers.get(brokerId);
    if (registration === undefined) throw new ApiError(Errors.BROKER_ID_NOT_REGISTERED, `Broker ID ${brokerId} is not currently registered`);
    const records: MetadataRecordInput[] = [];
    const index = BrokersToIsrs.of(image);
    this.generateLeaderAndIsrUpdates(image, 'handleBrokerUnregistered', brokerId, -1, index.partitionsWithBrokerInIsr(brokerId), records);
    this.generateLeaderAndIsrUpdates(image, 'handleBrokerUnregistered', brokerId, -1, index.partitionsWithBrokerInElr(brokerId), records);
    records.push({ type: 'UnregisterBrokerRecord', version: 0, data: { brokerId, brokerEpoch: registration.epoch } });
    return records;
  }

  /**
   * Log directories a broker reports offline (Kafka's handleDirectoriesOffline): the registration keeps only the
   * others. Partitions move only when they were assigned to such a directory, which our controller never does
   * (replicas stay in the MIGRATING directory), so none move here.
   */
  handleDirectoriesOffline(image: MetadataImage, brokerId: number, brokerEpoch: bigint, offlineDirs: readonly string[], records: MetadataRecordInput[]): void {
    const registration = image.brokers.get(brokerId);
    if (registration === undefined) return;
    const newlyOffline = registration.directories.filter((d) => offlineDirs.includes(d));
    if (newlyOffline.length === 0) return;
    const online = registration.directories.filter((d) => !offlineDirs.includes(d));
    records.push({ type: 'BrokerRegistrationChangeRecord', version: 2, data: { brokerId, brokerEpoch, fenced: 0, inControlledShutdown: 0, logDirs: online } });
    this.#options.logger.warn({ brokerId, offlineDirs: newlyOffline, onlineDirs: online }, 'Log directories of a broker marked offline');
  }

  /**
   * A heartbeat (Kafka's processBrokerHeartbeat): the state transition it causes, its records, and the heartbeat
   * manager's view of the broker (its fencing and reported offset).
   * @param registerBrokerRecordOffset the offset of the broker's RegisterBrokerRecord.
   * @throws ApiError STALE_BROKER_EPOCH (77) unless the broker is registered with the heartbeat's epoch.
   */
  processBrokerHeartbeat(
    image: MetadataImage,
    request: BrokerHeartbeatInput,
    registerBrokerRecordOffset: bigint,
  ): { records: MetadataRecordInput[]; reply: BrokerHeartbeatReply } {
    const { brokerId, brokerEpoch } = request;
    const cluster = this.#options.cluster;
    cluster.checkBrokerEpoch(image, brokerId, brokerEpoch);
    const manager = cluster.heartbeatManager;
    const states = manager.calculateNextBrokerState(brokerId, request, registerBrokerRecordOffset, () => BrokersToIsrs.of(image).hasLeaderships(brokerId));
    const records: MetadataRecordInput[] = [];
    if (states.current !== states.next) {
      switch (states.next) {
        case 'FENCED':
        case 'SHUTDOWN_NOW':
          this.handleBrokerFenced(image, brokerId, records);
          break;
        case 'UNFENCED':
          this.handleBrokerUnfenced(image, brokerId, brokerEpoch, records);
          break;
        case 'CONTROLLED_SHUTDOWN':
          this.handleBrokerInControlledShutdown(image, brokerId, brokerEpoch, records);
          break;
      }
    }
    manager.touch(brokerId, isFencedState(states.next), request.currentMetadataOffset);
    this.handleDirectoriesOffline(image, brokerId, brokerEpoch, request.offlineLogDirs, records);
    return {
      records,
      reply: {
        isCaughtUp: request.currentMetadataOffset >= registerBrokerRecordOffset,
        isFenced: isFencedState(states.next),
        inControlledShutdown: states.next === 'CONTROLLED_SHUTDOWN',
        shouldShutDown: states.next === 'SHUTDOWN_NOW',
      },
    };
  }

  /**
   * A heartbeat that waited in the queue past its deadline (Kafka's processExpiredBrokerHeartbeat): only its
   * reported offset is recorded.
   * @throws ApiError STALE_BROKER_EPOCH (77) unless the broker is registered with the heartbeat's epoch.
   */
  processExpiredBrokerHeartbeat(image: MetadataImage, request: BrokerHeartbeatInput): void {
    const registration = this.#options.cluster.checkBrokerEpoch(image, request.brokerId, request.brokerEpoch);
    this.#options.cluster.heartbeatManager.touch(request.brokerId, registration.fenced, request.currentMetadataOffset);
    this.#options.logger.error({ brokerId: request.brokerId }, 'processExpiredBrokerHeartbeat: controller event queue overloaded; timed out heartbeat');
  }

  /**
   * The periodic session check (Kafka's maybeFenceOneStaleBroker): fences one broker whose session expired, or
   * drops an expired entry of an unknown broker or an old epoch.
   * @returns the records, and whether an entry was found (the task then runs again soon).
   */
  maybeFenceOneStaleBroker(image: MetadataImage): { records: MetadataRecordInput[]; found: boolean } {
    const manager = this.#options.cluster.heartbeatManager;
    const expired = manager.tracker.maybeRemoveExpired();
    if (expired === null) return { records: [], found: false };
    const registration = image.brokers.get(expired.id);
    const logger = this.#options.logger;
    if (registration === undefined) {
      logger.info({ brokerId: expired.id, brokerEpoch: String(expired.epoch) }, 'Removing heartbeat tracker entry for unknown broker');
      manager.remove(expired.id);
      return { records: [], found: true };
    }
    if (registration.epoch !== expired.epoch) {
      logger.info({ brokerId: expired.id, brokerEpoch: String(expired.epoch), currentEpoch: String(registration.epoch) }, 'Removing heartbeat tracker entry for a previous broker epoch');
      return { records: [], found: true };
    }
    logger.info({ brokerId: expired.id, brokerEpoch: String(expired.epoch) }, 'Fencing broker because its session has timed out');
    const records: MetadataRecordInput[] = [];
    this.handleBrokerFenced(image, expired.id, records);
    manager.fence(expired.id);
    return { records, found: true };
  }

  /**
   * The periodic unclean election (Kafka's maybeElectUncleanLeaders): leaderless partitions of topics where
   * unclean.leader.election.enable holds get a leader from outside the ISR when one is active.
   * @returns the records, and whether the pass hit its bound (the task then runs again soon).
   */
  maybeElectUncleanLeaders(image: MetadataImage): { records: MetadataRecordInput[]; more: boolean } {
    const records: MetadataRecordInput[] = [];
    for (const { topicId, partitionId } of BrokersToIsrs.of(image).partitionsWithNoLeader()) {
      if (records.length >= MAX_ELECTIONS_PER_IMBALANCE) break;
      const topic = image.topicsById.get(topicId)!;
      if (!this.#options.uncleanLeaderElectionEnabled(image, topic.name)) continue;
      electLeader(image, topic.name, partitionId, ElectionType.UNCLEAN, records, this.#options.logger, 'electUnclean');
    }
    return { records, more: records.length >= MAX_ELECTIONS_PER_IMBALANCE };
  }

}
