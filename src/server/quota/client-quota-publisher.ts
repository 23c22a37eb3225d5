import type { KafkaConfig } from '../../config/kafka-config.ts';
import { clientQuotaEntity, type MetadataImage } from '../../metadata/metadata-image.ts';
import type { MetadataChanges } from '../../metadata/metadata-delta.ts';
import type { MetadataPublisher } from '../../metadata/metadata-loader.ts';
import { ClientQuotaManager, DEFAULT_ENTITY, type QuotaEntityName } from './client-quota-manager.ts';
import type { ControllerMutationQuotaManager } from './controller-mutation-quota-manager.ts';

/** The client quota keys of a user / client-id entity (Kafka's QuotaConfig.userAndClientQuotaConfigs). */
export const PRODUCER_BYTE_RATE = 'producer_byte_rate';
export const CONSUMER_BYTE_RATE = 'consumer_byte_rate';
export const REQUEST_PERCENTAGE = 'request_percentage';
export const CONTROLLER_MUTATION_RATE = 'controller_mutation_rate';

/**
 * The broker's client quota managers (Kafka's QuotaFactory.QuotaManagers): `produce` in bytes per second of produce
 * requests, `fetch` in bytes per second of fetch responses, `request` in percent of one second of request handling
 * time per second (request_percentage).
 */
export interface QuotaManagers {
  readonly produce: ClientQuotaManager;
  readonly fetch: ClientQuotaManager;
  readonly request: ClientQuotaManager;
}

/**
 * The quota managers of a broker with `config`'s windows (`quota.window.num` samples of `quota.window.size.seconds`);
 * the request quota's throttle is capped at one window, as Kafka's ClientRequestQuotaManager.
 */
export function createQuotaManagers(config: KafkaConfig): QuotaManagers {
  const numQuotaSamples = config.getInt('quota.window.num');
  const quotaWindowSizeMs = config.getInt('quota.window.size.seconds') * 1000;
  return {
    produce: new ClientQuotaManager({ numQuotaSamples, quotaWindowSizeMs }),
    fetch: new ClientQuotaManager({ numQuotaSamples, quotaWindowSizeMs }),
    request: new ClientQuotaManager({ numQuotaSamples, quotaWindowSizeMs, maxThrottleTimeMs: quotaWindowSizeMs }),
  };
}

/** The quota managers a {@link ClientQuotaPublisher} feeds: a broker's three, or a controller's mutation quota. */
export interface QuotaTargets {
  readonly produce?: ClientQuotaManager;
  readonly fetch?: ClientQuotaManager;
  readonly request?: ClientQuotaManager;
  readonly controllerMutation?: ControllerMutationQuotaManager;
}

/**
 * Keeps quota managers in step with the ClientQuotaRecords of the metadata log, after Kafka's
 * DynamicClientQuotaPublisher / ClientQuotaMetadataManager: for each user / client-id entity an image changed, every
 * quota key is set to the image's value or removed. IP entities are not client quotas (connection creation rates).
 * A broker feeds its {@link QuotaManagers}; a controller its ControllerMutationQuotaManager (`controller_mutation_rate`
 * is enforced where Kafka enforces it, on the controller).
 */
export class ClientQuotaPublisher implements MetadataPublisher {
  readonly name = 'ClientQuotaPublisher';
  readonly #managers: QuotaTargets;
  /** Entities applied so far, to remove those a snapshot no longer holds. */
  readonly #applied = new Set<string>();

  constructor(managers: QuotaTargets) {
    this.#managers = managers;
  }

  onMetadataUpdate(image: MetadataImage, changes: MetadataChanges): void {
    const keys = changes.fromSnapshot ? new Set([...this.#applied, ...image.clientQuotas.keys()]) : changes.changedClientQuotas;
    for (const key of keys) this.#apply(key, image.clientQuotas.get(key));
  }

  #apply(key: string, quotas: ReadonlyMap<string, number> | undefined): void {
    let user: QuotaEntityName = null;
    let clientId: QuotaEntityName = null;
    for (const e of clientQuotaEntity(key)) {
      const name = e.entityName ?? DEFAULT_ENTITY;
      if (e.entityType === 'user') user = name;
      else if (e.entityType === 'client-id') clientId = name;
      else return;
    }
    if (user === null && clientId === null) return;
    if (quotas === undefined || quotas.size === 0) this.#applied.delete(key);
    else this.#applied.add(key);
    const m = this.#managers;
    const byKey = [[PRODUCER_BYTE_RATE, m.produce], [CONSUMER_BYTE_RATE, m.fetch], [REQUEST_PERCENTAGE, m.request], [CONTROLLER_MUTATION_RATE, m.controllerMutation]] as const;
    for (const [quotaKey, manager] of byKey) manager?.updateQuota(user, clientId, quotas?.get(quotaKey) ?? null);
  }
}
