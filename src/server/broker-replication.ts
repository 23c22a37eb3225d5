import type { KafkaConfig } from '../config/kafka-config.ts';
import type { FramePool } from '../network/frame-pool.ts';
import { NetworkClient } from '../network/network-client.ts';
import { interBrokerClientChannel } from './client-channel-builder.ts';
import { ApiKeys } from '../protocol/generated/api-keys.ts';
import type { AlterPartitionResponse } from '../protocol/generated/messages/alter-partition-response.ts';
import { AlterPartitionManager } from '../replication/alter-partition-manager.ts';
import type { FollowerOptions, ReplicaManager } from '../replication/replica-manager.ts';
import type { FetcherLag, ReplicaManagerMetricSource } from '../observability/replica-manager-metrics.ts';
import { BACKGROUND_TIMER } from '../replication/timer.ts';
import type { NodeToControllerChannel } from './node-to-controller-channel.ts';
import { RemoteLeaderEndPoint } from './remote-leader-end-point.ts';
import type { SharedServer } from './shared-server.ts';
import { ReplicationQuotaManager } from '../replication/replication-quota-manager.ts';

/** Kafka's replica fetchers allow a response this much larger than replica.fetch.response.max.bytes (headers). */
const RESPONSE_OVERHEAD_BYTES = 1 << 20;

/**
 * AlterPartition v3 carries each ISR member's broker epoch (KIP-903), which the leader always sends; an older
 * controller answers UNSUPPORTED_VERSION and the change is retried (Kafka's AlterPartitionManager does the same).
 */
const ALTER_PARTITION_VERSION = 3;

/** The network side of a broker's replication, built by {@link brokerReplication}. */
export interface BrokerReplication {
  /** The replica fetchers' connections to the leaders and their settings (ReplicaManagerOptions.follower). */
  readonly follower: FollowerOptions;
  /** leader.replication.throttled.rate over the leader-side throttled replicas (ReplicaManagerOptions.leaderQuota). */
  readonly leaderQuota: ReplicationQuotaManager;
  /** ISR changes to the active controller over `channel` (ReplicaManagerOptions.alterPartitionManager). */
  readonly alterPartitionManager: AlterPartitionManager;
  /** Fails the queued ISR changes and closes the channel (after the ReplicaManager shut down). */
  close(): void;
}

/**
 * The replica fetchers' settings from the broker config (replica.fetch.wait.max.ms, replica.fetch.min.bytes,
 * replica.fetch.response.max.bytes, replica.fetch.max.bytes, replica.fetch.backoff.ms).
 */
function fetcherConfig(config: KafkaConfig): FollowerOptions['fetcher'] {
  return {
    maxWaitMs: config.getInt('replica.fetch.wait.max.ms'),
    minBytes: config.getInt('replica.fetch.min.bytes'),
    maxBytes: config.getInt('replica.fetch.response.max.bytes'),
    partitionMaxBytes: config.getInt('replica.fetch.max.bytes'),
    backoffMs: config.getInt('replica.fetch.backoff.ms'),
  };
}

/**
 * What a broker's ReplicaManager needs to follow other brokers and to change ISRs, after Kafka's BrokerServer
 * wiring: one NetworkClient per replica fetcher (client id `broker-<id>-fetcher-<n>`, one request in flight,
 * replica.socket.timeout.ms) to the leader's endpoint on inter.broker.listener.name, and an AlterPartitionManager
 * sending AlterPartition v3 on `channel` (Kafka's "alter-partition" channel to the active controller, closed by
 * `close`).
 * The fetchers connect with the inter-broker listener's security (client-channel-builder.ts: TLS, SASL).
 * @param brokerEpoch this broker's epoch, from its registration (-1n before it registered).
 * @param framePool memory of the fetchers' response frames, shared by all of them (each fetcher releases a
 *   response once its records are appended); only its memory is used, not its admission budget.
 */
export function brokerReplication(shared: SharedServer, channel: NodeToControllerChannel, brokerEpoch: () => bigint, framePool: FramePool): BrokerReplication {
  const { config, nodeId, time, logger } = shared;
  const requestTimeoutMs = config.getInt('replica.socket.timeout.ms');
  // Kafka's QuotaType.LEADER_REPLICATION and FOLLOWER_REPLICATION; the rates are read at each check (dynamic).
  const quota = (rateBytesPerSecond: () => number, throttledReplicas: (topic: string) => readonly string[]) =>
    new ReplicationQuotaManager({
      now: () => time.milliseconds(),
      rateBytesPerSecond,
      numSamples: config.getInt('replication.quota.window.num'),
      windowMs: config.getInt('replication.quota.window.size.seconds') * 1000,
      throttledReplicas,
      brokerId: nodeId,
    });
  const follower: FollowerOptions = {
    quota: quota(() => shared.currentConfig.getLong('follower.replication.throttled.rate'), (topic) => shared.topicLogConfigFor(topic).followerReplicationThrottledReplicas),
    interBrokerListenerName: config.interBrokerListenerName,
    fetcher: fetcherConfig(config),
    numFetchers: () => shared.currentConfig.getInt('num.replica.fetchers'),
    leaderEndPoint(leader, fetcherId) {
      const clientId = `broker-${nodeId}-fetcher-${fetcherId}`;
      const client = new NetworkClient({
        clientId,
        ...interBrokerClientChannel(config),
        time,
        random: shared.random,
        requestTimeoutMs,
        maxInFlightRequestsPerConnection: 1,
        maxResponseBytes: Math.max(104_857_600, config.getInt('replica.fetch.response.max.bytes') + RESPONSE_OVERHEAD_BYTES),
        framePool,
        logger: logger.child({ component: 'ReplicaFetcher', clientId, leader: leader.nodeId }),
      });
      return new RemoteLeaderEndPoint({ leader, client, replicaId: nodeId, requestTimeoutMs });
    },
  };
  // The channel retries within this bound; the AlterPartitionManager then sends again after its backoff.
  const alterPartitionTimeoutMs = config.getInt('controller.socket.timeout.ms');
  const alterPartitionManager = new AlterPartitionManager({
    brokerId: nodeId,
    brokerEpoch,
    send: (request) => channel.send<AlterPartitionResponse>(ApiKeys.AlterPartition, request, { version: ALTER_PARTITION_VERSION, timeoutMs: alterPartitionTimeoutMs }),
    timer: BACKGROUND_TIMER,
    logger: logger.child({ component: 'AlterPartitionManager' }),
  });
  return {
    follower,
    leaderQuota: quota(() => shared.currentConfig.getLong('leader.replication.throttled.rate'), (topic) => shared.topicLogConfigFor(topic).leaderReplicationThrottledReplicas),
    alterPartitionManager,
    close() {
      alterPartitionManager.close();
      channel.close();
    },
  };
}

/** What the ReplicaManager metrics read of `replicaManager` at each scrape: its partitions and its fetchers' lags. */
export function replicaManagerMetricSource(replicaManager: ReplicaManager): ReplicaManagerMetricSource {
  return {
    partitions: () => replicaManager.allPartitions(),
    offlineReplicaCount: () => replicaManager.offlineReplicaCount(),
    *fetcherLags(): Iterable<FetcherLag> {
      for (const fetcher of replicaManager.fetcherManager?.fetchers.values() ?? []) {
        for (const s of fetcher.fetchStates()) {
          yield { clientId: fetcher.name, topic: s.topicPartition.topic, partition: s.topicPartition.partition, lag: s.lag };
        }
      }
    },
  };
}
