import { aclCode } from '../security/authorizer/acl-codes.ts';
import type { AclBindingFilter } from '../security/authorizer/acl-binding-filter.ts';

/** The filter fields of a DescribeAcls request or a DeleteAcls filter, as their generated codecs name them. */
export interface AclFilterFields {
  resourceTypeFilter: number;
  resourceNameFilter: string | null;
  patternTypeFilter: number;
  principalFilter: string | null;
  hostFilter: string | null;
  operation: number;
  permissionType: number;
}

/** The AclBindingFilter of a request's filter fields; codes Kafka does not know read as UNKNOWN (its `fromCode`). */
export function aclFilterOf(f: AclFilterFields): AclBindingFilter {
  return {
    resourceType: aclCode.resourceType(f.resourceTypeFilter),
    resourceName: f.resourceNameFilter,
    patternType: aclCode.patternType(f.patternTypeFilter),
    principal: f.principalFilter,
    host: f.hostFilter,
    operation: aclCode.operation(f.operation),
    permissionType: aclCode.permissionType(f.permissionType),
  };
}
