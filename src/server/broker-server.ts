import { randomUuid } from '../common/uuid.ts';
import { ClientQuotaPublisher, createQuotaManagers } from './quota/client-quota-publisher.ts';
import type { Logger } from '../observability/logger.ts';
import { ReplicaManagerMetrics } from '../observability/replica-manager-metrics.ts';
import { registerLogMetrics } from '../observability/log-metrics.ts';
import { brokerTopicMetricsPublisher, countedProduceValidation, hostedLogViews } from './broker-topic-stats.ts';
import type { KafkaConfig } from '../config/kafka-config.ts';
import { SocketServer } from '../network/socket-server.ts';
import { NetworkClient } from '../network/network-client.ts';
import { controllerClientChannel, interBrokerClientChannel } from './client-channel-builder.ts';
import { connectionQuotaConfig, socketServerListeners, socketServerSettings } from './socket-server-config.ts';
import type { RequestContext } from '../network/request-handler.ts';
import type { MetadataImage } from '../metadata/metadata-image.ts';
import { ReplicaManager } from '../replication/replica-manager.ts';
import { brokerReplication, replicaManagerMetricSource, type BrokerReplication } from './broker-replication.ts';
import { TransactionMarkerChannelManager } from './transaction-marker-channel-manager.ts';
import { AddPartitionsToTxnManager } from './add-partitions-to-txn-manager.ts';
import { validateProduceRecords } from '../replication/produce-validator.ts';
import { replicaSelectorOf } from '../replication/replica-selector.ts';
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
import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { AllocateProducerIdsResponse } from '../protocol/generated/messages/allocate-producer-ids-response.ts';
import { ApiError } from '../common/api-error.ts';
import type { SharedServer } from './shared-server.ts';
import type { ControllerServer } from './controller-server.ts';
import { ControllerNodeProvider } from './controller-node-provider.ts';
import { NodeToControllerChannel } from './node-to-controller-channel.ts';
import { BrokerLifecycleManager, BrokerState } from './broker-lifecycle-manager.ts';
import { BrokerFeatures } from './broker-features.ts';
import { ForwardingManager } from './forwarding-manager.ts';
import { ConfigAdminManager } from './config-admin-manager.ts';
import { SslListenerReloader } from './ssl-listener-reloader.ts';
import { readMetaProperties } from '../metadata/meta-properties.ts';
import type { Random } from '../common/random.ts';

const SECURITY_PROTOCOL_IDS = { PLAINTEXT: 0, SSL: 1, SASL_PLAINTEXT: 2, SASL_SSL: 3 } as const;

/** What {@link BrokerServer.start} takes besides the shared server. */
export interface BrokerServerOptions {
  /** The request frame pool, or its options (tests poison recycled memory); default: FramePool's defaults. */
  framePool?: FramePool | FramePoolOptions;
  /**
   * How long a forwarded request waits for an active controller before the client gets REQUEST_TIMED_OUT, in ms:
   * Kafka's 60000 (FORWARDING_RETRY_TIMEOUT_MS), not a config; tests shorten it.
   */
  forwardingRetryTimeoutMs?: number;
}

/** Kafka's KafkaBroker.shutdown() bound: the controlled shutdown may take until 5 minutes after it began. */
export const BROKER_SHUTDOWN_TIMEOUT_MS = 5 * 60_000;

/**
 * The broker role of a node, after Kafka's `BrokerServer`: the partitions this node hosts (ReplicaManager over the
 * shared LogManager), the group and transaction coordinators, the client listeners with their request handlers
 * (KafkaApis), and two channels to the active controller (Kafka's "heartbeat" and "forwarding" channels): the
 * broker's session (BrokerLifecycleManager: registration, heartbeats, controlled shutdown), and the clients'
 * metadata writes (ForwardingManager, KIP-590), automatic topic creation and producer id blocks. A broker never
 * calls a QuorumController directly, in combined mode either.
 *
 * Start-up (after the shared server opened the logs and the metadata log): the broker's metadata publishers are
 * installed before the raft client runs (so the first image reaches them) and the client listeners are bound, but
 * serve no request yet. {@link startup} then, as Kafka's BrokerServer.startup: registers with the active
 * controller, waits until the controller saw it caught up with the metadata log (RECOVERY), asks to be unfenced
 * and waits for it (RUNNING), and only then enables request processing on the client listeners
 * (server.max.startup.time.ms bounds the whole).
 *
 * Shutdown: controlled shutdown first (controlled.shutdown.enable): heartbeats ask wantShutDown until the
 * controller answers shouldShutDown (it moved this broker's leaderships away), at most
 * {@link BROKER_SHUTDOWN_TIMEOUT_MS}; then the listeners, coordinators and channels stop.
 */
export class BrokerServer {
  readonly config: KafkaConfig;
  readonly nodeId: number;
  readonly logger: Logger;
  readonly #shared: SharedServer;
  readonly #replicaManager: ReplicaManager;
  readonly #socketServer: SocketServer;
  readonly #groupCoordinator: GroupCoordinator;
  readonly #transactionCoordinator: TransactionCoordinator;
  readonly #lifecycleChannel: NodeToControllerChannel;
  readonly #forwardingChannel: NodeToControllerChannel;
  readonly #replication: BrokerReplication;
  readonly #markerChannel: TransactionMarkerChannelManager;
  readonly #addPartitionsToTxnManager: AddPartitionsToTxnManager;
  readonly #lifecycle: BrokerLifecycleManager;
  readonly #endpoints: { name: string; host: string; port: number; securityProtocol: number }[];
  #stopped: Promise<void> | null = null;

  private constructor(parts: {
    shared: SharedServer;
    replicaManager: ReplicaManager;
    socketServer: SocketServer;
    groupCoordinator: GroupCoordinator;
    transactionCoordinator: TransactionCoordinator;
    lifecycleChannel: NodeToControllerChannel;
    forwardingChannel: NodeToControllerChannel;
    replication: BrokerReplication;
    markerChannel: TransactionMarkerChannelManager;
    addPartitionsToTxnManager: AddPartitionsToTxnManager;
    lifecycle: BrokerLifecycleManager;
    endpoints: { name: string; host: string; port: number; securityProtocol: number }[];
  }) {
    this.#shared = parts.shared;
    this.config = parts.shared.config;
    this.nodeId = parts.shared.nodeId;
    this.logger = parts.shared.logger;
    this.#replicaManager = parts.replicaManager;
    this.#socketServer = parts.socketServer;
    this.#groupCoordinator = parts.groupCoordinator;
    this.#transactionCoordinator = parts.transactionCoordinator;
    this.#lifecycleChannel = parts.lifecycleChannel;
    this.#forwardingChannel = parts.forwardingChannel;
    this.#replication = parts.replication;
    this.#markerChannel = parts.markerChannel;
    this.#addPartitionsToTxnManager = parts.addPartitionsToTxnManager;
    this.#lifecycle = parts.lifecycle;
    this.#endpoints = parts.endpoints;
  }

  /** The newest metadata image. */
  get metadata(): MetadataImage {
    return this.#shared.loader.image;
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

  /** The broker's session with the active controller (its state, broker epoch, futures). */
  get lifecycle(): BrokerLifecycleManager {
    return this.#lifecycle;
  }

  /** Whether the client listeners serve requests (only once the controller unfenced this broker). */
  get processingRequests(): boolean {
    return this.#socketServer.processingRequests;
  }

  /** The endpoints registered with the controller (bound ports filled in), as `NAME://host:port`. */
  get listenerUrls(): string[] {
    return this.#endpoints.map((e) => `${e.name}://${e.host}:${e.port}`);
  }

  /** The port a listener is bound to (for listeners configured with port 0). */
  /** The broker listeners' SocketServer (its connections, for diagnostics and tests). */
  get socketServer(): SocketServer {
    return this.#socketServer;
  }

  boundPort(listenerName = 'PLAINTEXT'): number {
    return this.#socketServer.boundPort(listenerName);
  }

  /**
   * Builds the broker's components over `shared`, installs its metadata publishers and binds its listeners (which
   * serve nothing until {@link startup} enabled them).
   * @param controller this node's controller role in combined mode (its controller listener is where the channels
   *   go while it is the active controller), or null for a broker-only node.
   * @throws Error when a listener cannot be bound.
   */
  static async start(shared: SharedServer, controller: ControllerServer | null, options: BrokerServerOptions = {}): Promise<BrokerServer> {
    const { config, loader, nodeId, time, logger, logManager, metrics } = shared;
    logManager.cleaner?.registerMetrics(metrics.registry, config.logDirs);
    const controllerListenerName = config.controllerListenerNames[0] ?? 'CONTROLLER';
    const provider = new ControllerNodeProvider(
      shared.raft.client,
      controllerListenerName,
      () => (controller === null ? null : localControllerEndpoint(config, controller, controllerListenerName)),
    );
    const lifecycleChannel = controllerChannel(shared, provider, 'heartbeat');
    const forwardingChannel = controllerChannel(shared, provider, 'forwarding');
    const alterPartitionChannel = controllerChannel(shared, provider, 'alter-partition');
    let lifecycle: BrokerLifecycleManager | null = null;
    const incarnationId = randomUuid();
    const brokerEpoch = (): bigint => lifecycle?.brokerEpoch ?? -1n;
    // Request frames and the replica fetchers' response frames share one pool of memory (a leader's produce
    // requests and a follower's fetch responses are the same batches); the budget applies to requests only.
    const framePool = options.framePool instanceof FramePool
      ? options.framePool
      : new FramePool({ ...options.framePool, maxQueuedBytes: config.getLong('queued.max.request.bytes') });
    const replication = brokerReplication(shared, alterPartitionChannel, brokerEpoch, framePool);
    const replicationMetrics = new ReplicaManagerMetrics(metrics.registry);
    const replicaManager = new ReplicaManager({
      nodeId,
      logManager,
      time,
      logger: logger.child({ component: 'ReplicaManager' }),
      logConfig: (topic) => shared.topicLogConfigFor(topic),
      minInsyncReplicas: (topic) => shared.topicLogConfigFor(topic).minInsyncReplicas,
      replicaLagTimeMaxMs: config.getLong('replica.lag.time.max.ms'),
      alterPartitionManager: replication.alterPartitionManager,
      isrChangeListener: replicationMetrics,
      brokerEpoch,
      follower: replication.follower,
      leaderQuota: replication.leaderQuota,
      incarnationId,
      replicaSelector: replicaSelectorOf(config.getString('replica.selector.class')),
      validate: (records, tp, produceVersion) => countedProduceValidation(metrics.topicStats(tp.topic), records, () => {
        const c = shared.topicLogConfigFor(tp.topic);
        return validateProduceRecords(records, {
          maxMessageBytes: c.maxMessageBytes,
          compressionType: c.compressionType,
          messageTimestampType: c.messageTimestampType,
          messageTimestampBeforeMaxMs: c.messageTimestampBeforeMaxMs,
          messageTimestampAfterMaxMs: c.messageTimestampAfterMaxMs,
          compacted: c.compact,
        }, produceVersion, time.milliseconds());
      }),
    });
    replicationMetrics.attach(replicaManagerMetricSource(replicaManager));
    registerLogMetrics(metrics.registry, () => hostedLogViews(replicaManager));
    loader.installPublisher(brokerTopicMetricsPublisher(metrics.topics));
    loader.installPublisher(replicaManager);

    const forwardingManager = new ForwardingManager({
      channel: forwardingChannel,
      retryTimeoutMs: options.forwardingRetryTimeoutMs,
      logger: logger.child({ component: 'ForwardingManager' }),
    });

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

    // Transaction coordinator: producer ids in blocks from the active controller (AllocateProducerIds); markers
    // written locally, or sent to the partitions' leaders.
    const producerIdManager = new ProducerIdManager({
      brokerId: nodeId,
      brokerEpoch: () => lifecycle?.brokerEpoch ?? -1n,
      allocate: async (brokerId, brokerEpoch) => {
        const response = await forwardingChannel.send<AllocateProducerIdsResponse>(ApiKeys.AllocateProducerIds, { brokerId, brokerEpoch }, { timeoutMs: config.getInt('request.timeout.ms') });
        if (response.errorCode !== Errors.NONE) throw new ApiError(response.errorCode, `AllocateProducerIds failed with error ${response.errorCode}`);
        return { start: response.producerIdStart, length: response.producerIdLen };
      },
      logger: logger.child({ component: 'ProducerIdManager' }),
    });
    const requestTimeoutMs = config.getInt('request.timeout.ms');
    const markerWriter = new ReplicaPartitionWriter(replicaManager, time, requestTimeoutMs);
    // Markers for partitions led by other brokers go to them as WriteTxnMarkers (Kafka's TransactionMarkerChannelManager).
    const markerChannel = new TransactionMarkerChannelManager({
      client: new NetworkClient({
        clientId: `broker-${nodeId}-txn-marker-sender`,
        ...interBrokerClientChannel(config),
        time,
        random: shared.random,
        requestTimeoutMs,
        maxInFlightRequestsPerConnection: 1,
        logger: logger.child({ component: 'TransactionMarkerChannelManager' }),
      }),
      metadata: () => loader.image,
      interBrokerListenerName: config.interBrokerListenerName,
      requestTimeoutMs,
      logger: logger.child({ component: 'TransactionMarkerChannelManager' }),
    });
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
      markerSender: (brokerId, marker) => brokerId === nodeId ? writeTxnMarkers(markerDeps, marker) : markerChannel.send(brokerId, marker),
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
    // KIP-890: transactional produce checks with the transactional id's coordinator, wherever it is, that the
    // partition was added to the transaction.
    const addPartitionsToTxnManager = new AddPartitionsToTxnManager({
      nodeId,
      client: new NetworkClient({
        clientId: `broker-${nodeId}-add-partitions-to-txn-sender`,
        ...interBrokerClientChannel(config),
        time,
        random: shared.random,
        requestTimeoutMs,
        logger: logger.child({ component: 'AddPartitionsToTxnManager' }),
      }),
      metadata: () => loader.image,
      coordinator: transactionCoordinator,
      interBrokerListenerName: config.interBrokerListenerName,
      requestTimeoutMs,
      logger: logger.child({ component: 'AddPartitionsToTxnManager' }),
    });
    replicaManager.transactionVerifier = addPartitionsToTxnManager.verifyTransaction;
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
      channel: forwardingChannel,
      forwarding: forwardingManager,
      image: () => loader.image,
      time,
      logger: logger.child({ component: 'AutoTopicCreationManager' }),
      enabled: config.getBoolean('auto.create.topics.enable'),
      requestTimeoutMs,
      internalTopicConfigs: (topic) => internalTopicConfig(shared.currentConfig, topic),
    });
    loader.installPublisher(autoTopicCreation);
    const quotas = createQuotaManagers(config);
    loader.installPublisher(new ClientQuotaPublisher(quotas));

    const brokerListeners = config.listeners.filter((l) => !config.controllerListenerNames.includes(l.listenerName));
    const listenerConfigs = socketServerListeners(
      config,
      brokerListeners,
      (user, mechanism) => loader.image.scram.get(user)?.get(mechanism.type),
      logger.child({ component: 'SaslServerAuthenticator' }),
    );
    // Kafka's DynamicBrokerConfig for the SSL listeners: key store / trust store changes are validated by the
    // broker before forwarding (ConfigAdminManager) and applied to new connections once committed.
    const listenerTls = listenerConfigs.map((l) => l.tls);
    const configAdmin = new ConfigAdminManager({ nodeId, tls: listenerTls, config: () => shared.currentConfig, image: () => loader.image });
    loader.installPublisher(new SslListenerReloader({ nodeId, tls: listenerTls, config: () => shared.currentConfig, logger: logger.child({ component: 'SslListenerReloader' }) }));

    let kafkaApis: KafkaApis<BrokerServices> | undefined;
    const fetchSessions = new FetchSessionCache(config.getInt('max.incremental.fetch.session.cache.slots'));
    const services: BrokerServices = {
      nodeId,
      clusterId: shared.clusterId,
      get config() {
        return shared.currentConfig;
      },
      time,
      logger,
      metrics,
      authorizer: shared.authorizer,
      quotas,
      metadata: () => loader.image,
      randomAliveBrokerId: () => randomAliveBrokerId(loader.image, shared.random),
      forwardingManager,
      configAdmin,
      replicaManager,
      logManager,
      fetchSessions,
      autoTopicCreation,
      groupCoordinator,
      transactionCoordinator,
      apiVersions: () => forwardingManager.apiVersions(kafkaApis!.apiVersions()),
      connectionClosed: (_ctx: RequestContext) => undefined,
    };
    // KIP-848 APIs are advertised only when the consumer rebalance protocol is enabled, as Kafka does.
    const kip848 = config.getList('group.coordinator.rebalance.protocols').includes('consumer');
    const handlers = kip848 ? [...ALL_HANDLERS, ...KIP_848_HANDLERS] : ALL_HANDLERS;
    kafkaApis = new KafkaApis(services, handlers, logger.child({ component: 'KafkaApis' }), metrics, framePool);

    const brokerListenerNames = brokerListeners.map((l) => l.listenerName);
    const socketServer = new SocketServer({
      listeners: listenerConfigs,
      handler: kafkaApis,
      ...socketServerSettings(config),
      connectionQuotas: () => connectionQuotaConfig(shared.currentConfig, brokerListenerNames),
      sendfile: config.getString('socket.sendfile.enable') as 'auto' | 'on' | 'off',
      framePool,
      deferRequestProcessing: true,
      logger: logger.child({ component: 'SocketServer' }),
      metrics: {
        connectionOpened: (listener) => metrics.socketServer.connectionOpened(listener),
        connectionClosed: (listener) => metrics.socketServer.connectionClosed(listener),
      },
    });
    await socketServer.start();
    const endpoints = config.advertisedListeners.map((l) => ({
      name: l.listenerName,
      host: l.host === null || l.host === '' || l.host === '0.0.0.0' ? 'localhost' : l.host,
      port: l.port === 0 ? socketServer.boundPort(l.listenerName) : l.port,
      securityProtocol: SECURITY_PROTOCOL_IDS[l.securityProtocol],
    }));
    const logDirIds: string[] = [];
    for (const dir of config.logDirs) {
      const meta = await readMetaProperties(dir);
      if (meta?.directoryId != null) logDirIds.push(meta.directoryId);
    }
    lifecycle = new BrokerLifecycleManager({
      nodeId,
      clusterId: shared.clusterId,
      incarnationId,
      rack: config.getString('broker.rack'),
      logDirs: logDirIds,
      supportedFeatures: BrokerFeatures.supportedFeatures(),
      channel: lifecycleChannel,
      time,
      logger: logger.child({ component: 'BrokerLifecycleManager' }),
      heartbeatIntervalMs: config.getInt('broker.heartbeat.interval.ms'),
      initialRegistrationTimeoutMs: config.getInt('initial.broker.registration.timeout.ms'),
      // Kafka's heartbeat channel retries for half the session timeout (KAFKA-14392).
      requestTimeoutMs: Math.floor(config.getInt('broker.session.timeout.ms') / 2),
      currentMetadataOffset: () => loader.image.offset,
    });
    const brokerLifecycle = lifecycle;
    // /readyz: unfenced (RUNNING, which also means caught up with the metadata log) and the listeners serving.
    shared.addReadinessCheck(() => brokerLifecycle.state !== BrokerState.RUNNING
      ? { ready: false, reason: `the broker is ${brokerLifecycle.state}, not RUNNING (unfenced)` }
      : socketServer.processingRequests ? { ready: true } : { ready: false, reason: 'the client listeners do not serve requests yet' });
    return new BrokerServer({ shared, replicaManager, socketServer, groupCoordinator, transactionCoordinator, lifecycleChannel, forwardingChannel, replication, markerChannel, addPartitionsToTxnManager, lifecycle, endpoints });
  }

  /**
   * Kafka's BrokerServer.startup after the metadata log was replayed: registers with the active controller, waits
   * until the controller saw this broker caught up (RECOVERY), asks to be unfenced and waits until it is
   * (RUNNING), then enables request processing on the client listeners. server.max.startup.time.ms bounds it.
   * @throws Error when the broker could not register within initial.broker.registration.timeout.ms, shut down
   *   meanwhile, or server.max.startup.time.ms passed.
   */
  async startup(): Promise<void> {
    const deadlineMs = this.#shared.time.hiResClockMs() + this.config.getLong('server.max.startup.time.ms');
    // KIP-966: the epoch of the last clean shutdown tells the controller this incarnation lost no acknowledged record.
    this.#lifecycle.start(this.#endpoints, this.#shared.logManager.cleanShutdownBrokerEpoch);
    await this.#waitForStartup('the controller to acknowledge that we are caught up', this.#lifecycle.initialCatchUp, deadlineMs);
    await this.#waitForStartup('the broker to be unfenced', this.#lifecycle.setReadyToUnfence(), deadlineMs);
    this.#socketServer.enableRequestProcessing();
    this.logger.info({ brokerEpoch: String(this.#lifecycle.brokerEpoch) }, 'Unfenced: the client listeners now serve requests');
    void preloadCodecs(HOT_API_KEYS, this.logger);
  }

  /**
   * Waits for a startup step (Kafka's FutureUtils.waitWithLogging).
   * @throws Error naming the step when it failed or `deadlineMs` (monotonic) passed first.
   */
  async #waitForStartup(what: string, step: Promise<void>, deadlineMs: number): Promise<void> {
    this.logger.info(`Waiting for ${what}`);
    let timer: NodeJS.Timeout | undefined;
    const remainingMs = deadlineMs - this.#shared.time.hiResClockMs();
    const timeout = new Promise<'timeout'>((resolve) => {
      // A deadline beyond setTimeout's range (the default is Long.MAX_VALUE) is no deadline.
      if (remainingMs < 2 ** 31) timer = setTimeout(() => resolve('timeout'), Math.max(0, remainingMs));
    });
    const outcome = await Promise.race([step.then(() => null, (e: unknown) => ({ failed: e })), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') throw new Error(`timed out waiting for ${what} (server.max.startup.time.ms)`);
    if (outcome !== null) {
      throw new Error(
        `broker ${this.nodeId} stopped while waiting for ${what}: it could not register with the controller quorum within ` +
          `initial.broker.registration.timeout.ms=${this.config.getInt('initial.broker.registration.timeout.ms')}, or it was shut down`,
        { cause: outcome.failed },
      );
    }
    this.logger.info(`Finished waiting for ${what}`);
  }

  /**
   * Clean shutdown of the broker role (SIGTERM): controlled shutdown (see the class doc) within `timeoutMs`, then
   * stop accepting, stop the heartbeats and coordinators, answer waiting fetches, drain connections, close the
   * channels. The shared server closes the logs after. Idempotent.
   */
  shutdown(timeoutMs = BROKER_SHUTDOWN_TIMEOUT_MS): Promise<void> {
    this.#stopped ??= (async () => {
      if (this.config.getBoolean('controlled.shutdown.enable')) {
        this.#lifecycle.beginControlledShutdown();
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)));
        if (await Promise.race([this.#lifecycle.controlledShutdown.then(() => false), timedOut])) {
          this.logger.error({ timeoutMs }, 'Timed out waiting for the controller to approve controlled shutdown');
        }
        clearTimeout(timer);
      }
      this.#lifecycle.beginShutdown();
      // The clean-shutdown markers the shared server writes after the logs closed name this epoch (KIP-966).
      this.#shared.logManager.setBrokerEpoch(this.#lifecycle.brokerEpoch);
      await this.#socketServer.stopAccepting();
      this.#transactionCoordinator.close();
      this.#markerChannel.close();
      this.#addPartitionsToTxnManager.close();
      this.#groupCoordinator.close();
      await this.#replicaManager.shutdown();
      await this.#socketServer.shutdown({ drainMs: 5000 });
      this.#lifecycleChannel.close();
      this.#forwardingChannel.close();
      this.#replication.close();
    })();
    return this.#stopped;
  }
}

/** One of the broker's channels to the active controller (Kafka names them "heartbeat" and "forwarding"). */
function controllerChannel(shared: SharedServer, provider: ControllerNodeProvider, name: 'heartbeat' | 'forwarding' | 'alter-partition'): NodeToControllerChannel {
  const { config, nodeId, time, logger } = shared;
  const channelLogger = logger.child({ component: 'NodeToControllerChannel', channel: name });
  const requestTimeoutMs = config.getInt('controller.socket.timeout.ms');
  return new NodeToControllerChannel({
    client: new NetworkClient({
      clientId: `broker-${nodeId}-to-controller-${name}`,
      ...controllerClientChannel(config),
      time,
      random: shared.random,
      requestTimeoutMs,
      // Kafka's channels to the controller have one request in flight and reconnect after 50 ms.
      maxInFlightRequestsPerConnection: 1,
      reconnectBackoffMs: 50,
      reconnectBackoffMaxMs: 50,
      logger: channelLogger,
    }),
    provider,
    time,
    retryBackoffMs: 50,
    requestTimeoutMs,
    logger: channelLogger,
  });
}

/** Kafka's `KRaftMetadataCache.getRandomAliveBrokerId`: a random unfenced broker of `image`, or null. */
function randomAliveBrokerId(image: MetadataImage, random: Random): number | null {
  const alive = [...image.brokers.values()].filter((b) => !b.fenced);
  return alive.length === 0 ? null : alive[random.nextInt(alive.length)]!.id;
}

/** This node's own controller listener as a destination: its bound port, on loopback when it binds every address. */
function localControllerEndpoint(config: KafkaConfig, controller: ControllerServer, listenerName: string): { nodeId: number; host: string; port: number } {
  const host = config.controllerListeners.find((l) => l.listenerName === listenerName)?.host ?? '';
  return { nodeId: config.nodeId, host: host === '' || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host, port: controller.boundPort(listenerName) };
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
