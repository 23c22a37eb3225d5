import { performance } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/** Kafka's default metrics.sample.window.ms and metrics.num.samples: a rate covers two 30 s windows. */
const SAMPLE_WINDOW_MS = 30_000;

/**
 * Kafka's `Rate` over a `SampledStat` of two windows: events per second over the current window and the one
 * before it (the older is dropped when a third starts), so the value follows the last 30 to 60 s.
 */
export class WindowedRate {
  readonly #nowMs: () => number;
  readonly #startMs: number;
  #windowStartMs: number;
  #current = 0;
  #previous = 0;
  #total = 0;

  /** @param nowMs a monotonic clock in ms (default `performance.now`). */
  constructor(nowMs: () => number = () => performance.now()) {
    this.#nowMs = nowMs;
    this.#startMs = this.#windowStartMs = nowMs();
  }

  /** Records `n` events now. */
  record(n = 1): void {
    this.#roll(this.#nowMs());
    this.#current += n;
    this.#total += n;
  }

  /** Events recorded since creation (Kafka's CumulativeSum, the `-total` metric). */
  get total(): number {
    return this.#total;
  }

  /** Events per second over the retained windows (at least one window's length, as Kafka's Rate). */
  perSecond(): number {
    const now = this.#nowMs();
    this.#roll(now);
    const previousStart = this.#windowStartMs - SAMPLE_WINDOW_MS;
    const from = Math.max(this.#startMs, previousStart);
    const elapsedMs = Math.max(now - from, SAMPLE_WINDOW_MS);
    return ((this.#previous + this.#current) * 1000) / elapsedMs;
  }

  #roll(now: number): void {
    if (now - this.#windowStartMs < SAMPLE_WINDOW_MS) return;
    const windows = Math.floor((now - this.#windowStartMs) / SAMPLE_WINDOW_MS);
    this.#previous = windows === 1 ? this.#current : 0;
    this.#current = 0;
    this.#windowStartMs += windows * SAMPLE_WINDOW_MS;
  }
}

interface ListenerStats {
  count: number;
  readonly creations: WindowedRate;
  readonly closes: WindowedRate;
}

/**
 * Kafka's `kafka.server:type=socket-server-metrics,listener=<name>,networkProcessor=<n>` metrics as the JMX
 * exporter exports them (`kafka_server_socket_server_metrics_<attribute with - as _>{listener,networkProcessor}`):
 * connection_count, connection_creation_rate/_total, connection_close_rate/_total. One Node event loop plays
 * every network processor, so `networkProcessor` is always "0". Also
 * `kafka.network:type=SocketServer,name=NetworkProcessorAvgIdlePercent` →
 * `kafka_network_socketserver_networkprocessoravgidlepercent`: the event loop's idle fraction (0..1) since the
 * previous scrape, from `performance.eventLoopUtilization` (the loop does the processors' work).
 * All values are computed at scrape; a connection opening or closing updates two numbers.
 */
export class SocketServerMetrics {
  readonly #listeners = new Map<string, ListenerStats>();

  constructor(registry: Registry) {
    const registers = [registry];
    const labelNames = ['listener', 'networkProcessor'] as const;
    const listeners = this.#listeners;
    const perListener: readonly (readonly [name: string, help: string, value: (s: ListenerStats) => number])[] = [
      ['connection_count', 'Open connections', (s) => s.count],
      ['connection_creation_rate', 'New connections per second (last 30-60 s)', (s) => s.creations.perSecond()],
      ['connection_creation_total', 'Connections accepted', (s) => s.creations.total],
      ['connection_close_rate', 'Closed connections per second (last 30-60 s)', (s) => s.closes.perSecond()],
      ['connection_close_total', 'Connections closed', (s) => s.closes.total],
    ];
    for (const [name, help, value] of perListener) {
      new Gauge({
        name: `kafka_server_socket_server_metrics_${name}`,
        help,
        labelNames,
        registers,
        collect() {
          for (const [listener, s] of listeners) this.set({ listener, networkProcessor: '0' }, value(s));
        },
      });
    }
    let last = performance.eventLoopUtilization();
    new Gauge({
      name: 'kafka_network_socketserver_networkprocessoravgidlepercent',
      help: 'Fraction of time (0..1) the event loop, which does the network processors\' work, was idle since the previous scrape',
      registers,
      collect() {
        const now = performance.eventLoopUtilization();
        this.set(1 - performance.eventLoopUtilization(now, last).utilization);
        last = now;
      },
    });
  }

  /** A connection was accepted on `listener`. */
  connectionOpened(listener: string): void {
    const s = this.#stats(listener);
    s.count++;
    s.creations.record();
  }

  /** A connection on `listener` closed. */
  connectionClosed(listener: string): void {
    const s = this.#stats(listener);
    s.count--;
    s.closes.record();
  }

  #stats(listener: string): ListenerStats {
    let s = this.#listeners.get(listener);
    if (s === undefined) this.#listeners.set(listener, (s = { count: 0, creations: new WindowedRate(), closes: new WindowedRate() }));
    return s;
  }
}
