import type { TopicImage } from './topics-delta.ts';
import type { AclBinding } from '../security/authorizer/acl-binding-filter.ts';

export type { PartitionRegistration } from './partition-registration.ts';
export type { TopicImage } from './topics-delta.ts';

/**
 * The broker's view of cluster metadata at one offset of the `__cluster_metadata` log, after Kafka's
 * `org.apache.kafka.image.MetadataImage`. Immutable: a new image is built by {@link MetadataDelta.apply}
 * sharing the unchanged parts (maps of unchanged topics are reused). It holds everything the metadata records
 * say, so that a snapshot written from it (KIP-630) rebuilds it exactly.
 */

/** One listener endpoint of a registered broker or controller (RegisterBrokerRecord.EndPoints). */
export interface BrokerEndpoint {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Kafka's SecurityProtocol id: 0 PLAINTEXT, 1 SSL, 2 SASL_PLAINTEXT, 3 SASL_SSL. */
  readonly securityProtocol: number;
}

/** A feature a node supports and its version range (RegisterBrokerRecord.Features, Kafka's VersionRange). */
export interface SupportedFeature {
  readonly name: string;
  readonly minSupportedVersion: number;
  readonly maxSupportedVersion: number;
}

/** A broker as registered with the controller (RegisterBrokerRecord + fence/unfence/change records). */
export interface BrokerRegistration {
  readonly id: number;
  readonly epoch: bigint;
  readonly incarnationId: string;
  readonly endpoints: readonly BrokerEndpoint[];
  readonly supportedFeatures: readonly SupportedFeature[];
  readonly rack: string | null;
  readonly fenced: boolean;
  readonly inControlledShutdown: boolean;
  /** Set by ZooKeeper brokers during a migration (KIP-866); never by KRaft brokers. */
  readonly isMigratingZkBroker: boolean;
  /** Uuids of the broker's online log directories (KIP-858), in registration order. */
  readonly directories: readonly string[];
}

/** A controller as registered (RegisterControllerRecord, KIP-919). */
export interface ControllerRegistration {
  readonly id: number;
  readonly incarnationId: string;
  readonly zkMigrationReady: boolean;
  readonly endpoints: readonly BrokerEndpoint[];
  readonly supportedFeatures: readonly SupportedFeature[];
}

/** An ACL binding (AccessControlEntryRecord; Kafka's StandardAcl), with Kafka's numeric codes. */
export type StandardAcl = AclBinding;

/** A SCRAM credential of one user and mechanism (UserScramCredentialRecord; Kafka's ScramCredentialData). */
export interface ScramCredential {
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
  readonly iterations: number;
}

/** A delegation token's information (DelegationTokenRecord; Kafka's TokenInformation). Times in ms. */
export interface DelegationToken {
  readonly tokenId: string;
  readonly owner: string;
  readonly requester: string;
  readonly renewers: readonly string[];
  readonly issueTimestamp: bigint;
  readonly maxTimestamp: bigint;
  readonly expirationTimestamp: bigint;
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

/** The resource of a {@link configResourceKey}. */
export function configResource(key: string): { resourceType: number; resourceName: string } {
  const at = key.indexOf(':');
  return { resourceType: Number(key.slice(0, at)), resourceName: key.slice(at + 1) };
}

/** One component of a client quota entity: type "user", "client-id" or "ip"; a null name is the default entity. */
export interface ClientQuotaEntityEntry {
  readonly entityType: string;
  readonly entityName: string | null;
}

/**
 * Key of a client quota entity in {@link MetadataImage.clientQuotas}: its components sorted by type, as JSON.
 * A type given twice keeps its last name (Kafka's ClientQuotaImage.dataToEntity builds a map).
 */
export function clientQuotaEntityKey(entity: readonly ClientQuotaEntityEntry[]): string {
  const byType = new Map(entity.map((e) => [e.entityType, e.entityName]));
  return JSON.stringify([...byType].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The entity of a {@link clientQuotaEntityKey}. */
export function clientQuotaEntity(key: string): ClientQuotaEntityEntry[] {
  return (JSON.parse(key) as [string, string | null][]).map(([entityType, entityName]) => ({ entityType, entityName }));
}

export interface MetadataImage {
  /** Offset of the last record applied (or the snapshot's last contained offset), -1n for the empty image. */
  readonly offset: bigint;
  /** Leader epoch of the batch that held that record. */
  readonly epoch: number;
  /** Finalized feature levels (FeatureLevelRecord), metadata.version included; kraft.version is the Raft layer's. */
  readonly features: ReadonlyMap<string, number>;
  readonly brokers: ReadonlyMap<number, BrokerRegistration>;
  readonly controllers: ReadonlyMap<number, ControllerRegistration>;
  readonly topicsById: ReadonlyMap<string, TopicImage>;
  readonly topicsByName: ReadonlyMap<string, TopicImage>;
  /** Dynamic configs by resource (see {@link configResourceKey}); values are the stored strings. */
  readonly configs: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** Client quotas (KIP-546) by entity (see {@link clientQuotaEntityKey}): quota name to value. */
  readonly clientQuotas: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /**
   * The first producer id not yet handed out in a block (ProducerIdsRecord.NextProducerId); 0n before the first
   * block (Kafka's image says -1 there; both mean "start at 0").
   */
  readonly nextProducerId: bigint;
  /** ACLs by their Uuid (AccessControlEntryRecord.Id). */
  readonly acls: ReadonlyMap<string, StandardAcl>;
  /** SCRAM credentials by user name, then by mechanism (1 SCRAM-SHA-256, 2 SCRAM-SHA-512). */
  readonly scram: ReadonlyMap<string, ReadonlyMap<number, ScramCredential>>;
  /** Delegation tokens by token id. */
  readonly delegationTokens: ReadonlyMap<string, DelegationToken>;
}

export const EMPTY_IMAGE: MetadataImage = Object.freeze({
  offset: -1n,
  epoch: -1,
  features: new Map(),
  brokers: new Map(),
  controllers: new Map(),
  topicsById: new Map(),
  topicsByName: new Map(),
  configs: new Map(),
  clientQuotas: new Map(),
  nextProducerId: 0n,
  acls: new Map(),
  scram: new Map(),
  delegationTokens: new Map(),
});

/** The dynamic config overrides of a topic (empty map when none). */
export function topicConfigs(image: MetadataImage, topic: string): ReadonlyMap<string, string> {
  return image.configs.get(configResourceKey(ConfigResourceType.TOPIC, topic)) ?? new Map();
}
