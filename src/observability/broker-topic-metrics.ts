import { Counter, type Registry } from 'prom-client';

/**
 * One topic's series of a BrokerTopicMetrics counter together with the series without a topic label, the total
 * over every topic (Kafka's `allTopicsStats`, the JMX bean without a `topic` tag): `inc` counts into both.
 */
export class TopicCounter {
  readonly #topic: Counter.Internal;
  readonly #allTopics: Counter.Internal;

  constructor(counter: Counter<'topic'>, topic: string) {
    // Created at 0, as Kafka registers a topic's meters together: a dashboard sees every series of the topic.
    this.#topic = counter.labels(topic);
    this.#topic.inc(0);
    this.#allTopics = counter.labels({});
  }

  /** Adds `value` (>= 0, default 1) to the topic's series and to the all-topics series. */
  inc(value = 1): void {
    this.#topic.inc(value);
    this.#allTopics.inc(value);
  }
}

/** The meters of Kafka's `kafka.server:type=BrokerTopicMetrics`, by their JMX name without `PerSec`. */
const METERS = {
  messagesIn: ['MessagesIn', 'Records appended by producers'],
  bytesIn: ['BytesIn', 'Bytes of record batches appended by producers'],
  bytesOut: ['BytesOut', 'Record bytes in Fetch responses to consumers (follower fetches excluded)'],
  bytesRejected: ['BytesRejected', 'Bytes of produced batches rejected for exceeding max.message.bytes'],
  failedProduceRequests: ['FailedProduceRequests', 'Produce partition requests that failed (other than not-leader, unknown partition, too large, corrupt)'],
  failedFetchRequests: ['FailedFetchRequests', 'Fetch partition requests that failed (other than not-leader, unknown partition, offset out of range)'],
  totalProduceRequests: ['TotalProduceRequests', 'Produce partition requests validated here'],
  totalFetchRequests: ['TotalFetchRequests', 'Fetch partition requests read here (consumers and followers)'],
} as const;

type MeterKey = keyof typeof METERS;

/** One topic's BrokerTopicMetrics meters (Kafka's `BrokerTopicStats.topicStats(topic)`), each also counting the total. */
export type TopicStats = { readonly [K in MeterKey]: TopicCounter };

/**
 * Kafka's BrokerTopicMetrics as the Prometheus JMX exporter's kafka-2_0_0.yml rules export them: each
 * `...PerSec` meter is a counter `kafka_server_brokertopicmetrics_<name without PerSec, lowercased>_total`, one
 * series per topic (`topic` label) and one without labels for all topics (`bytesin_total`, `messagesin_total`,
 * `bytesout_total`, `bytesrejected_total`, `failedproducerequests_total`, `failedfetchrequests_total`,
 * `totalproducerequests_total`, `totalfetchrequests_total`). Per-topic children are created once and cached, so
 * the request path increments without hashing label values.
 */
export class BrokerTopicMetrics {
  readonly #counters: { readonly [K in MeterKey]: Counter<'topic'> };
  readonly #topics = new Map<string, TopicStats>();

  constructor(registry: Registry) {
    const counters = {} as Record<MeterKey, Counter<'topic'>>;
    for (const key of Object.keys(METERS) as MeterKey[]) {
      const [name, help] = METERS[key];
      counters[key] = new Counter({
        name: `kafka_server_brokertopicmetrics_${name.toLowerCase()}_total`,
        help: `${help} (BrokerTopicMetrics ${name}PerSec; without a topic label: all topics)`,
        labelNames: ['topic'],
        registers: [registry],
      });
      counters[key].inc(0);
    }
    this.#counters = counters;
  }

  /** The meters of `topic`, created on first use and cached. */
  topicStats(topic: string): TopicStats {
    let stats = this.#topics.get(topic);
    if (stats === undefined) {
      const s = {} as Record<MeterKey, TopicCounter>;
      for (const key of Object.keys(METERS) as MeterKey[]) s[key] = new TopicCounter(this.#counters[key], topic);
      this.#topics.set(topic, (stats = s));
    }
    return stats;
  }

  /** Drops the series of a deleted topic (Kafka's BrokerTopicStats.removeMetrics); the all-topics totals stay. */
  removeTopic(topic: string): void {
    if (!this.#topics.delete(topic)) return;
    for (const counter of Object.values(this.#counters)) counter.remove(topic);
  }
}
