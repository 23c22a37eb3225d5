import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { topicPartitionKey } from '../common/topic-partition.ts';
import type { Logger } from '../observability/logger.ts';
import type { MetadataImage } from '../metadata/metadata-image.ts';
import { LogFileUtils } from '../storage/log-file-utils.ts';
import type { PartitionLog, PartitionLogManager } from './partition-log.ts';

/**
 * The topic id recorded in a partition directory's `partition.metadata` (Kafka's PartitionMetadataFile:
 * "version: 0" then "topic_id: <base64 uuid>"), or null when the file is missing or unreadable.
 */
async function recordedTopicId(logDir: string): Promise<string | null> {
  try {
    const text = await readFile(join(logDir, LogFileUtils.PARTITION_METADATA_FILE), 'utf8');
    return /^topic_id:\s*(\S+)\s*$/m.exec(text)?.[1] ?? null;
  } catch {
    return null;
  }
}

/**
 * Kafka's stray-replica check on the first metadata image (LogManager.findStrayReplicas, KAFKA-14616): a log
 * loaded from disk whose topic is not in the image, whose partition is not assigned to this node, or whose
 * `partition.metadata` names another topic id (an earlier incarnation of a re-created topic, when a crash came
 * between the RemoveTopicRecord and the directory's removal) is deleted. Otherwise it would be served as the
 * current topic's data, or resurface when the name is used again.
 */
export async function deleteStrayLogs<L extends PartitionLog>(image: MetadataImage, nodeId: number, logManager: PartitionLogManager<L>, logger: Logger): Promise<void> {
  for (const log of [...logManager.allLogs()]) {
    const tp = log.topicPartition;
    const topic = image.topicsByName.get(tp.topic);
    const registration = topic?.partitions.get(tp.partition);
    let reason: string | null = null;
    if (topic === undefined) reason = 'its topic is not in the metadata';
    else if (registration === undefined || !registration.replicas.includes(nodeId)) reason = 'the partition is not assigned to this broker';
    else {
      const recorded = await recordedTopicId(log.dir);
      if (recorded !== null && recorded !== topic.id) reason = `it belongs to topic id ${recorded}, not the current ${topic.id}`;
    }
    if (reason === null) continue;
    logger.warn({ topicPartition: topicPartitionKey(tp), dir: log.dir, reason }, 'Deleting stray log');
    await logManager.deleteLog(tp);
  }
}
