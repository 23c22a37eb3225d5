import type { ApiServices } from './api-services.ts';
import type { BrokerMetrics } from '../observability/metrics.ts';
import type { QuorumController } from '../controller/quorum-controller.ts';
import type { ReplicaManager } from '../replication/replica-manager.ts';
import type { LogManager } from '../storage/log-manager.ts';
import type { FetchSessionCache } from './fetch-session-cache.ts';
import type { AutoTopicCreationManager } from './auto-topic-creation-manager.ts';
import type { GroupCoordinator } from '../coordinator/group/group-coordinator.ts';
import type { TransactionCoordinator } from '../coordinator/transaction/transaction-coordinator.ts';
import type { NodeToControllerChannel } from './node-to-controller-channel.ts';

/**
 * Everything the API handlers use, wired by BrokerServer. Handlers receive it as their first argument, so they
 * are plain functions of (services, request) and can be tested with a real broker started on port 0.
 */
export interface BrokerServices extends ApiServices {
  /** The broker's Prometheus metrics (BrokerTopicMetrics, ...). */
  readonly metrics: BrokerMetrics;
  readonly controller: QuorumController;
  /**
   * The id of the active controller (the metadata quorum's leader), or null during an election. In combined mode it
   * is a broker too, and the broker that can carry out metadata writes: Metadata and DescribeCluster name it as the
   * controller until brokers pass writes on to the active controller (then Kafka names a random live broker).
   */
  activeControllerId(): number | null;
  readonly replicaManager: ReplicaManager;
  readonly logManager: LogManager;
  readonly fetchSessions: FetchSessionCache;
  readonly autoTopicCreation: AutoTopicCreationManager;
  readonly groupCoordinator: GroupCoordinator;
  readonly transactionCoordinator: TransactionCoordinator;
  /** Requests to the active controller (the KRaft admin APIs a broker passes on: DescribeQuorum, ...). */
  readonly controllerChannel: NodeToControllerChannel;
}
