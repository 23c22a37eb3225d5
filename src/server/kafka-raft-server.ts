import { randomUuid } from '../common/uuid.ts';
import type { KafkaConfig } from '../config/kafka-config.ts';
import type { MetadataImage } from '../metadata/metadata-image.ts';
import type { Logger } from '../observability/logger.ts';
import type { ReplicaManager } from '../replication/replica-manager.ts';
import type { GroupCoordinator } from '../coordinator/group/group-coordinator.ts';
import type { TransactionCoordinator } from '../coordinator/transaction/transaction-coordinator.ts';
import type { QuorumController } from '../controller/quorum-controller.ts';
import type { BrokerMetrics } from '../observability/metrics.ts';
import { SharedServer, type SharedServerOptions } from './shared-server.ts';
import { ControllerServer } from './controller-server.ts';
import { BrokerServer, type BrokerServerOptions } from './broker-server.ts';
import { startConsole } from './console/start-console.ts';
import type { ConsoleServer } from './console/console-server.ts';

/** What {@link KafkaRaftServer.start} takes besides the config. */
export type KafkaRaftServerOptions = SharedServerOptions & BrokerServerOptions;

/**
 * One node of a KRaft cluster, after Kafka's `KafkaRaftServer`: the {@link SharedServer} (logs, metadata quorum,
 * loader) plus the roles of `process.roles`: a {@link ControllerServer} for `controller`, a {@link BrokerServer}
 * for `broker`, both in combined mode (one process is then a whole single-node cluster by default).
 *
 * Start-up: shared checks and logs → controller listener bound → broker components and client listeners →
 * raft client running → metadata log replayed up to the quorum's high watermark → metadata.version bootstrapped
 * by the active controller → broker registered with the active controller. Shutdown reverses it: broker, then
 * controller, then the raft client (a leader resigns at once: EndQuorumEpoch) and the logs.
 */
export class KafkaRaftServer {
  readonly shared: SharedServer;
  readonly controllerServer: ControllerServer | null;
  readonly brokerServer: BrokerServer | null;
  #stopped: Promise<void> | null = null;
  /** The web console (console.listener), or null. */
  #console: ConsoleServer | null = null;

  private constructor(shared: SharedServer, controllerServer: ControllerServer | null, brokerServer: BrokerServer | null) {
    this.shared = shared;
    this.controllerServer = controllerServer;
    this.brokerServer = brokerServer;
  }

  get config(): KafkaConfig {
    return this.shared.config;
  }

  get nodeId(): number {
    return this.shared.nodeId;
  }

  get clusterId(): string {
    return this.shared.clusterId;
  }

  get logger(): Logger {
    return this.shared.logger;
  }

  get metrics(): BrokerMetrics {
    return this.shared.metrics;
  }

  /** The newest published metadata image. */
  get metadata(): MetadataImage {
    return this.shared.loader.image;
  }

  get replicaManager(): ReplicaManager {
    return this.#broker().replicaManager;
  }

  get groupCoordinator(): GroupCoordinator {
    return this.#broker().groupCoordinator;
  }

  get transactionCoordinator(): TransactionCoordinator {
    return this.#broker().transactionCoordinator;
  }

  /** This node's QuorumController (active or standby). @throws Error on a node without the controller role. */
  get controller(): QuorumController {
    if (this.controllerServer === null) throw new Error(`node ${this.nodeId} has no controller role`);
    return this.controllerServer.controller;
  }

  #broker(): BrokerServer {
    if (this.brokerServer === null) throw new Error(`node ${this.nodeId} has no broker role`);
    return this.brokerServer;
  }

  /**
   * The port a listener is bound to (for listeners configured with port 0): a broker listener, or a controller
   * listener by its name.
   */
  boundPort(listenerName = 'PLAINTEXT'): number {
    if (this.controllerServer !== null && this.config.controllerListenerNames.includes(listenerName)) return this.controllerServer.boundPort(listenerName);
    return this.#broker().boundPort(listenerName);
  }

  /**
   * Starts a node from a validated config (see the class doc for the order). Nothing is written before the
   * refusals are checked, so a refused start leaves unformatted directories unformatted.
   * @throws Error when the node's shape is refused, the directories are unformatted and no valid cluster id is
   *   given, belong to another cluster or node, or a listener cannot be bound.
   */
  static async start(config: KafkaConfig, options: KafkaRaftServerOptions = {}): Promise<KafkaRaftServer> {
    const shared = await SharedServer.start(config, options);
    let controllerServer: ControllerServer | null = null;
    let brokerServer: BrokerServer | null = null;
    try {
      if (config.isController) controllerServer = await ControllerServer.start(shared);
      if (config.isBroker) brokerServer = await BrokerServer.start(shared, controllerServer, options);
      await shared.startRaft();
      if (controllerServer !== null) await controllerServer.awaitBootstrap();
      if (brokerServer !== null) await brokerServer.startup();
    } catch (e) {
      await brokerServer?.shutdown().catch(() => undefined);
      await controllerServer?.shutdown().catch(() => undefined);
      await shared.shutdown().catch(() => undefined);
      throw e;
    }
    const server = new KafkaRaftServer(shared, controllerServer, brokerServer);
    server.#console = await startConsole(server).catch(async (e: unknown) => {
      await server.shutdown().catch(() => undefined);
      throw e;
    });
    shared.logger.info(
      {
        clusterId: shared.clusterId,
        roles: config.processRoles,
        listeners: brokerServer?.listenerUrls ?? [],
        controllerListeners: controllerServer?.listenerUrls ?? [],
        startupMs: Math.round(shared.uptimeMs),
      },
      'Kafka broker started',
    );
    return server;
  }

  /**
   * Clean shutdown (SIGTERM): broker, controller, then the shared parts (see the class doc). Idempotent.
   * @throws the first stage's failure, after every stage ran.
   */
  shutdown(): Promise<void> {
    this.#stopped ??= (async () => {
      this.logger.info('Shutting down');
      // Every stage runs even when one before it failed, so nothing stays open; the first failure is rethrown.
      let failure: { error: unknown } | null = null;
      for (const stage of [() => this.#console?.close(), () => this.brokerServer?.shutdown(), () => this.controllerServer?.shutdown(), () => this.shared.shutdown()]) {
        try {
          await stage();
        } catch (error) {
          failure ??= { error };
        }
      }
      if (failure !== null) throw failure.error;
      this.logger.info('Shut down cleanly');
    })();
    return this.#stopped;
  }
}

/** A fresh random cluster id (Kafka's `kafka-storage random-uuid`). */
export function randomClusterId(): string {
  return randomUuid();
}
