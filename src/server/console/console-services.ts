import type { Registry } from 'prom-client';
import type { GroupCoordinator } from '../../coordinator/group/group-coordinator.ts';
import type { MetadataImage } from '../../metadata/metadata-image.ts';
import type { KafkaRaftClient } from '../../raft/kafka-raft-client.ts';
import type { ReplicaManager } from '../../replication/replica-manager.ts';
import type { StandardAuthorizer } from '../../security/authorizer/standard-authorizer.ts';
import type { KafkaPrincipal } from '../../security/kafka-principal.ts';

/**
 * The broker services the web console reads (it changes nothing through them): the metadata image (brokers,
 * topics, partitions, configs), the raft client (quorum state), the replica manager (this node's hosted logs:
 * sizes, offsets, records), the group coordinator (the groups it coordinates and their committed offsets), the
 * metrics registry (BrokerTopicMetrics counters for rates) and the authorizer (null: none configured).
 */
export interface ConsoleServices {
  readonly nodeId: number;
  readonly clusterId: string;
  metadata(): MetadataImage;
  readonly raft: KafkaRaftClient;
  readonly replicaManager: ReplicaManager;
  readonly groupCoordinator: GroupCoordinator;
  readonly registry: Registry;
  readonly authorizer: StandardAuthorizer | null;
  /** `console.principal`: who every console read is authorized as. */
  readonly principal: KafkaPrincipal;
}
