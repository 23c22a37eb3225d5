// ApiVersions (key 18): v0-4
// Behaviour: lists every API this listener (broker or controller) has a handler for, with the version range of that
// handler (derived from the registrations, never a hand-kept list), the supported features (metadata.version,
// kraft.version, eligible.leader.replicas.version) and the finalized ones of the metadata image (metadata.version,
// eligible.leader.replicas.version). A request
// above v4 is answered by KafkaApis with a v0 body carrying UNSUPPORTED_VERSION (KIP-511).
// Version notes: v1 adds throttleTimeMs; v3 is flexible, adds ClientSoftwareName/Version (validated: INVALID_REQUEST
// without api keys when malformed, as Kafka does) and the feature tags; v4 has the same fields, and only from v4 are
// supported features with a minimum version of 0 listed.
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { ApiVersionsRequest } from '../../protocol/generated/messages/api-versions-request.ts';
import type { ApiVersionsResponse } from '../../protocol/generated/messages/api-versions-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { METADATA_VERSION_LEVEL } from '../../controller/quorum-controller.ts';
import type { ApiServices } from '../api-services.ts';
import { BrokerFeatures } from '../broker-features.ts';

/** Kafka's `ApiVersionsRequest.isValid` pattern for client software name and version. */
const SOFTWARE_PATTERN = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

const MIN_VERSION = 0;
const MAX_VERSION = 4;

export const apiVersionsHandler = defineHandler<ApiVersionsRequest, Input<ApiVersionsResponse>, ApiServices>({
  apiKey: ApiKeys.ApiVersions,
  minVersion: MIN_VERSION,
  maxVersion: MAX_VERSION,
  handle(services, request, { apiVersion }) {
    if (apiVersion >= 3 && (!SOFTWARE_PATTERN.test(request.clientSoftwareName) || !SOFTWARE_PATTERN.test(request.clientSoftwareVersion))) {
      // As Kafka's ApiVersionsRequest.getErrorResponse: the error alone, no api keys.
      return { errorCode: Errors.INVALID_REQUEST, apiKeys: [], throttleTimeMs: 0 };
    }
    const features = services.metadata().features;
    const level = features.get('metadata.version') ?? METADATA_VERSION_LEVEL;
    // Every finalized feature of the image (eligible.leader.replicas.version among them), as Kafka lists them.
    const others = [...features].filter(([name, l]) => name !== 'metadata.version' && l > 0).map(([name, l]) => ({ name, maxVersionLevel: l, minVersionLevel: l }));
    return {
      errorCode: Errors.NONE,
      apiKeys: services.apiVersions(),
      throttleTimeMs: 0,
      // Before v4 a feature whose minimum version is 0 is left out: clients before Kafka 3.9 reject a range starting at
      // 0 (Kafka's ApiVersionsResponse alterFeatureLevel0, KAFKA-17011).
      supportedFeatures: BrokerFeatures.supportedFeatures().filter((f) => apiVersion >= 4 || f.minVersion !== 0),
      finalizedFeaturesEpoch: services.metadata().offset,
      finalizedFeatures: [{ name: 'metadata.version', maxVersionLevel: level, minVersionLevel: level }, ...others],
      zkMigrationReady: false,
    };
  },
  // Kafka's ApiVersionsRequest.getErrorResponse: the error; with UNSUPPORTED_VERSION our ApiVersions range (KIP-511).
  errorResponse(_request, error) {
    const apiKeys = error.code === Errors.UNSUPPORTED_VERSION ? [{ apiKey: ApiKeys.ApiVersions, minVersion: MIN_VERSION, maxVersion: MAX_VERSION }] : [];
    return { throttleTimeMs: 0, errorCode: error.code, apiKeys };
  },
});
