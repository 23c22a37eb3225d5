import { ConfigResourceType, configResourceKey, type MetadataImage, type TopicImage } from '../metadata/metadata-image.ts';
import { ELR_VERSION_FEATURE, metadataVersionSupports } from '../metadata/metadata-version.ts';
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
