import { join } from 'node:path';
import type { TopicPartition } from '../common/topic-partition.ts';

/**
 * File naming of a partition directory, as Kafka's LogFileUtils / UnifiedLog: every segment file is named by its
 * base offset as 20 zero-padded digits plus a suffix; temporary states of a file add a second suffix.
 */
export const LogFileUtils = {
  LOG_FILE_SUFFIX: '.log',
  INDEX_FILE_SUFFIX: '.index',
  TIME_INDEX_FILE_SUFFIX: '.timeindex',
  TXN_INDEX_FILE_SUFFIX: '.txnindex',
  /** Producer state snapshots, named by the offset they were taken at (ProducerStateManager). */
  PRODUCER_SNAPSHOT_FILE_SUFFIX: '.snapshot',
  /** Segment files awaiting asynchronous deletion. */
  DELETED_FILE_SUFFIX: '.deleted',
  /** Output of the log cleaner before it is swapped in. */
  CLEANED_FILE_SUFFIX: '.cleaned',
  /** A cleaned segment being swapped in (recovery completes the swap). */
  SWAP_FILE_SUFFIX: '.swap',
  /** A partition directory renamed for deletion: `<topic>-<partition>.<uuid>-delete`. */
  DELETE_DIR_SUFFIX: '-delete',
  LEADER_EPOCH_CHECKPOINT_FILE: 'leader-epoch-checkpoint',
  PARTITION_METADATA_FILE: 'partition.metadata',

  /** "00000000000000000042" for 42. */
  filenamePrefixFromOffset(offset: number): string {
    return String(offset).padStart(20, '0');
  },

  /** Path of a segment file in `dir` with `suffix` (e.g. '.log') and an optional temporary suffix. */
  segmentFile(dir: string, baseOffset: number, suffix: string, tmpSuffix = ''): string {
    return join(dir, `${LogFileUtils.filenamePrefixFromOffset(baseOffset)}${suffix}${tmpSuffix}`);
  },

  /** The base offset a segment file name starts with, or -1 when the name is not a segment file. */
  offsetFromFileName(name: string): number {
    const dot = name.indexOf('.');
    if (dot !== 20) return -1;
    const prefix = name.slice(0, 20);
    if (!/^\d{20}$/.test(prefix)) return -1;
    return Number(prefix);
  },

  /** Partition directory name: `<topic>-<partition>`. */
  logDirName(tp: TopicPartition): string {
    return `${tp.topic}-${tp.partition}`;
  },

  /**
   * Parses `<topic>-<partition>` (the partition is after the last '-'); null for names that are not partition
   * directories (Kafka's UnifiedLog.parseTopicPartitionName, without the -future/-stray forms).
   */
  parseTopicPartitionName(name: string): TopicPartition | null {
    const dash = name.lastIndexOf('-');
    if (dash <= 0 || dash === name.length - 1) return null;
    const partStr = name.slice(dash + 1);
    if (!/^\d+$/.test(partStr)) return null;
    const partition = Number(partStr);
    if (partition > 0x7fffffff) return null;
    return { topic: name.slice(0, dash), partition };
  },
} as const;
