import type { Logger } from '../../observability/logger.ts';
import { API_KEY_NAMES } from '../../protocol/generated/api-keys.ts';
import { principalToString, type KafkaPrincipal } from '../kafka-principal.ts';
import { aclName } from './acl-codes.ts';
import type { Action, AuthorizationResult } from './authorization-types.ts';

/** Kafka's `SecurityUtils.resourceTypeName`: TRANSACTIONAL_ID → TransactionalId. */
function resourceTypeName(code: number): string {
  return aclName.resourceType(code).toLowerCase().replace(/(^|_)([a-z])/g, (_m, _sep: string, c: string) => c.toUpperCase());
}

/**
 * The authorizer's decision log, after Kafka's `kafka.authorizer.logger` (StandardAuthorizerData.logAuditMessage):
 * an allowed action at DEBUG and a denied one at INFO when the action asks for it (`logIfAllowed` /
 * `logIfDenied`), otherwise at TRACE. The line has Kafka's wording ("Principal = User:alice is Denied operation =
 * READ from host = 10.0.0.1 on resource = Topic:LITERAL:orders for request = Fetch with resourceRefCount = 1
 * based on rule ...") and the same facts as fields.
 */
export class AuthorizerAuditLogger {
  readonly #logger: Logger;

  /** @param logger a parent logger: the audit lines go to its child named `kafka.authorizer.logger`. */
  constructor(logger: Logger) {
    this.#logger = logger.child({ name: 'kafka.authorizer.logger' });
  }

  /**
   * Logs one decision of a request of `requestApiKey` from `host` (as Java writes the address); `rule` names what
   * decided it ('SuperUser', 'DefaultDeny', 'MatchingAcl(...)').
   */
  log(principal: KafkaPrincipal, host: string, requestApiKey: number, action: Action, result: AuthorizationResult, rule: string): void {
    const allowed = result === 'ALLOWED';
    const wanted = allowed ? (action.logIfAllowed ?? true) : (action.logIfDenied ?? true);
    const level = wanted ? (allowed ? 'debug' : 'info') : 'trace';
    if (!this.#logger.isLevelEnabled(level)) return;
    const principalName = principalToString(principal);
    const operation = aclName.operation(action.operation);
    const resource = `${resourceTypeName(action.resourceType)}:LITERAL:${action.resourceName}`;
    const request = API_KEY_NAMES[requestApiKey] ?? String(requestApiKey);
    const refCount = action.resourceReferenceCount ?? 1;
    this.#logger[level](
      { principal: principalName, result, operation, host, resource, request, rule },
      `Principal = ${principalName} is ${allowed ? 'Allowed' : 'Denied'} operation = ${operation} from host = ${host} ` +
        `on resource = ${resource} for request = ${request} with resourceRefCount = ${refCount} based on rule ${rule}`,
    );
  }
}
