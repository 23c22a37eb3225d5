// The request-side use of the authorizer, after Kafka's `AuthHelper`: what a handler calls to check an operation
// of the request's principal, from the request's client address.
import { ApiError } from '../common/api-error.ts';
import { Errors } from '../protocol/generated/errors.ts';
import { ResourceType } from '../security/authorizer/acl-codes.ts';
import type { Action, AuthorizationResult } from '../security/authorizer/authorization-types.ts';
import type { StandardAuthorizer } from '../security/authorizer/standard-authorizer.ts';
import type { RequestInfo } from './api-handler.ts';

/** The name of the one CLUSTER resource (Kafka's `Resource.CLUSTER_NAME`). */
export const CLUSTER_NAME = 'kafka-cluster';

/**
 * Kafka's `AuthHelper.authorize`: whether the request's principal (the envelope's for a forwarded request) may do
 * `action` from its client address. True when no authorizer is configured.
 * @throws AuthorizerNotReadyError (see StandardAuthorizer.authorize)
 */
export function authorize(authorizer: StandardAuthorizer | null, info: RequestInfo, action: Action): boolean {
  if (authorizer === null) return true;
  const result: AuthorizationResult = authorizer.authorize({ principal: info.principal, clientAddress: info.connection.clientAddress, requestApiKey: info.header.requestApiKey }, action);
  return result === 'ALLOWED';
}

/**
 * Kafka's `AuthHelper.authorizeClusterOperation`: `operation` on the cluster resource, or the request fails.
 * @throws ApiError CLUSTER_AUTHORIZATION_FAILED (31), which the handler's error response carries.
 */
export function authorizeClusterOperation(authorizer: StandardAuthorizer | null, info: RequestInfo, operation: number): void {
  if (!authorize(authorizer, info, { operation, resourceType: ResourceType.CLUSTER, resourceName: CLUSTER_NAME })) {
    throw new ApiError(Errors.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
  }
}
