import { opendir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { Gauge, Registry, Summary, collectDefaultMetrics } from 'prom-client';
import { BrokerTopicMetrics, type TopicStats } from './broker-topic-metrics.ts';
import { scrapeRegistry } from './bulk-gauges.ts';
import { kafkaHistogramSummary, RequestMetrics } from './request-metrics.ts';
import { SocketServerMetrics } from './socket-server-metrics.ts';

/**
 * The broker's Prometheus metrics (prom-client), named as Kafka's JMX beans look through the Prometheus JMX
 * exporter's kafka-2_0_0.yml rules (docs/metrics.md): BrokerTopicMetrics ({@link topics}), RequestMetrics
 * ({@link requests}), socket-server metrics ({@link socketServer}); the other components register theirs in
 * {@link registry}. Node's process metrics are included (prom-client's defaults: heap, GC durations
 * `nodejs_gc_duration_seconds`, event-loop delay percentiles `nodejs_eventloop_lag_p99_seconds` ...).
 */
export class BrokerMetrics {
  readonly registry = new Registry();
  /** kafka.server:type=BrokerTopicMetrics, per topic and for all topics. */
  readonly topics: BrokerTopicMetrics;
  /** kafka.network:type=RequestMetrics, per request name. */
  readonly requests: RequestMetrics;
  /** kafka.server:type=socket-server-metrics, per listener. */
  readonly socketServer: SocketServerMetrics;
  /**
   * `kafka.log:type=LogFlushStats,name=LogFlushRateAndTimeMs` → `kafka_log_logflushstats_logflushrateandtimems`:
   * the duration in ms of each log flush that synced something (quantiles over 5 minutes, `_count`: flushes).
   */
  readonly logFlushTimeMs: Summary;

  constructor() {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
    registerOpenFdsGauge(this.registry);
    this.topics = new BrokerTopicMetrics(this.registry);
    this.requests = new RequestMetrics(this.registry);
    this.socketServer = new SocketServerMetrics(this.registry);
    this.logFlushTimeMs = new Summary({
      name: 'kafka_log_logflushstats_logflushrateandtimems',
      help: 'Duration in ms of log flushes (LogFlushStats LogFlushRateAndTimeMs)',
      ...kafkaHistogramSummary(),
      registers: [this.registry],
    });
  }

  /** The BrokerTopicMetrics meters of `topic` (cached; see {@link BrokerTopicMetrics.topicStats}). */
  topicStats(topic: string): TopicStats {
    return this.topics.topicStats(topic);
  }
}

/**
 * Replaces prom-client's `process_open_fds` (same name and meaning), whose collect() lists /proc/self/fd with
 * readdirSync: a broker with 10,000 partitions holds ~30,000 descriptors (segment, offset and time index of each),
 * which blocked the event loop ~9 ms a scrape. This one walks the directory in the libuv thread pool (opendir reads
 * it in batches off the loop). Linux only, as prom-client's: elsewhere the series is absent.
 */
function registerOpenFdsGauge(registry: Registry): void {
  if (registry.getSingleMetric('process_open_fds') === undefined) return;
  registry.removeSingleMetric('process_open_fds');
  new Gauge({
    name: 'process_open_fds',
    help: 'Number of open file descriptors.',
    registers: [registry],
    async collect() {
      let n = 0;
      try {
        for await (const _ of await opendir('/proc/self/fd', { bufferSize: 1024 })) n++;
      } catch {
        return;
      }
      // The directory handle counted itself.
      this.set(n - 1);
    },
  });
}

/** The answer of `/readyz`: ready, or the reason why not. */
export type Readiness = { readonly ready: true } | { readonly ready: false; readonly reason: string };

/**
 * Serves, on the `metrics.prometheus.listener` extension ("host:port"):
 * - `GET /metrics`: `registry` in the Prometheus text format, its bulk gauges included ({@link scrapeRegistry});
 * - `GET /healthz`: 200 `{"status":"ok"}` while the process serves HTTP (liveness);
 * - `GET /readyz`: 200 `{"status":"ready"}` when `readiness()` says so, else 503 `{"status":"not ready","reason":..}`
 *   (without `readiness`: always ready);
 * anything else 404.
 * @throws Error when the listener is malformed or cannot be bound.
 */
export async function startMetricsServer(listener: string, registry: Registry, readiness: () => Readiness = () => ({ ready: true })): Promise<Server> {
  const colon = listener.lastIndexOf(':');
  const host = listener.slice(0, colon);
  const port = Number(listener.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`metrics.prometheus.listener must be host:port, got '${listener}'`);
  const json = { 'content-type': 'application/json' };
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?', 1)[0];
    if (path === '/healthz') {
      res.writeHead(200, json).end('{"status":"ok"}');
      return;
    }
    if (path === '/readyz') {
      const r = readiness();
      if (r.ready) res.writeHead(200, json).end('{"status":"ready"}');
      else res.writeHead(503, json).end(JSON.stringify({ status: 'not ready', reason: r.reason }));
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    scrapeRegistry(registry).then(
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
