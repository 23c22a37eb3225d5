import type { Time } from '../../common/time.ts';
import type { Logger } from '../../observability/logger.ts';
import type { MetadataImage } from '../../metadata/metadata-image.ts';
import type { CoordinatorTimer } from '../runtime/coordinator-timer.ts';
import type { CoordinatorResult } from '../runtime/coordinator-shard.ts';
import type { CoordinatorRecord } from './coordinator-record.ts';
import type { GroupCoordinatorConfig } from './group-coordinator-config.ts';
import type { GroupCoordinatorMetrics } from './group-coordinator-metrics.ts';
import type { Group } from './group.ts';

/** What a coordinator operation knows about its request (Kafka's `RequestContext`, reduced). */
export interface GroupRequestContext {
  readonly clientId: string;
  /** Kafka prints `InetAddress.toString()`: "/127.0.0.1". */
  readonly clientHost: string;
  readonly apiVersion: number;
}

export type Result<T> = CoordinatorResult<T, CoordinatorRecord>;

/** A result with no records and no response. */
export const EMPTY_RESULT: Result<void> = { records: [], response: undefined };

/** What the managers of one shard share: its groups, clock, timers, config, image, metrics, logger. */
export interface GroupManagerContext {
  /** Every group of the shard by id (classic and consumer). */
  readonly groups: Map<string, Group>;
  readonly time: Time;
  readonly timer: CoordinatorTimer<CoordinatorRecord>;
  readonly config: GroupCoordinatorConfig;
  readonly logger: Logger;
  readonly metrics: GroupCoordinatorMetrics;
  /** The newest metadata image (topics, partitions, racks). */
  image(): MetadataImage;
}

/**
 * The context of a request as the group coordinator sees it: client id ('' when null) and the client's address
 * in Kafka's `InetAddress.toString()` form ("/127.0.0.1"), which DescribeGroups and kafka-consumer-groups show.
 */
export function groupRequestContext(clientId: string | null, clientAddress: string, apiVersion: number): GroupRequestContext {
  return { clientId: clientId ?? '', clientHost: `/${clientAddress}`, apiVersion };
}
