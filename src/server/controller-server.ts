import { join } from 'node:path';
import { KafkaConfig } from '../config/kafka-config.ts';
import { TOPIC_CONFIG_KEYS } from '../config/topic-configs.ts';
import { BROKER_CONFIG_KEYS } from '../config/broker-configs.ts';
import { validateTopicConfig } from '../config/validate-topic-config.ts';
import { ConfigResourceType } from '../metadata/metadata-image.ts';
import { registerControllerMetrics } from '../observability/controller-metrics.ts';
import { METADATA_VERSION_LEVEL, QuorumController } from '../controller/quorum-controller.ts';
import { BootstrapMetadata } from '../controller/bootstrap-metadata.ts';
import { METADATA_LOG_DIR_NAME } from '../storage/log-manager.ts';
import { randomUuid } from '../common/uuid.ts';
import { NetworkClient, type NodeEndpoint } from '../network/network-client.ts';
import { SocketServer } from '../network/socket-server.ts';
import type { BrokerEndpoint } from '../metadata/metadata-image.ts';
import { ELR_VERSION_FEATURE, KRAFT_VERSION_FEATURE, METADATA_VERSION_FEATURE, MetadataVersion } from '../metadata/metadata-version.ts';
import type { Logger } from '../observability/logger.ts';
import { controllerClientChannel } from './client-channel-builder.ts';
import { ControllerNodeProvider } from './controller-node-provider.ts';
import { ControllerRegistrationManager } from './controller-registration-manager.ts';
import { NodeToControllerChannel } from './node-to-controller-channel.ts';
import { KafkaApis } from './kafka-apis.ts';
import { CONTROLLER_HANDLERS } from './controller-apis/index.ts';
import type { ControllerServices } from './controller-services.ts';
import { ControllerMutationQuotaManager } from './quota/controller-mutation-quota-manager.ts';
import { ClientQuotaPublisher } from './quota/client-quota-publisher.ts';
import { SslListenerReloader } from './ssl-listener-reloader.ts';
import type { SharedServer } from './shared-server.ts';
import { connectionQuotaConfig, socketServerListeners, socketServerSettings } from './socket-server-config.ts';

const SECURITY_PROTOCOL_IDS = { PLAINTEXT: 0, SSL: 1, SASL_PLAINTEXT: 2, SASL_SSL: 3 } as const;

/**
 * The controller role of a node, after Kafka's `ControllerServer`: the QuorumController (active on the node that
 * leads the metadata quorum, standby elsewhere), the controller listener (controller.listener.names), where the
 * quorum's members talk to each other (Vote, Fetch of `__cluster_metadata`, ...) and brokers register, heartbeat
 * and hand in metadata writes (Kafka's ControllerApis), and the ControllerRegistrationManager, which registers
 * this controller with the active one (KIP-919) over its own channel to it.
 *
 * The loader's leader announcements activate and deactivate the QuorumController (its broker sessions and
 * periodic tasks); one timer calls its poll when a periodic task is due. When this node becomes the active
 * controller of a cluster whose log has no metadata.version yet (a new cluster), it writes the bootstrap records
 * first.
 */
export class ControllerServer {
  readonly controller: QuorumController;
  readonly #shared: SharedServer;
  readonly #socketServer: SocketServer;
  readonly #logger: Logger;
  readonly #registration: ControllerRegistrationManager;
  readonly #channel: NodeToControllerChannel;
  #timer: NodeJS.Timeout | null = null;
  #timerDeadlineMs = Infinity;
  #stopping = false;
  #stopped: Promise<void> | null = null;

  private constructor(
    shared: SharedServer,
    controller: QuorumController,
    socketServer: SocketServer,
    logger: Logger,
    registration: ControllerRegistrationManager,
    channel: NodeToControllerChannel,
  ) {
    this.#shared = shared;
    this.controller = controller;
    this.#socketServer = socketServer;
    this.#logger = logger;
    this.#registration = registration;
    this.#channel = channel;
  }

  /**
   * Builds the QuorumController and binds the controller listeners (before the raft client runs, so that the
   * other voters can reach this one as soon as it polls).
   * @throws Error when a controller listener cannot be bound.
   */
  static async start(shared: SharedServer): Promise<ControllerServer> {
    const { config, loader, nodeId } = shared;
    const logger = shared.logger.child({ component: 'ControllerServer' });
    const controller = new QuorumController({
      raft: shared.raft.client,
      image: () => loader.image,
      leader: () => loader.leader,
      logger: shared.logger.child({ component: 'QuorumController' }),
      nodeId,
      clusterId: shared.clusterId,
      time: shared.time,
      random: shared.random,
      sessionTimeoutMs: config.getInt('broker.session.timeout.ms'),
      uncleanLeaderElectionIntervalMs: config.getLong('unclean.leader.election.interval.ms'),
      leaderImbalanceCheckIntervalMs: config.getBoolean('auto.leader.rebalance.enable') ? config.getLong('leader.imbalance.check.interval.seconds') * 1000 : null,
      uncleanLeaderElectionEnable: config.getBoolean('unclean.leader.election.enable'),
      minInsyncReplicas: config.getInt('min.insync.replicas'),
      bootstrapMetadata: (await BootstrapMetadata.read(join(config.metadataLogDir, METADATA_LOG_DIR_NAME))) ?? undefined,
      defaultNumPartitions: config.getInt('num.partitions'),
      defaultReplicationFactor: config.getInt('default.replication.factor'),
      validateTopicConfig: (name, value) => (value === null ? (TOPIC_CONFIG_KEYS.has(name) ? null : `Unknown topic config name: ${name}`) : validateTopicConfig(name, value)),
      validateBrokerConfig: (name, value) => {
        const errors = KafkaConfig.validateDynamicUpdate({ [name]: value }, true);
        return errors.length === 0 ? null : errors.join('; ');
      },
      isListConfig: (resourceType, name) => {
        const key = resourceType === ConfigResourceType.TOPIC ? TOPIC_CONFIG_KEYS.get(name) : BROKER_CONFIG_KEYS.get(name);
        return key?.type === 'LIST';
      },
    });
    const controllerMutationQuotas = new ControllerMutationQuotaManager({
      samples: config.getInt('controller.quota.window.num'),
      windowMs: config.getInt('controller.quota.window.size.seconds') * 1000,
      time: shared.time,
    });
    loader.installPublisher(new ClientQuotaPublisher({ controllerMutation: controllerMutationQuotas }));
    let apis: KafkaApis<ControllerServices> | undefined;
    const services: ControllerServices = {
      nodeId,
      clusterId: shared.clusterId,
      get config() {
        return shared.currentConfig;
      },
      time: shared.time,
      logger: shared.logger,
      authorizer: shared.authorizer,
      metadata: () => loader.image,
      apiVersions: () => apis!.apiVersions(),
      raft: shared.raft.client,
      controller,
      controllerMutationQuotas,
      handleForwarded: (frame, context, principal) => apis!.handleForwarded(frame, context, principal),
    };
    apis = new KafkaApis(services, CONTROLLER_HANDLERS, logger.child({ component: 'ControllerApis' }), shared.metrics);
    registerControllerMetrics(shared.metrics.registry, {
      isActive: () => controller.isActive,
      brokers: () => loader.image.brokers.values(),
      topics: () => loader.image.topicsById.values(),
    });
    const listeners = config.controllerListeners;
    const names = listeners.map((l) => l.listenerName);
    const listenerConfigs = socketServerListeners(config, listeners);
    loader.installPublisher(new SslListenerReloader({ nodeId, tls: listenerConfigs.map((l) => l.tls), config: () => shared.currentConfig, logger: logger.child({ component: 'SslListenerReloader' }) }));
    const socketServer = new SocketServer({
      listeners: listenerConfigs,
      handler: apis,
      ...socketServerSettings(config),
      connectionQuotas: () => connectionQuotaConfig(shared.currentConfig, names),
      sendfile: 'off',
      logger: logger.child({ component: 'ControllerSocketServer' }),
    });
    await socketServer.start();
    const controllerListenerName = names[0] ?? 'CONTROLLER';
    let server: ControllerServer | undefined;
    const channel = new NodeToControllerChannel({
      client: new NetworkClient({
        clientId: `controller-${nodeId}-registration`,
        ...controllerClientChannel(config),
        time: shared.time,
        random: shared.random,
        requestTimeoutMs: config.getInt('controller.socket.timeout.ms'),
        maxInFlightRequestsPerConnection: 1,
        logger: logger.child({ component: 'ControllerRegistrationChannel' }),
      }),
      provider: new ControllerNodeProvider(shared.raft.client, controllerListenerName, () => server?.localEndpoint(controllerListenerName) ?? null),
      time: shared.time,
      retryBackoffMs: 50,
      requestTimeoutMs: config.getInt('controller.socket.timeout.ms'),
      logger: logger.child({ component: 'ControllerRegistrationChannel' }),
    });
    const registration = new ControllerRegistrationManager({
      nodeId,
      incarnationId: randomUuid(),
      listeners: () => server!.#advertisedListeners(),
      supportedFeatures: [
        { name: METADATA_VERSION_FEATURE, minSupportedVersion: MetadataVersion.MINIMUM_LEVEL, maxSupportedVersion: METADATA_VERSION_LEVEL },
        { name: KRAFT_VERSION_FEATURE, minSupportedVersion: 0, maxSupportedVersion: 1 },
        { name: ELR_VERSION_FEATURE, minSupportedVersion: 0, maxSupportedVersion: 1 },
      ],
      channel,
      requestTimeoutMs: config.getInt('controller.socket.timeout.ms'),
      random: shared.random,
      logger: logger.child({ component: 'ControllerRegistrationManager' }),
    });
    server = new ControllerServer(shared, controller, socketServer, logger, registration, channel);
    const s = server;
    controller.onWakeup(() => s.#armTimer());
    loader.onLeaderChange((leader) => {
      controller.handleLeaderChange(leader);
      if (leader.leaderId === nodeId) s.#onBecomingActive(leader.epoch);
    });
    loader.installPublisher(registration);
    registration.start(loader.image);
    return server;
  }

  /** This node's own controller listener as a destination: its bound port, on loopback when it binds every address. */
  localEndpoint(listenerName: string): NodeEndpoint {
    const host = this.#shared.config.controllerListeners.find((l) => l.listenerName === listenerName)?.host ?? '';
    return { nodeId: this.#shared.nodeId, host: host === '' || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host, port: this.boundPort(listenerName) };
  }

  /** The controller listeners as other nodes reach them (advertised, bound ports filled in). */
  #advertisedListeners(): BrokerEndpoint[] {
    return this.#shared.config.advertisedControllerListeners.map((l) => ({
      name: l.listenerName,
      host: l.host === null || l.host === '' || l.host === '0.0.0.0' ? 'localhost' : l.host,
      port: l.port === 0 ? this.boundPort(l.listenerName) : l.port,
      securityProtocol: SECURITY_PROTOCOL_IDS[l.securityProtocol],
    }));
  }

  /** Arms the one timer for the controller's next periodic task (Kafka's event queue deadline). */
  #armTimer(): void {
    if (this.#stopping) return;
    const deadlineMs = this.controller.nextPollDeadlineMs;
    if (this.#timer !== null && this.#timerDeadlineMs <= deadlineMs) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerDeadlineMs = Infinity;
    if (deadlineMs === Infinity) return;
    this.#timerDeadlineMs = deadlineMs;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#timerDeadlineMs = Infinity;
      this.controller.poll();
      this.#armTimer();
    }, Math.max(0, deadlineMs - this.#shared.time.hiResClockMs()));
    this.#timer.unref();
  }

  /** The controller listeners as `NAME://host:port` (bound ports filled in). */
  get listenerUrls(): string[] {
    return this.#shared.config.controllerListeners.map((l) => `${l.listenerName}://${l.host === null || l.host === '' ? '0.0.0.0' : l.host}:${this.boundPort(l.listenerName)}`);
  }

  /** The port a controller listener is bound to (for listeners configured with port 0). */
  boundPort(listenerName: string): number {
    return this.#socketServer.boundPort(listenerName);
  }

  /** A new active controller of a cluster without metadata.version writes it (the bootstrap records) first. */
  #onBecomingActive(epoch: number): void {
    this.#logger.info({ epoch }, 'Became the active controller');
    if (this.#shared.loader.image.features.has('metadata.version')) return;
    this.controller.bootstrap().catch((e: unknown) => this.#logger.warn({ err: e, epoch }, 'Could not write the bootstrap records; the next active controller will'));
  }

  /** Waits until this node's metadata has metadata.version (written by whichever controller is active). */
  async awaitBootstrap(): Promise<void> {
    const loader = this.#shared.loader;
    while (!loader.image.features.has('metadata.version')) await loader.waitForOffset(loader.image.offset + 1n);
  }

  /**
   * Stops the registration and the timer, shuts the raft client down (a leader resigns), then stops accepting and
   * closes the controller listener's connections. Idempotent.
   */
  shutdown(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#stopping = true;
      if (this.#timer !== null) clearTimeout(this.#timer);
      this.#timer = null;
      this.#registration.close();
      this.#channel.close();
      // Kafka's ControllerServer.shutdown starts with sharedServer.ensureNotRaftLeader(): a leader resigns
      // (EndQuorumEpoch) and waits to hear of its successor, whose BeginQuorumEpoch comes in on this listener.
      // With the listener closed first, the resigned leader would wait out the whole raft shutdown timeout (5 s).
      try {
        await this.#shared.raft.shutdown();
      } finally {
        // A raft client that cannot shut down cleanly (its log failed) must not keep the listener open.
        await this.#socketServer.stopAccepting();
        await this.#socketServer.shutdown({ drainMs: 1000 });
      }
    })();
    return this.#stopped;
  }
}
