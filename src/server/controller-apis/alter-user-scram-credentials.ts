// AlterUserScramCredentials (key 51): v0
// Behaviour: served by the active controller (brokers forward it, KIP-590), as Kafka's ControllerApis: the request
// needs ALTER on the cluster (CLUSTER_AUTHORIZATION_FAILED, 31, for every user); deletions and upsertions are
// validated by the ScramControlManager (DUPLICATE_RESOURCE, RESOURCE_NOT_FOUND, UNACCEPTABLE_CREDENTIAL for
// iterations outside 4096..16384, UNSUPPORTED_SASL_MECHANISM) and stored as UserScramCredentialRecord /
// RemoveUserScramCredentialRecord (stored and server keys derived from the salted password); answered once the
// records are committed. A new credential applies to the next SCRAM authentication on every broker.
// Version notes: v0 only (KIP-554), flexible.
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import type { AlterUserScramCredentialsRequest } from '../../protocol/generated/messages/alter-user-scram-credentials-request.ts';
import type { AlterUserScramCredentialsResponse } from '../../protocol/generated/messages/alter-user-scram-credentials-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import type { ControllerOpsServices } from '../controller-services.ts';
import { withClusterOperation } from '../auth-helper.ts';

/** Every user the request names, once, sorted (as Kafka's getErrorResponse lists them). */
function usersOf(request: AlterUserScramCredentialsRequest): string[] {
  return [...new Set([...request.deletions.map((d) => d.name), ...request.upsertions.map((u) => u.name)])].sort();
}

export const alterUserScramCredentialsHandler = withClusterOperation(AclOperation.ALTER, defineHandler<AlterUserScramCredentialsRequest, Input<AlterUserScramCredentialsResponse>, ControllerOpsServices>({
  apiKey: ApiKeys.AlterUserScramCredentials,
  minVersion: 0,
  maxVersion: 0,
  async handle(services, request, info) {
    return { throttleTimeMs: 0, results: await services.controller.alterUserScramCredentials(request) };
  },
  // Kafka's AlterUserScramCredentialsRequest.getErrorResponse: the error for every user named, sorted by name.
  errorResponse(request, error) {
    return { throttleTimeMs: 0, results: usersOf(request).map((user) => ({ user, errorCode: error.code, errorMessage: error.message })) };
  },
}));
