// The broker configs that drive the LogManager and its log cleaner, read from a KafkaConfig in one place: at
// start-up, and again on each dynamic broker config change for the settings Kafka lets change at run time.

import type { KafkaConfig } from '../config/kafka-config.ts';
import type { LogCleanerOptions } from '../storage/log-cleaner.ts';
import type { LogManagerOptions } from '../storage/log-manager.ts';

/** The log.cleaner.* settings (Kafka's `CleanerConfig`), all of them dynamic (cluster-wide) in Kafka. */
export function logCleanerSettings(config: KafkaConfig): LogCleanerOptions {
  return {
    threads: config.getInt('log.cleaner.threads'),
    backoffMs: config.getLong('log.cleaner.backoff.ms'),
    dedupeBufferSize: config.getLong('log.cleaner.dedupe.buffer.size'),
    dedupeBufferLoadFactor: config.getDouble('log.cleaner.io.buffer.load.factor'),
    ioBufferSize: config.getInt('log.cleaner.io.buffer.size'),
    maxIoBytesPerSecond: config.getDouble('log.cleaner.io.max.bytes.per.second'),
  };
}

/**
 * The LogManager options that come from broker configs: the background tasks' intervals
 * (log.retention.check.interval.ms, log.flush.scheduler.interval.ms, log.flush.offset.checkpoint.interval.ms,
 * log.flush.start.offset.checkpoint.interval.ms, log.initial.task.delay.ms), num.recovery.threads.per.data.dir,
 * and the log cleaner (off with log.cleaner.enable=false).
 */
export function logManagerSettings(config: KafkaConfig): Pick<
  LogManagerOptions,
  'recoveryThreadsPerDataDir' | 'retentionCheckIntervalMs' | 'flushSchedulerIntervalMs' | 'flushCheckpointIntervalMs' | 'flushStartOffsetCheckpointIntervalMs' | 'initialTaskDelayMs' | 'cleaner'
> {
  return {
    recoveryThreadsPerDataDir: config.getInt('num.recovery.threads.per.data.dir'),
    retentionCheckIntervalMs: config.getLong('log.retention.check.interval.ms'),
    flushSchedulerIntervalMs: config.getLong('log.flush.scheduler.interval.ms'),
    flushCheckpointIntervalMs: config.getInt('log.flush.offset.checkpoint.interval.ms'),
    flushStartOffsetCheckpointIntervalMs: config.getInt('log.flush.start.offset.checkpoint.interval.ms'),
    initialTaskDelayMs: config.getLong('log.initial.task.delay.ms'),
    cleaner: config.getBoolean('log.cleaner.enable') ? logCleanerSettings(config) : false,
  };
}
