import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The labelled children of one API version's request metrics (see {@link BrokerMetrics.requestMetrics}). */
export interface RequestMetrics {
  readonly count: Counter.Internal;
  readonly latency: Histogram.Internal<'request'>;
}

/**
 * One topic's series of a BrokerTopicMetrics counter together with the series without a topic label, the total
 * over every topic (Kafka's `allTopicsStats`, the JMX bean without a `topic` tag): `inc` counts into both.
 */
export class TopicCounter {
  readonly #topic: Counter.Internal;
  readonly #allTopics: Counter.Internal;

  constructor(counter: Counter<'topic'>, topic: string) {
    this.#topic = counter.labels(topic);
    this.#allTopics = counter.labels({});
  }

  /** Adds `value` (>= 0) to the topic's series and to the all-topics series. */
  inc(value: number): void {
    this.#topic.inc(value);
    this.#allTopics.inc(value);
  }
}

/** The counters of one topic's produce metrics (see {@link BrokerMetrics.topicIn}). */
export interface TopicInMetrics {
  readonly bytes: TopicCounter;
  readonly messages: TopicCounter;
}

/**
 * The broker's Prometheus metrics (prom-client), named after Kafka's JMX beans where one exists
 * (`kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec` → `kafka_server_brokertopicmetrics_bytes_in_total`).
 * Node's process metrics are included, among them the event-loop delay percentiles from
 * `perf_hooks.monitorEventLoopDelay` (`nodejs_eventloop_lag_p99_seconds`, ...).
 */
export class BrokerMetrics {
  readonly registry = new Registry();
  /** Bytes of record batches appended by producers, per topic and in all (BytesInPerSec). */
  readonly bytesIn: Counter<'topic'>;
  /**
   * Bytes of records in Fetch responses to consumers, per topic and in all (BytesOutPerSec: the records' size as
   * stored, however they are sent, sendfile included; follower fetches would count as replication bytes instead).
   */
  readonly bytesOut: Counter<'topic'>;
  /** Records appended by producers, per topic and in all (MessagesInPerSec). */
  readonly messagesIn: Counter<'topic'>;
  /** Requests handled, per API name and version. */
  readonly requests: Counter<'request' | 'version'>;
  /** Time from a request's arrival to its response being ready, per API name, in seconds. */
  readonly requestLatency: Histogram<'request'>;
  /** Open client connections, per listener. */
  readonly connections: Gauge<'listener'>;
  readonly #requestChildren = new Map<string, RequestMetrics[]>();
  readonly #topicChildren = new Map<string, TopicInMetrics>();
  readonly #topicOutChildren = new Map<string, TopicCounter>();

  constructor() {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
    const registers = [this.registry];
    const allTopics = ' (without a topic label: all topics)';
    this.bytesIn = new Counter({ name: 'kafka_server_brokertopicmetrics_bytes_in_total', help: `Bytes appended by producers${allTopics}`, labelNames: ['topic'], registers });
    this.bytesOut = new Counter({ name: 'kafka_server_brokertopicmetrics_bytes_out_total', help: `Record bytes sent to consumers${allTopics}`, labelNames: ['topic'], registers });
    this.messagesIn = new Counter({ name: 'kafka_server_brokertopicmetrics_messages_in_total', help: `Records appended by producers${allTopics}`, labelNames: ['topic'], registers });
    this.requests = new Counter({ name: 'kafka_network_requestmetrics_requests_total', help: 'Requests handled', labelNames: ['request', 'version'], registers });
    this.requestLatency = new Histogram({
      name: 'kafka_network_requestmetrics_total_time_seconds',
      help: 'Request handling time',
      labelNames: ['request'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.connections = new Gauge({ name: 'kafka_server_socket_server_metrics_connection_count', help: 'Open connections', labelNames: ['listener'], registers });
  }

  /**
   * {@link requests} and {@link requestLatency} for one API (`request` = its name) and version, created once and
   * cached: a labelled `inc({...})` makes prom-client hash the label values on every request.
   */
  requestMetrics(request: string, version: number): RequestMetrics {
    let byVersion = this.#requestChildren.get(request);
    if (byVersion === undefined) this.#requestChildren.set(request, (byVersion = []));
    return (byVersion[version] ??= {
      count: this.requests.labels(request, String(version)),
      latency: this.requestLatency.labels(request),
    });
  }

  /** {@link bytesIn} and {@link messagesIn} for one topic, created once and cached (as {@link requestMetrics}). */
  topicIn(topic: string): TopicInMetrics {
    let children = this.#topicChildren.get(topic);
    if (children === undefined) {
      children = { bytes: new TopicCounter(this.bytesIn, topic), messages: new TopicCounter(this.messagesIn, topic) };
      this.#topicChildren.set(topic, children);
    }
    return children;
  }

  /** {@link bytesOut} for one topic, created once and cached (as {@link requestMetrics}). */
  topicBytesOut(topic: string): TopicCounter {
    let counter = this.#topicOutChildren.get(topic);
    if (counter === undefined) this.#topicOutChildren.set(topic, (counter = new TopicCounter(this.bytesOut, topic)));
    return counter;
  }
}

/**
 * Serves `registry` at `http://<listener>/metrics` (the `metrics.prometheus.listener` extension, "host:port").
 * @throws Error when the listener is malformed or cannot be bound.
 */
export async function startMetricsServer(listener: string, registry: Registry): Promise<Server> {
  const colon = listener.lastIndexOf(':');
  const host = listener.slice(0, colon);
  const port = Number(listener.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`metrics.prometheus.listener must be host:port, got '${listener}'`);
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host === '' ? undefined : host, () => resolve());
  });
  return server;
}
