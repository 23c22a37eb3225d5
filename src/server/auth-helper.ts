// The request-side use of the authorizer, after Kafka's `AuthHelper`: what a handler calls to check an operation
// of the request's principal, from the request's client address.
import { ApiError } from '../common/api-error.ts';
import { Errors } from '../protocol/generated/errors.ts';
import { AclOperation, ResourceType } from '../security/authorizer/acl-codes.ts';
import { ConfigResourceType } from '../metadata/metadata-image.ts';
import type { Action, AuthorizationResult } from '../security/authorizer/authorization-types.ts';
import type { StandardAuthorizer } from '../security/authorizer/standard-authorizer.ts';
import type { ApiHandler, RequestInfo } from './api-handler.ts';
import type { ApiServices } from './api-services.ts';

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

/**
 * Kafka's `AuthHelper.filterByAuthorized`: the names among `names` on which the request's principal may do
 * `operation` (resources of `resourceType`, literal names); each distinct name is decided once. Every name when no
 * authorizer is configured.
 * @throws AuthorizerNotReadyError (see StandardAuthorizer.authorize)
 */
export function filterAuthorized(authorizer: StandardAuthorizer | null, info: RequestInfo, operation: number, resourceType: number, names: Iterable<string>): Set<string> {
  const distinct = new Set(names);
  if (authorizer === null) return distinct;
  const allowed = new Set<string>();
  for (const resourceName of distinct) {
    if (authorize(authorizer, info, { operation, resourceType, resourceName })) allowed.add(resourceName);
  }
  return allowed;
}

/** {@link authorize} of `operation` on the topic `name`. */
export function authorizeTopic(authorizer: StandardAuthorizer | null, info: RequestInfo, operation: number, name: string): boolean {
  return authorize(authorizer, info, { operation, resourceType: ResourceType.TOPIC, resourceName: name });
}

/** {@link filterAuthorized} of topics: the names among `names` on which the principal may do `operation`. */
export function authorizedTopics(authorizer: StandardAuthorizer | null, info: RequestInfo, operation: number, names: Iterable<string>): Set<string> {
  return filterAuthorized(authorizer, info, operation, ResourceType.TOPIC, names);
}

/** {@link authorize} of `operation` on the consumer group `groupId`. */
export function authorizeGroup(authorizer: StandardAuthorizer | null, info: RequestInfo, operation: number, groupId: string): boolean {
  return authorize(authorizer, info, { operation, resourceType: ResourceType.GROUP, resourceName: groupId });
}

/** {@link authorize} of `operation` on the transactional id `transactionalId`. */
export function authorizeTransactionalId(authorizer: StandardAuthorizer | null, info: RequestInfo, operation: number, transactionalId: string): boolean {
  return authorize(authorizer, info, { operation, resourceType: ResourceType.TRANSACTIONAL_ID, resourceName: transactionalId });
}

/** {@link authorize} of `operation` on the cluster resource, as a boolean (see {@link authorizeClusterOperation} to throw). */
export function authorizeCluster(authorizer: StandardAuthorizer | null, info: RequestInfo, operation: number): boolean {
  return authorize(authorizer, info, { operation, resourceType: ResourceType.CLUSTER, resourceName: CLUSTER_NAME });
}

/**
 * Kafka's `AuthHelper.authorizeByResourceType`: whether some ACL lets the principal do `operation` on at least one
 * resource of `resourceType` (and no deny covers every such resource). True without an authorizer.
 * @throws AuthorizerNotReadyError (see StandardAuthorizer.authorize)
 */
export function authorizeByResourceType(authorizer: StandardAuthorizer | null, info: RequestInfo, operation: number, resourceType: number): boolean {
  if (authorizer === null) return true;
  const context = { principal: info.principal, clientAddress: info.connection.clientAddress, requestApiKey: info.header.requestApiKey };
  return authorizer.authorizeByResourceType(context, operation, resourceType) === 'ALLOWED';
}

/**
 * The operations of `resourceType` the principal may do on `resourceName`, as the 32-bit field of Kafka's
 * `AuthHelper.authorizedOperations` (bit n set for AclOperation code n). `supported` is the field of the resource
 * type's operations (Kafka's `AclEntry.supportedOperations`), all of which are returned without an authorizer.
 */
export function authorizedOperations(authorizer: StandardAuthorizer | null, info: RequestInfo, resourceType: number, resourceName: string, supported: number): number {
  if (authorizer === null) return supported;
  let field = 0;
  for (let operation = 0; operation < 31; operation++) {
    if ((supported & (1 << operation)) !== 0 && authorize(authorizer, info, { operation, resourceType, resourceName })) field |= 1 << operation;
  }
  return field;
}

/**
 * Kafka's authorization of a config resource (ConfigHelper / ControllerApis.authorizeAlterResource): `operation`
 * (DESCRIBE_CONFIGS or ALTER_CONFIGS) on the cluster for BROKER, BROKER_LOGGER and CLIENT_METRICS resources, on
 * the topic or the group otherwise.
 * @returns NONE (0), or CLUSTER_AUTHORIZATION_FAILED (31), TOPIC_AUTHORIZATION_FAILED (29) or
 *   GROUP_AUTHORIZATION_FAILED (30); NONE for a resource type Kafka does not know (left to the handler's validation).
 */
export function configResourceAuthorizationError(authorizer: StandardAuthorizer | null, info: RequestInfo, operation: number, configResourceType: number, resourceName: string): number {
  switch (configResourceType) {
    case ConfigResourceType.BROKER:
    case ConfigResourceType.BROKER_LOGGER:
    case ConfigResourceType.CLIENT_METRICS:
      return authorizeCluster(authorizer, info, operation) ? Errors.NONE : Errors.CLUSTER_AUTHORIZATION_FAILED;
    case ConfigResourceType.TOPIC:
      return authorizeTopic(authorizer, info, operation, resourceName) ? Errors.NONE : Errors.TOPIC_AUTHORIZATION_FAILED;
    case ConfigResourceType.GROUP:
      return authorizeGroup(authorizer, info, operation, resourceName) ? Errors.NONE : Errors.GROUP_AUTHORIZATION_FAILED;
    default:
      return Errors.NONE;
  }
}

/**
 * Runs `run` on the items whose `errorOf` is NONE and answers the others with `denied(item, code)`, keeping the
 * order of `items` (the results of `run` must be in the order of its input). `run` is not called when nothing is
 * allowed, so a denied request writes nothing.
 */
export async function runAuthorized<T, R>(items: readonly T[], errorOf: (item: T) => number, run: (allowed: T[]) => Promise<R[]>, denied: (item: T, code: number) => R): Promise<R[]> {
  const codes = items.map(errorOf);
  const allowed = items.filter((_, i) => codes[i] === Errors.NONE);
  const results = allowed.length === 0 ? [] : await run(allowed);
  let next = 0;
  return items.map((item, i) => (codes[i] === Errors.NONE ? results[next++]! : denied(item, codes[i]!)));
}

/**
 * {@link authorizeGroup}, or the request fails as Kafka's handlers fail it (`getErrorResponse` with the error).
 * @throws ApiError GROUP_AUTHORIZATION_FAILED (30), which the handler's error response carries.
 */
export function requireGroup(authorizer: StandardAuthorizer | null, info: RequestInfo, operation: number, groupId: string): void {
  if (!authorizeGroup(authorizer, info, operation, groupId)) throw new ApiError(Errors.GROUP_AUTHORIZATION_FAILED, 'Group authorization failed.');
}

/**
 * {@link authorizeTransactionalId}, or the request fails as Kafka's handlers fail it.
 * @throws ApiError TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53), which the handler's error response carries.
 */
export function requireTransactionalId(authorizer: StandardAuthorizer | null, info: RequestInfo, operation: number, transactionalId: string): void {
  if (!authorizeTransactionalId(authorizer, info, operation, transactionalId)) throw new ApiError(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'Transactional Id authorization failed.');
}

/** The authorization errors a handler answers with: KafkaApis logs them at debug (the authorizer logged the denial). */
export const AUTHORIZATION_ERRORS: ReadonlySet<number> = new Set([Errors.TOPIC_AUTHORIZATION_FAILED, Errors.GROUP_AUTHORIZATION_FAILED, Errors.CLUSTER_AUTHORIZATION_FAILED, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED]);

/**
 * The CLUSTER operations of Kafka's `AclEntry.supportedOperations` as a field (bit n for AclOperation code n):
 * CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE.
 */
export const CLUSTER_OPERATIONS = (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);

/**
 * The TOPIC operations of Kafka's `AclEntry.supportedOperations` as a field: READ, WRITE, CREATE, DELETE, ALTER,
 * DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS.
 */
export const TOPIC_OPERATIONS = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 10) | (1 << 11);

/** An authorized-operations field not computed (not requested, or an error): Kafka's AUTHORIZED_OPERATIONS_OMITTED, Integer.MIN_VALUE. */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/**
 * Kafka's cluster authorized operations (Metadata v8-10, DescribeCluster): 0 without DESCRIBE on the cluster, else
 * the field of the cluster operations the principal may do (all of them without an authorizer).
 */
export function clusterAuthorizedOperations(authorizer: StandardAuthorizer | null, info: RequestInfo): number {
  if (!authorizeCluster(authorizer, info, AclOperation.DESCRIBE)) return 0;
  return authorizedOperations(authorizer, info, ResourceType.CLUSTER, CLUSTER_NAME, CLUSTER_OPERATIONS);
}

/**
 * `handler` behind Kafka's `authorizeClusterOperation(request, operation)`, checked before anything else, as the
 * controller's and the inter-broker APIs do (ClusterAction for brokers' and controllers' own requests, Alter for
 * administrative ones): a denied request gets the handler's error response with CLUSTER_AUTHORIZATION_FAILED (31).
 */
export function withClusterOperation<Req, Res, S extends ApiServices>(operation: number, handler: ApiHandler<Req, Res, S>): ApiHandler<Req, Res, S> {
  return {
    ...handler,
    handle(services, request, info) {
      authorizeClusterOperation(services.authorizer, info, operation);
      return handler.handle(services, request, info);
    },
  };
}
