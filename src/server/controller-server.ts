import { KafkaConfig } from '../config/kafka-config.ts';
import { TOPIC_CONFIG_KEYS } from '../config/topic-configs.ts';
import { BROKER_CONFIG_KEYS } from '../config/broker-configs.ts';
import { validateTopicConfig } from '../config/validate-topic-config.ts';
import { ConfigResourceType } from '../metadata/metadata-image.ts';
import { QuorumController } from '../controller/quorum-controller.ts';
import { SocketServer } from '../network/socket-server.ts';
import type { Logger } from '../observability/logger.ts';
import { KafkaApis } from './kafka-apis.ts';
import { CONTROLLER_HANDLERS } from './controller-apis/index.ts';
import type { ControllerServices } from './controller-services.ts';
import type { SharedServer } from './shared-server.ts';
import { connectionQuotaConfig, socketServerSettings } from './socket-server-config.ts';

/**
 * The controller role of a node, after Kafka's `ControllerServer`: the QuorumController (active on the node that
 * leads the metadata quorum, standby elsewhere) and the controller listener (controller.listener.names), where the
 * quorum's members talk to each other (Vote, Fetch of `__cluster_metadata`, ...) and brokers register, heartbeat
 * and hand in metadata writes (Kafka's ControllerApis).
 *
 * When this node becomes the active controller of a cluster whose log has no metadata.version yet (a new
 * cluster), it writes the bootstrap records first.
 */
export class ControllerServer {
  readonly controller: QuorumController;
  readonly #shared: SharedServer;
  readonly #socketServer: SocketServer;
  readonly #logger: Logger;
  #stopped: Promise<void> | null = null;

  private constructor(shared: SharedServer, controller: QuorumController, socketServer: SocketServer, logger: Logger) {
    this.#shared = shared;
    this.controller = controller;
    this.#socketServer = socketServer;
    this.#logger = logger;
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
    let apis: KafkaApis<ControllerServices> | undefined;
    const services: ControllerServices = {
      nodeId,
      clusterId: shared.clusterId,
      get config() {
        return shared.currentConfig;
      },
      time: shared.time,
      logger: shared.logger,
      metadata: () => loader.image,
      apiVersions: () => apis!.apiVersions(),
      raft: shared.raft.client,
      controller,
      handleForwarded: (frame, context, principal) => apis!.handleForwarded(frame, context, principal),
    };
    apis = new KafkaApis(services, CONTROLLER_HANDLERS, logger.child({ component: 'ControllerApis' }), shared.metrics);
    const listeners = config.controllerListeners;
    const names = listeners.map((l) => l.listenerName);
    const socketServer = new SocketServer({
      listeners: listeners.map((l) => ({ name: l.listenerName, host: l.host ?? '', port: l.port, securityProtocol: l.securityProtocol })),
      handler: apis,
      ...socketServerSettings(config),
      connectionQuotas: () => connectionQuotaConfig(shared.currentConfig, names),
      sendfile: 'off',
      logger: logger.child({ component: 'ControllerSocketServer' }),
    });
    await socketServer.start();
    const server = new ControllerServer(shared, controller, socketServer, logger);
    loader.onLeaderChange((leader) => {
      if (leader.leaderId === nodeId) server.#onBecomingActive(leader.epoch);
    });
    return server;
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

  /** Stops accepting and closes the controller listener's connections. Idempotent. */
  shutdown(): Promise<void> {
    this.#stopped ??= (async () => {
      await this.#socketServer.stopAccepting();
      await this.#socketServer.shutdown({ drainMs: 1000 });
    })();
    return this.#stopped;
  }
}
