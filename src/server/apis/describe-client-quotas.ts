// DescribeClientQuotas (key 48): v0-1
// Behaviour: answered from this broker's metadata image (the ClientQuotaRecords of the log), as Kafka's
// ClientQuotasImage.describe: the request needs DESCRIBE_CONFIGS on the cluster (CLUSTER_AUTHORIZATION_FAILED, 31);
// each filter component names an entity type (user, client-id, ip) once, with match type 0 (exact name), 1 (the
// default entity) or 2 (any entity that has this type); an entity matches when it matches every component, and with
// `strict` only when it has no other types; no component lists everything (nothing with strict). Errors (whole
// response): INVALID_REQUEST (42) for an empty or repeated type, a match string that contradicts the match type, an
// unknown match type, ip combined with user or client-id; UNSUPPORTED_VERSION (35) for an unknown entity type.
// Version notes: v1 flexible.
import { defineHandler } from '../api-handler.ts';
import type { ApiServices } from '../api-services.ts';
import { ApiError } from '../../common/api-error.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { DescribeClientQuotasRequest } from '../../protocol/generated/messages/describe-client-quotas-request.ts';
import type { DescribeClientQuotasResponse, EntryData } from '../../protocol/generated/messages/describe-client-quotas-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { clientQuotaEntity, type MetadataImage } from '../../metadata/metadata-image.ts';
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { withClusterOperation } from '../auth-helper.ts';

const MATCH_EXACT = 0;
const MATCH_DEFAULT = 1;
const MATCH_SPECIFIED = 2;

/** A request's filter: entity type to the name it must have (null: the default entity) or to "any name". */
type Filter = Map<string, { readonly name: string | null } | 'any'>;

/** Kafka's ClientQuotasImage.describe checks. @throws ApiError INVALID_REQUEST / UNSUPPORTED_VERSION. */
function filterOf(request: DescribeClientQuotasRequest): Filter {
  const invalid = (message: string): never => {
    throw new ApiError(Errors.INVALID_REQUEST, message);
  };
  const filter: Filter = new Map();
  for (const c of request.components) {
    if (c.entityType === '') invalid('Invalid empty entity type.');
    if (filter.has(c.entityType)) invalid(`Entity type ${c.entityType} cannot appear more than once in the filter.`);
    if (c.entityType !== 'ip' && c.entityType !== 'user' && c.entityType !== 'client-id') {
      throw new ApiError(Errors.UNSUPPORTED_VERSION, `Unsupported entity type ${c.entityType}`);
    }
    if (c.matchType === MATCH_EXACT) {
      if (c.match === null) invalid('Request specified MATCH_TYPE_EXACT, but set match string to null.');
      filter.set(c.entityType, { name: c.match });
    } else if (c.matchType === MATCH_DEFAULT) {
      if (c.match !== null) invalid('Request specified MATCH_TYPE_DEFAULT, but also specified a match string.');
      filter.set(c.entityType, { name: null });
    } else if (c.matchType === MATCH_SPECIFIED) {
      if (c.match !== null) invalid('Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.');
      filter.set(c.entityType, 'any');
    } else {
      invalid(`Unknown match type ${c.matchType}`);
    }
  }
  if (filter.has('ip') && (filter.has('user') || filter.has('client-id'))) {
    invalid('Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.');
  }
  return filter;
}

/** The image's entities that `filter` (with `strict`) selects, with their quotas. */
function describeClientQuotas(image: MetadataImage, filter: Filter, strict: boolean): Input<EntryData>[] {
  if (filter.size === 0 && strict) return [];
  const entries: Input<EntryData>[] = [];
  for (const [key, quotas] of image.clientQuotas) {
    if (quotas.size === 0) continue;
    const entity = clientQuotaEntity(key);
    const byType = new Map(entity.map((e) => [e.entityType, e.entityName]));
    const matches = [...filter].every(([type, want]) => byType.has(type) && (want === 'any' || byType.get(type) === want.name));
    if (!matches || (strict && byType.size !== filter.size)) continue;
    entries.push({ entity, values: [...quotas].map(([k, value]) => ({ key: k, value })) });
  }
  return entries;
}

export const describeClientQuotasHandler = withClusterOperation(AclOperation.DESCRIBE_CONFIGS, defineHandler<DescribeClientQuotasRequest, Input<DescribeClientQuotasResponse>, ApiServices>({
  apiKey: ApiKeys.DescribeClientQuotas,
  minVersion: 0,
  maxVersion: 1,
  handle(services, request, info) {
    const entries = describeClientQuotas(services.metadata(), filterOf(request), request.strict);
    return { throttleTimeMs: 0, errorCode: Errors.NONE, errorMessage: null, entries };
  },
  // Kafka's DescribeClientQuotasRequest.getErrorResponse: the error and no entries.
  errorResponse(_request, error) {
    return { throttleTimeMs: 0, errorCode: error.code, errorMessage: error.message, entries: null };
  },
}));
