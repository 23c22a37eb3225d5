import type { DescribeAclsRequest } from '../protocol/generated/messages/describe-acls-request.ts';
import { aclCode } from '../security/authorizer/acl-codes.ts';
import type { AclBindingFilter } from '../security/authorizer/acl-binding-filter.ts';

/** The filter fields of a DescribeAcls request, which a DeleteAcls filter has too. */
export type AclFilterFields = Omit<DescribeAclsRequest, '_unknownTaggedFields'>;

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
