import { ConfigResourceType, configResourceKey, type MetadataImage, type TopicImage } from '../metadata/metadata-image.ts';
import type { MetadataRecordInput } from '../metadata/metadata-record-serde.ts';
import { ELR_VERSION_FEATURE, metadataVersionSupports, partitionChangeRecordVersion } from '../metadata/metadata-version.ts';
import type { EligibleLeaderReplicasSettings } from './partition-change-builder.ts';
import { metadataVersionOf } from './cluster-control-manager.ts';

/** Kafka's default min.insync.replicas. */
const DEFAULT_MIN_INSYNC_REPLICAS = 1;

/**
 * Whether KIP-966 eligible leader replicas are on in `image`: eligible.leader.replicas.version >= 1 (Kafka's
 * FeatureControlManager.isElrFeatureEnabled), at a metadata.version whose records carry them (4.0-IV1+).
 */
export function eligibleLeaderReplicasEnabled(image: MetadataImage): boolean {
  return (image.features.get(ELR_VERSION_FEATURE) ?? 0) >= 1 && metadataVersionSupports.eligibleLeaderReplicas(metadataVersionOf(image));
}

/**
 * The KIP-966 settings of `topic`'s partition changes: ELR on or off, and the topic's effective
 * min.insync.replicas capped at its replication factor (Kafka's getTopicEffectiveMinIsr). The value is the topic's
 * config, else the cluster-wide dynamic one, else Kafka's default 1: with ELR on, the controller writes the
 * cluster-wide value at bootstrap and refuses per-broker values, as Kafka does, so no node's static config can
 * make two controllers disagree.
 */
export function eligibleLeaderReplicasSettings(image: MetadataImage, topic: TopicImage): EligibleLeaderReplicasSettings {
  const enabled = eligibleLeaderReplicasEnabled(image);
  if (!enabled) return { enabled, minIsr: DEFAULT_MIN_INSYNC_REPLICAS };
  const name = 'min.insync.replicas';
  const value =
    image.configs.get(configResourceKey(ConfigResourceType.TOPIC, topic.name))?.get(name) ??
    image.configs.get(configResourceKey(ConfigResourceType.BROKER, ''))?.get(name);
  const parsed = value === undefined ? DEFAULT_MIN_INSYNC_REPLICAS : Number.parseInt(value, 10);
  const configured = Number.isInteger(parsed) && parsed >= 1 ? parsed : DEFAULT_MIN_INSYNC_REPLICAS;
  const replicationFactor = topic.partitions.get(0)?.replicas.length ?? configured;
  return { enabled, minIsr: Math.min(configured, replicationFactor) };
}

/**
 * KIP-966's limits on min.insync.replicas while ELR is on (Kafka's ConfigurationControlManager): a broker-level value
 * cannot be set or removed (every controller must agree on each topic's value), and the cluster-wide one cannot be
 * removed. @returns the INVALID_CONFIG (40) message, or null when allowed.
 */
export function minIsrConfigRefusal(image: MetadataImage, resourceType: number, resourceName: string, name: string, value: string | null): string | null {
  if (name !== 'min.insync.replicas' || resourceType !== ConfigResourceType.BROKER || !eligibleLeaderReplicasEnabled(image)) return null;
  if (resourceName !== '') return 'Broker-level min.insync.replicas cannot be altered while ELR is enabled.';
  return value === null ? 'Cluster-level min.insync.replicas cannot be removed while ELR is enabled.' : null;
}

/**
 * The records that clear the ELR and last known ELR of the partitions a min.insync.replicas change concerns (a
 * topic's, or every topic's for the cluster-wide value), written with the config change as Kafka does: an ELR chosen
 * under the old value proves nothing under the new one. Kafka writes one ClearElrRecord; our record codecs (Kafka's
 * 2024 definitions) do not have it, so each partition gets a PartitionChangeRecord that sets both lists empty,
 * which replays to the same registration (the partition epoch grows either way).
 */
export function clearElrRecords(image: MetadataImage, configRecords: readonly MetadataRecordInput[]): MetadataRecordInput[] {
  if (!eligibleLeaderReplicasEnabled(image)) return [];
  const topics = new Set<TopicImage>();
  for (const r of configRecords) {
    if (r.type !== 'ConfigRecord' || r.data.name !== 'min.insync.replicas') continue;
    if (r.data.resourceType === ConfigResourceType.TOPIC) {
      const topic = image.topicsByName.get(r.data.resourceName);
      if (topic !== undefined) topics.add(topic);
    } else {
      for (const topic of image.topicsById.values()) topics.add(topic);
    }
  }
  const version = partitionChangeRecordVersion(metadataVersionOf(image));
  const records: MetadataRecordInput[] = [];
  for (const topic of topics) {
    for (const [partitionId, p] of topic.partitions) {
      if (p.elr.length === 0 && p.lastKnownElr.length === 0) continue;
      records.push({
        type: 'PartitionChangeRecord',
        version,
        data: {
          partitionId, topicId: topic.id, isr: null, leader: -2, replicas: null, removingReplicas: null, addingReplicas: null,
          leaderRecoveryState: -1, directories: null, eligibleLeaderReplicas: [], lastKnownElr: [],
        },
      });
    }
  }
  return records;
}
