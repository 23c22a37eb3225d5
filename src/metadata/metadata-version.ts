/**
 * The `metadata.version` feature levels of Apache Kafka 4.4 and what each makes writable, after Kafka's
 * `org.apache.kafka.server.common.MetadataVersion`. A metadata image is written (snapshots, KIP-630) with the
 * record versions of its metadata.version, and what a version cannot carry is a loss (see the image writer).
 * Levels below 7 (3.3-IV3) are ZooKeeper-era versions that KRaft in Kafka 4 refuses.
 */
export const MetadataVersion = {
  /** 3.3-IV3: the oldest level Kafka 4 accepts (MetadataVersion.MINIMUM_VERSION). */
  MINIMUM_LEVEL: 7,
  /** 4.5-IV0: the newest level Kafka 4.4 knows (latest testing). */
  LATEST_KNOWN_LEVEL: 34,
  IBP_3_4_IV0: 8,
  IBP_3_5_IV2: 11,
  IBP_3_6_IV0: 12,
  IBP_3_6_IV2: 14,
  IBP_3_7_IV0: 15,
  IBP_3_7_IV2: 17,
  IBP_3_9_IV0: 21,
  IBP_4_0_IV1: 23,
  IBP_4_3_IV0: 30,
  IBP_4_4_IV1: 32,
} as const;

/** Kafka's release name of each level ("3.9-IV0"), index = level - MINIMUM_LEVEL. */
const NAMES = [
  '3.3-IV3', '3.4-IV0', '3.5-IV0', '3.5-IV1', '3.5-IV2', '3.6-IV0', '3.6-IV1', '3.6-IV2', '3.7-IV0', '3.7-IV1',
  '3.7-IV2', '3.7-IV3', '3.7-IV4', '3.8-IV0', '3.9-IV0', '4.0-IV0', '4.0-IV1', '4.0-IV2', '4.0-IV3', '4.1-IV0',
  '4.1-IV1', '4.2-IV0', '4.2-IV1', '4.3-IV0', '4.4-IV0', '4.4-IV1', '4.4-IV2', '4.5-IV0',
];

/** The feature whose level is the metadata version. */
export const METADATA_VERSION_FEATURE = 'metadata.version';
/** The Raft layer's own feature (KRaftVersionRecord): Kafka's image ignores FeatureLevelRecords of it. */
export const KRAFT_VERSION_FEATURE = 'kraft.version';
/** KIP-966's feature; level >= 1 turns eligible leader replicas on (Kafka's FeaturesImage.isElrEnabled). */
export const ELR_VERSION_FEATURE = 'eligible.leader.replicas.version';

/** True when Kafka 4.4 knows `level` as a metadata.version it can run. */
export function isKnownMetadataVersion(level: number): boolean {
  return Number.isInteger(level) && level >= MetadataVersion.MINIMUM_LEVEL && level <= MetadataVersion.LATEST_KNOWN_LEVEL;
}

/** "3.9-IV0 (21)", or "level N" for a level Kafka does not know. */
export function metadataVersionName(level: number): string {
  const name = isKnownMetadataVersion(level) ? NAMES[level - MetadataVersion.MINIMUM_LEVEL] : undefined;
  return name === undefined ? `level ${level}` : `${name} (${level})`;
}

/** RegisterBrokerRecord version written at `level` (Kafka's registerBrokerRecordVersion). */
export function registerBrokerRecordVersion(level: number): number {
  if (level >= MetadataVersion.IBP_4_3_IV0) return 4;
  if (level >= MetadataVersion.IBP_3_7_IV2) return 3;
  return level >= MetadataVersion.IBP_3_4_IV0 ? 2 : 1;
}

/** PartitionRecord version written at `level` (Kafka's partitionRecordVersion): 2 carries ELR, 1 directories. */
export function partitionRecordVersion(level: number): number {
  if (level >= MetadataVersion.IBP_4_0_IV1) return 2;
  return level >= MetadataVersion.IBP_3_7_IV2 ? 1 : 0;
}

/** PartitionChangeRecord version written at `level` (Kafka's partitionChangeRecordVersion): 2 carries ELR, 1 directories. */
export function partitionChangeRecordVersion(level: number): number {
  return partitionRecordVersion(level);
}

/** Kafka's MetadataVersion feature gates that decide what a snapshot at `level` can hold. */
export const metadataVersionSupports = {
  zkMigration: (level: number): boolean => level >= MetadataVersion.IBP_3_4_IV0,
  scram: (level: number): boolean => level >= MetadataVersion.IBP_3_5_IV2,
  delegationTokens: (level: number): boolean => level >= MetadataVersion.IBP_3_6_IV2,
  controllerRegistration: (level: number): boolean => level >= MetadataVersion.IBP_3_7_IV0,
  directoryAssignment: (level: number): boolean => level >= MetadataVersion.IBP_3_7_IV2,
  eligibleLeaderReplicas: (level: number): boolean => level >= MetadataVersion.IBP_4_0_IV1,
  /** CIDR blocks as ACL hosts (KIP-1276; Kafka's isCidrAclSupported). */
  cidrAcls: (level: number): boolean => level >= MetadataVersion.IBP_4_4_IV1,
  /** Before 3.6-IV0 a PartitionChangeRecord that shrinks the ISR also bumps the leader epoch. */
  leaderEpochBumpOnIsrShrink: (level: number): boolean => level < MetadataVersion.IBP_3_6_IV0,
};
