import type { QuorumController } from '../controller/quorum-controller.ts';
import type { TopicCreationResult } from '../controller/replication-control-manager.ts';
import type { MetadataImage } from '../metadata/metadata-image.ts';

export interface AutoTopicCreationOptions {
  controller: QuorumController;
  image(): MetadataImage;
  /** auto.create.topics.enable */
  enabled: boolean;
  /** Topic configs used for the coordinators' internal topics, by topic name. */
  internalTopicConfigs(topic: string): { numPartitions: number; replicationFactor: number; configs: { name: string; value: string }[] } | null;
}

/**
 * Creates topics on first use, after Kafka's `AutoTopicCreationManager`: Metadata requests for unknown topics
 * (when `auto.create.topics.enable` and the request allows it) and the coordinators' internal topics
 * (`__consumer_offsets`, `__transaction_state`, created by FindCoordinator). Unlike Kafka, which answers
 * UNKNOWN_TOPIC_OR_PARTITION / LEADER_NOT_AVAILABLE while the creation is in flight, the creation is awaited, so
 * the first Metadata answer is already complete. Concurrent requests for the same topic share one creation.
 */
export class AutoTopicCreationManager {
  readonly #options: AutoTopicCreationOptions;
  readonly #inflight = new Map<string, Promise<TopicCreationResult>>();

  constructor(options: AutoTopicCreationOptions) {
    this.#options = options;
  }

  get enabled(): boolean {
    return this.#options.enabled;
  }

  /**
   * Creates `topic` with the broker defaults (or the internal topic's settings) unless it exists.
   * @returns the creation result; errorCode 36 TOPIC_ALREADY_EXISTS counts as success for callers.
   */
  createTopic(topic: string): Promise<TopicCreationResult> {
    const existing = this.#inflight.get(topic);
    if (existing !== undefined) return existing;
    const internal = this.#options.internalTopicConfigs(topic);
    const promise = this.#options.controller
      .createTopics(
        [{
          name: topic,
          numPartitions: internal?.numPartitions ?? -1,
          replicationFactor: internal?.replicationFactor ?? -1,
          assignments: [],
          configs: internal?.configs ?? [],
        }],
        false,
      )
      .then((results) => results[0]!)
      .finally(() => this.#inflight.delete(topic));
    this.#inflight.set(topic, promise);
    return promise;
  }
}
