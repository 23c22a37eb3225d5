// The broker's own checks of an AlterConfigs / IncrementalAlterConfigs before it forwards the request to the
// controller, after Kafka's ConfigAdminManager.preprocess: a change to this broker's SSL key store or trust store
// is validated here, where the listener and its files are, as DynamicBrokerConfig.validate does.

import type { KafkaConfig } from '../config/kafka-config.ts';
import { LISTENER_PREFIX } from '../config/broker-config-key.ts';
import { ConfigResourceType, configResourceKey, type MetadataImage } from '../metadata/metadata-image.ts';
import { Errors } from '../protocol/generated/errors.ts';
import { SslFactory, SslReconfigurationError } from '../security/ssl/ssl-factory.ts';
import { sslListenerSettings, sslReloadPolicy } from './ssl-listener-context.ts';

/** The configs a listener's SslFactory is rebuilt for (Kafka's SslConfigs.RECONFIGURABLE_CONFIGS). */
const SSL_STORE_CONFIGS: ReadonlySet<string> = new Set([
  'ssl.keystore.type', 'ssl.keystore.location', 'ssl.keystore.password', 'ssl.key.password', 'ssl.keystore.key',
  'ssl.keystore.certificate.chain', 'ssl.truststore.type', 'ssl.truststore.location', 'ssl.truststore.password',
  'ssl.truststore.certificates',
]);

/** IncrementalAlterConfigs operations (AlterConfigOp.OpType). */
const SET = 0;
const DELETE = 1;

/** One resource of an AlterConfigs (no `configOperation`: the whole set) or IncrementalAlterConfigs request. */
export interface AlterConfigsResource {
  readonly resourceType: number;
  readonly resourceName: string;
  readonly configs: readonly { readonly name: string; readonly value: string | null; readonly configOperation?: number }[];
}

/** A resource answered by the broker itself (not forwarded). */
export interface PreprocessError {
  readonly errorCode: number;
  readonly errorMessage: string;
}

function isSslStoreConfig(name: string): boolean {
  return SSL_STORE_CONFIGS.has(LISTENER_PREFIX.exec(name)?.[2] ?? name);
}

/**
 * Kafka's ConfigAdminManager for the checks only the broker can make: a BROKER resource that changes an SSL key
 * store or trust store config must name this broker (INVALID_REQUEST "Unexpected broker id ..."), and every SSL
 * listener must accept the resulting stores (SslFactory.validateReconfiguration: readable, loadable, the same
 * certificate DN and SANs unless `ssl.allow.dn.changes` / `ssl.allow.san.changes`), else INVALID_REQUEST with
 * Kafka's "Validation of dynamic config update of SSLFactory failed: ..." (ConfigAdminManager turns the
 * ConfigException into an InvalidRequestException, KAFKA-13609). Everything else is left to the controller, which
 * also authorizes: this check runs only for principals allowed ALTER_CONFIGS on the cluster, so that others learn
 * nothing about this broker's files.
 */
export class ConfigAdminManager {
  readonly #nodeId: number;
  readonly #factories: readonly SslFactory[];
  readonly #config: () => KafkaConfig;
  readonly #image: () => MetadataImage;

  constructor(options: { nodeId: number; tls: readonly unknown[]; config: () => KafkaConfig; image: () => MetadataImage }) {
    this.#nodeId = options.nodeId;
    this.#factories = options.tls.filter((t): t is SslFactory => t instanceof SslFactory);
    this.#config = options.config;
    this.#image = options.image;
  }

  /**
   * The resources of a request the broker answers itself, by index; the others are forwarded.
   * @param incremental IncrementalAlterConfigs (operations on the current configs) rather than AlterConfigs
   *   (the resource's configs replace this broker's dynamic configs).
   * @param mayAlterCluster whether the principal has ALTER_CONFIGS on the cluster.
   */
  async preprocess(resources: readonly AlterConfigsResource[], incremental: boolean, mayAlterCluster: boolean): Promise<Map<number, PreprocessError>> {
    const errors = new Map<number, PreprocessError>();
    if (!mayAlterCluster) return errors;
    for (const [i, r] of resources.entries()) {
      if (r.resourceType !== ConfigResourceType.BROKER || r.resourceName === '') continue;
      if (!r.configs.some((c) => isSslStoreConfig(c.name))) continue;
      if (!/^-?\d+$/.test(r.resourceName)) {
        errors.set(i, { errorCode: Errors.INVALID_REQUEST, errorMessage: `Node id must be an integer, but it is: ${r.resourceName}` });
        continue;
      }
      if (Number(r.resourceName) !== this.#nodeId) {
        errors.set(i, { errorCode: Errors.INVALID_REQUEST, errorMessage: `Unexpected broker id, expected ${this.#nodeId}, but received ${r.resourceName}` });
        continue;
      }
      const error = await this.#validateSsl(this.#proposed(r, incremental));
      if (error !== null) errors.set(i, { errorCode: Errors.INVALID_REQUEST, errorMessage: error });
    }
    return errors;
  }

  /** This broker's dynamic configs once `r` applies (SET and DELETE; other operations are the controller's to judge). */
  #proposed(r: AlterConfigsResource, incremental: boolean): Record<string, string> {
    const image = this.#image();
    const props: Record<string, string> = incremental ? Object.fromEntries(image.configs.get(configResourceKey(ConfigResourceType.BROKER, r.resourceName)) ?? []) : {};
    for (const c of r.configs) {
      const op = incremental ? c.configOperation : SET;
      if (op === SET && c.value !== null) props[c.name] = c.value;
      else if (op === DELETE || (op === SET && c.value === null)) delete props[c.name];
    }
    return props;
  }

  /** Null when every SSL listener accepts the stores of `perBroker`, else Kafka's reason. */
  async #validateSsl(perBroker: Record<string, string>): Promise<string | null> {
    const image = this.#image();
    let proposed: KafkaConfig;
    try {
      proposed = this.#config().withDynamicConfigs({
        perBroker,
        clusterDefault: Object.fromEntries(image.configs.get(configResourceKey(ConfigResourceType.BROKER, '')) ?? []),
      });
    } catch {
      return null; // not a valid config at all: the controller's validation answers it
    }
    for (const factory of this.#factories) {
      const listener = factory.listenerName;
      try {
        await factory.validateReconfiguration(sslListenerSettings(proposed, listener), sslReloadPolicy(proposed, listener));
      } catch (err) {
        if (err instanceof SslReconfigurationError) return err.message;
        throw err;
      }
    }
    return null;
  }
}
