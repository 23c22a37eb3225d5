import { join } from 'node:path';
import { SystemRandom, type Random } from '../common/random.ts';
import type { Time } from '../common/time.ts';
import type { FaultHandler } from '../common/fault-handler.ts';
import type { Logger } from '../observability/logger.ts';
import type { KafkaConfig } from '../config/kafka-config.ts';
import { readMetaProperties } from '../metadata/meta-properties.ts';
import { METADATA_LOG_DIR_NAME } from '../storage/log-manager.ts';
import type { UnifiedLog } from '../storage/unified-log.ts';
import { FileQuorumStateStore } from '../raft/file-quorum-state-store.ts';
import { KafkaMetadataLog, type MetadataLogConfig } from '../raft/kafka-metadata-log.ts';
import { KafkaRaftClient } from '../raft/kafka-raft-client.ts';
import { RaftClientDriver } from '../raft/kafka-raft-client-driver.ts';
import { NO_NETWORK_CHANNEL, type NetworkChannel } from '../raft/network-channel.ts';
import type { QuorumConfig } from '../raft/quorum-config.ts';
import { MAX_BATCH_SIZE_BYTES } from '../raft/quorum-config.ts';
import type { RaftClientListener } from '../raft/raft-client-listener.ts';
import { VoterSet, type HostAndPort } from '../raft/voter-set.ts';

/** The controller.quorum.* settings of `config` (Kafka's QuorumConfig). */
export function quorumConfigOf(config: KafkaConfig): QuorumConfig {
  return {
    electionTimeoutMs: config.getInt('controller.quorum.election.timeout.ms'),
    electionBackoffMaxMs: config.getInt('controller.quorum.election.backoff.max.ms'),
    fetchTimeoutMs: config.getInt('controller.quorum.fetch.timeout.ms'),
    requestTimeoutMs: config.getInt('controller.quorum.request.timeout.ms'),
    retryBackoffMs: config.getInt('controller.quorum.retry.backoff.ms'),
    appendLingerMs: config.getInt('controller.quorum.append.linger.ms'),
    fetchMaxBytes: config.getInt('controller.quorum.fetch.max.bytes'),
    fetchSnapshotMaxBytes: config.getInt('controller.quorum.fetch.snapshot.max.bytes'),
    autoJoin: config.getBoolean('controller.quorum.auto.join.enable'),
  };
}

/** The metadata.log.* / metadata.max.retention.* settings of `config` (Kafka's MetadataLogConfig). */
export function metadataLogConfigOf(config: KafkaConfig): MetadataLogConfig {
  return {
    segmentBytes: config.getInt('metadata.log.segment.bytes'),
    segmentMs: config.getLong('metadata.log.segment.ms'),
    retentionMaxBytes: config.getLong('metadata.max.retention.bytes'),
    retentionMs: config.getLong('metadata.max.retention.ms'),
    maxBatchSizeBytes: MAX_BATCH_SIZE_BYTES,
  };
}

/** What {@link KafkaRaftManager.start} needs besides the config. */
export interface KafkaRaftManagerOptions {
  readonly clusterId: string;
  readonly time: Time;
  readonly logger: Logger;
  /** Where the raft driver sends what escapes a poll (fail-stop). */
  readonly faultHandler: FaultHandler;
  readonly random?: Random;
  /** The channel to the other voters; default none (a single-voter quorum sends nothing). */
  readonly channel?: NetworkChannel;
  /** Told of an I/O error in the metadata log (the LogManager takes its dir offline, which halts the node). */
  readonly onLogFailure?: (log: UnifiedLog, error: Error) => void;
  /** How often the metadata log's snapshot retention runs; default Kafka's fixed 60 s (tests shorten it). */
  readonly logCleanIntervalMs?: number;
}

/**
 * The node's KRaft replica of `__cluster_metadata` (Kafka's `KafkaRaftManager`): opens the metadata log and the
 * quorum-state file in `<metadata.log.dir>/__cluster_metadata-0`, builds the KafkaRaftClient from the
 * controller.quorum.* configs (the static voters, or with a dynamic quorum (KIP-853) the voters of the log and its
 * bootstrap checkpoint, found through controller.quorum.bootstrap.servers), and runs it with a RaftClientDriver.
 *
 * Until the controller listener and its NetworkChannel are wired, only the single-voter quorum is accepted: any
 * other voter set, or a node outside it, is refused at start with a message saying so (never started half-way).
 */
export class KafkaRaftManager {
  readonly client: KafkaRaftClient;
  readonly driver: RaftClientDriver;
  readonly log: KafkaMetadataLog;

  private constructor(client: KafkaRaftClient, driver: RaftClientDriver, log: KafkaMetadataLog) {
    this.client = client;
    this.driver = driver;
    this.log = log;
  }

  /**
   * Opens the metadata log, initializes the client (a single voter is leader, in a new epoch persisted first, when
   * this resolves) and registers `listeners`; call {@link startDriver} to run it.
   * @throws Error for an unsupported voter set, an unreadable quorum-state file or an inconsistent metadata log.
   */
  static async start(config: KafkaConfig, listeners: readonly RaftClientListener[], options: KafkaRaftManagerOptions): Promise<KafkaRaftManager> {
    const nodeId = config.nodeId;
    const voters = config.quorumVoters;
    const channel = options.channel ?? NO_NETWORK_CHANNEL;
    if (options.channel === undefined && (voters.length !== 1 || voters[0]!.id !== nodeId)) {
      throw new Error(
        `controller.quorum.voters=${voters.map((v) => `${v.id}@${v.host}:${v.port}`).join(',')}: this node (${nodeId}) can only run a single-voter quorum made of itself until the controller listener's network channel is wired`,
      );
    }
    const dir = join(config.metadataLogDir, METADATA_LOG_DIR_NAME);
    const logger = options.logger.child({ component: 'RaftManager' });
    const log = await KafkaMetadataLog.open(dir, metadataLogConfigOf(config), { time: options.time, logger, onFailure: options.onLogFailure });
    const meta = await readMetaProperties(config.metadataLogDir);
    const listenerName = config.controllerListenerNames[0] ?? channel.listenerName;
    const localListeners = new Map<string, HostAndPort>();
    for (const l of config.advertisedControllerListeners) localListeners.set(l.listenerName, { host: l.host ?? 'localhost', port: l.port });
    const client = new KafkaRaftClient({
      nodeId,
      nodeDirectoryId: meta?.directoryId ?? null,
      clusterId: options.clusterId,
      voters: VoterSet.fromStaticVoters(listenerName, voters),
      bootstrapServers: config.quorumBootstrapServers,
      canBecomeVoter: config.isController,
      localListeners,
      config: quorumConfigOf(config),
      log,
      store: new FileQuorumStateStore(dir),
      channel,
      time: options.time,
      random: options.random ?? SystemRandom,
      logger: options.logger.child({ component: 'RaftClient' }),
      logCleanIntervalMs: options.logCleanIntervalMs,
    });
    await client.initialize();
    for (const l of listeners) client.register(l);
    const driver = new RaftClientDriver(client, { time: options.time, faultHandler: options.faultHandler, logger });
    return new KafkaRaftManager(client, driver, log);
  }

  /** Starts polling. */
  startDriver(): void {
    this.driver.start();
  }

  /**
   * Graceful shutdown: a leader hands over leadership (EndQuorumEpoch), then the client and the metadata log close
   * (flushed, with a clean-shutdown marker).
   */
  async shutdown(): Promise<void> {
    await this.driver.shutdown();
  }
}
