/**
 * The broker's view of cluster metadata at one offset of the `__cluster_metadata` log, after Kafka's
 * `org.apache.kafka.image.MetadataImage`. Immutable: a new image is built by {@link MetadataDelta.apply}
 * sharing the unchanged parts (maps of unchanged topics are reused).
 */

/** One listener endpoint of a registered broker (RegisterBrokerRecord.EndPoints). */
export interface BrokerEndpoint {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Kafka's SecurityProtocol id: 0 PLAINTEXT, 1 SSL, 2 SASL_PLAINTEXT, 3 SASL_SSL. */
  readonly securityProtocol: number;
}

/** A broker as registered with the controller (RegisterBrokerRecord + fence/unfence records). */
export interface BrokerRegistration {
  readonly id: number;
  readonly epoch: bigint;
  readonly incarnationId: string;
  readonly endpoints: readonly BrokerEndpoint[];
  readonly rack: string | null;
  readonly fenced: boolean;
  readonly inControlledShutdown: boolean;
}

/** Replica assignment and leadership of one partition (PartitionRecord / PartitionChangeRecord). */
export interface PartitionRegistration {
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly removingReplicas: readonly number[];
  readonly addingReplicas: readonly number[];
  /** Leader broker id, -1 when there is none. */
  readonly leader: number;
  /** 0 RECOVERED, 1 RECOVERING. */
  readonly leaderRecoveryState: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
}

export interface TopicImage {
  readonly name: string;
  /** Topic id in Kafka's Uuid string form. */
  readonly id: string;
  readonly partitions: ReadonlyMap<number, PartitionRegistration>;
}

/** ConfigRecord resource types (Kafka's ConfigResource.Type ids). */
export const ConfigResourceType = {
  UNKNOWN: 0,
  TOPIC: 2,
  BROKER: 4,
  BROKER_LOGGER: 8,
  CLIENT_METRICS: 16,
  GROUP: 32,
} as const;

/** Key of a config resource in {@link MetadataImage.configs}: "<type>:<name>" (broker default: "4:"). */
export function configResourceKey(resourceType: number, resourceName: string): string {
  return `${resourceType}:${resourceName}`;
}

export interface MetadataImage {
  /** Offset of the last record applied, -1n for the empty image. */
  readonly offset: bigint;
  /** Leader epoch of the batch that held that record. */
  readonly epoch: number;
  /** Finalized feature levels (FeatureLevelRecord), e.g. metadata.version. */
  readonly features: ReadonlyMap<string, number>;
  readonly brokers: ReadonlyMap<number, BrokerRegistration>;
  readonly topicsById: ReadonlyMap<string, TopicImage>;
  readonly topicsByName: ReadonlyMap<string, TopicImage>;
  /** Dynamic configs by resource (see {@link configResourceKey}); values are the stored strings. */
  readonly configs: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** The first producer id not yet handed out in a block (ProducerIdsRecord.NextProducerId). */
  readonly nextProducerId: bigint;
}

export const EMPTY_IMAGE: MetadataImage = {
  offset: -1n,
  epoch: -1,
  features: new Map(),
  brokers: new Map(),
  topicsById: new Map(),
  topicsByName: new Map(),
  configs: new Map(),
  nextProducerId: 0n,
};

/** The dynamic config overrides of a topic (empty map when none). */
export function topicConfigs(image: MetadataImage, topic: string): ReadonlyMap<string, string> {
  return image.configs.get(configResourceKey(ConfigResourceType.TOPIC, topic)) ?? new Map();
}
