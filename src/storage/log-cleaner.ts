import type { Time } from '../common/time.ts';
import type { TopicPartition } from '../common/topic-partition.ts';
import type { Logger } from '../observability/logger.ts';
import type { UnifiedLog } from './unified-log.ts';

/** log.cleaner.* settings. */
export interface LogCleanerOptions {
  readonly backoffMs?: number;
}

/** Placeholder (replaced below). */
export class LogCleaner {
  constructor(_o: LogCleanerOptions & { time: Time; logger: Logger; logs: () => UnifiedLog[] }) {}
  startup(): void {}
  async shutdown(): Promise<void> {}
  abortCleaning(_tp: TopicPartition): void {}
}
