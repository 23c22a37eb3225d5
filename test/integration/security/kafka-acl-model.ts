// A small model of Kafka's authorization rules (StandardAuthorizer, Kafka 4.4), written independently of the broker's
// authorizer so the matrix can compute each cell's expected decision: super users first; an ACL matches by resource
// type, pattern (LITERAL name or '*', PREFIXED), principal (or User:*) and host (or '*'); any matching DENY for the
// operation or ALL denies; otherwise a matching ALLOW for the operation, ALL, or an operation that implies it (READ,
// WRITE, DELETE, ALTER imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS) allows; nothing else is allowed
// (allow.everyone.if.no.acl.found=false). authorizeByResourceType follows Kafka's Authorizer default method.
import { AclOperation, AclPermissionType, PatternType } from '../../../src/security/authorizer/acl-codes.ts';

/** One ACL as CreateAcls carries it (Kafka's codes from acl-codes.ts). */
export interface ModelAcl {
  readonly resourceType: number;
  readonly resourceName: string;
  readonly resourcePatternType: number;
  readonly principal: string;
  readonly host: string;
  readonly operation: number;
  readonly permissionType: number;
}

/** The ALLOW operations that imply `op` besides op itself and ALL (Kafka's AclEntry/StandardAcl implication). */
function impliedBy(op: number): readonly number[] {
  if (op === AclOperation.DESCRIBE) return [AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER];
  if (op === AclOperation.DESCRIBE_CONFIGS) return [AclOperation.ALTER_CONFIGS];
  return [];
}

/** The model: the ACLs in force and the super users; `principal`/`host` are those of the connection asking. */
export class KafkaAclModel {
  readonly #acls: readonly ModelAcl[];
  readonly #superUsers: ReadonlySet<string>;

  constructor(acls: readonly ModelAcl[], superUsers: readonly string[]) {
    this.#acls = acls;
    this.#superUsers = new Set(superUsers);
  }

  #applies(acl: ModelAcl, principal: string, host: string, resourceType: number): boolean {
    return acl.resourceType === resourceType && (acl.principal === principal || acl.principal === 'User:*') && (acl.host === host || acl.host === '*');
  }

  /** Kafka's decision for `op` on the resource `resourceType`/`name` (a literal name, as requests carry). */
  authorize(principal: string, host: string, op: number, resourceType: number, name: string): boolean {
    if (this.#superUsers.has(principal)) return true;
    const matching = this.#acls.filter((a) => this.#applies(a, principal, host, resourceType) && patternMatches(a, name));
    if (matching.some((a) => a.permissionType === AclPermissionType.DENY && (a.operation === op || a.operation === AclOperation.ALL))) return false;
    const allowing = [op, AclOperation.ALL, ...impliedBy(op)];
    return matching.some((a) => a.permissionType === AclPermissionType.ALLOW && allowing.includes(a.operation));
  }

  /**
   * Kafka's Authorizer.authorizeByResourceType: allowed when some ALLOW for `op` (or ALL, no implication) on the
   * resource type is not cancelled by a DENY: a DENY on '*' denies all; a DENY literal cancels the same literal
   * name; a DENY prefix cancels every allowed name or prefix it starts.
   */
  authorizeByResourceType(principal: string, host: string, op: number, resourceType: number): boolean {
    if (this.#superUsers.has(principal)) return true;
    const relevant = this.#acls.filter((a) => this.#applies(a, principal, host, resourceType) && (a.operation === op || a.operation === AclOperation.ALL));
    const deny = relevant.filter((a) => a.permissionType === AclPermissionType.DENY);
    const allow = relevant.filter((a) => a.permissionType === AclPermissionType.ALLOW);
    if (deny.some((a) => a.resourcePatternType === PatternType.LITERAL && a.resourceName === '*')) return false;
    if (allow.some((a) => a.resourcePatternType === PatternType.LITERAL && a.resourceName === '*')) return true;
    const deniedPrefixes = deny.filter((a) => a.resourcePatternType === PatternType.PREFIXED).map((a) => a.resourceName);
    const deniedLiterals = new Set(deny.filter((a) => a.resourcePatternType === PatternType.LITERAL).map((a) => a.resourceName));
    return allow.some((a) => {
      if (deniedPrefixes.some((p) => a.resourceName.startsWith(p))) return false;
      return a.resourcePatternType !== PatternType.LITERAL || !deniedLiterals.has(a.resourceName);
    });
  }
}

/** Whether the ACL's resource pattern covers the literal resource `name`. */
function patternMatches(acl: ModelAcl, name: string): boolean {
  if (acl.resourcePatternType === PatternType.PREFIXED) return name.startsWith(acl.resourceName);
  return acl.resourceName === '*' || acl.resourceName === name;
}
