import type { ApiServices } from './api-services.ts';
import type { BrokerMetrics } from '../observability/metrics.ts';
import type { ReplicaManager } from '../replication/replica-manager.ts';
import type { LogManager } from '../storage/log-manager.ts';
import type { FetchSessionCache } from './fetch-session-cache.ts';
import type { AutoTopicCreationManager } from './auto-topic-creation-manager.ts';
import type { GroupCoordinator } from '../coordinator/group/group-coordinator.ts';
import type { TransactionCoordinator } from '../coordinator/transaction/transaction-coordinator.ts';
import type { ConfigAdminManager } from './config-admin-manager.ts';
import type { ForwardingManager } from './forwarding-manager.ts';

/**
 * Everything the API handlers use, wired by BrokerServer. Handlers receive it as their first argument, so they
 * are plain functions of (services, request) and can be tested with a real broker started on port 0.
 */
export interface BrokerServices extends ApiServices {
  /** The broker's Prometheus metrics (BrokerTopicMetrics, ...). */
  readonly metrics: BrokerMetrics;
  /**
   * Kafka's `MetadataCache.getRandomAliveBrokerId`: a random unfenced broker of the current image, or null when
   * there is none. Metadata and DescribeCluster name it as the controller (KRaft brokers forward the metadata
   * writes, so any live broker can take them; the active controller is not reachable by clients).
   */
  randomAliveBrokerId(): number | null;
  /** Passes metadata writes to the active controller (KIP-590). */
  readonly forwardingManager: ForwardingManager;
  /** The broker's checks of AlterConfigs / IncrementalAlterConfigs before forwarding (SSL store reloads). */
  readonly configAdmin?: ConfigAdminManager;
  readonly replicaManager: ReplicaManager;
  readonly logManager: LogManager;
  readonly fetchSessions: FetchSessionCache;
  readonly autoTopicCreation: AutoTopicCreationManager;
  readonly groupCoordinator: GroupCoordinator;
  readonly transactionCoordinator: TransactionCoordinator;
}
