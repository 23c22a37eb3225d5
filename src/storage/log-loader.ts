import { unlinkIfExists } from './missing-ok.ts';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Time } from '../common/time.ts';
import type { Logger } from '../observability/logger.ts';
import { CorruptIndexError } from './errors.ts';
import { LeaderEpochFileCache } from './leader-epoch-file-cache.ts';
import { LogFileUtils } from './log-file-utils.ts';
import { LogSegment, type SegmentConfig } from './log-segment.ts';
import { LogSegments } from './log-segments.ts';
import { ProducerStateManager, type ProducerStateManagerConfig } from './producer-state-manager.ts';
import { rebuildProducerState } from './rebuild-producer-state.ts';

/** Inputs of {@link loadLog}: the directory, config, and what the checkpoints said about this log. */
export interface LogLoadParams {
  readonly dir: string;
  /** `<topic>-<partition>`, for the producer state and messages. */
  readonly topicPartition: string;
  readonly config: SegmentConfig;
  readonly time: Time;
  /** Kept by the leader epoch cache and the producer state manager. */
  readonly logger: Logger;
  /** Takes the messages of the loading itself (default `logger`). */
  readonly loadLogger?: Logger;
  /** True when the log directory had a clean-shutdown marker: no segment is scanned. */
  readonly hadCleanShutdown: boolean;
  /** recovery-point-offset-checkpoint entry (0 when none): segments from the one holding it on are recovered. */
  readonly recoveryPointCheckpoint: number;
  /** log-start-offset-checkpoint entry (0 when none). */
  readonly logStartOffsetCheckpoint: number;
  readonly producerStateConfig: ProducerStateManagerConfig;
  /**
   * The directory was just created by the caller (so it is empty): the log starts with one new segment at the
   * log start offset, without listing, recovering or writing anything else.
   */
  readonly newDir?: boolean;
}

/** One `now` function per clock, shared by the segments of every log. */
const nowFunctions = new WeakMap<Time, () => number>();

function nowOf(time: Time): () => number {
  let now = nowFunctions.get(time);
  if (now === undefined) nowFunctions.set(time, (now = () => time.milliseconds()));
  return now;
}

/** Segments (the last one active, indexes preallocated) and offsets of a log directory. */
interface LoadedSegments {
  readonly segments: LogSegments;
  readonly logStartOffset: number;
  readonly recoveryPoint: number;
  readonly logEndOffset: number;
}

/** A loaded log: its segments and offsets, leader epochs and producer state. */
export interface LoadedLog extends LoadedSegments {
  readonly leaderEpochCache: LeaderEpochFileCache;
  readonly producerState: ProducerStateManager;
}

/**
 * Opens a partition directory and makes it consistent (Kafka's LogLoader, with the leader epoch cache and
 * producer state manager that Kafka's UnifiedLog.apply creates around it):
 * 1. deletes `.deleted` and `.cleaned` leftovers and completes interrupted cleaner swaps (`.swap` files replace
 *    the segments they cover, then lose the suffix);
 * 2. opens every segment; indexes of segments before the recovery point are loaded and sanity-checked, and a
 *    missing or corrupt index is rebuilt from its segment (with a warning);
 * 3. after an unclean shutdown, scans every segment from the recovery point on batch by batch (length, CRC-32C,
 *    offset order), truncates the first invalid batch and everything after it, and rebuilds their indexes;
 * 4. drops leader epochs beyond the log end or before the log start;
 * 5. loads the producer state (snapshot, then replay of the log after it: see rebuildProducerState).
 *
 * A new directory (`newDir`) only gets its first, empty segment (`.log`, `.index`, `.timeindex` created, as
 * Kafka's new logs have): a handful of file operations, which topic creation does per partition.
 * @throws the fs error (corrupt indexes and snapshots are rebuilt or dropped with a warning, not thrown).
 */
export async function loadLog(p: LogLoadParams): Promise<LoadedLog> {
  const epochPath = join(p.dir, LogFileUtils.LEADER_EPOCH_CHECKPOINT_FILE);
  if (p.newDir === true) {
    const leaderEpochCache = LeaderEpochFileCache.empty(epochPath, p.logger);
    const segments = new LogSegments();
    const start = p.logStartOffsetCheckpoint;
    segments.add(await LogSegment.open({ dir: p.dir, baseOffset: start, config: p.config, now: nowOf(p.time), create: true }));
    // Nothing to load: the state rebuildProducerState leaves on an empty log.
    const producerState = ProducerStateManager.createEmpty(p.topicPartition, p.dir, p.producerStateConfig, p.logger);
    producerState.onLogStartOffsetIncremented(start);
    return { segments, logStartOffset: start, recoveryPoint: start, logEndOffset: start, leaderEpochCache, producerState };
  }
  const logger = p.loadLogger ?? p.logger;
  const leaderEpochCache = await LeaderEpochFileCache.load(epochPath, p.logger);
  const loaded = await loadSegments(p, logger, leaderEpochCache);
  logger.debug({ logStartOffset: loaded.logStartOffset, logEndOffset: loaded.logEndOffset, segments: loaded.segments.size }, 'Loaded log');
  const segments = loaded.segments.toArray();
  const producerState = await ProducerStateManager.create(p.topicPartition, p.dir, p.producerStateConfig, p.logger);
  await producerState.removeStraySnapshots(segments.map((s) => s.baseOffset));
  await rebuildProducerState({
    producerStateManager: producerState,
    segments,
    logStartOffset: loaded.logStartOffset,
    lastOffset: loaded.logEndOffset,
    now: p.time.milliseconds(),
    reloadFromCleanShutdown: p.hadCleanShutdown,
    logger,
  });
  return { ...loaded, leaderEpochCache, producerState };
}

async function loadSegments(p: LogLoadParams, logger: Logger, epochs: LeaderEpochFileCache): Promise<LoadedSegments> {
  const { dir } = p;
  const names = await readdir(dir);
  const swapBases: number[] = [];
  const logBases: number[] = [];
  const indexFiles: { name: string; base: number }[] = [];
  const txnIndexes = new Set<number>();
  for (const name of names) {
    if (name.endsWith(LogFileUtils.DELETED_FILE_SUFFIX) || name.endsWith(LogFileUtils.CLEANED_FILE_SUFFIX) || name.endsWith('.tmp')) {
      logger.debug({ file: name }, 'Deleting stray temporary file');
      await unlinkIfExists(join(dir, name));
      continue;
    }
    const base = LogFileUtils.offsetFromFileName(name);
    if (base < 0) continue;
    const rest = name.slice(20);
    if (rest === LogFileUtils.LOG_FILE_SUFFIX + LogFileUtils.SWAP_FILE_SUFFIX) swapBases.push(base);
    else if (rest === LogFileUtils.LOG_FILE_SUFFIX) logBases.push(base);
    else if (rest === LogFileUtils.INDEX_FILE_SUFFIX || rest === LogFileUtils.TIME_INDEX_FILE_SUFFIX || rest === LogFileUtils.TXN_INDEX_FILE_SUFFIX) {
      indexFiles.push({ name, base });
      if (rest === LogFileUtils.TXN_INDEX_FILE_SUFFIX) txnIndexes.add(base);
    }
  }
  const logBaseSet = new Set(logBases);
  const swapBaseSet = new Set(swapBases);
  for (const f of indexFiles) {
    if (!logBaseSet.has(f.base) && !swapBaseSet.has(f.base)) {
      logger.warn({ file: f.name }, 'Found an orphaned index file, deleting it');
      await unlinkIfExists(join(dir, f.name));
    }
  }

  const segments = new LogSegments();
  logBases.sort((a, b) => a - b);
  for (const base of logBases) {
    segments.add(await LogSegment.open({ dir, baseOffset: base, config: p.config, now: nowOf(p.time), create: false }));
  }

  swapBases.sort((a, b) => a - b);
  for (const base of swapBases) await completeSwap(p, logger, epochs, segments, base);

  const recoveryFloor = p.hadCleanShutdown ? Infinity : (segments.floorSegment(p.recoveryPointCheckpoint)?.baseOffset ?? -Infinity);
  for (const segment of segments.toArray()) {
    if (segment.baseOffset >= recoveryFloor) continue;
    await loadOrRebuildIndexes(segment, logger, epochs, txnIndexes.has(segment.baseOffset));
  }

  if (!p.hadCleanShutdown) {
    const unflushed = segments.toArray().filter((s) => s.baseOffset >= recoveryFloor);
    for (let i = 0; i < unflushed.length; i++) {
      const segment = unflushed[i]!;
      logger.info({ segment: segment.baseOffset, remaining: unflushed.length - i }, 'Recovering unflushed segment');
      const truncated = await segment.recover(logger, epochs);
      if (truncated > 0) {
        const rest = unflushed.slice(i + 1);
        logger.warn({ segment: segment.baseOffset, deletedSegments: rest.map((s) => s.baseOffset) }, 'Corruption found in segment, truncating it and deleting the segments after it');
        for (const s of rest) {
          segments.remove(s.baseOffset, s);
          await s.deleteIfExists();
        }
        break;
      }
    }
  }

  let logStartOffset = p.logStartOffsetCheckpoint;
  let logEndOffset = segments.isEmpty ? logStartOffset : await segments.last!.readNextOffset();
  if (!segments.isEmpty && logStartOffset > logEndOffset) {
    logger.warn({ logStartOffset, logEndOffset }, 'Log start offset is beyond the log end; deleting all segments');
    for (const s of segments.toArray()) {
      segments.remove(s.baseOffset, s);
      await s.deleteIfExists();
    }
  }
  if (segments.isEmpty) {
    const segment = await LogSegment.open({ dir, baseOffset: logStartOffset, config: p.config, now: nowOf(p.time), create: true });
    segments.add(segment);
    logEndOffset = logStartOffset;
  }
  const active = segments.last!;
  await active.resizeIndexes(p.config.segmentIndexBytes);
  await active.loadFirstBatchTimestamp();
  logStartOffset = Math.max(logStartOffset, segments.first!.baseOffset);
  const recoveryPoint = p.hadCleanShutdown ? logEndOffset : Math.min(p.recoveryPointCheckpoint, logEndOffset);

  const changedEnd = epochs.truncateFromEnd(logEndOffset);
  const changedStart = epochs.truncateFromStart(logStartOffset);
  if (changedEnd || changedStart || !p.hadCleanShutdown) await epochs.flush();
  return { segments, logStartOffset, recoveryPoint, logEndOffset };
}

/** Loads a segment's indexes; rebuilds them (recovering the segment) when missing or corrupt. */
async function loadOrRebuildIndexes(segment: LogSegment, logger: Logger, epochs: LeaderEpochFileCache, hasTxnIndex = true): Promise<void> {
  try {
    await segment.loadIndexes(hasTxnIndex);
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    if (!missing && !(e instanceof CorruptIndexError)) throw e;
    logger.warn(
      { segment: segment.log.path, reason: (e as Error).message },
      missing ? 'Could not find an index file of the log segment; recovering the segment and rebuilding its index files' : 'Found a corrupted index file; recovering the segment and rebuilding its index files',
    );
    await segment.recover(logger, epochs);
  }
}

/**
 * Finishes a swap that a crash interrupted (Kafka's LogLoader swap handling): the `.swap` segment replaces the
 * segments whose base offsets fall in its offset range, then takes the normal file names.
 */
async function completeSwap(p: LogLoadParams, logger: Logger, epochs: LeaderEpochFileCache, segments: LogSegments, base: number): Promise<void> {
  const swap = await LogSegment.open({ dir: p.dir, baseOffset: base, config: p.config, now: nowOf(p.time), create: false, suffix: LogFileUtils.SWAP_FILE_SUFFIX });
  await loadOrRebuildIndexes(swap, logger, epochs);
  const next = await swap.readNextOffset();
  const replaced = segments.toArray().filter((s) => s.baseOffset >= base && s.baseOffset < Math.max(next, base + 1));
  logger.info({ swap: swap.log.path, replaced: replaced.map((s) => s.baseOffset) }, 'Completing interrupted swap of a cleaned segment');
  for (const old of replaced) {
    segments.remove(old.baseOffset, old);
    await old.deleteIfExists();
  }
  await swap.changeFileSuffixes(LogFileUtils.SWAP_FILE_SUFFIX, '');
  segments.add(swap);
}
