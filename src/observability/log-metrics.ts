import { Gauge, type Registry } from 'prom-client';

/** What the Log gauges read of one local log at a scrape. */
export interface LogView {
  readonly topic: string;
  readonly partition: number;
  /** Bytes of the log's segments. */
  readonly size: number;
  readonly logStartOffset: bigint;
  readonly logEndOffset: bigint;
  readonly numberOfSegments: number;
}

const LOG_GAUGES: readonly (readonly [name: string, help: string, value: (l: LogView) => number])[] = [
  ['size', 'Bytes of the partition\'s log segments (Log Size)', (l) => l.size],
  ['logstartoffset', 'First offset of the partition\'s log (Log LogStartOffset)', (l) => Number(l.logStartOffset)],
  ['logendoffset', 'Offset of the next record appended to the partition\'s log (Log LogEndOffset)', (l) => Number(l.logEndOffset)],
  ['numlogsegments', 'Segments of the partition\'s log (Log NumLogSegments)', (l) => l.numberOfSegments],
];

/**
 * Kafka's per-partition `kafka.log:type=Log,name=<Size|LogStartOffset|LogEndOffset|NumLogSegments>,topic=..,partition=..`
 * gauges as the JMX exporter's kafka-2_0_0.yml rules export them: `kafka_log_log_size{topic,partition}`,
 * `kafka_log_log_logstartoffset`, `kafka_log_log_logendoffset`, `kafka_log_log_numlogsegments`. Computed at scrape
 * from `logs()` (the series of a deleted partition disappear with it); nothing runs on the request path.
 */
export function registerLogMetrics(registry: Registry, logs: () => Iterable<LogView>): void {
  for (const [name, help, value] of LOG_GAUGES) {
    new Gauge({
      name: `kafka_log_log_${name}`,
      help,
      labelNames: ['topic', 'partition'],
      registers: [registry],
      collect() {
        this.reset();
        for (const l of logs()) this.set({ topic: l.topic, partition: String(l.partition) }, value(l));
      },
    });
  }
}
