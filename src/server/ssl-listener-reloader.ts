// Applies committed key store / trust store changes to the SSL listeners of this node, after Kafka's
// DynamicBrokerConfig reconfiguring its listeners' SslFactory when a per-broker config record commits.

import type { KafkaConfig } from '../config/kafka-config.ts';
import { ConfigResourceType, configResourceKey, type MetadataImage } from '../metadata/metadata-image.ts';
import type { MetadataChanges } from '../metadata/metadata-delta.ts';
import type { MetadataPublisher } from '../metadata/metadata-loader.ts';
import type { Logger } from '../observability/logger.ts';
import { SslFactory } from '../security/ssl/ssl-factory.ts';
import { sslListenerSettings, sslReloadPolicy } from './ssl-listener-context.ts';

/**
 * The SSL listeners' reload on commit: when this node's or the cluster-default BROKER config changes, each SSL
 * listener's settings are read again from the node's current config (`config()`, already updated by the
 * DynamicConfigPublisher installed before this one) and, when they or the store files changed, the new context is
 * validated (DN/SAN rules included) and used for new connections. A store that fails here (replaced between the
 * broker's validation and the commit, or a change committed through another broker) is logged and the listener keeps
 * its current certificate, as Kafka's DynamicBrokerConfig logs a failed reconfiguration. Reloads run one at a time
 * in commit order; the store files are read asynchronously.
 */
export class SslListenerReloader implements MetadataPublisher {
  readonly name = 'SslListenerReloader';
  readonly #factories: readonly SslFactory[];
  readonly #config: () => KafkaConfig;
  readonly #logger: Logger;
  readonly #keys: ReadonlySet<string>;
  #chain: Promise<void> = Promise.resolve();

  /** @param tls the TLS side of this node's listeners (those built by SslFactory are reloaded). */
  constructor(options: { nodeId: number; tls: readonly unknown[]; config: () => KafkaConfig; logger: Logger }) {
    this.#factories = options.tls.filter((t): t is SslFactory => t instanceof SslFactory);
    this.#config = options.config;
    this.#logger = options.logger;
    this.#keys = new Set([configResourceKey(ConfigResourceType.BROKER, String(options.nodeId)), configResourceKey(ConfigResourceType.BROKER, '')]);
  }

  onMetadataUpdate(_image: MetadataImage, changes: MetadataChanges): void {
    if (this.#factories.length === 0) return;
    if (![...this.#keys].some((k) => changes.changedConfigs.has(k))) return;
    this.#chain = this.#chain.then(() => this.reloadAll());
  }

  /** Reloads every SSL listener whose stores changed (see the class doc); resolves once done, never rejects. */
  async reloadAll(): Promise<void> {
    const config = this.#config();
    for (const factory of this.#factories) {
      const listener = factory.listenerName;
      try {
        const next = await factory.validateReconfiguration(sslListenerSettings(config, listener), sslReloadPolicy(config, listener));
        if (next === null) continue;
        factory.reconfigure(next);
        this.#logger.info({ listener, subject: next.context.certificate?.subject }, 'Reloaded the SSL key store and trust store of the listener for new connections');
      } catch (err) {
        this.#logger.error({ err, listener }, 'SSL reconfiguration of the listener failed: it keeps its current key store and trust store');
      }
    }
  }
}
