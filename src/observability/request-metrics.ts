import { Counter, Summary, type Registry } from 'prom-client';

/** The cached children of one request name (and version, for the count): see {@link RequestMetrics.forRequest}. */
export interface RequestTypeMetrics {
  /** RequestsPerSec of this name and version. */
  readonly requests: Counter.Internal;
  /** TotalTimeMs: from the request being read off the socket to its response being sent, in ms. */
  readonly totalTimeMs: Summary.Internal<'request'>;
  /** RequestQueueTimeMs: from the request being read to its dispatch to the handler, in ms. */
  readonly requestQueueTimeMs: Summary.Internal<'request'>;
  /** LocalTimeMs: the synchronous part of the handler on the event loop, in ms. */
  readonly localTimeMs: Summary.Internal<'request'>;
  /** RemoteTimeMs: the asynchronous rest (disk I/O, purgatory waits, forwarding), in ms. */
  readonly remoteTimeMs: Summary.Internal<'request'>;
  /** ResponseQueueTimeMs: from the response being ready to its turn to be written (responses go in request order), in ms. */
  readonly responseQueueTimeMs: Summary.Internal<'request'>;
  /** ResponseSendTimeMs: from the start of the response's write to the kernel taking its last byte, in ms. */
  readonly responseSendTimeMs: Summary.Internal<'request'>;
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
 *   (+ `_count`, `_sum`), `..._requestqueuetimems`, `..._localtimems`, `..._remotetimems`,
 *   `..._responsequeuetimems`, `..._responsesendtimems`, in ms over a sliding 5-minute window (Kafka's histograms
 *   are biased to the last 5 minutes).
 * The phases add up as Kafka's (RequestChannel.updateRequestMetrics): TotalTimeMs = RequestQueueTimeMs +
 * LocalTimeMs + RemoteTimeMs + ResponseQueueTimeMs + ResponseSendTimeMs. The queue and send phases need the
 * connection's timestamps ({@link RequestTimer}); a request without them (one forwarded inside an Envelope, whose
 * Envelope is timed itself) records none of them, and its TotalTimeMs ends when its response is ready. Kafka's ThrottleTimeMs and
 * MessageConversionsTimeMs are not exported (this broker never converts records).
 * Fetch requests count under `Fetch` and under `FetchConsumer` or `FetchFollower`, as Kafka's RequestChannel does.
 */
export class RequestMetrics {
  readonly #requests: Counter<'request' | 'version'>;
  readonly #totalTimeMs: Summary<'request'>;
  readonly #localTimeMs: Summary<'request'>;
  readonly #remoteTimeMs: Summary<'request'>;
  readonly #requestQueueTimeMs: Summary<'request'>;
  readonly #responseQueueTimeMs: Summary<'request'>;
  readonly #responseSendTimeMs: Summary<'request'>;
  readonly #children = new Map<string, RequestTypeMetrics[]>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.#requests = new Counter({ name: 'kafka_network_requestmetrics_requests_total', help: 'Requests handled (RequestMetrics RequestsPerSec)', labelNames: ['request', 'version'], registers });
    const summary = (name: string, help: string): Summary<'request'> =>
      new Summary({ name: `kafka_network_requestmetrics_${name}`, help, labelNames: ['request'], ...kafkaHistogramSummary(), registers });
    this.#totalTimeMs = summary('totaltimems', 'Time in ms from the request being read to its response being sent (RequestMetrics TotalTimeMs)');
    this.#requestQueueTimeMs = summary('requestqueuetimems', 'Time in ms the request waited between being read and its dispatch (RequestMetrics RequestQueueTimeMs)');
    this.#responseQueueTimeMs = summary('responsequeuetimems', 'Time in ms the ready response waited for its turn to be written (RequestMetrics ResponseQueueTimeMs)');
    this.#responseSendTimeMs = summary('responsesendtimems', 'Time in ms to write the response to the socket (RequestMetrics ResponseSendTimeMs)');
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
      requestQueueTimeMs: this.#requestQueueTimeMs.labels(name),
      responseQueueTimeMs: this.#responseQueueTimeMs.labels(name),
      responseSendTimeMs: this.#responseSendTimeMs.labels(name),
    });
  }
}

/** The connection's timestamps of a request, as the network layer's RequestTiming (structurally: observability sits below network). */
export interface NetworkTiming {
  readonly receivedMs: number;
  onResponseSent?: (sendStartMs: number, sendEndMs: number) => void;
}

/**
 * Times one request into one or two {@link RequestTypeMetrics} (Fetch and FetchConsumer/FetchFollower): counts it
 * and records its RequestQueueTimeMs now (dispatch); {@link localDone} marks the end of the handler's synchronous
 * part; {@link done} the response being ready (LocalTimeMs, RemoteTimeMs). With the connection's `timing`, the
 * rest is recorded when the connection reports the response sent (ResponseQueueTimeMs, ResponseSendTimeMs,
 * TotalTimeMs from the request's read); without it, TotalTimeMs is recorded at {@link done} from the dispatch.
 */
export class RequestTimer {
  /** The request's metrics, and FetchConsumer's or FetchFollower's for a Fetch. */
  readonly #all: readonly RequestTypeMetrics[];
  readonly #startMs = performance.now();
  readonly #receivedMs: number;
  readonly #awaitsSend: boolean;
  #localEndMs = -1;
  #readyMs = -1;

  constructor(metrics: RequestTypeMetrics, also: RequestTypeMetrics | null, timing?: NetworkTiming) {
    this.#all = also === null ? [metrics] : [metrics, also];
    this.#receivedMs = timing?.receivedMs ?? this.#startMs;
    this.#awaitsSend = timing !== undefined;
    if (timing !== undefined) timing.onResponseSent = (sendStartMs, sendEndMs) => this.#sent(sendStartMs, sendEndMs);
    for (const m of this.#all) {
      m.requests.inc();
      m.requestQueueTimeMs.observe(this.#startMs - this.#receivedMs);
    }
  }

  /** The handler returned (synchronously, or with a promise). */
  localDone(): void {
    this.#localEndMs = performance.now();
  }

  /** The response is ready: records LocalTimeMs and RemoteTimeMs (and TotalTimeMs without the connection's timing). */
  done(): void {
    const end = (this.#readyMs = performance.now());
    const localEnd = this.#localEndMs < 0 ? end : this.#localEndMs;
    for (const m of this.#all) {
      m.localTimeMs.observe(localEnd - this.#startMs);
      m.remoteTimeMs.observe(end - localEnd);
      if (!this.#awaitsSend) m.totalTimeMs.observe(end - this.#receivedMs);
    }
  }

  #sent(sendStartMs: number, sendEndMs: number): void {
    // A response is only sent once ready; the guard keeps a misbehaving caller from recording negative times.
    const readyMs = this.#readyMs < 0 ? sendStartMs : this.#readyMs;
    for (const m of this.#all) {
      m.responseQueueTimeMs.observe(Math.max(0, sendStartMs - readyMs));
      m.responseSendTimeMs.observe(sendEndMs - sendStartMs);
      m.totalTimeMs.observe(sendEndMs - this.#receivedMs);
    }
  }
}
