import { ApiError } from '../common/api-error.ts';
import type { BrokerTopicMetrics, TopicStats } from '../observability/broker-topic-metrics.ts';
import type { MetadataPublisher } from '../metadata/metadata-loader.ts';
import type { LogView } from '../observability/log-metrics.ts';
import { RecordsError } from '../protocol/records/records-error.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { ReplicaManager } from '../replication/replica-manager.ts';

/**
 * Partition errors of a produce that Kafka's ReplicaManager.appendToLocalLog does not count as
 * FailedProduceRequests (it reports them to the client only): too large and corrupt batches.
 */
const EXPECTED_PRODUCE_ERRORS: ReadonlySet<number> = new Set([Errors.MESSAGE_TOO_LARGE, Errors.RECORD_LIST_TOO_LARGE, Errors.CORRUPT_MESSAGE]);

/**
 * Runs the validation of one partition's produced batches counting Kafka's BrokerTopicMetrics of a produce:
 * TotalProduceRequests always; on success MessagesIn (records) and BytesIn (bytes of the batches); on failure
 * BytesRejected (the batches' bytes) for a batch over max.message.bytes (MESSAGE_TOO_LARGE, as
 * UnifiedLog.analyzeAndValidateRecords marks it), and FailedProduceRequests unless the error is one Kafka's
 * appendToLocalLog expects (too large, corrupt). Rethrows the validation's error.
 */
export async function countedProduceValidation<V extends { readonly batches: Buffer; readonly recordCount: number }>(
  stats: TopicStats,
  records: Buffer | null,
  validate: () => Promise<V>,
): Promise<V> {
  stats.totalProduceRequests.inc();
  try {
    const validated = await validate();
    stats.bytesIn.inc(validated.batches.length);
    stats.messagesIn.inc(validated.recordCount);
    return validated;
  } catch (e) {
    const code = e instanceof ApiError ? e.code : e instanceof RecordsError ? e.errorCode : Errors.UNKNOWN_SERVER_ERROR;
    if (code === Errors.MESSAGE_TOO_LARGE && records !== null) stats.bytesRejected.inc(records.length);
    if (!EXPECTED_PRODUCE_ERRORS.has(code)) stats.failedProduceRequests.inc();
    throw e;
  }
}

/** The local logs of the partitions `replicaManager` hosts, as the Log gauges read them at a scrape. */
export function* hostedLogViews(replicaManager: ReplicaManager): Iterable<LogView> {
  for (const p of replicaManager.allPartitions()) {
    const log = p.log;
    yield { topic: p.topicPartition.topic, partition: p.topicPartition.partition, size: log.size, logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset, numberOfSegments: log.numberOfSegments };
  }
}

/** Drops a deleted topic's BrokerTopicMetrics series as the deletion is published (Kafka's BrokerTopicStats.removeMetrics). */
export function brokerTopicMetricsPublisher(topics: BrokerTopicMetrics): MetadataPublisher {
  return {
    name: 'BrokerTopicMetricsPublisher',
    onMetadataUpdate(_image, changes) {
      for (const t of changes.deletedTopics.values()) topics.removeTopic(t.name);
    },
  };
}
