// ACL bindings and the filters that select them (Kafka's AclBinding, AclBindingFilter, ResourcePatternFilter and
// AccessControlEntryFilter), with Kafka's wire codes (acl-codes.ts).
import { AclOperation, AclPermissionType, PatternType, ResourceType, WILDCARD_RESOURCE } from './acl-codes.ts';

/**
 * One ACL: a resource pattern and an access control entry (Kafka's `StandardAcl`, the content of an
 * AccessControlEntryRecord). The metadata image's `StandardAcl` has this shape.
 */
export interface AclBinding {
  /** ResourceType code (TOPIC 2 ... USER 7). */
  readonly resourceType: number;
  readonly resourceName: string;
  /** PatternType code: LITERAL 3 or PREFIXED 4. */
  readonly patternType: number;
  /** `type:name`, e.g. 'User:alice' or 'User:*'. */
  readonly principal: string;
  /** '*', an address, or (KIP-1276) a CIDR block. */
  readonly host: string;
  /** AclOperation code (ALL 2, READ 3 ...). */
  readonly operation: number;
  /** AclPermissionType code: DENY 2 or ALLOW 3. */
  readonly permissionType: number;
}

/**
 * A filter over ACLs (Kafka's `AclBindingFilter`), as DescribeAcls and DeleteAcls carry it: null strings match
 * anything; ANY (1) codes match every value; PatternType MATCH (2) with a name matches the ACLs that would apply
 * to that literal resource (the literal name, the '*' wildcard, and every prefix of it).
 */
export interface AclBindingFilter {
  readonly resourceType: number;
  readonly resourceName: string | null;
  readonly patternType: number;
  readonly principal: string | null;
  readonly host: string | null;
  readonly operation: number;
  readonly permissionType: number;
}

/** The filter that matches every ACL (Kafka's `AclBindingFilter.ANY`). */
export const ANY_ACL_FILTER: AclBindingFilter = Object.freeze({
  resourceType: ResourceType.ANY,
  resourceName: null,
  patternType: PatternType.ANY,
  principal: null,
  host: null,
  operation: AclOperation.ANY,
  permissionType: AclPermissionType.ANY,
});

/** Kafka's `AclBindingFilter.isUnknown`: a field is UNKNOWN (0), so the filter can match nothing. */
export function isUnknownFilter(filter: AclBindingFilter): boolean {
  return (
    filter.resourceType === ResourceType.UNKNOWN ||
    filter.patternType === PatternType.UNKNOWN ||
    filter.operation === AclOperation.UNKNOWN ||
    filter.permissionType === AclPermissionType.UNKNOWN
  );
}

/** Kafka's `ResourcePatternFilter.matches`. */
function patternMatches(filter: AclBindingFilter, acl: AclBinding): boolean {
  if (filter.resourceType !== ResourceType.ANY && filter.resourceType !== acl.resourceType) return false;
  if (filter.patternType !== PatternType.ANY && filter.patternType !== PatternType.MATCH && filter.patternType !== acl.patternType) return false;
  if (filter.resourceName === null) return true;
  if (filter.patternType === PatternType.ANY || filter.patternType === acl.patternType) return filter.resourceName === acl.resourceName;
  // MATCH: the ACL applies to a resource of that literal name.
  if (acl.patternType === PatternType.LITERAL) return filter.resourceName === acl.resourceName || acl.resourceName === WILDCARD_RESOURCE;
  if (acl.patternType === PatternType.PREFIXED) return filter.resourceName.startsWith(acl.resourceName);
  return false;
}

/** Kafka's `AccessControlEntryFilter.matches`: principal and host compared as strings. */
function entryMatches(filter: AclBindingFilter, acl: AclBinding): boolean {
  if (filter.principal !== null && filter.principal !== acl.principal) return false;
  if (filter.host !== null && filter.host !== acl.host) return false;
  if (filter.operation !== AclOperation.ANY && filter.operation !== acl.operation) return false;
  return filter.permissionType === AclPermissionType.ANY || filter.permissionType === acl.permissionType;
}

/** Kafka's `AclBindingFilter.matches`: whether `filter` selects `acl`. */
export function aclBindingFilterMatches(filter: AclBindingFilter, acl: AclBinding): boolean {
  return patternMatches(filter, acl) && entryMatches(filter, acl);
}
