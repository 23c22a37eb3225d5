import { ApiError } from '../common/api-error.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { ElectLeadersRequest } from '../protocol/generated/messages/elect-leaders-request.ts';
import type { ElectLeadersResponse, PartitionResult, ReplicaElectionResult } from '../protocol/generated/messages/elect-leaders-response.ts';
import type { Input } from '../protocol/message-input.ts';
import type { MetadataImage } from '../metadata/metadata-image.ts';
import type { MetadataRecordInput } from '../metadata/metadata-record-serde.ts';
import type { Logger } from '../observability/logger.ts';
import { BrokersToIsrs } from './brokers-to-isrs.ts';
import { leaderAcceptor, metadataVersionOf } from './cluster-control-manager.ts';
import { eligibleLeaderReplicasSettings } from './eligible-leader-replicas.ts';
import { PartitionChangeBuilder } from './partition-change-builder.ts';

/** ElectLeadersRequest.ElectionType (Kafka's ElectionType): 0 PREFERRED, 1 UNCLEAN. */
export const ElectionType = { PREFERRED: 0, UNCLEAN: 1 } as const;
export type ElectionTypeValue = (typeof ElectionType)[keyof typeof ElectionType];

/** Most records one ElectLeaders request may write (Kafka's BoundedList of QuorumController.MAX_RECORDS_PER_USER_OP). */
export const MAX_ELECTION_RECORDS = 10_000;

/** The outcome of one partition's election: Kafka's ApiError (NONE carries no message). */
export interface ElectionOutcome {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

const NONE: ElectionOutcome = { errorCode: Errors.NONE, errorMessage: null };
// Kafka's default messages of these codes, which admin tools print.
const ELECTION_NOT_NEEDED: ElectionOutcome = { errorCode: Errors.ELECTION_NOT_NEEDED, errorMessage: 'Leader election not needed for topic partition.' };
const PREFERRED_LEADER_NOT_AVAILABLE: ElectionOutcome = { errorCode: Errors.PREFERRED_LEADER_NOT_AVAILABLE, errorMessage: 'The preferred leader was not available.' };
const ELIGIBLE_LEADERS_NOT_AVAILABLE: ElectionOutcome = { errorCode: Errors.ELIGIBLE_LEADERS_NOT_AVAILABLE, errorMessage: 'Eligible topic partition leaders are not available.' };

/**
 * One partition's leader election (Kafka's ReplicationControlManager.electLeader), its record added to `records`:
 * - UNKNOWN_TOPIC_OR_PARTITION (3) for a topic or partition that does not exist;
 * - ELECTION_NOT_NEEDED (84) for PREFERRED when the preferred replica (the first) leads, for UNCLEAN when there is a
 *   leader;
 * - PREFERRED: the preferred replica when it is in the ISR and active, else the current leader stays, else the
 *   first other ISR member that is active; PREFERRED_LEADER_NOT_AVAILABLE (80) when that changes nothing;
 * - UNCLEAN: an active ISR member, else any active replica (an out-of-sync one: records acknowledged by the lost ISR
 *   may be gone, which is logged; the partition becomes RECOVERING); ELIGIBLE_LEADERS_NOT_AVAILABLE (83) when no
 *   replica is active. The topic's unclean.leader.election.enable is not consulted: the admin asked for it.
 * Every elected leader gets a new leader epoch (the record names it). `context` names the caller in the logs.
 */
export function electLeader(
  image: MetadataImage,
  topicName: string,
  partitionId: number,
  electionType: ElectionTypeValue,
  records: MetadataRecordInput[],
  logger: Logger,
  context = 'electLeaders',
): ElectionOutcome {
  const topic = image.topicsByName.get(topicName);
  if (topic === undefined) return { errorCode: Errors.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such topic as ${topicName}` };
  const partition = topic.partitions.get(partitionId);
  if (partition === undefined) return { errorCode: Errors.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such partition as ${topicName}-${partitionId}` };
  if (electionType === ElectionType.PREFERRED && partition.leader === partition.replicas[0]) return ELECTION_NOT_NEEDED;
  if (electionType === ElectionType.UNCLEAN && partition.leader >= 0) return ELECTION_NOT_NEEDED;
  const isAcceptableLeader = leaderAcceptor(image, partition);
  const change = new PartitionChangeBuilder(partition, topic.id, partitionId, isAcceptableLeader, metadataVersionOf(image))
    .setEligibleLeaderReplicas(eligibleLeaderReplicasSettings(image, topic))
    .setElection(electionType === ElectionType.UNCLEAN ? 'UNCLEAN' : 'PREFERRED')
    .build();
  if (change === null) return electionType === ElectionType.PREFERRED ? PREFERRED_LEADER_NOT_AVAILABLE : ELIGIBLE_LEADERS_NOT_AVAILABLE;
  if (change.unclean) logUncleanElection(logger, `${topicName}-${partitionId}`, partition.isr, change.data.leader, context);
  records.push({ type: change.type, version: change.version, data: change.data });
  return NONE;
}

/** Logs an unclean election loudly: the data loss Kafka warns of. */
export function logUncleanElection(logger: Logger, topicPartition: string, lastIsr: readonly number[], newLeader: number, context: string): void {
  logger.warn({ topicPartition, lastIsr, newLeader, context }, 'Unclean leader election: a replica outside the ISR becomes leader; records acknowledged by the last in-sync replicas may be lost');
}

/** `records`, checked as Kafka's BoundedList: more than {@link MAX_ELECTION_RECORDS} fails the request. */
function bounded(records: MetadataRecordInput[]): MetadataRecordInput[] {
  if (records.length > MAX_ELECTION_RECORDS) throw new ApiError(Errors.POLICY_VIOLATION, 'Unable to perform excessively large batch operation.');
  return records;
}

/**
 * ElectLeaders on the controller (KIP-183 preferred, KIP-460 unclean), after Kafka's
 * `ReplicationControlManager.electLeaders`: each named partition's outcome (see {@link electLeader}); with
 * `topicPartitions` null every partition of every topic is tried and only those whose election was needed are
 * listed.
 * @throws ApiError INVALID_REQUEST (42) for an unknown election type, POLICY_VIOLATION (44) when more than
 *   {@link MAX_ELECTION_RECORDS} partitions would change.
 */
export function electLeaders(image: MetadataImage, request: ElectLeadersRequest, logger: Logger): { records: MetadataRecordInput[]; response: Input<ElectLeadersResponse> } {
  const electionType = request.electionType;
  if (electionType !== ElectionType.PREFERRED && electionType !== ElectionType.UNCLEAN) throw new ApiError(Errors.INVALID_REQUEST, `Unknown election type ${electionType}`);
  const records: MetadataRecordInput[] = [];
  const results: Input<ReplicaElectionResult>[] = [];
  const result = (partitionId: number, outcome: ElectionOutcome): Input<PartitionResult> => ({ partitionId, ...outcome });
  if (request.topicPartitions === null) {
    for (const topic of image.topicsByName.values()) {
      const partitionResult: Input<PartitionResult>[] = [];
      results.push({ topic: topic.name, partitionResult });
      for (const partitionId of topic.partitions.keys()) {
        const outcome = electLeader(image, topic.name, partitionId, electionType, bounded(records), logger);
        if (outcome.errorCode !== Errors.ELECTION_NOT_NEEDED) partitionResult.push(result(partitionId, outcome));
      }
    }
  } else {
    for (const topic of request.topicPartitions) {
      results.push({ topic: topic.topic, partitionResult: topic.partitions.map((partitionId) => result(partitionId, electLeader(image, topic.topic, partitionId, electionType, bounded(records), logger))) });
    }
  }
  bounded(records);
  return { records, response: { throttleTimeMs: 0, errorCode: Errors.NONE, replicaElectionResults: results } };
}

/**
 * The periodic preferred leader election of auto.leader.rebalance.enable (Kafka's maybeBalancePartitionLeaders):
 * partitions not led by their preferred replica get it back where it is an active ISR member, at most `max`
 * records per pass.
 * @returns the records, and whether the pass hit `max` (the task then runs again soon).
 */
export function maybeBalancePartitionLeaders(image: MetadataImage, max: number): { records: MetadataRecordInput[]; more: boolean } {
  const records: MetadataRecordInput[] = [];
  const level = metadataVersionOf(image);
  for (const { topicId, partitionId } of BrokersToIsrs.of(image).imbalancedPartitions()) {
    if (records.length >= max) break;
    const topic = image.topicsById.get(topicId)!;
    const partition = topic.partitions.get(partitionId)!;
    const isAcceptableLeader = leaderAcceptor(image, partition);
    const change = new PartitionChangeBuilder(partition, topicId, partitionId, isAcceptableLeader, level)
      .setEligibleLeaderReplicas(eligibleLeaderReplicasSettings(image, topic))
      .setElection('PREFERRED')
      .build();
    if (change !== null) records.push({ type: change.type, version: change.version, data: change.data });
  }
  return { records, more: records.length >= max };
}
