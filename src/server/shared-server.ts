import { FaultHandlerException, ProcessTerminatingFaultHandler, type FaultHandler } from '../common/fault-handler.ts';
import { SystemRandom, type Random } from '../common/random.ts';
import { SystemTime, type Time } from '../common/time.ts';
import { checkClusterId } from '../config/cluster-id.ts';
import type { KafkaConfig } from '../config/kafka-config.ts';
import { LogConfig } from '../config/log-config.ts';
import { toLogConfigValues, type LogConfigValues } from '../config/to-log-config-values.ts';
import { ensureDirectoryIds, formatDirectories, loadClusterId, readMetaProperties } from '../metadata/meta-properties.ts';
import { MetadataLoader } from '../metadata/metadata-loader.ts';
import { SnapshotEmitter } from '../metadata/snapshot-emitter.ts';
import { SnapshotGenerator } from '../metadata/snapshot-generator.ts';
import { ConfigResourceType, configResourceKey, topicConfigs, type MetadataImage } from '../metadata/metadata-image.ts';
import { NetworkClient } from '../network/network-client.ts';
import { controllerClientChannel, interBrokerClientChannel } from './client-channel-builder.ts';
import { rootLogger, type Logger } from '../observability/logger.ts';
import { BrokerMetrics, startMetricsServer, type Readiness } from '../observability/metrics.ts';
import { registerRaftMetrics, registerSnapshotEmitterMetrics } from '../observability/raft-metrics.ts';
import { LogManager } from '../storage/log-manager.ts';
import type { Server as HttpServer } from 'node:http';
import { KafkaNetworkChannel } from './kafka-network-channel.ts';
import { KafkaRaftManager } from './kafka-raft-manager.ts';
import { logManagerSettings } from './log-manager-settings.ts';
import { startRefusals } from './start-refusals.ts';
import { AclPublisher, createAuthorizer, standardAuthorizerConfigOf } from './acl-publisher.ts';
import type { StandardAuthorizer, StandardAuthorizerConfig } from '../security/authorizer/standard-authorizer.ts';

/** What {@link SharedServer.start} takes besides the config. */
export interface SharedServerOptions {
  time?: Time;
  random?: Random;
  logger?: Logger;
  /**
   * Cluster id for formatting unformatted log directories on first start (the CLI passes CLUSTER_ID or a random id
   * for the single-node default). When absent and the directories are not formatted, start fails as Kafka's does
   * ("run kafka-broker format").
   */
  formatClusterId?: string;
  /**
   * Where faults the node must not carry past go (a metadata record that does not apply, a publisher that throws,
   * every log dir or the metadata log dir failed, an error escaping the raft client). Default: a
   * ProcessTerminatingFaultHandler (fatal log line, exit code 1), as Kafka's fatal fault handlers.
   */
  faultHandler?: FaultHandler;
  /**
   * How often the metadata log's snapshot retention runs (metadata.max.retention.*); default Kafka's fixed 60 s.
   * Tests of log trimming shorten it.
   */
  metadataLogCleanIntervalMs?: number;
  /**
   * Runs the StandardAuthorizer with these settings instead of those of the config (`authorizer.class.name`,
   * `super.users`, `allow.everyone.if.no.acl.found`): tests that need an authorizer without writing its configs.
   */
  standardAuthorizer?: StandardAuthorizerConfig;
}

/**
 * What the broker and the controller of one process share, after Kafka's `SharedServer`: the checked config, the
 * log directories (locked, formatted, recovered: LogManager), the metadata log replicated by the KRaft client
 * (KafkaRaftManager, with its channel to the other quorum members over the controller listener), the
 * MetadataLoader that turns it into images, the dynamic broker configs, the metrics registry and its HTTP
 * endpoint, and the fault handler.
 *
 * Start-up checks come first and write nothing: the inactive settings are listed in one warning, and a refused
 * configuration stops the start before any directory is formatted. {@link startRaft} runs the raft client once the
 * broker and controller have installed their metadata publishers (so the first image reaches them all).
 */
export class SharedServer {
  readonly config: KafkaConfig;
  readonly nodeId: number;
  readonly clusterId: string;
  readonly time: Time;
  readonly random: Random;
  readonly logger: Logger;
  readonly faultHandler: FaultHandler;
  readonly logManager: LogManager;
  readonly loader: MetadataLoader;
  readonly raft: KafkaRaftManager;
  /** The Prometheus registry and metrics of the process (broker and controller). */
  readonly metrics: BrokerMetrics;
  /** Writes snapshots of this node's metadata image as the log grows (KIP-630; every role, as Kafka). */
  readonly snapshotGenerator: SnapshotGenerator;
  /** The ACL authorizer of the node (broker and controller), kept in step with the images; null without one. */
  readonly authorizer: StandardAuthorizer | null;
  readonly #raftNetworkClient: NetworkClient;
  readonly #startedAtMs: number;
  #currentConfig: KafkaConfig;
  readonly #logConfigCache = new Map<string, LogConfigValues>();
  #metricsServer: HttpServer | null = null;
  readonly #readinessChecks: (() => Readiness)[] = [];
  #metadataCaughtUp = false;
  #stopped: Promise<void> | null = null;

  private constructor(parts: {
    config: KafkaConfig;
    clusterId: string;
    time: Time;
    random: Random;
    logger: Logger;
    faultHandler: FaultHandler;
    logManager: LogManager;
    loader: MetadataLoader;
    raft: KafkaRaftManager;
    raftNetworkClient: NetworkClient;
    metrics: BrokerMetrics;
    snapshotGenerator: SnapshotGenerator;
    authorizer: StandardAuthorizer | null;
    startedAtMs: number;
  }) {
    this.config = parts.config;
    this.#currentConfig = parts.config;
    this.nodeId = parts.config.nodeId;
    this.clusterId = parts.clusterId;
    this.time = parts.time;
    this.random = parts.random;
    this.logger = parts.logger;
    this.faultHandler = parts.faultHandler;
    this.logManager = parts.logManager;
    this.loader = parts.loader;
    this.raft = parts.raft;
    this.#raftNetworkClient = parts.raftNetworkClient;
    this.metrics = parts.metrics;
    this.snapshotGenerator = parts.snapshotGenerator;
    this.authorizer = parts.authorizer;
    this.#startedAtMs = parts.startedAtMs;
  }

  /** The config with the dynamic broker configs of the metadata log applied (per-broker over cluster defaults). */
  get currentConfig(): KafkaConfig {
    return this.#currentConfig;
  }

  /** The newest published metadata image. */
  get metadata(): MetadataImage {
    return this.loader.image;
  }

  /** Monotonic ms since the start began. */
  get uptimeMs(): number {
    return this.time.hiResClockMs() - this.#startedAtMs;
  }

  /**
   * Checks and opens everything the roles share (see the class doc). The raft client is initialized (a single
   * voter is already leader) but not polled until {@link startRaft}.
   * @throws Error when the node's shape is refused (see startRefusals), the directories are unformatted and no
   * valid cluster id is given, belong to another cluster or node, or are locked by another process.
   */
  static async start(config: KafkaConfig, options: SharedServerOptions = {}): Promise<SharedServer> {
    const time = options.time ?? SystemTime;
    const random = options.random ?? SystemRandom;
    const logger = (options.logger ?? rootLogger).child({ nodeId: config.nodeId });
    const startedAtMs = time.hiResClockMs();
    const inactive = config.inactiveSettings();
    if (inactive.length > 0) {
      logger.warn(
        { configs: Object.fromEntries(inactive.map((s) => [s.name, s.note ?? 'not built yet'])) },
        `These configs are accepted but have no effect yet in this broker: ${inactive.map((s) => s.name).join(', ')}`,
      );
    }
    const refusals = startRefusals(config);
    if (refusals.length > 0) throw new Error(`cannot start this node:\n  ${refusals.join('\n  ')}`);
    // Before anything is opened: a malformed super.users entry stops the start.
    const authorizer = createAuthorizer(options.standardAuthorizer ?? standardAuthorizerConfigOf(config), logger);
    // A controller of a dynamic quorum (KIP-853) needs its first voters, which only format is told: it is never
    // formatted on the fly (checked before anything is written).
    if (config.quorumVoters.length === 0 && config.isController && (await readMetaProperties(config.metadataLogDir)) === null) {
      throw new Error(
        `No meta.properties found in ${config.metadataLogDir}: controller.quorum.voters is empty (a dynamic quorum), so format it with ` +
          'kafka-broker format --cluster-id <id> --config <file> and one of --standalone, --initial-controllers or --no-initial-controllers',
      );
    }
    const nodeId = config.nodeId;
    const metadataLogDir = config.metadataLogDir;
    const faultHandler = options.faultHandler ?? new ProcessTerminatingFaultHandler(logger);

    // Every dir is locked (flock) before anything reads or writes it, meta.properties included.
    let shared: SharedServer | null = null;
    const brokerDefaults = toLogConfigValues(LogConfig.fromProps({}, config));
    const metrics = new BrokerMetrics();
    const logManager = await LogManager.create({
      logDirs: config.logDirs,
      defaultConfig: brokerDefaults,
      // Logs recovered at start-up are opened before the metadata log is replayed: with the broker's defaults
      // then (their topics' overrides apply once the image is published, as the publisher reconfigures them).
      topicConfig: (topic: string) => shared?.topicLogConfigFor(topic) ?? brokerDefaults,
      time,
      logger,
      producerStateConfig: {
        producerIdExpirationMs: config.getInt('producer.id.expiration.ms'),
        transactionVerificationEnabled: config.getBoolean('transaction.partition.verification.enable'),
      },
      producerIdExpirationCheckIntervalMs: config.getInt('producer.id.expiration.check.interval.ms'),
      metadataLogDir,
      faultHandler,
      onLogFlushed: (durationMs) => metrics.logFlushTimeMs.observe(durationMs),
      ...logManagerSettings(config),
    });
    let clusterId: string;
    try {
      clusterId = await formatIfAllowed(config, options.formatClusterId, logger);
      await logManager.startup();
    } catch (e) {
      await logManager.abandon();
      throw e;
    }

    let raft: KafkaRaftManager | null = null;
    let snapshotGenerator: SnapshotGenerator | null = null;
    // A metadata loading fault turns snapshots off before the node's fault handler runs (Kafka's SharedServer):
    // an image that skipped a record must never be written out as a snapshot.
    const loaderFaultHandler: FaultHandler = {
      handleFault: (message, cause) => {
        snapshotGenerator?.disable('metadata loading fault');
        return faultHandler.handleFault(message, cause);
      },
    };
    const loader = new MetadataLoader(logger.child({ component: 'MetadataLoader' }), loaderFaultHandler, { highWatermark: () => raft?.client.highWatermark ?? null });
    const listenerName = config.controllerListenerNames[0] ?? 'CONTROLLER';
    // The channels of the node's own connections are built now, so that invalid ssl.* or JAAS settings stop the
    // start before anything runs: the controller listener's (Raft, registration, heartbeats, forwarding) and, on a
    // broker, the inter-broker listener's (replica fetchers, transaction markers).
    const toControllers = controllerClientChannel(config);
    if (config.processRoles.includes('broker')) interBrokerClientChannel(config);
    const raftNetworkClient = new NetworkClient({
      clientId: `raft-client-${nodeId}`,
      socketFactory: toControllers.socketFactory,
      newAuthenticator: toControllers.newAuthenticator,
      time,
      random,
      requestTimeoutMs: config.getInt('controller.quorum.request.timeout.ms'),
      // One request at a time per peer, as Kafka's raft channel: responses keep the order of the requests.
      maxInFlightRequestsPerConnection: 1,
      logger: logger.child({ component: 'RaftNetworkClient' }),
    });
    raft = await KafkaRaftManager.start(config, [loader], {
      clusterId,
      time,
      random,
      logger,
      faultHandler,
      channel: new KafkaNetworkChannel(raftNetworkClient, listenerName),
      // An I/O error in the metadata log fails its dir, which ends the process (Kafka's ReplicaManager halts).
      onLogFailure: (log, err) => logManager.handleLogDirFailure(metadataLogDir, `I/O error in the metadata log ${log.dir}`, err),
      logCleanIntervalMs: options.metadataLogCleanIntervalMs,
    });
    const raftClient = raft.client;
    registerRaftMetrics(metrics.registry, () => raftClient.metrics());
    const snapshotEmitter = new SnapshotEmitter({ raft: raftClient, time, logger: logger.child({ component: 'SnapshotEmitter' }) });
    snapshotGenerator = new SnapshotGenerator({
      time,
      emitter: (image, lastContainedLogTimeMs) => snapshotEmitter.emit(image, lastContainedLogTimeMs),
      faultHandler: snapshotFaultHandler(logger),
      logger: logger.child({ component: 'SnapshotGenerator' }),
      maxBytesSinceLastSnapshot: config.getLong('metadata.log.max.record.bytes.between.snapshots'),
      maxTimeSinceLastSnapshotMs: config.getLong('metadata.log.max.snapshot.interval.ms'),
    });
    // First, as Kafka's SharedServer: the generator counts every image the loader publishes.
    loader.installPublisher(snapshotGenerator);
    registerSnapshotEmitterMetrics(metrics.registry, snapshotEmitter);
    if (authorizer !== null) loader.installPublisher(new AclPublisher(authorizer));
    shared = new SharedServer({ config, clusterId, time, random, logger, faultHandler, logManager, loader, raft, raftNetworkClient, metrics, snapshotGenerator, authorizer, startedAtMs });
    shared.#installDynamicConfigPublisher();
    return shared;
  }

  /**
   * The effective log configs of `topic` in the current image: its overrides over the broker's current defaults
   * (the LogManager asks when it opens or creates a log; produce asks for every batch, so they are cached until a
   * config changes or the topic goes).
   */
  topicLogConfigFor(topic: string): LogConfigValues {
    let values = this.#logConfigCache.get(topic);
    if (values === undefined) {
      values = toLogConfigValues(LogConfig.fromProps(topicConfigs(this.loader.image, topic), this.#currentConfig));
      this.#logConfigCache.set(topic, values);
    }
    return values;
  }

  /** Dynamic broker configs (this broker's, then the cluster default) are applied as they commit. */
  #installDynamicConfigPublisher(): void {
    const brokerKey = configResourceKey(ConfigResourceType.BROKER, String(this.nodeId));
    const defaultKey = configResourceKey(ConfigResourceType.BROKER, '');
    this.loader.installPublisher({
      name: 'DynamicConfigPublisher',
      onMetadataUpdate: (image, changes) => {
        if (changes.changedConfigs.size === 0 && changes.deletedTopics.size === 0) return;
        if (changes.changedConfigs.has(brokerKey) || changes.changedConfigs.has(defaultKey)) {
          this.#currentConfig = this.config.withDynamicConfigs({
            perBroker: Object.fromEntries(image.configs.get(brokerKey) ?? []),
            clusterDefault: Object.fromEntries(image.configs.get(defaultKey) ?? []),
          });
          this.logManager.reconfigure(logManagerSettings(this.#currentConfig));
        }
        this.#logConfigCache.clear();
      },
    });
  }

  /**
   * Runs the raft client (after the roles installed their publishers) and the metrics endpoint, and waits until
   * the metadata log committed before the start has been replayed and published (with several voters, until a
   * leader is known and this node fetched up to its high watermark).
   */
  async startRaft(): Promise<void> {
    this.raft.startDriver();
    const metricsListener = this.config.getString('metrics.prometheus.listener') ?? '';
    if (metricsListener !== '') this.#metricsServer = await startMetricsServer(metricsListener, this.metrics.registry, () => this.readiness());
    await this.loader.caughtUp();
    this.#metadataCaughtUp = true;
  }

  /**
   * Adds a condition of `/readyz` (a role's: e.g. the broker's listeners serving and the broker unfenced); it is
   * called at each probe and must be cheap.
   */
  addReadinessCheck(check: () => Readiness): void {
    this.#readinessChecks.push(check);
  }

  /**
   * What `/readyz` answers: not ready while shutting down or before the metadata log committed before the start
   * was replayed, then the first failing check of the roles; else ready.
   */
  readiness(): Readiness {
    if (this.#stopped !== null) return { ready: false, reason: 'shutting down' };
    if (!this.#metadataCaughtUp) return { ready: false, reason: 'the metadata log is not caught up yet' };
    for (const check of this.#readinessChecks) {
      const r = check();
      if (!r.ready) return r;
    }
    return { ready: true };
  }

  /**
   * Stops what {@link start} opened, after the roles stopped: the raft client (a leader resigns first, so the
   * other voters elect at once: EndQuorumEpoch), its network client, the logs (flushed, checkpointed, clean
   * shutdown markers) and the metrics endpoint. Idempotent.
   */
  shutdown(): Promise<void> {
    this.#stopped ??= (async () => {
      // No snapshot starts any more, and the one being written finishes before the metadata log closes.
      await this.snapshotGenerator.close();
      await this.raft.shutdown();
      this.#raftNetworkClient.close();
      await this.logManager.shutdown();
      if (this.#metricsServer !== null) await new Promise((resolve) => this.#metricsServer!.close(resolve));
    })();
    return this.#stopped;
  }
}

/**
 * Where snapshot generation errors go: logged, and the node goes on (Kafka's non-fatal "KRaft snapshot file
 * generation error" handler); the generator retries after another full interval.
 */
function snapshotFaultHandler(logger: Logger): FaultHandler {
  return {
    handleFault(failureMessage, cause) {
      logger.error({ err: cause }, `Encountered non-fatal fault: ${failureMessage}`);
      return new FaultHandlerException(failureMessage, cause);
    },
  };
}

/**
 * The cluster id of the node's directories, formatting the unformatted ones with `formatClusterId` when given.
 * @throws Error when a directory is unformatted and no id is given, or the id is not a valid Kafka cluster id.
 */
async function formatIfAllowed(config: KafkaConfig, formatClusterId: string | undefined, logger: Logger): Promise<string> {
  const allDirs = [...new Set([...config.logDirs, config.metadataLogDir])];
  const { clusterId, unformatted } = await loadClusterId(allDirs, config.nodeId);
  const given = await ensureDirectoryIds(allDirs);
  if (given.length > 0) logger.info({ dirs: given }, 'Wrote a directory.id into meta.properties of log directories that had none');
  if (unformatted.length === 0) return clusterId!;
  const id = clusterId ?? formatClusterId;
  if (id === undefined) {
    throw new Error(`No meta.properties found in ${unformatted.join(', ')}: format the log directories first (kafka-broker format --cluster-id <id> --config <file>)`);
  }
  // A new cluster id must be one Kafka accepts; one already in meta.properties is kept as it is.
  const invalid = clusterId === null ? checkClusterId(id) : null;
  if (invalid !== null) throw new Error(invalid);
  await formatDirectories(unformatted, id, config.nodeId, false);
  logger.info({ clusterId: id, dirs: unformatted }, 'Formatted log directories');
  return id;
}
