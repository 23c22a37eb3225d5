// ApiVersions (key 18): v0-4
// Behaviour: lists every API this listener (broker or controller) has a handler for, with the version range of that
// handler (derived from the registrations, never a hand-kept list), the supported features (metadata.version,
// kraft.version, eligible.leader.replicas.version) and the finalized ones of the metadata image (metadata.version,
// eligible.leader.replicas.version). A request
// above v4 is answered by KafkaApis with a v0 body carrying UNSUPPORTED_VERSION (KIP-511).
// Version notes: v1 adds throttleTimeMs; v3 is flexible, adds ClientSoftwareName/Version (validated: INVALID_REQUEST
// when malformed, as Kafka does) and the feature tags; v4 is identical to v3 (KIP-1123 marker).
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
    const apiKeys = services.apiVersions();
    if (apiVersion >= 3 && (!SOFTWARE_PATTERN.test(request.clientSoftwareName) || !SOFTWARE_PATTERN.test(request.clientSoftwareVersion))) {
      return { errorCode: Errors.INVALID_REQUEST, apiKeys, throttleTimeMs: 0 };
    }
    const features = services.metadata().features;
    const level = features.get('metadata.version') ?? METADATA_VERSION_LEVEL;
    // Every finalized feature of the image (eligible.leader.replicas.version among them), as Kafka lists them.
    const others = [...features].filter(([name, l]) => name !== 'metadata.version' && l > 0).map(([name, l]) => ({ name, maxVersionLevel: l, minVersionLevel: l }));
    return {
      errorCode: Errors.NONE,
      apiKeys,
      throttleTimeMs: 0,
      supportedFeatures: BrokerFeatures.supportedFeatures(),
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
