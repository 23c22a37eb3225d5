// CreateAcls (key 30): v1-3
// Behaviour: served by the active controller (brokers forward it, KIP-590), as Kafka's ControllerApis: without an
// authorizer every creation answers SECURITY_DISABLED (54); otherwise the request needs ALTER on the cluster
// (CLUSTER_AUTHORIZATION_FAILED, 31, on every creation) and each binding is validated and stored as an
// AccessControlEntryRecord (AclControlManager): INVALID_REQUEST (42) for an UNKNOWN/ANY resource type, operation
// or permission, a pattern other than LITERAL/PREFIXED, an empty name or host, a principal without ':', a bad CIDR
// host; UNSUPPORTED_VERSION (35) for a CIDR host below metadata.version 4.4-IV1 (KIP-1276). An ACL that exists
// already succeeds. Answered once the records are committed.
// Version notes: v0 (LITERAL only) removed in Kafka 4.0 (KIP-896); v1 resourcePatternType (KIP-290); v2 flexible;
// v3 the same.
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { CreateAclsRequest } from '../../protocol/generated/messages/create-acls-request.ts';
import type { CreateAclsResponse } from '../../protocol/generated/messages/create-acls-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { AclOperation, aclCode } from '../../security/authorizer/acl-codes.ts';
import type { ControllerOpsServices } from '../controller-services.ts';
import { authorizeClusterOperation } from '../auth-helper.ts';

export const createAclsHandler = defineHandler<CreateAclsRequest, Input<CreateAclsResponse>, ControllerOpsServices>({
  apiKey: ApiKeys.CreateAcls,
  minVersion: 1,
  maxVersion: 3,
  async handle(services, request, info) {
    if (services.authorizer === null) {
      return { throttleTimeMs: 0, results: request.creations.map(() => ({ errorCode: Errors.SECURITY_DISABLED, errorMessage: 'No authorizer configured.' })) };
    }
    authorizeClusterOperation(services.authorizer, info, AclOperation.ALTER);
    const results = await services.controller.createAcls(
      request.creations.map((c) => ({
        resourceType: aclCode.resourceType(c.resourceType),
        resourceName: c.resourceName,
        patternType: aclCode.patternType(c.resourcePatternType),
        principal: c.principal,
        host: c.host,
        operation: aclCode.operation(c.operation),
        permissionType: aclCode.permissionType(c.permissionType),
      })),
    );
    return { throttleTimeMs: 0, results };
  },
  // Kafka's CreateAclsRequest.getErrorResponse: the error on every creation.
  errorResponse(request, error) {
    return { throttleTimeMs: 0, results: request.creations.map(() => ({ errorCode: error.code, errorMessage: error.message })) };
  },
});
