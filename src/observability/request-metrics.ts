import { Counter, Summary, type Registry } from 'prom-client';

/** The cached children of one request name (and version, for the count): see {@link RequestMetrics.forRequest}. */
export interface RequestTypeMetrics {
  /** RequestsPerSec of this name and version. */
  readonly requests: Counter.Internal;
  /** TotalTimeMs: from the request's dispatch to its response being ready, in ms. */
  readonly totalTimeMs: Summary.Internal<'request'>;
  /** LocalTimeMs: the synchronous part of the handler on the event loop, in ms. */
  readonly localTimeMs: Summary.Internal<'request'>;
  /** RemoteTimeMs: the asynchronous rest (disk I/O, purgatory waits, forwarding), in ms. */
  readonly remoteTimeMs: Summary.Internal<'request'>;
}

/**
 * The options of a summary standing for a Kafka (Yammer) histogram or timer: its quantiles as the JMX exporter
 * exports them (50th..999thPercentile; prom-client writes `quantile="0.5"`, the exporter `"0.50"`: `0.99` and
 * `0.999`, what dashboards query, agree), over a sliding 5 minutes (Kafka's histograms favour the last 5 minutes).
 */
export function kafkaHistogramSummary(): { percentiles: number[]; maxAgeSeconds: number; ageBuckets: number } {
  return { percentiles: [0.5, 0.75, 0.95, 0.98, 0.99, 0.999], maxAgeSeconds: 300, ageBuckets: 3 };
}

/**
 * Kafka's `kafka.network:type=RequestMetrics` beans per request name, as the JMX exporter's kafka-2_0_0.yml rules
 * export them:
 * - `RequestsPerSec,request=<name>,version=<v>` → counter `kafka_network_requestmetrics_requests_total{request,version}`;
 * - the `...TimeMs,request=<name>` histograms → summaries `kafka_network_requestmetrics_totaltimems{request,quantile}`
 *   (+ `_count`, `_sum`), `..._localtimems`, `..._remotetimems`, in ms over a sliding 5-minute window (Kafka's
 *   histograms are biased to the last 5 minutes).
 * Fetch requests count under `Fetch` and under `FetchConsumer` or `FetchFollower`, as Kafka's RequestChannel does.
 * RequestQueueTimeMs, ResponseQueueTimeMs and ResponseSendTimeMs are not exported: the network layer does not
 * time a request's wait before dispatch nor its response's write yet.
 */
export class RequestMetrics {
  readonly #requests: Counter<'request' | 'version'>;
  readonly #totalTimeMs: Summary<'request'>;
  readonly #localTimeMs: Summary<'request'>;
  readonly #remoteTimeMs: Summary<'request'>;
  readonly #children = new Map<string, RequestTypeMetrics[]>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.#requests = new Counter({ name: 'kafka_network_requestmetrics_requests_total', help: 'Requests handled (RequestMetrics RequestsPerSec)', labelNames: ['request', 'version'], registers });
    const summary = (name: string, help: string): Summary<'request'> =>
      new Summary({ name: `kafka_network_requestmetrics_${name}`, help, labelNames: ['request'], ...kafkaHistogramSummary(), registers });
    this.#totalTimeMs = summary('totaltimems', 'Time in ms from dispatch to the response being ready (RequestMetrics TotalTimeMs)');
    this.#localTimeMs = summary('localtimems', 'Time in ms of the handler\'s synchronous part on the event loop (RequestMetrics LocalTimeMs)');
    this.#remoteTimeMs = summary('remotetimems', 'Time in ms the handler waited asynchronously: disk I/O, purgatory, forwarding (RequestMetrics RemoteTimeMs)');
  }

  /**
   * The children of request `name` (Kafka's ApiKeys name: `Produce`, `Fetch`, `FetchConsumer` ...) at `version`,
   * created once and cached: a labelled `inc({...})` would hash the label values on every request.
   */
  forRequest(name: string, version: number): RequestTypeMetrics {
    let byVersion = this.#children.get(name);
    if (byVersion === undefined) this.#children.set(name, (byVersion = []));
    return (byVersion[version] ??= {
      requests: this.#requests.labels(name, String(version)),
      totalTimeMs: this.#totalTimeMs.labels(name),
      localTimeMs: this.#localTimeMs.labels(name),
      remoteTimeMs: this.#remoteTimeMs.labels(name),
    });
  }
}

/**
 * Times one request into one or two {@link RequestTypeMetrics} (Fetch and FetchConsumer/FetchFollower): counts it
 * now; {@link localDone} marks the end of the handler's synchronous part; {@link done} the response being ready.
 */
export class RequestTimer {
  readonly #metrics: RequestTypeMetrics;
  readonly #also: RequestTypeMetrics | null;
  readonly #startMs = performance.now();
  #localEndMs = -1;

  constructor(metrics: RequestTypeMetrics, also: RequestTypeMetrics | null) {
    this.#metrics = metrics;
    this.#also = also;
    metrics.requests.inc();
    also?.requests.inc();
  }

  /** The handler returned (synchronously, or with a promise). */
  localDone(): void {
    this.#localEndMs = performance.now();
  }

  /** The response is ready: records TotalTimeMs, LocalTimeMs and RemoteTimeMs. */
  done(): void {
    const end = performance.now();
    const localEnd = this.#localEndMs < 0 ? end : this.#localEndMs;
    observeTimes(this.#metrics, this.#startMs, localEnd, end);
    if (this.#also !== null) observeTimes(this.#also, this.#startMs, localEnd, end);
  }
}

function observeTimes(m: RequestTypeMetrics, startMs: number, localEndMs: number, endMs: number): void {
  m.totalTimeMs.observe(endMs - startMs);
  m.localTimeMs.observe(localEndMs - startMs);
  m.remoteTimeMs.observe(endMs - localEndMs);
}
