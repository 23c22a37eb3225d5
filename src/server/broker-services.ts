import type { Time } from '../common/time.ts';
import type { Logger } from '../observability/logger.ts';
import type { BrokerMetrics } from '../observability/metrics.ts';
import type { MetadataImage } from '../metadata/metadata-image.ts';
import type { QuorumController } from '../controller/quorum-controller.ts';
import type { ReplicaManager } from '../replication/replica-manager.ts';
import type { LogManager } from '../storage/log-manager.ts';
import type { KafkaConfig } from '../config/kafka-config.ts';
import type { RequestContext } from '../network/request-handler.ts';
import type { FetchSessionCache } from './fetch-session-cache.ts';
import type { AutoTopicCreationManager } from './auto-topic-creation-manager.ts';
import type { GroupCoordinator } from '../coordinator/group/group-coordinator.ts';
import type { TransactionCoordinator } from '../coordinator/transaction/transaction-coordinator.ts';

/**
 * Everything the API handlers use, wired by BrokerServer. Handlers receive it as their first argument, so they
 * are plain functions of (services, request) and can be tested with a real broker started on port 0.
 */
export interface BrokerServices {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly config: KafkaConfig;
  readonly time: Time;
  readonly logger: Logger;
  /** The broker's Prometheus metrics (BrokerTopicMetrics, ...). */
  readonly metrics: BrokerMetrics;
  /** The newest published metadata image. */
  metadata(): MetadataImage;
  readonly controller: QuorumController;
  readonly replicaManager: ReplicaManager;
  readonly logManager: LogManager;
  readonly fetchSessions: FetchSessionCache;
  readonly autoTopicCreation: AutoTopicCreationManager;
  readonly groupCoordinator: GroupCoordinator;
  readonly transactionCoordinator: TransactionCoordinator;
  /** The versions ApiVersions advertises, derived from the registered handlers. */
  apiVersions(): { apiKey: number; minVersion: number; maxVersion: number }[];
  /** Per-connection cleanup hook (fetch sessions, ...). */
  connectionClosed?(ctx: RequestContext): void;
}
