import { randomUuid } from '../common/uuid.ts';
import type { Logger } from '../observability/logger.ts';
import type { KafkaConfig } from '../config/kafka-config.ts';
import { SocketServer } from '../network/socket-server.ts';
import { NetworkClient } from '../network/network-client.ts';
import { connectionQuotaConfig, socketServerSettings } from './socket-server-config.ts';
import type { RequestContext } from '../network/request-handler.ts';
import type { MetadataImage } from '../metadata/metadata-image.ts';
import type { QuorumController } from '../controller/quorum-controller.ts';
import { METADATA_VERSION_LEVEL } from '../controller/quorum-controller.ts';
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
import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { AllocateProducerIdsResponse } from '../protocol/generated/messages/allocate-producer-ids-response.ts';
import { topicPartitionKey } from '../common/topic-partition.ts';
import { ApiError } from '../common/api-error.ts';
import type { SharedServer } from './shared-server.ts';
import type { ControllerServer } from './controller-server.ts';
import { ControllerNodeProvider } from './controller-node-provider.ts';
import { NodeToControllerChannel } from './node-to-controller-channel.ts';
import { BrokerLifecycleManager } from './broker-lifecycle-manager.ts';

const SECURITY_PROTOCOL_IDS = { PLAINTEXT: 0, SSL: 1, SASL_PLAINTEXT: 2, SASL_SSL: 3 } as const;

/** What {@link BrokerServer.start} takes besides the shared server. */
export interface BrokerServerOptions {
  /** The request frame pool, or its options (tests poison recycled memory); default: FramePool's defaults. */
  framePool?: FramePool | FramePoolOptions;
}

/**
 * The broker role of a node, after Kafka's `BrokerServer`: the partitions this node hosts (ReplicaManager over the
 * shared LogManager), the group and transaction coordinators, the client listeners with their request handlers
 * (KafkaApis), and the broker's session with the active controller (BrokerLifecycleManager over the
 * broker-to-controller channel: registration, heartbeats, producer id blocks).
 *
 * Start-up (after the shared server opened the logs and the metadata log): the broker's metadata publishers are
 * installed before the raft client runs (so the first image reaches them) and the client listeners are bound;
 * {@link register} then registers the bound advertised endpoints with the active controller and waits until this
 * node's metadata holds the registration.
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
  readonly #channel: NodeToControllerChannel;
  readonly #lifecycle: BrokerLifecycleManager;
  readonly #endpoints: { name: string; host: string; port: number; securityProtocol: number }[];
  #stopped: Promise<void> | null = null;

  private constructor(parts: {
    shared: SharedServer;
    replicaManager: ReplicaManager;
    socketServer: SocketServer;
    groupCoordinator: GroupCoordinator;
    transactionCoordinator: TransactionCoordinator;
    channel: NodeToControllerChannel;
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
    this.#channel = parts.channel;
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

  /** The endpoints registered with the controller (bound ports filled in), as `NAME://host:port`. */
  get listenerUrls(): string[] {
    return this.#endpoints.map((e) => `${e.name}://${e.host}:${e.port}`);
  }

  /** The port a listener is bound to (for listeners configured with port 0). */
  boundPort(listenerName = 'PLAINTEXT'): number {
    return this.#socketServer.boundPort(listenerName);
  }

  /**
   * Builds the broker's components over `shared`, installs its metadata publishers and binds its listeners.
   * @param controller this node's controller role in combined mode (the metadata writes clients send to this
   *   broker go to its QuorumController, which answers NOT_CONTROLLER unless it is the active one), or null.
   * @throws Error when a listener cannot be bound.
   */
  static async start(shared: SharedServer, controller: ControllerServer | null, options: BrokerServerOptions = {}): Promise<BrokerServer> {
    const { config, loader, nodeId, time, logger, logManager, metrics } = shared;
    if (controller === null) throw new Error('a broker without a local controller is not supported yet (process.roles=broker needs request forwarding)');
    const quorumController: QuorumController = controller.controller;
    logManager.cleaner?.registerMetrics(metrics.registry, config.logDirs);
    const replicaManager = new ReplicaManager({
      nodeId,
      logManager,
      time,
      logger: logger.child({ component: 'ReplicaManager' }),
      logConfig: (topic) => shared.topicLogConfigFor(topic),
      minInsyncReplicas: (topic) => shared.topicLogConfigFor(topic).minInsyncReplicas,
      validate: async (records, tp, produceVersion) => {
        const c = shared.topicLogConfigFor(tp.topic);
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
    loader.installPublisher(replicaManager);

    const controllerListenerName = config.controllerListenerNames[0] ?? 'CONTROLLER';
    const channel = new NodeToControllerChannel({
      client: new NetworkClient({
        clientId: `broker-${nodeId}-to-controller`,
        time,
        random: shared.random,
        requestTimeoutMs: config.getInt('controller.socket.timeout.ms'),
        maxInFlightRequestsPerConnection: 1,
        logger: logger.child({ component: 'NodeToControllerChannel' }),
      }),
      provider: new ControllerNodeProvider(shared.raft.client, controllerListenerName, () => localControllerEndpoint(config, controller, controllerListenerName)),
      time,
      // Kafka's channel to the controller reconnects and retries after 50 ms.
      retryBackoffMs: 50,
      logger: logger.child({ component: 'NodeToControllerChannel' }),
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

    let lifecycle: BrokerLifecycleManager | null = null;
    // Transaction coordinator: producer ids in blocks from the active controller (AllocateProducerIds); markers
    // written locally (a partition led by another broker answers NOT_LEADER_OR_FOLLOWER and is retried).
    const producerIdManager = new ProducerIdManager({
      brokerId: nodeId,
      brokerEpoch: () => lifecycle?.brokerEpoch ?? -1n,
      allocate: async (brokerId, brokerEpoch) => {
        const response = await channel.send<AllocateProducerIdsResponse>(ApiKeys.AllocateProducerIds, { brokerId, brokerEpoch }, { timeoutMs: config.getInt('request.timeout.ms') });
        if (response.errorCode !== Errors.NONE) throw new ApiError(response.errorCode, `AllocateProducerIds failed with error ${response.errorCode}`);
        return { start: response.producerIdStart, length: response.producerIdLen };
      },
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
      controller: quorumController,
      image: () => loader.image,
      enabled: config.getBoolean('auto.create.topics.enable'),
      internalTopicConfigs: (topic) => internalTopicConfig(shared.currentConfig, topic),
    });

    let kafkaApis: KafkaApis<BrokerServices> | undefined;
    const framePool = options.framePool instanceof FramePool
      ? options.framePool
      : new FramePool({ ...options.framePool, maxQueuedBytes: config.getLong('queued.max.request.bytes') });
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
      metadata: () => loader.image,
      controller: quorumController,
      activeControllerId: () => loader.leader?.leaderId ?? null,
      replicaManager,
      logManager,
      fetchSessions,
      autoTopicCreation,
      groupCoordinator,
      transactionCoordinator,
      controllerChannel: channel,
      apiVersions: () => kafkaApis!.apiVersions(),
      connectionClosed: (_ctx: RequestContext) => undefined,
    };
    // KIP-848 APIs are advertised only when the consumer rebalance protocol is enabled, as Kafka does.
    const kip848 = config.getList('group.coordinator.rebalance.protocols').includes('consumer');
    const handlers = kip848 ? [...ALL_HANDLERS, ...KIP_848_HANDLERS] : ALL_HANDLERS;
    kafkaApis = new KafkaApis(services, handlers, logger.child({ component: 'KafkaApis' }), metrics, framePool);

    const brokerListeners = config.listeners.filter((l) => !config.controllerListenerNames.includes(l.listenerName));
    const brokerListenerNames = brokerListeners.map((l) => l.listenerName);
    const socketServer = new SocketServer({
      listeners: brokerListeners.map((l) => ({ name: l.listenerName, host: l.host ?? '', port: l.port, securityProtocol: l.securityProtocol })),
      handler: kafkaApis,
      ...socketServerSettings(config),
      connectionQuotas: () => connectionQuotaConfig(shared.currentConfig, brokerListenerNames),
      sendfile: config.getString('socket.sendfile.enable') as 'auto' | 'on' | 'off',
      framePool,
      logger: logger.child({ component: 'SocketServer' }),
      metrics: {
        connectionOpened: (listener) => metrics.connections.inc({ listener }),
        connectionClosed: (listener) => metrics.connections.dec({ listener }),
      },
    });
    await socketServer.start();
    const endpoints = config.advertisedListeners.map((l) => ({
      name: l.listenerName,
      host: l.host === null || l.host === '' || l.host === '0.0.0.0' ? 'localhost' : l.host,
      port: l.port === 0 ? socketServer.boundPort(l.listenerName) : l.port,
      securityProtocol: SECURITY_PROTOCOL_IDS[l.securityProtocol],
    }));
    lifecycle = new BrokerLifecycleManager({
      nodeId,
      clusterId: shared.clusterId,
      incarnationId: randomUuid(),
      channel,
      time,
      logger: logger.child({ component: 'BrokerLifecycleManager' }),
      heartbeatIntervalMs: config.getInt('broker.heartbeat.interval.ms'),
      registrationTimeoutMs: config.getInt('initial.broker.registration.timeout.ms'),
      metadataVersionRange: { min: 1, max: METADATA_VERSION_LEVEL },
      currentMetadataOffset: () => loader.image.offset,
    });
    return new BrokerServer({ shared, replicaManager, socketServer, groupCoordinator, transactionCoordinator, channel, lifecycle, endpoints });
  }

  /**
   * Registers this broker's endpoints with the active controller (once the metadata log has been replayed) and
   * waits until this node's metadata holds the registration; starts the heartbeats.
   * @throws Error when no controller registered it within initial.broker.registration.timeout.ms.
   */
  async register(): Promise<void> {
    const brokerEpoch = await this.#lifecycle.register(this.#endpoints, this.config.getString('broker.rack'));
    // The broker epoch is the offset of the RegisterBrokerRecord: this broker's image holds it once past it.
    await this.#shared.loader.waitForOffset(brokerEpoch);
    void preloadCodecs(HOT_API_KEYS, this.logger);
  }

  /**
   * Clean shutdown of the broker role (SIGTERM): stop accepting, stop the heartbeats and coordinators, answer
   * waiting fetches, drain connections. The shared server closes the logs after. Idempotent.
   */
  shutdown(): Promise<void> {
    this.#stopped ??= (async () => {
      await this.#socketServer.stopAccepting();
      this.#lifecycle.close();
      this.#transactionCoordinator.close();
      this.#groupCoordinator.close();
      await this.#replicaManager.shutdown();
      await this.#socketServer.shutdown({ drainMs: 5000 });
      this.#channel.close();
    })();
    return this.#stopped;
  }
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
