// The broker's AlterConfigs (key 33) and IncrementalAlterConfigs (key 44): forwarded to the active controller as
// every metadata write (KIP-590), after the broker's own checks of Kafka's ConfigAdminManager.preprocess: a BROKER
// resource that changes this broker's SSL key store or trust store is validated here (ConfigAdminManager) and, when
// refused, answered here with INVALID_REQUEST (42) while the rest of the request is forwarded without it
// (ConfigAdminManager.copyWithoutPreprocessed); the answers are put back in the request's order
// (reassembleIncrementalResponse / reassembleLegacyResponse).
import { Writer } from '../../protocol/writer.ts';
import { encodeRequestHeader } from '../../protocol/request-header.ts';
import { API_MESSAGES, requestHeaderVersion } from '../../protocol/generated/api-messages.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { authorizeCluster } from '../auth-helper.ts';
import { defineHandler, NO_RESPONSE, type ApiHandler } from '../api-handler.ts';
import type { ApiServices } from '../api-services.ts';
import type { BrokerServices } from '../broker-services.ts';
import type { AlterConfigsResource } from '../config-admin-manager.ts';

interface ConfigsRequest {
  readonly resources: readonly AlterConfigsResource[];
}

interface ResourceResponse {
  resourceType: number;
  resourceName: string;
  errorCode: number;
  errorMessage: string | null;
}

interface ConfigsResponse {
  readonly throttleTimeMs?: number;
  readonly responses?: readonly Partial<ResourceResponse>[];
}

/**
 * The broker-listener handler of AlterConfigs (`incremental` false) or IncrementalAlterConfigs: same key, versions
 * and error response as the controller's `target`; see the file header.
 */
export function forwardAlterConfigs<Req extends ConfigsRequest, Res extends ConfigsResponse, S extends ApiServices>(
  target: ApiHandler<Req, Res, S>,
  incremental: boolean,
): ApiHandler<Req, Res, BrokerServices> {
  return defineHandler<Req, Res, BrokerServices>({
    apiKey: target.apiKey,
    minVersion: target.minVersion,
    maxVersion: target.maxVersion,
    async handle(services, request, info) {
      const local = services.configAdmin === undefined
        ? new Map()
        : await services.configAdmin.preprocess(request.resources, incremental, authorizeCluster(services.authorizer, info, AclOperation.ALTER_CONFIGS));
      if (local.size === 0) return services.forwardingManager.forward(target, request, info);
      const remaining = request.resources.filter((_, i) => !local.has(i));
      let forwarded: Res | typeof NO_RESPONSE | null = null;
      if (remaining.length > 0) {
        const rest = { ...request, resources: remaining } as Req;
        const w = new Writer(256);
        encodeRequestHeader(w, requestHeaderVersion(target.apiKey, info.apiVersion), info.header);
        API_MESSAGES.get(target.apiKey)!.encodeRequest(w, info.apiVersion, rest as never);
        forwarded = await services.forwardingManager.forward(target, rest, { ...info, frame: w.toBuffer() });
        if (forwarded === NO_RESPONSE) return NO_RESPONSE;
      }
      const byResource = new Map((forwarded?.responses ?? []).map((r) => [`${r.resourceType}:${r.resourceName}`, r]));
      const responses = request.resources.map((r, i): Partial<ResourceResponse> => {
        const e = local.get(i);
        if (e !== undefined) return { resourceType: r.resourceType, resourceName: r.resourceName, errorCode: e.errorCode, errorMessage: e.errorMessage };
        // Kafka logs "The controller returned fewer results than we expected" and answers UNKNOWN_SERVER_ERROR.
        return byResource.get(`${r.resourceType}:${r.resourceName}`)
          ?? { resourceType: r.resourceType, resourceName: r.resourceName, errorCode: Errors.UNKNOWN_SERVER_ERROR, errorMessage: null };
      });
      return { ...(forwarded ?? {}), throttleTimeMs: forwarded?.throttleTimeMs ?? 0, responses } as unknown as Res;
    },
    errorResponse: (request, error, apiVersion) => target.errorResponse(request, error, apiVersion),
  });
}
