import type { Time } from '../common/time.ts';
import type { Logger } from '../observability/logger.ts';
import type { KafkaConfig } from '../config/kafka-config.ts';
import type { MetadataImage } from '../metadata/metadata-image.ts';
import type { RequestContext } from '../network/request-handler.ts';
import type { StandardAuthorizer } from '../security/authorizer/standard-authorizer.ts';
import type { QuotaManagers } from './quota/client-quota-publisher.ts';

/**
 * What every request dispatcher's handlers get, on the broker listeners ({@link BrokerServices}) and on the
 * controller listener ({@link ControllerServices}) alike: a handler typed with this base (ApiVersions) serves both.
 */
export interface ApiServices {
  readonly nodeId: number;
  readonly clusterId: string;
  /** The node's config, with its dynamic broker configs applied (re-read on every access). */
  readonly config: KafkaConfig;
  readonly time: Time;
  readonly logger: Logger;
  /** The newest published metadata image. */
  metadata(): MetadataImage;
  /**
   * The node's ACL authorizer (Kafka's StandardAuthorizer, fed by the metadata log), or null when none is
   * configured: then the ACL APIs answer SECURITY_DISABLED (54) and nothing is authorized, as Kafka without
   * `authorizer.class.name`.
   */
  readonly authorizer: StandardAuthorizer | null;
  /** The versions ApiVersions advertises, derived from the registered handlers of this listener. */
  apiVersions(): { apiKey: number; minVersion: number; maxVersion: number }[];
  /**
   * The client quotas of a broker's listeners (produce, fetch, request time); absent on the controller listener,
   * whose requests are not client-throttled.
   */
  readonly quotas?: QuotaManagers;
  /** Per-connection cleanup hook (fetch sessions, ...). */
  connectionClosed?(ctx: RequestContext): void;
}
