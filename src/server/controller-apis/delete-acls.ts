// DeleteAcls (key 31): v1-3
// Behaviour: served by the active controller (brokers forward it, KIP-590), as Kafka's ControllerApis: without an
// authorizer every filter answers SECURITY_DISABLED (54); otherwise the request needs ALTER on the cluster
// (CLUSTER_AUTHORIZATION_FAILED, 31, on every filter) and each filter removes the ACLs it matches (null name,
// principal or host and ANY codes match anything; pattern MATCH finds the literal, '*' and prefixed ACLs that
// apply to a name), listed in its result; INVALID_REQUEST (42) for a filter with an UNKNOWN field, or on every
// filter past 10,000 removals. The RemoveAccessControlEntryRecords are committed before the answer.
// Version notes: v0 removed in Kafka 4.0 (KIP-896); v1 patternTypeFilter (KIP-290); v2 flexible; v3 the same.
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { DeleteAclsRequest } from '../../protocol/generated/messages/delete-acls-request.ts';
import type { DeleteAclsResponse } from '../../protocol/generated/messages/delete-acls-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import type { ControllerOpsServices } from '../controller-services.ts';
import { authorizeClusterOperation } from '../auth-helper.ts';
import { aclFilterOf } from '../acl-filter-of.ts';

export const deleteAclsHandler = defineHandler<DeleteAclsRequest, Input<DeleteAclsResponse>, ControllerOpsServices>({
  apiKey: ApiKeys.DeleteAcls,
  minVersion: 1,
  maxVersion: 3,
  async handle(services, request, info) {
    if (services.authorizer === null) {
      return { throttleTimeMs: 0, filterResults: request.filters.map(() => ({ errorCode: Errors.SECURITY_DISABLED, errorMessage: 'No authorizer configured.', matchingAcls: [] })) };
    }
    authorizeClusterOperation(services.authorizer, info, AclOperation.ALTER);
    const results = await services.controller.deleteAcls(request.filters.map(aclFilterOf));
    return {
      throttleTimeMs: 0,
      filterResults: results.map((r) => ({
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
        matchingAcls: r.matchingAcls.map((a) => ({ errorCode: Errors.NONE, errorMessage: null, ...a })),
      })),
    };
  },
  // Kafka's DeleteAclsRequest.getErrorResponse: the error on every filter.
  errorResponse(request, error) {
    return { throttleTimeMs: 0, filterResults: request.filters.map(() => ({ errorCode: error.code, errorMessage: error.message, matchingAcls: [] })) };
  },
});
