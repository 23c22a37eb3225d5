import { Errors } from '../protocol/generated/errors.ts';
import type { AlterPartitionReassignmentsRequest, ReassignablePartition } from '../protocol/generated/messages/alter-partition-reassignments-request.ts';
import type { AlterPartitionReassignmentsResponse, ReassignableTopicResponse } from '../protocol/generated/messages/alter-partition-reassignments-response.ts';
import type { ListPartitionReassignmentsRequest } from '../protocol/generated/messages/list-partition-reassignments-request.ts';
import type { ListPartitionReassignmentsResponse, OngoingTopicReassignment } from '../protocol/generated/messages/list-partition-reassignments-response.ts';
import type { Input } from '../protocol/message-input.ts';
import type { MetadataImage, TopicImage } from '../metadata/metadata-image.ts';
import type { MetadataRecordInput } from '../metadata/metadata-record-serde.ts';
import type { PartitionRegistration } from '../metadata/partition-registration.ts';
import type { Logger } from '../observability/logger.ts';
import { leaderAcceptor, metadataVersionOf } from './cluster-control-manager.ts';
import { eligibleLeaderReplicasSettings } from './eligible-leader-replicas.ts';
import { logUncleanElection, MAX_ELECTION_RECORDS } from './elect-leaders.ts';
import { PartitionChangeBuilder } from './partition-change-builder.ts';
import { isReassignmentInProgress, reassignmentReplicas, reassignmentRevert } from './reassignment-replicas.ts';

/** A partition's outcome: Kafka's ApiError (NONE carries no message). */
interface Outcome {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

const NONE: Outcome = { errorCode: Errors.NONE, errorMessage: null };

export interface ReassignmentOptions {
  /** The effective unclean.leader.election.enable of a topic. */
  uncleanLeaderElectionEnabled(image: MetadataImage, topicName: string): boolean;
  readonly logger: Logger;
}

/**
 * Kafka's validateManualPartitionAssignment for a reassignment target: INVALID_REPLICA_ASSIGNMENT (39) for an empty
 * list, an unregistered broker or a broker named twice. Null when valid.
 */
function targetError(image: MetadataImage, target: readonly number[]): Outcome | null {
  const invalid = (errorMessage: string): Outcome => ({ errorCode: Errors.INVALID_REPLICA_ASSIGNMENT, errorMessage });
  if (target.length === 0) return invalid('The manual partition assignment includes an empty replica list.');
  const seen = new Set<number>();
  for (const id of [...target].sort((a, b) => a - b)) {
    if (!image.brokers.has(id)) return invalid(`The manual partition assignment includes broker ${id}, but no such broker is registered.`);
    if (seen.has(id)) return invalid(`The manual partition assignment includes the broker ${id} more than once.`);
    seen.add(id);
  }
  return null;
}

/**
 * One partition's reassignment or cancellation (Kafka's ReplicationControlManager.alterPartitionReassignment), its
 * record (if any) added to `records`.
 * - UNKNOWN_TOPIC_OR_PARTITION (3) for a topic or partition that does not exist.
 * - Replicas null cancels: NO_REASSIGNMENT_IN_PROGRESS (85) when none runs; else the replicas go back to the
 *   original ones, the adding replicas leave the ISR (Kafka's PartitionReassignmentRevert). Should that leave the
 *   ISR empty, the first original replica is taken as the only ISR member, which needs the topic's
 *   unclean.leader.election.enable (INVALID_REPLICA_ASSIGNMENT, 39, otherwise).
 * - Replicas given: checked (see {@link targetError}); replicas become target + removing, with adding and removing
 *   replicas (the current replicas, a running reassignment's union included, are what is compared to the target).
 *   The record may complete the reassignment at once (only replicas removed, the rest in the ISR); a target equal
 *   to the replicas writes nothing.
 * The replication factor may change: request v0 has no allowReplicationFactorChange (KIP-860), whose default is true.
 */
function alterPartitionReassignment(
  image: MetadataImage,
  topicName: string,
  target: ReassignablePartition,
  records: MetadataRecordInput[],
  options: ReassignmentOptions,
): Outcome {
  const topic = image.topicsByName.get(topicName);
  if (topic === undefined) return { errorCode: Errors.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Unable to find a topic named ${topicName}.` };
  const partitionId = target.partitionIndex;
  const partition = topic.partitions.get(partitionId);
  if (partition === undefined) return { errorCode: Errors.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Unable to find partition ${topicName}:${partitionId}.` };
  const builder = new PartitionChangeBuilder(partition, topic.id, partitionId, leaderAcceptor(image, partition), metadataVersionOf(image))
    .setEligibleLeaderReplicas(eligibleLeaderReplicasSettings(image, topic));
  const unclean = options.uncleanLeaderElectionEnabled(image, topicName);
  if (target.replicas === null) {
    if (!isReassignmentInProgress(partition)) return { errorCode: Errors.NO_REASSIGNMENT_IN_PROGRESS, errorMessage: 'No partition reassignment is in progress.' };
    const revert = reassignmentRevert(partition);
    if (revert === null) return { errorCode: Errors.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'Invalid replica assignment: addingReplicas contains all replicas.' };
    if (revert.unclean && !unclean) {
      return { errorCode: Errors.INVALID_REPLICA_ASSIGNMENT, errorMessage: `Unable to revert partition assignment for ${topicName}:${partitionId} because it would require an unclean leader election.` };
    }
    if (unclean) builder.setElection('UNCLEAN');
    builder.setTargetIsr(revert.isr).setTargetReplicas(revert.replicas).setTargetAdding([]).setTargetRemoving([]);
  } else {
    const invalid = targetError(image, target.replicas);
    if (invalid !== null) return invalid;
    const lists = reassignmentReplicas(partition.replicas, target.replicas);
    // Kafka sets adding and removing only when non-empty; a new target that leaves neither would then keep a
    // running reassignment's lists next to replicas that no longer hold them, so both are always set here.
    builder.setTargetReplicas(lists.replicas).setTargetAdding(lists.adding).setTargetRemoving(lists.removing);
  }
  const change = builder.build();
  if (change !== null) {
    if (change.unclean) logUncleanElection(options.logger, `${topicName}-${partitionId}`, partition.isr, change.data.leader, 'cancelled reassignment');
    records.push({ type: change.type, version: change.version, data: change.data });
  }
  return NONE;
}

/**
 * AlterPartitionReassignments on the controller (KIP-455), after Kafka's
 * `ReplicationControlManager.alterPartitionReassignments`: each partition's outcome (see
 * {@link alterPartitionReassignment}); the records of the request are committed atomically. Past
 * {@link MAX_ELECTION_RECORDS} records (Kafka's bounded record list) the remaining partitions get POLICY_VIOLATION
 * (44).
 */
export function alterPartitionReassignments(
  image: MetadataImage,
  request: AlterPartitionReassignmentsRequest,
  options: ReassignmentOptions,
): { records: MetadataRecordInput[]; response: Input<AlterPartitionReassignmentsResponse> } {
  const records: MetadataRecordInput[] = [];
  const responses: Input<ReassignableTopicResponse>[] = [];
  let succeeded = 0;
  let total = 0;
  for (const topic of request.topics) {
    const partitions = topic.partitions.map((target) => {
      total++;
      const outcome = records.length >= MAX_ELECTION_RECORDS
        ? { errorCode: Errors.POLICY_VIOLATION, errorMessage: 'Unable to perform excessively large batch operation.' }
        : alterPartitionReassignment(image, topic.name, target, records, options);
      if (outcome.errorCode === Errors.NONE) succeeded++;
      else options.logger.info({ topicPartition: `${topic.name}-${target.partitionIndex}`, errorCode: outcome.errorCode, errorMessage: outcome.errorMessage }, 'Unable to alter a partition reassignment');
      return { partitionIndex: target.partitionIndex, ...outcome };
    });
    responses.push({ name: topic.name, partitions });
  }
  options.logger.info({ succeeded, total }, 'Altered partition reassignments');
  return { records, response: { throttleTimeMs: 0, errorCode: Errors.NONE, errorMessage: null, responses } };
}

function ongoing(topic: TopicImage, partitionIds: Iterable<number>): Input<OngoingTopicReassignment> | null {
  const partitions = [];
  for (const partitionIndex of partitionIds) {
    const p: PartitionRegistration | undefined = topic.partitions.get(partitionIndex);
    if (p === undefined || !isReassignmentInProgress(p)) continue;
    partitions.push({ partitionIndex, replicas: [...p.replicas], addingReplicas: [...p.addingReplicas], removingReplicas: [...p.removingReplicas] });
  }
  return partitions.length === 0 ? null : { name: topic.name, partitions };
}

/**
 * ListPartitionReassignments (KIP-455), after Kafka's `ReplicationControlManager.listPartitionReassignments`: the
 * running reassignments (replicas, adding and removing replicas) of the named partitions, or of every partition
 * when `topics` is null. Unknown topics and partitions, and partitions not being reassigned, are left out.
 */
export function listPartitionReassignments(image: MetadataImage, request: ListPartitionReassignmentsRequest): Input<ListPartitionReassignmentsResponse> {
  const topics: Input<OngoingTopicReassignment>[] = [];
  const add = (t: Input<OngoingTopicReassignment> | null): void => {
    if (t !== null) topics.push(t);
  };
  if (request.topics === null) {
    for (const topic of image.topicsById.values()) add(ongoing(topic, topic.partitions.keys()));
  } else {
    for (const t of request.topics) {
      const topic = image.topicsByName.get(t.name);
      if (topic !== undefined) add(ongoing(topic, t.partitionIndexes));
    }
  }
  return { throttleTimeMs: 0, errorCode: Errors.NONE, errorMessage: null, topics };
}
