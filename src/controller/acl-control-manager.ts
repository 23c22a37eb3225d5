import { ApiError } from '../common/api-error.ts';
import { randomUuid } from '../common/uuid.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { MetadataImage } from '../metadata/metadata-image.ts';
import type { MetadataRecordInput } from '../metadata/metadata-record-serde.ts';
import { METADATA_VERSION_FEATURE, MetadataVersion, metadataVersionName, metadataVersionSupports } from '../metadata/metadata-version.ts';
import { AclOperation, AclPermissionType, PatternType, ResourceType, WILDCARD_HOST, aclName } from '../security/authorizer/acl-codes.ts';
import { aclBindingFilterMatches, isUnknownFilter, type AclBinding, type AclBindingFilter } from '../security/authorizer/acl-binding-filter.ts';
import { CidrRange } from '../security/authorizer/cidr-range.ts';

/** Most ACLs one DeleteAcls request may remove (Kafka's MAX_RECORDS_PER_USER_OP). */
export const MAX_ACLS_PER_DELETE = 10_000;

/** The outcome of one creation of a CreateAcls request. */
export interface AclCreationResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

/** The outcome of one filter of a DeleteAcls request: the ACLs it matched (and that are removed). */
export interface AclDeletionResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly matchingAcls: readonly AclBinding[];
}

/**
 * Kafka's `AclControlManager.validateNewAcl`: a concrete resource type, LITERAL or PREFIXED, a concrete operation
 * and permission, a non-empty name, a `type:name` principal, a non-empty host that, when it holds '/', is a CIDR
 * block (KIP-1276) the cluster's metadata.version allows.
 * @throws ApiError INVALID_REQUEST (42) with Kafka's message; UNSUPPORTED_VERSION (35) for a CIDR host below
 *   metadata.version 4.4-IV1.
 */
export function validateNewAcl(acl: AclBinding, cidrSupported: boolean): void {
  const invalid = (message: string): never => {
    throw new ApiError(Errors.INVALID_REQUEST, message);
  };
  if (acl.resourceType === ResourceType.UNKNOWN || acl.resourceType === ResourceType.ANY) invalid(`Invalid resourceType ${aclName.resourceType(acl.resourceType)}`);
  if (acl.patternType !== PatternType.LITERAL && acl.patternType !== PatternType.PREFIXED) invalid(`Invalid patternType ${aclName.patternType(acl.patternType)}`);
  if (acl.operation === AclOperation.UNKNOWN || acl.operation === AclOperation.ANY) invalid(`Invalid operation ${aclName.operation(acl.operation)}`);
  if (acl.permissionType !== AclPermissionType.DENY && acl.permissionType !== AclPermissionType.ALLOW) invalid(`Invalid permissionType ${aclName.permissionType(acl.permissionType)}`);
  if (acl.resourceName === '') invalid('Resource name should not be empty');
  if (!acl.principal.includes(':')) invalid(`Could not parse principal from \`${acl.principal}\` (no colon is present separating the principal type from the principal name)`);
  if (acl.host === '') invalid('Host pattern cannot be null or empty');
  if (acl.host !== WILDCARD_HOST && acl.host.includes('/')) {
    if (!cidrSupported) {
      throw new ApiError(Errors.UNSUPPORTED_VERSION, `CIDR-based ACL host patterns require metadata version ${metadataVersionName(MetadataVersion.IBP_4_4_IV1)} or higher.`);
    }
    try {
      CidrRange.parse(acl.host);
    } catch (e) {
      invalid(`Invalid CIDR notation '${acl.host}': ${(e as Error).message}`);
    }
  }
}

/** An ACL's identity for duplicate detection: every field. */
function aclKey(acl: AclBinding): string {
  return JSON.stringify([acl.resourceType, acl.resourceName, acl.patternType, acl.principal, acl.host, acl.operation, acl.permissionType]);
}

function resultOf(e: unknown): AclCreationResult {
  if (e instanceof ApiError) return { errorCode: e.code, errorMessage: e.message };
  return { errorCode: Errors.UNKNOWN_SERVER_ERROR, errorMessage: 'Unknown error while trying to create ACL' };
}

/**
 * ACLs on the controller, after Kafka's `AclControlManager`: CreateAcls and DeleteAcls turn into
 * AccessControlEntryRecords and RemoveAccessControlEntryRecords over the committed image (the controller runs one
 * operation at a time, each reading the image its predecessors committed, so the image is the manager's state).
 */
export class AclControlManager {
  /**
   * CreateAcls: each binding is validated ({@link validateNewAcl}; its error is its result) and, unless the image
   * or an earlier binding of the request already holds the same ACL, gets a fresh Uuid and an
   * AccessControlEntryRecord. A binding that exists already succeeds without a record, as Kafka's. The records
   * are one atomic batch.
   */
  createAcls(image: MetadataImage, acls: readonly AclBinding[]): { records: MetadataRecordInput[]; results: AclCreationResult[] } {
    const cidrSupported = metadataVersionSupports.cidrAcls(image.features.get(METADATA_VERSION_FEATURE) ?? 0);
    const existing = new Set<string>();
    for (const acl of image.acls.values()) existing.add(aclKey(acl));
    const records: MetadataRecordInput[] = [];
    const results: AclCreationResult[] = [];
    const usedIds = new Set<string>();
    for (const acl of acls) {
      try {
        validateNewAcl(acl, cidrSupported);
      } catch (e) {
        results.push(resultOf(e));
        continue;
      }
      const key = aclKey(acl);
      if (!existing.has(key)) {
        existing.add(key);
        let id: string;
        do id = randomUuid();
        while (image.acls.has(id) || usedIds.has(id));
        usedIds.add(id);
        const { resourceType, resourceName, patternType, principal, host, operation, permissionType } = acl;
        records.push({ type: 'AccessControlEntryRecord', version: 0, data: { id, resourceType, resourceName, patternType, principal, host, operation, permissionType } });
      }
      results.push({ errorCode: Errors.NONE, errorMessage: null });
    }
    return { records, results };
  }

  /**
   * DeleteAcls: each filter (INVALID_REQUEST "Unknown patternFilter." / "Unknown entryFilter." when a field is
   * UNKNOWN) lists every ACL of the image it matches, and each matched ACL gets one
   * RemoveAccessControlEntryRecord however many filters match it. The records are one atomic batch.
   * @throws ApiError INVALID_REQUEST (42) when more than {@link MAX_ACLS_PER_DELETE} ACLs would go (the whole
   *   request fails, as Kafka's).
   */
  deleteAcls(image: MetadataImage, filters: readonly AclBindingFilter[]): { records: MetadataRecordInput[]; results: AclDeletionResult[] } {
    const removed = new Set<string>();
    const results: AclDeletionResult[] = [];
    for (const filter of filters) {
      if (isUnknownFilter(filter)) {
        const unknownPattern = filter.resourceType === ResourceType.UNKNOWN || filter.patternType === PatternType.UNKNOWN;
        results.push({ errorCode: Errors.INVALID_REQUEST, errorMessage: unknownPattern ? 'Unknown patternFilter.' : 'Unknown entryFilter.', matchingAcls: [] });
        continue;
      }
      const matchingAcls: AclBinding[] = [];
      for (const [id, acl] of image.acls) {
        if (!aclBindingFilterMatches(filter, acl)) continue;
        if (!removed.has(id) && removed.size >= MAX_ACLS_PER_DELETE) {
          throw new ApiError(Errors.INVALID_REQUEST, `Cannot remove more than ${MAX_ACLS_PER_DELETE} acls in a single delete operation.`);
        }
        removed.add(id);
        matchingAcls.push(acl);
      }
      results.push({ errorCode: Errors.NONE, errorMessage: null, matchingAcls });
    }
    const records: MetadataRecordInput[] = [...removed].map((id) => ({ type: 'RemoveAccessControlEntryRecord', version: 0, data: { id } }));
    return { records, results };
  }
}
