// DescribeAcls (key 29): v1-3
// Behaviour: answered from this node's own ACL cache (the StandardAuthorizer's, fed by the metadata log), on the
// broker and controller listeners, as Kafka's AclApis: SECURITY_DISABLED (54) without an authorizer; otherwise
// the request needs DESCRIBE on the cluster (CLUSTER_AUTHORIZATION_FAILED, 31) and lists the ACLs the filter
// matches (null name, principal or host and ANY codes match anything; pattern MATCH finds the literal, '*' and
// prefixed ACLs that apply to a name; a code Kafka does not know matches nothing), grouped by resource pattern.
// A filter field of code 0 (UNKNOWN) gets INVALID_REQUEST (42) here, where Kafka fails to parse the request and
// closes the connection.
// Version notes: v0 removed in Kafka 4.0 (KIP-896); v1 patternTypeFilter (KIP-290); v2 flexible; v3 the same.
import { defineHandler } from '../api-handler.ts';
import type { ApiServices } from '../api-services.ts';
import { ApiError } from '../../common/api-error.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { DescribeAclsRequest } from '../../protocol/generated/messages/describe-acls-request.ts';
import type { AclDescription, DescribeAclsResponse, DescribeAclsResource } from '../../protocol/generated/messages/describe-acls-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { authorizeClusterOperation } from '../auth-helper.ts';
import { aclFilterOf } from '../acl-filter-of.ts';

export const describeAclsHandler = defineHandler<DescribeAclsRequest, Input<DescribeAclsResponse>, ApiServices>({
  apiKey: ApiKeys.DescribeAcls,
  minVersion: 1,
  maxVersion: 3,
  handle(services, request, info) {
    const authorizer = services.authorizer;
    if (authorizer === null) return { throttleTimeMs: 0, errorCode: Errors.SECURITY_DISABLED, errorMessage: 'No Authorizer is configured.', resources: [] };
    authorizeClusterOperation(authorizer, info, AclOperation.DESCRIBE);
    const r = request;
    if (r.resourceTypeFilter === 0 || r.patternTypeFilter === 0 || r.operation === 0 || r.permissionType === 0) {
      throw new ApiError(Errors.INVALID_REQUEST, 'DescribeAclsRequest contains UNKNOWN elements');
    }
    const byPattern = new Map<string, Input<DescribeAclsResource> & { acls: Input<AclDescription>[] }>();
    for (const { acl } of authorizer.acls(aclFilterOf(request))) {
      const key = JSON.stringify([acl.resourceType, acl.resourceName, acl.patternType]);
      let resource = byPattern.get(key);
      if (resource === undefined) {
        resource = { resourceType: acl.resourceType, resourceName: acl.resourceName, patternType: acl.patternType, acls: [] };
        byPattern.set(key, resource);
      }
      resource.acls.push({ principal: acl.principal, host: acl.host, operation: acl.operation, permissionType: acl.permissionType });
    }
    return { throttleTimeMs: 0, errorCode: Errors.NONE, errorMessage: null, resources: [...byPattern.values()] };
  },
  // Kafka's DescribeAclsRequest.getErrorResponse: the error and no resources.
  errorResponse(_request, error) {
    return { throttleTimeMs: 0, errorCode: error.code, errorMessage: error.message, resources: [] };
  },
});
