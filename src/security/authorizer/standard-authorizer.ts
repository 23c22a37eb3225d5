import type { Logger } from '../../observability/logger.ts';
import { InetAddress } from '../../common/inet-address.ts';
import { principalToString, parseKafkaPrincipal, WILDCARD_PRINCIPAL, type KafkaPrincipal } from '../kafka-principal.ts';
import { AclOperation, AclPermissionType, PatternType, ResourceType, WILDCARD_HOST, WILDCARD_RESOURCE, aclName } from './acl-codes.ts';
import type { AclBinding, AclBindingFilter } from './acl-binding-filter.ts';
import { AclCache } from './acl-cache.ts';
import { CidrRange } from './cidr-range.ts';
import { AuthorizerAuditLogger } from './authorizer-audit-logger.ts';
import type { Action, AuthorizableRequestContext, AuthorizationResult } from './authorization-types.ts';

/** The authorizer's settings, Kafka's StandardAuthorizer configs. */
export interface StandardAuthorizerConfig {
  /** `super.users`: `type:name` principals allowed everything, ACLs or not. */
  readonly superUsers: readonly string[];
  /** `allow.everyone.if.no.acl.found`: a resource no ACL applies to is open to everyone (else closed). */
  readonly allowEveryoneIfNoAclFound: boolean;
}

/**
 * Thrown by {@link StandardAuthorizer.authorize} for a principal that is not a super user before the first metadata
 * image was loaded (Kafka's AuthorizerNotReadyException): the ACLs are not known yet, so nothing can be decided.
 */
export class AuthorizerNotReadyError extends Error {
  constructor() {
    super('The authorizer has not loaded the ACLs of the metadata log yet');
    this.name = 'AuthorizerNotReadyError';
  }
}

/** Operations an ALLOW ACL of which also allows DESCRIBE (Kafka's IMPLIES_DESCRIBE). */
const IMPLIES_DESCRIBE: ReadonlySet<number> = new Set([AclOperation.DESCRIBE, AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER]);
/** Operations an ALLOW ACL of which also allows DESCRIBE_CONFIGS (Kafka's IMPLIES_DESCRIBE_CONFIGS). */
const IMPLIES_DESCRIBE_CONFIGS: ReadonlySet<number> = new Set([AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS]);

/**
 * The address as Java's `InetAddress.getHostAddress` writes it, the form Kafka compares ACL hosts with: IPv4
 * dotted (an IPv4-mapped IPv6 address too), IPv6 as eight hex groups without '::' compression
 * ('0:0:0:0:0:0:0:1'). Anything else is returned as it is.
 */
export function javaHostAddress(address: string): string {
  // An IPv4 address is already in Java's form (the common case: no allocation per decision).
  if (!address.includes(':')) return address;
  try {
    return InetAddress.fromBytes(InetAddress.toBytes(address));
  } catch {
    return address;
  }
}

function aclToString(acl: AclBinding): string {
  return (
    `StandardAcl(resourceType=${aclName.resourceType(acl.resourceType)}, resourceName=${acl.resourceName}, ` +
    `patternType=${aclName.patternType(acl.patternType)}, principal=${acl.principal}, host=${acl.host}, ` +
    `operation=${aclName.operation(acl.operation)}, permissionType=${aclName.permissionType(acl.permissionType)})`
  );
}

/**
 * The ACL authorizer of a node, after Kafka's `StandardAuthorizer` / `StandardAuthorizerData` (KIP-801): the ACLs
 * of the metadata log (AccessControlEntryRecord) in an {@link AclCache} kept in step with the images by
 * {@link addAcl} / {@link removeAcl}, and the decision for an action:
 *
 * 1. A super user (`super.users`, compared as `type:name`) is allowed everything.
 * 2. Before the initial load completed, anyone else gets {@link AuthorizerNotReadyError}.
 * 3. The ACLs that apply to the resource are those of its type that are LITERAL with its name or '*', or
 *    PREFIXED with a prefix of its name (how long the prefix is does not matter). Of those, an ACL concerns the
 *    request when its principal is the request's (type and name) or 'User:*', its host is '*', the client's
 *    address, or a CIDR block holding it (KIP-1276), and its operation is the action's or ALL; an ALLOW ACL
 *    also covers DESCRIBE when it is READ, WRITE, DELETE or ALTER, and DESCRIBE_CONFIGS when it is
 *    ALTER_CONFIGS (a DENY ACL covers only its own operation, or ALL).
 * 4. Any concerning DENY ACL denies (deny before allow); else any concerning ALLOW ACL allows; else, when some
 *    ACL applies to the resource (whoever it names), the action is denied; when none does, the answer is
 *    `allow.everyone.if.no.acl.found`.
 *
 * Each decision is logged by the {@link AuthorizerAuditLogger}. The event loop owns the instance: the cache is
 * changed in place between requests, never during a decision.
 */
export class StandardAuthorizer {
  readonly #superUsers: ReadonlySet<string>;
  readonly #allowEveryoneIfNoAclFound: boolean;
  #cache = new AclCache();
  readonly #cidrs = new Map<string, CidrRange | null>();
  readonly #audit: AuthorizerAuditLogger;
  readonly #logger: Logger;
  #loadingComplete = false;

  /** @throws Error when a super user is not `type:name` (Kafka refuses the config). */
  constructor(config: StandardAuthorizerConfig, logger: Logger) {
    for (const u of config.superUsers) parseKafkaPrincipal(u);
    this.#superUsers = new Set(config.superUsers);
    this.#allowEveryoneIfNoAclFound = config.allowEveryoneIfNoAclFound;
    this.#logger = logger.child({ component: 'StandardAuthorizer' });
    this.#audit = new AuthorizerAuditLogger(logger);
    this.#logger.info({ superUsers: [...this.#superUsers], defaultResult: this.#allowEveryoneIfNoAclFound ? 'ALLOWED' : 'DENIED' }, 'Configured the authorizer');
  }

  /** Number of ACLs loaded. */
  get aclCount(): number {
    return this.#cache.count;
  }

  /** Whether the initial load completed (see {@link completeInitialLoad}). */
  get loadingComplete(): boolean {
    return this.#loadingComplete;
  }

  /** Adds (or replaces) the ACL `id` (an AccessControlEntryRecord applied to the image). */
  addAcl(id: string, acl: AclBinding): void {
    this.#cache.add(id, acl);
  }

  /** Removes the ACL `id` (a RemoveAccessControlEntryRecord). @returns false when it was not loaded. */
  removeAcl(id: string): boolean {
    return this.#cache.remove(id);
  }

  /** Replaces every ACL with `acls` (an image loaded from a snapshot; Kafka's loadSnapshot). */
  loadSnapshot(acls: ReadonlyMap<string, AclBinding>): void {
    const cache = new AclCache();
    for (const [id, acl] of acls) cache.add(id, acl);
    this.#cache = cache;
    this.#cidrs.clear();
  }

  /** The node caught up with the metadata log: non-super users may now be authorized (Kafka's completeInitialLoad). */
  completeInitialLoad(): void {
    if (this.#loadingComplete) return;
    this.#loadingComplete = true;
    this.#logger.info({ acls: this.#cache.count }, 'Completed the initial ACL load');
  }

  /** The loaded ACLs `filter` selects (DescribeAcls; Kafka's `acls(filter)`), with their ids. */
  acls(filter: AclBindingFilter): { id: string; acl: AclBinding }[] {
    return this.#cache.matching(filter);
  }

  /**
   * The decision for `action` by the request of `context` (see the class doc for the rules), logged.
   * @throws AuthorizerNotReadyError before the initial load, for anyone but a super user.
   */
  authorize(context: AuthorizableRequestContext, action: Action): AuthorizationResult {
    const principal = context.principal;
    const host = javaHostAddress(context.clientAddress);
    let result: AuthorizationResult;
    let rule: string;
    if (this.#superUsers.has(principalToString(principal))) {
      result = 'ALLOWED';
      rule = 'SuperUser';
    } else {
      if (!this.#loadingComplete) throw new AuthorizerNotReadyError();
      ({ result, rule } = this.#findAclRule(principal, host, action));
    }
    this.#audit.log(principal, host, context.requestApiKey, action, result, rule);
    return result;
  }

  /** {@link authorize} of each action, in order (Kafka's `authorize(context, actions)`). */
  authorizeAll(context: AuthorizableRequestContext, actions: readonly Action[]): AuthorizationResult[] {
    return actions.map((a) => this.authorize(context, a));
  }

  /**
   * Whether the principal may do `operation` on at least one resource of `resourceType` (Kafka's
   * `Authorizer.authorizeByResourceType`, used for idempotent and transactional producers without a
   * transactional id and for topic creation checks): allowed when a literal check of a made-up name passes
   * (super users, no ACL and allow.everyone.if.no.acl.found), else when a concerning ALLOW ACL (its operation
   * or ALL, implied operations do not count) exists whose literal name is not also denied literally and is not
   * under a denied prefix, or which is the literal '*'; a concerning DENY of literal '*' denies all.
   * @throws Error for an ANY / UNKNOWN operation or resource type (Kafka's IllegalArgumentException);
   *   AuthorizerNotReadyError as {@link authorize}.
   */
  authorizeByResourceType(context: AuthorizableRequestContext, operation: number, resourceType: number): AuthorizationResult {
    if (resourceType === ResourceType.ANY) throw new Error('Must specify a non-filter resource type for authorizeByResourceType');
    if (resourceType === ResourceType.UNKNOWN) throw new Error('Unknown resource type');
    if (operation === AclOperation.ANY) throw new Error('Must specify a non-filter operation type for authorizeByResourceType');
    if (operation === AclOperation.UNKNOWN) throw new Error('Unknown operation type');
    const probe: Action = { operation, resourceType, resourceName: 'hardcode', logIfAllowed: true, logIfDenied: false };
    if (this.authorize(context, probe) === 'ALLOWED') return 'ALLOWED';
    const host = javaHostAddress(context.clientAddress);
    const deniedLiteral = new Set<string>();
    const deniedPrefixes = new Set<string>();
    const allowed: AclBinding[] = [];
    for (const { acl } of this.#cache.matching({ resourceType, resourceName: null, patternType: PatternType.ANY, principal: null, host: null, operation: AclOperation.ANY, permissionType: AclPermissionType.ANY })) {
      if (!this.#hostMatches(acl.host, host) || !this.#principalMatches(acl.principal, context.principal)) continue;
      if (acl.operation !== operation && acl.operation !== AclOperation.ALL) continue;
      if (acl.permissionType === AclPermissionType.DENY) {
        if (acl.patternType === PatternType.LITERAL && acl.resourceName === WILDCARD_RESOURCE) return 'DENIED';
        (acl.patternType === PatternType.LITERAL ? deniedLiteral : deniedPrefixes).add(acl.resourceName);
      } else if (acl.permissionType === AclPermissionType.ALLOW) {
        if (acl.patternType === PatternType.LITERAL && acl.resourceName === WILDCARD_RESOURCE) return 'ALLOWED';
        allowed.push(acl);
      }
    }
    for (const acl of allowed) {
      if (acl.patternType === PatternType.LITERAL && deniedLiteral.has(acl.resourceName)) continue;
      let dominated = false;
      for (let i = 1; i <= acl.resourceName.length && !dominated; i++) dominated = deniedPrefixes.has(acl.resourceName.slice(0, i));
      if (!dominated) return 'ALLOWED';
    }
    return 'DENIED';
  }

  #findAclRule(principal: KafkaPrincipal, host: string, action: Action): { result: AuthorizationResult; rule: string } {
    let allow: AclBinding | null = null;
    let applies = false;
    for (const acl of this.#cache.applyingTo(action.resourceType, action.resourceName)) {
      applies = true;
      const result = this.#aclResult(acl, principal, host, action.operation);
      if (result === 'DENIED') return { result, rule: `MatchingAcl(acl=${aclToString(acl)})` };
      if (result === 'ALLOWED') allow ??= acl;
    }
    if (allow !== null) return { result: 'ALLOWED', rule: `MatchingAcl(acl=${aclToString(allow)})` };
    if (applies) return { result: 'DENIED', rule: 'DefaultDeny' };
    return this.#allowEveryoneIfNoAclFound ? { result: 'ALLOWED', rule: 'DefaultAllow' } : { result: 'DENIED', rule: 'DefaultDeny' };
  }

  /** Kafka's `StandardAuthorizerData.findResult`: what `acl` says of the action, or null when it does not concern it. */
  #aclResult(acl: AclBinding, principal: KafkaPrincipal, host: string, operation: number): AuthorizationResult | null {
    if (!this.#principalMatches(acl.principal, principal) || !this.#hostMatches(acl.host, host)) return null;
    const allow = acl.permissionType === AclPermissionType.ALLOW;
    if (acl.operation !== AclOperation.ALL) {
      if (!allow || (operation !== AclOperation.DESCRIBE && operation !== AclOperation.DESCRIBE_CONFIGS)) {
        if (acl.operation !== operation) return null;
      } else if (!(operation === AclOperation.DESCRIBE ? IMPLIES_DESCRIBE : IMPLIES_DESCRIBE_CONFIGS).has(acl.operation)) {
        return null;
      }
    }
    return allow ? 'ALLOWED' : 'DENIED';
  }

  /** The ACL's principal is the request's (type and name; a token-authenticated one too) or 'User:*'. */
  #principalMatches(aclPrincipal: string, principal: KafkaPrincipal): boolean {
    return aclPrincipal === WILDCARD_PRINCIPAL || aclPrincipal === principalToString(principal);
  }

  /** The ACL's host is '*', the address, or a CIDR block holding it (parsed once per pattern). */
  #hostMatches(aclHost: string, host: string): boolean {
    if (aclHost === WILDCARD_HOST || aclHost === host) return true;
    if (!aclHost.includes('/')) return false;
    let range = this.#cidrs.get(aclHost);
    if (range === undefined) {
      try {
        range = CidrRange.parse(aclHost);
      } catch {
        range = null;
      }
      this.#cidrs.set(aclHost, range);
    }
    return range !== null && range.contains(host);
  }
}
