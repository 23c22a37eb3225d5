import type { KafkaConfig } from '../config/kafka-config.ts';
import { STANDARD_AUTHORIZER_CLASS } from '../config/broker-security-configs.ts';
import type { MetadataImage } from '../metadata/metadata-image.ts';
import type { MetadataPublisher } from '../metadata/metadata-loader.ts';
import type { MetadataChanges } from '../metadata/metadata-delta.ts';
import type { Logger } from '../observability/logger.ts';
import { StandardAuthorizer, type StandardAuthorizerConfig } from '../security/authorizer/standard-authorizer.ts';


/**
 * The authorizer settings of `config`: null unless `authorizer.class.name` names the StandardAuthorizer; then
 * `super.users` (';'-separated, blanks skipped) and `allow.everyone.if.no.acl.found`, as Kafka's
 * StandardAuthorizer.configure reads them (the config refuses any other authorizer class at start).
 */
export function standardAuthorizerConfigOf(config: KafkaConfig): StandardAuthorizerConfig | null {
  if (config.getString('authorizer.class.name') !== STANDARD_AUTHORIZER_CLASS) return null;
  const superUsers = (config.getString('super.users') ?? '').split(';').map((s) => s.trim()).filter((s) => s !== '');
  return { superUsers, allowEveryoneIfNoAclFound: config.getBoolean('allow.everyone.if.no.acl.found') };
}

/** Builds the node's authorizer from its settings (null: no authorizer). @throws Error for a malformed super user. */
export function createAuthorizer(settings: StandardAuthorizerConfig | null, logger: Logger): StandardAuthorizer | null {
  return settings === null ? null : new StandardAuthorizer(settings, logger);
}

/**
 * Keeps the {@link StandardAuthorizer}'s ACLs in step with the metadata images, after Kafka's `AclPublisher`: the
 * ACLs an image changed are added or removed (all of them are reloaded from an image loaded from a snapshot, which
 * replaces everything), and the first image completes the authorizer's initial load (the loader publishes once the
 * node caught up with the committed log).
 */
export class AclPublisher implements MetadataPublisher {
  readonly name = 'AclPublisher';
  readonly #authorizer: StandardAuthorizer;

  constructor(authorizer: StandardAuthorizer) {
    this.#authorizer = authorizer;
  }

  onMetadataUpdate(image: MetadataImage, changes: MetadataChanges): void {
    if (changes.fromSnapshot) {
      this.#authorizer.loadSnapshot(image.acls);
    } else {
      for (const id of changes.changedAcls) {
        const acl = image.acls.get(id);
        if (acl === undefined) this.#authorizer.removeAcl(id);
        else this.#authorizer.addAcl(id, acl);
      }
    }
    this.#authorizer.completeInitialLoad();
  }
}
