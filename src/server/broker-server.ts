import { ProcessTerminatingFaultHandler, type FaultHandler } from '../common/fault-handler.ts';
import { SystemTime, type Time } from '../common/time.ts';
import { randomUuid } from '../common/uuid.ts';
import { rootLogger, type Logger } from '../observability/logger.ts';
import { BrokerMetrics, startMetricsServer } from '../observability/metrics.ts';
import type { Server as HttpServer } from 'node:http';
import type { KafkaConfig } from '../config/kafka-config.ts';
import { LogConfig } from '../config/log-config.ts';
import { toLogConfigValues, type LogConfigValues } from '../config/to-log-config-values.ts';
import { validateTopicConfig } from '../config/validate-topic-config.ts';
import { KafkaConfig as KafkaConfigClass } from '../config/kafka-config.ts';
import { TOPIC_CONFIG_KEYS } from '../config/topic-configs.ts';
import { BROKER_CONFIG_KEYS } from '../config/broker-configs.ts';
import { SocketServer } from '../network/socket-server.ts';
import { connectionQuotaConfig, socketServerSettings } from './socket-server-config.ts';
import type { RequestContext } from '../network/request-handler.ts';
import { LogManager } from '../storage/log-manager.ts';
import { logManagerSettings } from './log-manager-settings.ts';
import { startRefusals } from './start-refusals.ts';
import { checkClusterId } from '../config/cluster-id.ts';
import { KafkaRaftManager } from './kafka-raft-manager.ts';
import { MetadataLoader, type MetadataPublisher } from '../metadata/metadata-loader.ts';
import { ConfigResourceType, configResourceKey, topicConfigs, type MetadataImage } from '../metadata/metadata-image.ts';
import { formatDirectories, loadClusterId } from '../metadata/meta-properties.ts';
import { QuorumController } from '../controller/quorum-controller.ts';
import { ReplicaManager } from '../replication/replica-manager.ts';
import { validateProduceRecords } from '../replication/produce-validator.ts';
import { KafkaApis } from './kafka-apis.ts';
import { HOT_API_KEYS, preloadCodecs } from './preload-codecs.ts';
import { FramePool, type FramePoolOptions } from '../network/frame-pool.ts';
import type { BrokerServices } from './broker-services.ts';
import { FetchSessionCache } from './fetch-session-cache.ts';
import { AutoTopicCreationManager } from './auto-topic-creation-manager.ts';
import { ALL_HANDLERS, KIP_848_HANDLERS } from './apis/index.ts';
import { GroupCoordinator, GROUP_METADATA_TOPIC_NAME } from '../coordinator/group/group-coordinator.ts';
import { ReplicaPartitionWriter } from './replica-partition-writer.ts';
import { TransactionCoordinator, TRANSACTION_STATE_TOPIC_NAME } from '../coordinator/transaction/transaction-coordinator.ts';
import { ProducerIdManager } from '../coordinator/transaction/producer-id-manager.ts';
import { writeTxnMarkers, type TxnMarkerWriterDeps } from './apis/write-txn-markers.ts';
import { Errors } from '../protocol/generated/errors.ts';
import { topicPartitionKey } from '../common/topic-partition.ts';


const SECURITY_PROTOCOL_IDS = { PLAINTEXT: 0, SSL: 1, SASL_PLAINTEXT: 2, SASL_SSL: 3 } as const;

export interface BrokerServerOptions {
  time?: Time;
  logger?: Logger;
  /**
   * Cluster id for formatting unformatted log directories on first start (the CLI passes CLUSTER_ID or a
   * random id for the single-node default). When absent and the directories are not formatted, start fails as
   * Kafka's does ("run kafka-broker format").
   */
  formatClusterId?: string;
  /** The request frame pool, or its options (tests poison recycled memory); default: FramePool's defaults. */
  framePool?: FramePool | FramePoolOptions;
  /**
   * Where faults the node must not carry past go (a metadata record that does not apply, a publisher that
   * throws, every log dir or the metadata log dir failed). Default: a ProcessTerminatingFaultHandler (fatal log
   * line, exit code 1), as Kafka's fatal fault handlers.
   */
  faultHandler?: FaultHandler;
}

/**
 * One node: a broker and (in combined mode) the KRaft controller, after Kafka's `BrokerServer` +
 * `ControllerServer` + `KafkaRaftServer`. Start-up order: log dir locks (LogManager.create) → meta.properties
 * check (formatting when allowed) → log recovery (LogManager.startup) → metadata log replay into the
 * MetadataLoader (ReplicaManager opens the partition logs it is assigned) → leadership of the metadata quorum →
 * bootstrap records → socket server bound → broker registration with the bound advertised endpoints. Shutdown
 * reverses it and leaves a clean-shutdown marker.
 */
export class BrokerServer {
  readonly config: KafkaConfig;
  readonly nodeId: number;
  readonly clusterId: string;
  readonly logger: Logger;
  readonly #logManager: LogManager;
  readonly #raft: KafkaRaftManager;
  readonly #loader: MetadataLoader;
  readonly #controller: QuorumController;
  readonly #replicaManager: ReplicaManager;
  readonly #socketServer: SocketServer;
  readonly #groupCoordinator: GroupCoordinator;
  readonly #transactionCoordinator: TransactionCoordinator;
  readonly #metricsServer: HttpServer | null;
  /** The broker's Prometheus metrics. */
  readonly metrics: BrokerMetrics;
  #stopped: Promise<void> | null = null;

  private constructor(parts: {
    config: KafkaConfig;
    clusterId: string;
    time: Time;
    logger: Logger;
    logManager: LogManager;
    raft: KafkaRaftManager;
    loader: MetadataLoader;
    controller: QuorumController;
    replicaManager: ReplicaManager;
    socketServer: SocketServer;
    groupCoordinator: GroupCoordinator;
    transactionCoordinator: TransactionCoordinator;
    metrics: BrokerMetrics;
    metricsServer: HttpServer | null;
  }) {
    this.config = parts.config;
    this.nodeId = parts.config.nodeId;
    this.clusterId = parts.clusterId;
    this.logger = parts.logger;
    this.#logManager = parts.logManager;
    this.#raft = parts.raft;
    this.#loader = parts.loader;
    this.#controller = parts.controller;
    this.#replicaManager = parts.replicaManager;
    this.#socketServer = parts.socketServer;
    this.#groupCoordinator = parts.groupCoordinator;
    this.#transactionCoordinator = parts.transactionCoordinator;
    this.metrics = parts.metrics;
    this.#metricsServer = parts.metricsServer;
  }

  /** The newest metadata image. */
  get metadata(): MetadataImage {
    return this.#loader.image;
  }

  get replicaManager(): ReplicaManager {
    return this.#replicaManager;
  }

  get groupCoordinator(): GroupCoordinator {
    return this.#groupCoordinator;
  }

  get transactionCoordinator(): TransactionCoordinator {
    return this.#transactionCoordinator;
  }

  get controller(): QuorumController {
    return this.#controller;
  }

  /** The port a listener is bound to (for listeners configured with port 0). */
  boundPort(listenerName = 'PLAINTEXT'): number {
    return this.#socketServer.boundPort(listenerName);
  }

  /**
   * Starts a node from a validated config. Nothing is written before the refusals are checked, so a refused start
   * leaves unformatted directories unformatted. The inactive settings (accepted, without effect yet) are listed in
   * one warning.
   * @throws Error when the node's shape is not supported yet (see startRefusals), the log directories are
   * unformatted and no valid cluster id is given, belong to another cluster or node, or a listener cannot be bound.
   */
  static async start(config: KafkaConfig, options: BrokerServerOptions = {}): Promise<BrokerServer> {
    const time = options.time ?? SystemTime;
    const logger = (options.logger ?? rootLogger).child({ nodeId: config.nodeId });
    const startedAt = time.hiResClockMs();
    const inactive = config.inactiveSettings();
    if (inactive.length > 0) {
      logger.warn(
        { configs: Object.fromEntries(inactive.map((s) => [s.name, s.note ?? 'not built yet'])) },
        `These configs are accepted but have no effect yet in this broker: ${inactive.map((s) => s.name).join(', ')}`,
      );
    }
    const refusals = startRefusals(config);
    if (refusals.length > 0) throw new Error(`cannot start this node:\n  ${refusals.join('\n  ')}`);
    const nodeId = config.nodeId;
    const logDirs = config.logDirs;
    const metadataLogDir = config.metadataLogDir;
    const allDirs = [...new Set([...logDirs, metadataLogDir])];
    const faultHandler = options.faultHandler ?? new ProcessTerminatingFaultHandler(logger);

    const configHolder = { current: config };
    const logConfigCache = new Map<string, LogConfigValues>();
    let raft: KafkaRaftManager | null = null;
    const loader = new MetadataLoader(logger.child({ component: 'MetadataLoader' }), faultHandler, { highWatermark: () => raft?.client.highWatermark ?? null });
    const logConfigFor = (topic: string): LogConfigValues => {
      let values = logConfigCache.get(topic);
      if (values === undefined) {
        values = toLogConfigValues(LogConfig.fromProps(topicConfigs(loader.image, topic), configHolder.current));
        logConfigCache.set(topic, values);
      }
      return values;
    };

    const brokerLogDefaults = toLogConfigValues(LogConfig.fromProps({}, config));
    // Every dir is locked (flock) before anything reads or writes it, meta.properties included.
    const logManager = await LogManager.create({
      logDirs,
      defaultConfig: brokerLogDefaults,
      topicConfig: (topic: string) => logConfigFor(topic),
      time,
      logger,
      producerStateConfig: {
        producerIdExpirationMs: config.getInt('producer.id.expiration.ms'),
        transactionVerificationEnabled: config.getBoolean('transaction.partition.verification.enable'),
      },
      producerIdExpirationCheckIntervalMs: config.getInt('producer.id.expiration.check.interval.ms'),
      metadataLogDir,
      faultHandler,
      ...logManagerSettings(config),
    });
    let resolvedClusterId: string;
    try {
      let { clusterId, unformatted } = await loadClusterId(allDirs, nodeId);
      if (unformatted.length > 0) {
        const id = clusterId ?? options.formatClusterId;
        if (id === undefined) {
          throw new Error(`No meta.properties found in ${unformatted.join(', ')}: format the log directories first (kafka-broker format --cluster-id <id> --config <file>)`);
        }
        // A new cluster id must be one Kafka accepts; one already in meta.properties is kept as it is.
        const invalid = clusterId === null ? checkClusterId(id) : null;
        if (invalid !== null) throw new Error(invalid);
        await formatDirectories(unformatted, id, nodeId, false);
        logger.info({ clusterId: id, dirs: unformatted }, 'Formatted log directories');
        clusterId = id;
      }
      resolvedClusterId = clusterId!;
      await logManager.startup();
    } catch (e) {
      await logManager.abandon();
      throw e;
    }

    // The metadata quorum: with a single voter this node is leader (in a new epoch, persisted first) once open.
    raft = await KafkaRaftManager.start(config, [loader], {
      clusterId: resolvedClusterId,
      time,
      logger,
      faultHandler,
      // An I/O error in the metadata log fails its dir, which ends the process (Kafka's ReplicaManager halts).
      onLogFailure: (log, err) => logManager.handleLogDirFailure(metadataLogDir, `I/O error in the metadata log ${log.dir}`, err),
    });

    const isListConfig = (resourceType: number, name: string): boolean => {
      const key = resourceType === ConfigResourceType.TOPIC ? TOPIC_CONFIG_KEYS.get(name) : BROKER_CONFIG_KEYS.get(name);
      return key?.type === 'LIST';
    };
    const controller = new QuorumController({
      raft: raft.client,
      image: () => loader.image,
      logger: logger.child({ component: 'QuorumController' }),
      nodeId,
      defaultNumPartitions: config.getInt('num.partitions'),
      defaultReplicationFactor: config.getInt('default.replication.factor'),
      validateTopicConfig: (name, value) => (value === null ? (TOPIC_CONFIG_KEYS.has(name) ? null : `Unknown topic config name: ${name}`) : validateTopicConfig(name, value)),
      validateBrokerConfig: (name, value) => {
        const errors = KafkaConfigClass.validateDynamicUpdate({ [name]: value }, true);
        return errors.length === 0 ? null : errors.join('; ');
      },
      isListConfig,
    });

    const metrics = new BrokerMetrics();
    logManager.cleaner?.registerMetrics(metrics.registry, logDirs);
    const replicaManager = new ReplicaManager({
      nodeId,
      logManager,
      time,
      logger: logger.child({ component: 'ReplicaManager' }),
      logConfig: logConfigFor,
      minInsyncReplicas: (topic) => logConfigFor(topic).minInsyncReplicas,
      validate: async (records, tp, produceVersion) => {
        const c = logConfigFor(tp.topic);
        const validated = await validateProduceRecords(records, {
          maxMessageBytes: c.maxMessageBytes,
          compressionType: c.compressionType,
          messageTimestampType: c.messageTimestampType,
          messageTimestampBeforeMaxMs: c.messageTimestampBeforeMaxMs,
          messageTimestampAfterMaxMs: c.messageTimestampAfterMaxMs,
          compacted: c.compact,
        }, produceVersion, time.milliseconds());
        const topicIn = metrics.topicIn(tp.topic);
        topicIn.bytes.inc(validated.batches.length);
        topicIn.messages.inc(validated.recordCount);
        return validated;
      },
    });

    const dynamicConfigPublisher: MetadataPublisher = {
      name: 'DynamicConfigPublisher',
      onMetadataUpdate(image, changes) {
        if (changes.changedConfigs.size === 0 && changes.deletedTopics.size === 0) return;
        const brokerKey = configResourceKey(ConfigResourceType.BROKER, String(nodeId));
        const defaultKey = configResourceKey(ConfigResourceType.BROKER, '');
        if (changes.changedConfigs.has(brokerKey) || changes.changedConfigs.has(defaultKey)) {
          configHolder.current = config.withDynamicConfigs({
            perBroker: Object.fromEntries(image.configs.get(brokerKey) ?? []),
            clusterDefault: Object.fromEntries(image.configs.get(defaultKey) ?? []),
          });
          logManager.reconfigure(logManagerSettings(configHolder.current));
        }
        logConfigCache.clear();
      },
    };
    loader.installPublisher(dynamicConfigPublisher);
    loader.installPublisher(replicaManager);

    const groupCoordinator = new GroupCoordinator({
      time,
      writer: new ReplicaPartitionWriter(replicaManager, time, config.getInt('offsets.commit.timeout.ms')),
      metadataImage: () => loader.image,
      logger: logger.child({ component: 'GroupCoordinator' }),
      logEndOffset: (tp) => replicaManager.getPartition(tp)?.log.logEndOffset ?? null,
      config: {
        offsetsTopicNumPartitions: config.getInt('offsets.topic.num.partitions'),
        classicGroupInitialRebalanceDelayMs: config.getInt('group.initial.rebalance.delay.ms'),
        classicGroupMinSessionTimeoutMs: config.getInt('group.min.session.timeout.ms'),
        classicGroupMaxSessionTimeoutMs: config.getInt('group.max.session.timeout.ms'),
        classicGroupMaxSize: config.getInt('group.max.size'),
        offsetsRetentionMs: config.offsetsRetentionMs,
        offsetsRetentionCheckIntervalMs: config.getLong('offsets.retention.check.interval.ms'),
        offsetMetadataMaxSize: config.getInt('offset.metadata.max.bytes'),
        offsetCommitTimeoutMs: config.getInt('offsets.commit.timeout.ms'),
        consumerGroupSessionTimeoutMs: config.getInt('group.consumer.session.timeout.ms'),
        consumerGroupHeartbeatIntervalMs: config.getInt('group.consumer.heartbeat.interval.ms'),
        consumerGroupMaxSize: config.getInt('group.consumer.max.size'),
        groupCoordinatorRebalanceProtocols: config.getList('group.coordinator.rebalance.protocols'),
        consumerGroupAssignors: config.getList('group.consumer.assignors'),
      },
    });
    groupCoordinator.registerMetrics(metrics.registry);
    loader.installPublisher({
      name: 'GroupCoordinatorPublisher',
      async onMetadataUpdate(image, changes) {
        groupCoordinator.onNewMetadataImage(image);
        const deleted = [...changes.deletedTopics.values()].flatMap((t) => [...t.partitions.keys()].map((partition) => ({ topic: t.name, partition })));
        for (const tp of deleted.filter((d) => d.topic === GROUP_METADATA_TOPIC_NAME)) void groupCoordinator.onPartitionLeadershipChange(tp, false, -1);
        if (deleted.length > 0) await groupCoordinator.onPartitionsDeleted(deleted);
        const topic = image.topicsByName.get(GROUP_METADATA_TOPIC_NAME);
        if (topic === undefined) return;
        for (const [partition, registration] of topic.partitions) {
          if (!changes.changedPartitions.has(`${topic.id}:${partition}`)) continue;
          // Loading runs in the background; requests get COORDINATOR_LOAD_IN_PROGRESS until it is done.
          void groupCoordinator.onPartitionLeadershipChange({ topic: topic.name, partition }, registration.leader === nodeId, registration.leaderEpoch);
        }
      },
    });

    // Transaction coordinator: producer ids in blocks from the controller; markers written locally (single node: a
    // partition led by another broker answers NOT_LEADER_OR_FOLLOWER and is retried, no inter-broker client yet).
    const producerIdManager = new ProducerIdManager({
      brokerId: nodeId,
      brokerEpoch: () => loader.image.brokers.get(nodeId)?.epoch ?? -1n,
      allocate: (brokerId, brokerEpoch) => controller.allocateProducerIds(brokerId, brokerEpoch),
      logger: logger.child({ component: 'ProducerIdManager' }),
    });
    const requestTimeoutMs = config.getInt('request.timeout.ms');
    const markerWriter = new ReplicaPartitionWriter(replicaManager, time, requestTimeoutMs);
    const markerDeps: TxnMarkerWriterDeps = {
      metadata: () => loader.image,
      appendEndTransactionMarker: (tp, producer, coordinatorEpoch, commit) => markerWriter.appendEndTransactionMarker(tp, producer, coordinatorEpoch, commit),
      completeTransaction: (tp, producer, coordinatorEpoch, commit) => groupCoordinator.completeTransaction(tp, producer, coordinatorEpoch, commit),
    };
    const transactionCoordinator = new TransactionCoordinator({
      time,
      writer: new ReplicaPartitionWriter(replicaManager, time, requestTimeoutMs),
      producerIdManager,
      metadataImage: () => loader.image,
      markerSender: (brokerId, marker) => brokerId === nodeId
        ? writeTxnMarkers(markerDeps, marker)
        : Promise.resolve(new Map(marker.partitions.map((tp) => [topicPartitionKey(tp), Errors.NOT_LEADER_OR_FOLLOWER]))),
      logger: logger.child({ component: 'TransactionCoordinator' }),
      config: {
        transactionLogNumPartitions: config.getInt('transaction.state.log.num.partitions'),
        transactionalIdExpirationMs: config.getInt('transactional.id.expiration.ms'),
        transactionMaxTimeoutMs: config.getInt('transaction.max.timeout.ms'),
        abortTimedOutTransactionsIntervalMs: config.getInt('transaction.abort.timed.out.transaction.cleanup.interval.ms'),
        removeExpiredTransactionalIdsIntervalMs: config.getInt('transaction.remove.expired.transaction.cleanup.interval.ms'),
        transactionPartitionVerificationEnable: config.getBoolean('transaction.partition.verification.enable'),
      },
    });
    // KIP-890: transactional produce checks the partition was added to the transaction.
    replicaManager.transactionVerifier = transactionCoordinator.verifyTransaction;
    loader.installPublisher({
      name: 'TransactionCoordinatorPublisher',
      onMetadataUpdate(image, changes) {
        for (const [, t] of changes.deletedTopics) {
          if (t.name !== TRANSACTION_STATE_TOPIC_NAME) continue;
          for (const partition of t.partitions.keys()) void transactionCoordinator.onPartitionLeadershipChange({ topic: t.name, partition }, false, -1);
        }
        const topic = image.topicsByName.get(TRANSACTION_STATE_TOPIC_NAME);
        if (topic === undefined) return;
        for (const [partition, registration] of topic.partitions) {
          if (!changes.changedPartitions.has(`${topic.id}:${partition}`)) continue;
          // Loading runs in the background; requests get COORDINATOR_LOAD_IN_PROGRESS until it is done.
          void transactionCoordinator.onPartitionLeadershipChange({ topic: topic.name, partition }, registration.leader === nodeId, registration.leaderEpoch);
        }
      },
    });

    const autoTopicCreation = new AutoTopicCreationManager({
      controller,
      image: () => loader.image,
      enabled: config.getBoolean('auto.create.topics.enable'),
      internalTopicConfigs: (topic) => internalTopicConfig(configHolder.current, topic),
    });

    let kafkaApis: KafkaApis | undefined;
    const framePool = options.framePool instanceof FramePool
      ? options.framePool
      : new FramePool({ ...options.framePool, maxQueuedBytes: config.getLong('queued.max.request.bytes') });
    const fetchSessions = new FetchSessionCache(config.getInt('max.incremental.fetch.session.cache.slots'));
    const services: BrokerServices = {
      nodeId,
      clusterId: resolvedClusterId,
      get config() {
        return configHolder.current;
      },
      time,
      logger,
      metrics,
      metadata: () => loader.image,
      controller,
      replicaManager,
      logManager,
      fetchSessions,
      autoTopicCreation,
      groupCoordinator,
      transactionCoordinator,
      apiVersions: () => kafkaApis!.apiVersions(),
      connectionClosed: (_ctx: RequestContext) => undefined,
    };
    // KIP-848 APIs are advertised only when the consumer rebalance protocol is enabled, as Kafka does.
    const kip848 = config.getList('group.coordinator.rebalance.protocols').includes('consumer');
    const handlers = kip848 ? [...ALL_HANDLERS, ...KIP_848_HANDLERS] : ALL_HANDLERS;
    kafkaApis = new KafkaApis(services, handlers, logger.child({ component: 'KafkaApis' }), metrics, framePool);

    // Replay the committed metadata log (the loader publishes one initial image) before serving anything.
    raft.startDriver();
    await loader.caughtUp();
    await controller.bootstrap();

    const controllerNames = new Set(config.controllerListenerNames);
    const brokerListeners = config.listeners.filter((l) => !controllerNames.has(l.listenerName));
    const brokerListenerNames = brokerListeners.map((l) => l.listenerName);
    const socketServer = new SocketServer({
      listeners: brokerListeners.map((l) => ({ name: l.listenerName, host: l.host ?? '', port: l.port, securityProtocol: l.securityProtocol })),
      handler: kafkaApis,
      ...socketServerSettings(config),
      connectionQuotas: () => connectionQuotaConfig(configHolder.current, brokerListenerNames),
      sendfile: config.getString('socket.sendfile.enable') as 'auto' | 'on' | 'off',
      framePool,
      logger: logger.child({ component: 'SocketServer' }),
      metrics: {
        connectionOpened: (listener) => metrics.connections.inc({ listener }),
        connectionClosed: (listener) => metrics.connections.dec({ listener }),
      },
    });
    await socketServer.start();
    const metricsListener = config.getString('metrics.prometheus.listener') ?? '';
    const metricsServer = metricsListener === '' ? null : await startMetricsServer(metricsListener, metrics.registry);

    const advertised = config.advertisedListeners.filter((l) => !controllerNames.has(l.listenerName));
    const endpoints = advertised.map((l) => ({
      name: l.listenerName,
      host: l.host === null || l.host === '' || l.host === '0.0.0.0' ? 'localhost' : l.host,
      port: l.port === 0 ? socketServer.boundPort(l.listenerName) : l.port,
      securityProtocol: SECURITY_PROTOCOL_IDS[l.securityProtocol],
    }));
    await controller.registerBroker(nodeId, endpoints, config.getString('broker.rack'));

    const server = new BrokerServer({ config, clusterId: resolvedClusterId, time, logger, logManager, raft, loader, controller, replicaManager, socketServer, groupCoordinator, transactionCoordinator, metrics, metricsServer });
    logger.info(
      { clusterId: resolvedClusterId, listeners: endpoints.map((e) => `${e.name}://${e.host}:${e.port}`), startupMs: Math.round(time.hiResClockMs() - startedAt) },
      'Kafka broker started',
    );
    void preloadCodecs(HOT_API_KEYS, logger);
    return server;
  }

  /**
   * Clean shutdown (SIGTERM): stop accepting, answer waiting fetches, drain connections, close the metadata log,
   * flush every partition log and write checkpoints and the clean-shutdown marker. Idempotent.
   */
  shutdown(): Promise<void> {
    this.#stopped ??= (async () => {
      this.logger.info('Shutting down');
      await this.#socketServer.stopAccepting();
      this.#transactionCoordinator.close();
      this.#groupCoordinator.close();
      await this.#replicaManager.shutdown();
      await this.#socketServer.shutdown({ drainMs: 5000 });
      await this.#raft.shutdown();
      await this.#logManager.shutdown();
      if (this.#metricsServer !== null) await new Promise((resolve) => this.#metricsServer!.close(resolve));
      this.logger.info('Shut down cleanly');
    })();
    return this.#stopped;
  }
}

/** Partition count, replication factor and configs of the coordinators' internal topics (Kafka's defaults). */
function internalTopicConfig(config: KafkaConfig, topic: string): { numPartitions: number; replicationFactor: number; configs: { name: string; value: string }[] } | null {
  if (topic === '__consumer_offsets') {
    return {
      numPartitions: config.getInt('offsets.topic.num.partitions'),
      replicationFactor: config.getShort('offsets.topic.replication.factor'),
      configs: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'compression.type', value: 'producer' },
        { name: 'segment.bytes', value: String(config.getInt('offsets.topic.segment.bytes')) },
      ],
    };
  }
  if (topic === '__transaction_state') {
    return {
      numPartitions: config.getInt('transaction.state.log.num.partitions'),
      replicationFactor: config.getShort('transaction.state.log.replication.factor'),
      configs: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'compression.type', value: 'uncompressed' },
        { name: 'min.insync.replicas', value: String(config.getInt('transaction.state.log.min.isr')) },
        { name: 'segment.bytes', value: String(config.getInt('transaction.state.log.segment.bytes')) },
        { name: 'unclean.leader.election.enable', value: 'false' },
      ],
    };
  }
  return null;
}

/** A fresh random cluster id (Kafka's `kafka-storage random-uuid`). */
export function randomClusterId(): string {
  return randomUuid();
}
