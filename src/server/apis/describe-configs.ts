// DescribeConfigs (key 32): v0-4
// Behaviour: TOPIC resources: every topic config with its effective value and source (TOPIC_CONFIG override,
// else the broker synonym that sets it: DYNAMIC_*/STATIC_BROKER_CONFIG, else DEFAULT_CONFIG), synonyms in
// precedence order when asked (v1+), type and documentation (v3+). BROKER resources: this node (its id) or the
// cluster default (""), every broker config with its source; passwords are null and sensitive. BROKER_LOGGER:
// the root logger level. Errors per resource: UNKNOWN_TOPIC_OR_PARTITION (3), INVALID_REQUEST (42) for another
// broker's id or an unsupported resource type.
// Authorization (Kafka's ConfigHelper): DESCRIBE_CONFIGS on the cluster for BROKER / BROKER_LOGGER resources (else
// CLUSTER_AUTHORIZATION_FAILED, 31), on the topic for TOPIC (TOPIC_AUTHORIZATION_FAILED, 29, before existence).
// Version notes: v0 isDefault instead of configSource; v1 synonyms + configSource; v3 configType/documentation;
// v4 flexible.
import { defineHandler } from '../api-handler.ts';
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { configResourceAuthorizationError } from '../auth-helper.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { Errors, ERROR_INFO } from '../../protocol/generated/errors.ts';
import type { DescribeConfigsRequest } from '../../protocol/generated/messages/describe-configs-request.ts';
import type { DescribeConfigsResponse, DescribeConfigsResult } from '../../protocol/generated/messages/describe-configs-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import { ConfigResourceType, topicConfigs } from '../../metadata/metadata-image.ts';
import { ConfigSource, type ConfigEntry } from '../../config/config-source.ts';
import { describeTopicConfigs } from '../config-describer.ts';

export const describeConfigsHandler = defineHandler<DescribeConfigsRequest, Input<DescribeConfigsResponse>>({
  apiKey: ApiKeys.DescribeConfigs,
  minVersion: 0,
  maxVersion: 4,
  handle(services, request, info) {
    const { apiVersion } = info;
    const image = services.metadata();
    const toWire = (entries: ConfigEntry[], keys: string[] | null) => entries
      .filter((e) => keys === null || keys.length === 0 || keys.includes(e.name))
      .map((e) => ({
        name: e.name,
        value: e.value,
        readOnly: e.readOnly,
        isDefault: apiVersion === 0 && e.source === 'DEFAULT_CONFIG',
        configSource: e.sourceId,
        isSensitive: e.sensitive,
        synonyms: request.includeSynonyms ? e.synonyms.map((s) => ({ name: s.name, value: s.value, source: ConfigSource[s.source] })) : [],
        configType: e.configType,
        documentation: request.includeDocumentation ? e.documentation : null,
      }));
    const results: Input<DescribeConfigsResult>[] = request.resources.map((res) => {
      const base = { resourceType: res.resourceType, resourceName: res.resourceName };
      const fail = (errorCode: number, errorMessage: string | null) => ({ ...base, errorCode, errorMessage, configs: [] });
      const denied = configResourceAuthorizationError(services.authorizer, info, AclOperation.DESCRIBE_CONFIGS, res.resourceType, res.resourceName);
      if (denied !== Errors.NONE) return fail(denied, ERROR_INFO[denied]?.message ?? null);
      switch (res.resourceType) {
        case ConfigResourceType.TOPIC: {
          if (!image.topicsByName.has(res.resourceName)) return fail(Errors.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${res.resourceName}' does not exist.`);
          const entries = describeTopicConfigs(services, topicConfigs(image, res.resourceName), res.configurationKeys ?? undefined);
          return { ...base, errorCode: Errors.NONE, errorMessage: null, configs: toWire(entries, res.configurationKeys) };
        }
        case ConfigResourceType.BROKER: {
          const isDefault = res.resourceName === '';
          if (!isDefault && res.resourceName !== String(services.nodeId)) {
            return fail(Errors.INVALID_REQUEST, `Unexpected broker id, expected ${services.nodeId} or empty string, but received ${res.resourceName}`);
          }
          const entries = services.config.describe(isDefault ? 'cluster-default' : 'broker');
          return { ...base, errorCode: Errors.NONE, errorMessage: null, configs: toWire(entries, res.configurationKeys) };
        }
        case ConfigResourceType.BROKER_LOGGER: {
          if (res.resourceName !== String(services.nodeId)) return fail(Errors.INVALID_REQUEST, `Unexpected broker id ${res.resourceName}`);
          const level = services.logger.level.toUpperCase();
          return {
            ...base,
            errorCode: Errors.NONE,
            errorMessage: null,
            configs: [{ name: 'root', value: level, readOnly: false, isDefault: false, configSource: ConfigSource.DYNAMIC_BROKER_LOGGER_CONFIG, isSensitive: false, synonyms: [], configType: 2, documentation: null }],
          };
        }
        default:
          return fail(Errors.INVALID_REQUEST, `Unsupported resource type ${res.resourceType}`);
      }
    });
    return { throttleTimeMs: 0, results };
  },
  // Kafka's DescribeConfigsRequest.getErrorResponse: the error and the error's generic message on every resource.
  errorResponse(request, error) {
    const errorMessage = ERROR_INFO[error.code]?.message ?? null;
    return { throttleTimeMs: 0, results: request.resources.map((r) => ({ resourceType: r.resourceType, resourceName: r.resourceName, errorCode: error.code, errorMessage, configs: [] })) };
  },
});
