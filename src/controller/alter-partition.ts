import { Errors } from '../protocol/generated/errors.ts';
import type { AlterPartitionRequest, BrokerState, PartitionData } from '../protocol/generated/messages/alter-partition-request.ts';
import type { AlterPartitionResponse, PartitionData as ResponsePartition, TopicData as ResponseTopic } from '../protocol/generated/messages/alter-partition-response.ts';
import type { Input } from '../protocol/message-input.ts';
import type { MetadataImage, TopicImage } from '../metadata/metadata-image.ts';
import type { MetadataRecordInput } from '../metadata/metadata-record-serde.ts';
import { mergePartitionChange, type PartitionRegistration } from '../metadata/partition-registration.ts';
import type { Logger } from '../observability/logger.ts';
import { leaderAcceptor, metadataVersionOf } from './cluster-control-manager.ts';
import { eligibleLeaderReplicasSettings } from './eligible-leader-replicas.ts';
import { LEADER_RECOVERING, NO_LEADER_CHANGE, PartitionChangeBuilder } from './partition-change-builder.ts';

/** LeaderRecoveryState.RECOVERED. */
const LEADER_RECOVERED = 0;

export interface AlterPartitionOptions {
  /** The effective unclean.leader.election.enable of a topic. */
  uncleanLeaderElectionEnabled(image: MetadataImage, topicName: string): boolean;
  readonly logger: Logger;
}

/** The outcome of {@link alterPartition}: the records to commit and the response to send once they are. */
export interface AlterPartitionResult {
  readonly records: MetadataRecordInput[];
  readonly response: Input<AlterPartitionResponse>;
}

/**
 * Kafka's `Replicas.validateIsr`: every member is a replica, none twice, none negative (an empty ISR passes here
 * and fails the leader check next).
 */
function isValidIsr(replicas: readonly number[], isr: readonly number[]): boolean {
  return isr.every((r, i) => r >= 0 && replicas.includes(r) && isr.indexOf(r) === i);
}

/**
 * Why a requested ISR member may not join the ISR (Kafka's ineligibleReplicasForIsr, KIP-841/KIP-903): it is
 * not registered, in controlled shutdown, fenced, or (v3+, when the request names one) registered with another
 * broker epoch, i.e. the replica that caught up was an earlier incarnation. Null when it may.
 */
function ineligibility(image: MetadataImage, member: BrokerState): string | null {
  const registration = image.brokers.get(member.brokerId);
  if (registration === undefined) return 'not registered';
  if (registration.inControlledShutdown) return 'shutting down';
  if (registration.fenced) return 'fenced';
  if (member.brokerEpoch !== -1n && member.brokerEpoch !== registration.epoch) return `broker epoch mismatch: requested=${member.brokerEpoch} VS expected=${registration.epoch}`;
  return null;
}

/**
 * The checks of one partition of an AlterPartition request, in Kafka's order (validateAlterPartitionData):
 * UNKNOWN_TOPIC_OR_PARTITION (3) for a partition the topic lacks; NOT_CONTROLLER (41) when the request's leader or
 * partition epoch is newer than this controller's image (it is likely no longer the active one); FENCED_LEADER_EPOCH
 * (74) for an older leader epoch; INVALID_REQUEST (42) when the sender is not the leader; INVALID_UPDATE_VERSION
 * (95) for an older partition epoch; INVALID_REQUEST for an ISR that is not a set of replicas holding the leader,
 * for a leader recovery state that is neither RECOVERED (0) nor RECOVERING (1) (Kafka fails the whole request),
 * for a RECOVERING leader with more than itself in the ISR or going back from RECOVERED to RECOVERING;
 * INELIGIBLE_REPLICA (107) for a new ISR with an ineligible member (OPERATION_NOT_ATTEMPTED (55) before v2).
 */
function validate(
  image: MetadataImage,
  brokerId: number,
  topic: TopicImage,
  partitionId: number,
  partition: PartitionRegistration | undefined,
  data: PartitionData,
  newIsr: readonly BrokerState[],
  apiVersion: number,
  logger: Logger,
): number {
  const where = { brokerId, topicPartition: `${topic.name}-${partitionId}` };
  if (partition === undefined) {
    logger.info(where, 'Rejecting AlterPartition request for an unknown partition');
    return Errors.UNKNOWN_TOPIC_OR_PARTITION;
  }
  const state = { ...where, requestedIsr: newIsr.map((b) => b.brokerId), isr: partition.isr, replicas: partition.replicas, leaderEpoch: partition.leaderEpoch, partitionEpoch: partition.partitionEpoch };
  if (data.leaderEpoch > partition.leaderEpoch || data.partitionEpoch > partition.partitionEpoch) {
    logger.debug({ ...state, requestLeaderEpoch: data.leaderEpoch, requestPartitionEpoch: data.partitionEpoch }, 'Rejecting AlterPartition request: its epochs are newer than this controller knows');
    return Errors.NOT_CONTROLLER;
  }
  if (data.leaderEpoch < partition.leaderEpoch) {
    logger.debug({ ...state, requestLeaderEpoch: data.leaderEpoch }, 'Rejecting AlterPartition request: stale leader epoch');
    return Errors.FENCED_LEADER_EPOCH;
  }
  if (brokerId !== partition.leader) {
    logger.info({ ...state, leader: partition.leader }, 'Rejecting AlterPartition request: the sender is not the leader');
    return Errors.INVALID_REQUEST;
  }
  if (data.partitionEpoch < partition.partitionEpoch) {
    logger.info({ ...state, requestPartitionEpoch: data.partitionEpoch }, 'Rejecting AlterPartition request: stale partition epoch');
    return Errors.INVALID_UPDATE_VERSION;
  }
  const isr = newIsr.map((b) => b.brokerId);
  if (!isValidIsr(partition.replicas, isr)) {
    logger.error(state, 'Rejecting AlterPartition request: the ISR is not a set of replicas');
    return Errors.INVALID_REQUEST;
  }
  if (!isr.includes(partition.leader)) {
    logger.error(state, 'Rejecting AlterPartition request: the ISR does not include the leader');
    return Errors.INVALID_REQUEST;
  }
  if (data.leaderRecoveryState !== LEADER_RECOVERED && data.leaderRecoveryState !== LEADER_RECOVERING) {
    logger.info({ ...state, leaderRecoveryState: data.leaderRecoveryState }, 'Rejecting AlterPartition request: unknown leader recovery state');
    return Errors.INVALID_REQUEST;
  }
  if (data.leaderRecoveryState === LEADER_RECOVERING && isr.length > 1) {
    logger.info(state, 'Rejecting AlterPartition request: more than one replica in the ISR while the leader recovers from an unclean election');
    return Errors.INVALID_REQUEST;
  }
  if (partition.leaderRecoveryState === LEADER_RECOVERED && data.leaderRecoveryState === LEADER_RECOVERING) {
    logger.info(state, 'Rejecting AlterPartition request: the leader recovery state cannot go from RECOVERED to RECOVERING');
    return Errors.INVALID_REQUEST;
  }
  const ineligible = newIsr.flatMap((b) => {
    const reason = ineligibility(image, b);
    return reason === null ? [] : [`${b.brokerId} (${reason})`];
  });
  if (ineligible.length > 0) {
    logger.info({ ...state, ineligible }, 'Rejecting AlterPartition request: ineligible replicas in the new ISR');
    return apiVersion > 1 ? Errors.INELIGIBLE_REPLICA : Errors.OPERATION_NOT_ATTEMPTED;
  }
  return Errors.NONE;
}

/**
 * AlterPartition on the controller (KIP-497; KIP-841 topic ids and eligibility, KIP-903 broker epochs), after
 * Kafka's `ReplicationControlManager.alterPartition`: a partition leader asks for a new ISR (and, after an unclean
 * election, reports that it has recovered). The caller has checked the sender's broker epoch
 * (STALE_BROKER_EPOCH, 77, for the whole request).
 *
 * Topics are found by id from v2 (UNKNOWN_TOPIC_ID, 100) and by name before (UNKNOWN_TOPIC_OR_PARTITION, 3). Each
 * partition is checked (see {@link validate}); a valid one gets a PartitionChangeRecord with the new ISR, which
 * bumps its partition epoch when replayed (and its leader epoch when the ISR shrinks before metadata.version
 * 3.6-IV0), and its answer carries the partition as that record leaves it: leader, leader epoch, ISR, leader
 * recovery state, partition epoch. An ISR equal to the current one writes nothing and answers the current state.
 * Should the change elect another leader (only a completed reassignment can, which nothing starts yet), the answer
 * is NEW_LEADER_ELECTED (108), FENCED_LEADER_EPOCH (74) before v2, though the record is written.
 *
 * @param apiVersion the request's version (v0-2 carry `newIsr` without broker epochs).
 */
export function alterPartition(image: MetadataImage, request: AlterPartitionRequest, apiVersion: number, options: AlterPartitionOptions): AlterPartitionResult {
  const { logger } = options;
  const level = metadataVersionOf(image);
  const records: MetadataRecordInput[] = [];
  const topics: Input<ResponseTopic>[] = [];
  for (const topicData of request.topics) {
    const partitions: Input<ResponsePartition>[] = [];
    topics.push(apiVersion > 1 ? { topicId: topicData.topicId, partitions } : { topicName: topicData.topicName, partitions });
    const topic = apiVersion > 1 ? image.topicsById.get(topicData.topicId) : image.topicsByName.get(topicData.topicName);
    if (topic === undefined) {
      const errorCode = apiVersion > 1 ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION;
      for (const p of topicData.partitions) partitions.push({ partitionIndex: p.partitionIndex, errorCode });
      logger.info({ topicId: topicData.topicId, topicName: topicData.topicName }, 'Rejecting AlterPartition request for an unknown topic');
      continue;
    }
    for (const data of topicData.partitions) {
      const partitionId = data.partitionIndex;
      const newIsr = apiVersion < 3 ? data.newIsr.map((brokerId) => ({ brokerId, brokerEpoch: -1n })) : data.newIsrWithEpochs;
      let partition = topic.partitions.get(partitionId);
      const errorCode = validate(image, request.brokerId, topic, partitionId, partition, data, newIsr, apiVersion, logger);
      if (errorCode !== Errors.NONE || partition === undefined) {
        partitions.push({ partitionIndex: partitionId, errorCode });
        continue;
      }
      const current = partition;
      const isAcceptableLeader = leaderAcceptor(image, current);
      const builder = new PartitionChangeBuilder(current, topic.id, partitionId, isAcceptableLeader, level)
        .setTargetIsr(newIsr.map((b) => b.brokerId))
        .setTargetLeaderRecoveryState(data.leaderRecoveryState)
        .setEligibleLeaderReplicas(eligibleLeaderReplicasSettings(image, topic));
      if (options.uncleanLeaderElectionEnabled(image, topic.name)) builder.setElection('UNCLEAN');
      const change = builder.build();
      if (change !== null) {
        records.push({ type: change.type, version: change.version, data: change.data });
        partition = mergePartitionChange(current, change.data);
        logger.info(
          { brokerId: request.brokerId, topicPartition: `${topic.name}-${partitionId}`, isr: `${current.isr} -> ${partition.isr}`, partitionEpoch: partition.partitionEpoch, leaderEpoch: partition.leaderEpoch },
          'Altered the ISR at the leader\'s request',
        );
        if (change.data.leader !== request.brokerId && change.data.leader !== NO_LEADER_CHANGE) {
          partitions.push({ partitionIndex: partitionId, errorCode: apiVersion > 1 ? Errors.NEW_LEADER_ELECTED : Errors.FENCED_LEADER_EPOCH });
          continue;
        }
      }
      partitions.push({
        partitionIndex: partitionId,
        errorCode: Errors.NONE,
        leaderId: partition.leader,
        leaderEpoch: partition.leaderEpoch,
        isr: [...partition.isr],
        leaderRecoveryState: partition.leaderRecoveryState,
        partitionEpoch: partition.partitionEpoch,
      });
    }
  }
  return { records, response: { throttleTimeMs: 0, errorCode: Errors.NONE, topics } };
}
