import { Errors } from '../protocol/generated/errors.ts';
import { ConfigResourceType, configResourceKey, type MetadataImage } from '../metadata/metadata-image.ts';
import type { MetadataRecordInput } from '../metadata/metadata-record-serde.ts';
import { clearElrRecords, minIsrConfigRefusal } from './eligible-leader-replicas.ts';

/** IncrementalAlterConfigs operations (Kafka's AlterConfigOp.OpType ids). */
export const ConfigOperation = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

export interface ConfigAlteration {
  resourceType: number;
  resourceName: string;
  configs: { name: string; operation: number; value: string | null }[];
}

export interface ConfigAlterationResult {
  resourceType: number;
  resourceName: string;
  errorCode: number;
  errorMessage: string | null;
}

export interface ConfigControlOptions {
  /** This controller's node id (BROKER resources may name it or be "" for the cluster default). */
  nodeId: number;
  /** Checks a topic config entry: null when valid, else the reason. */
  validateTopicConfig(name: string, value: string | null): string | null;
  /** Checks a dynamic broker config: null when it may be set at run time, else the reason. */
  validateBrokerConfig(name: string, value: string | null): string | null;
  /** Whether `name` is a LIST-typed config (APPEND/SUBTRACT apply only to those). */
  isListConfig(resourceType: number, name: string): boolean;
}

/**
 * Dynamic configs on the controller, after Kafka's `ConfigurationControlManager`: IncrementalAlterConfigs and the
 * legacy AlterConfigs turn into ConfigRecords (value null = delete); with KIP-966 on, a min.insync.replicas change
 * also clears the ELRs it concerns and broker-level values are refused. Errors per resource: INVALID_CONFIG (40),
 * INVALID_REQUEST (42), UNKNOWN_TOPIC_OR_PARTITION (3), INVALID_CONFIG for unsupported resource types.
 */
export class ConfigControlManager {
  readonly #options: ConfigControlOptions;

  constructor(options: ConfigControlOptions) {
    this.#options = options;
  }

  #resourceError(image: MetadataImage, type: number, name: string): [number, string] | null {
    if (type === ConfigResourceType.TOPIC) {
      if (!image.topicsByName.has(name)) return [Errors.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`];
      return null;
    }
    if (type === ConfigResourceType.BROKER) {
      if (name === '') return null;
      const id = Number(name);
      if (!Number.isInteger(id) || String(id) !== name) return [Errors.INVALID_REQUEST, `Invalid broker name ${name}`];
      return null;
    }
    return [Errors.INVALID_REQUEST, `Unsupported resource type ${type}`];
  }

  #validate(type: number, name: string, value: string | null): string | null {
    return type === ConfigResourceType.TOPIC
      ? this.#options.validateTopicConfig(name, value)
      : this.#options.validateBrokerConfig(name, value);
  }

  /** IncrementalAlterConfigs (KIP-339): SET, DELETE, APPEND, SUBTRACT per config. */
  incrementalAlterConfigs(image: MetadataImage, resources: ConfigAlteration[]): { records: MetadataRecordInput[]; results: ConfigAlterationResult[] } {
    const records: MetadataRecordInput[] = [];
    const results: ConfigAlterationResult[] = [];
    outer: for (const res of resources) {
      const { resourceType, resourceName } = res;
      const base = { resourceType, resourceName };
      const rErr = this.#resourceError(image, resourceType, resourceName);
      if (rErr !== null) {
        results.push({ ...base, errorCode: rErr[0], errorMessage: rErr[1] });
        continue;
      }
      const current = image.configs.get(configResourceKey(resourceType, resourceName)) ?? new Map<string, string>();
      const pending: MetadataRecordInput[] = [];
      const seen = new Set<string>();
      for (const c of res.configs) {
        if (seen.has(c.name)) {
          results.push({ ...base, errorCode: Errors.INVALID_REQUEST, errorMessage: `Error due to duplicate config keys` });
          continue outer;
        }
        seen.add(c.name);
        let value: string | null;
        switch (c.operation) {
          case ConfigOperation.SET:
            value = c.value;
            break;
          case ConfigOperation.DELETE:
            value = null;
            break;
          case ConfigOperation.APPEND:
          case ConfigOperation.SUBTRACT: {
            if (!this.#options.isListConfig(resourceType, c.name)) {
              results.push({ ...base, errorCode: Errors.INVALID_CONFIG, errorMessage: `Can not apply the APPEND/SUBTRACT operation to the non-list config ${c.name}` });
              continue outer;
            }
            const items = (current.get(c.name) ?? '').split(',').filter((s) => s !== '');
            const delta = (c.value ?? '').split(',').filter((s) => s !== '');
            const next = c.operation === ConfigOperation.APPEND
              ? [...items, ...delta.filter((d) => !items.includes(d))]
              : items.filter((i) => !delta.includes(i));
            value = next.length === 0 ? null : next.join(',');
            break;
          }
          default:
            results.push({ ...base, errorCode: Errors.INVALID_REQUEST, errorMessage: `Unknown alter config operation ${c.operation}` });
            continue outer;
        }
        const err = (value === null ? null : this.#validate(resourceType, c.name, value)) ?? minIsrConfigRefusal(image, resourceType, resourceName, c.name, value);
        if (err !== null) {
          results.push({ ...base, errorCode: Errors.INVALID_CONFIG, errorMessage: err });
          continue outer;
        }
        pending.push({ type: 'ConfigRecord', data: { resourceType, resourceName, name: c.name, value } });
      }
      records.push(...pending);
      results.push({ ...base, errorCode: 0, errorMessage: null });
    }
    records.push(...clearElrRecords(image, records));
    return { records, results };
  }

  /**
   * The effective unclean.leader.election.enable of `topic` (Kafka's uncleanLeaderElectionEnabledForTopic): the
   * topic's config, else this controller node's dynamic broker config, else the cluster-wide dynamic default, else
   * `staticValue` (the node's static config).
   */
  uncleanLeaderElectionEnabled(image: MetadataImage, topic: string, staticValue: boolean): boolean {
    const name = 'unclean.leader.election.enable';
    const value =
      image.configs.get(configResourceKey(ConfigResourceType.TOPIC, topic))?.get(name) ??
      image.configs.get(configResourceKey(ConfigResourceType.BROKER, String(this.#options.nodeId)))?.get(name) ??
      image.configs.get(configResourceKey(ConfigResourceType.BROKER, ''))?.get(name);
    return value === undefined ? staticValue : value.toLowerCase() === 'true';
  }

  /** Legacy AlterConfigs: the given configs replace all dynamic configs of the resource. */
  legacyAlterConfigs(
    image: MetadataImage,
    resources: { resourceType: number; resourceName: string; configs: { name: string; value: string | null }[] }[],
  ): { records: MetadataRecordInput[]; results: ConfigAlterationResult[] } {
    const converted: ConfigAlteration[] = resources.map((r) => {
      const current = image.configs.get(configResourceKey(r.resourceType, r.resourceName)) ?? new Map<string, string>();
      const given = new Set(r.configs.map((c) => c.name));
      return {
        resourceType: r.resourceType,
        resourceName: r.resourceName,
        configs: [
          ...r.configs.map((c) => ({ name: c.name, operation: c.value === null ? ConfigOperation.DELETE : ConfigOperation.SET, value: c.value })),
          ...[...current.keys()].filter((k) => !given.has(k)).map((name) => ({ name, operation: ConfigOperation.DELETE, value: null })),
        ],
      };
    });
    return this.incrementalAlterConfigs(image, converted);
  }
}
