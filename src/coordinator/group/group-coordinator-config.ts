/**
 * The group coordinator's settings, Kafka's `GroupCoordinatorConfig` (broker config names in the comments;
 * the broker passes the values from KafkaConfig). All times in ms, sizes in bytes.
 */
export interface GroupCoordinatorConfig {
  /** offsets.topic.num.partitions (50): partitions of __consumer_offsets; fixes partitionFor(groupId). */
  readonly offsetsTopicNumPartitions: number;
  /** group.initial.rebalance.delay.ms (3000): how long a new classic group waits for more members. */
  readonly classicGroupInitialRebalanceDelayMs: number;
  /** group.min.session.timeout.ms (6000). */
  readonly classicGroupMinSessionTimeoutMs: number;
  /** group.max.session.timeout.ms (1800000). */
  readonly classicGroupMaxSessionTimeoutMs: number;
  /** group.max.size (Integer.MAX_VALUE): members of a classic group. */
  readonly classicGroupMaxSize: number;
  /** Kafka's CLASSIC_GROUP_NEW_MEMBER_JOIN_TIMEOUT_MS (300000): a parked JoinGroup of a new member expires. */
  readonly classicGroupNewMemberJoinTimeoutMs: number;
  /** offsets.retention.minutes (10080) in ms. */
  readonly offsetsRetentionMs: number;
  /** offsets.retention.check.interval.ms (600000). */
  readonly offsetsRetentionCheckIntervalMs: number;
  /** offset.metadata.max.bytes (4096): longest metadata string of a committed offset (in UTF-16 units, as Java's length()). */
  readonly offsetMetadataMaxSize: number;
  /** offsets.commit.timeout.ms (5000): how long a write may wait for the __consumer_offsets high watermark. */
  readonly offsetCommitTimeoutMs: number;
  /** group.consumer.session.timeout.ms (45000): KIP-848 member session timeout. */
  readonly consumerGroupSessionTimeoutMs: number;
  /** group.consumer.heartbeat.interval.ms (5000): KIP-848 heartbeat interval given to members. */
  readonly consumerGroupHeartbeatIntervalMs: number;
  /** group.consumer.max.size (Integer.MAX_VALUE). */
  readonly consumerGroupMaxSize: number;
  /** group.consumer.assignors (uniform, range): server-side assignors by name; the first is the default. */
  readonly consumerGroupAssignors: readonly string[];
  /** group.coordinator.rebalance.protocols ('classic'): add 'consumer' to serve KIP-848 (ConsumerGroupHeartbeat). */
  readonly groupCoordinatorRebalanceProtocols: readonly string[];
}

/** Kafka's defaults. */
export const DEFAULT_GROUP_COORDINATOR_CONFIG: GroupCoordinatorConfig = {
  offsetsTopicNumPartitions: 50,
  classicGroupInitialRebalanceDelayMs: 3000,
  classicGroupMinSessionTimeoutMs: 6000,
  classicGroupMaxSessionTimeoutMs: 1_800_000,
  classicGroupMaxSize: 2_147_483_647,
  classicGroupNewMemberJoinTimeoutMs: 300_000,
  offsetsRetentionMs: 10080 * 60_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxSize: 4096,
  offsetCommitTimeoutMs: 5000,
  consumerGroupSessionTimeoutMs: 45_000,
  consumerGroupHeartbeatIntervalMs: 5000,
  consumerGroupMaxSize: 2_147_483_647,
  consumerGroupAssignors: ['uniform', 'range'],
  groupCoordinatorRebalanceProtocols: ['classic'],
};
