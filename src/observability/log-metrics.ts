import type { Registry } from 'prom-client';
import { labelString, registerBulkGauges } from './bulk-gauges.ts';

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

const LOG_GAUGES = [
  { name: 'kafka_log_log_size', help: 'Bytes of the partition\'s log segments (Log Size)', value: (l: LogView) => l.size },
  { name: 'kafka_log_log_logstartoffset', help: 'First offset of the partition\'s log (Log LogStartOffset)', value: (l: LogView) => Number(l.logStartOffset) },
  { name: 'kafka_log_log_logendoffset', help: 'Offset of the next record appended to the partition\'s log (Log LogEndOffset)', value: (l: LogView) => Number(l.logEndOffset) },
  { name: 'kafka_log_log_numlogsegments', help: 'Segments of the partition\'s log (Log NumLogSegments)', value: (l: LogView) => l.numberOfSegments },
];

/**
 * Kafka's per-partition `kafka.log:type=Log,name=<Size|LogStartOffset|LogEndOffset|NumLogSegments>,topic=..,partition=..`
 * gauges as the JMX exporter's kafka-2_0_0.yml rules export them: `kafka_log_log_size{topic,partition}`,
 * `kafka_log_log_logstartoffset`, `kafka_log_log_logendoffset`, `kafka_log_log_numlogsegments`. Computed at scrape
 * from `logs()` as bulk gauges (see {@link registerBulkGauges}: the series of a deleted partition disappear with it);
 * nothing runs on the request path.
 */
export function registerLogMetrics(registry: Registry, logs: () => Iterable<LogView>): void {
  registerBulkGauges(registry, LOG_GAUGES, logs, (l) => labelString([['topic', l.topic], ['partition', String(l.partition)]]));
}
