import { readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Time } from '../common/time.ts';
import type { Logger } from '../observability/logger.ts';
import { iterateBatches } from '../protocol/records/batch-iterator.ts';
import { RecordsError, RecordsErrorCode } from '../protocol/records/records-error.ts';
import { flushDir, offsetCheckpointFile } from '../storage/checkpoint-file.ts';
import { logConfig } from '../storage/log-config.ts';
import { unlinkIfExists } from '../storage/missing-ok.ts';
import { UnifiedLog } from '../storage/unified-log.ts';
import { FileRawSnapshotReader } from './file-raw-snapshot-reader.ts';
import { FileRawSnapshotWriter } from './file-raw-snapshot-writer.ts';
import { compareOffsetAndEpoch, type OffsetAndEpoch } from './offset-and-epoch.ts';
import { METADATA_PARTITION, METADATA_TOPIC_NAME } from './raft-messages.ts';
import type { RawSnapshotReader, RawSnapshotWriter } from './raw-snapshot.ts';
import { validateOffsetAndEpoch, type LogAppendInfo, type LogFetchInfo, type ReplicatedLog } from './replicated-log.ts';
import { DELETED_SNAPSHOT_SUFFIX, deletedSnapshotPath, parseSnapshotPath, snapshotFileName, snapshotPath } from './snapshot-path.ts';
import { SnapshotReader } from './snapshot-reader.ts';
import { nextSnapshotToDeleteBefore } from './snapshot-retention.ts';

/** The metadata log's own recovery point (offsets below it were flushed), in Kafka's checkpoint format. */
const RECOVERY_POINT_FILE = 'recovery-point-offset-checkpoint';
/** Written at a clean close: the next open trusts the segments without scanning them. */
const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';

/** The metadata log's settings (Kafka's MetadataLogConfig), never the partition logs' ones. */
export interface MetadataLogConfig {
  /** metadata.log.segment.bytes (1 GiB). */
  readonly segmentBytes: number;
  /** metadata.log.segment.ms (7 days). */
  readonly segmentMs: number;
  /** metadata.max.retention.bytes (100 MiB): snapshots and log kept before the oldest snapshots go. */
  readonly retentionMaxBytes: number;
  /** metadata.max.retention.ms (7 days). */
  readonly retentionMs: number;
  /** Largest batch (Kafka's internal max batch size, 8 MiB): the log's max.message.bytes. */
  readonly maxBatchSizeBytes: number;
}

/**
 * The `__cluster_metadata-0` log (Kafka's `KafkaRaftLog`, formerly KafkaMetadataLog): a UnifiedLog with its own
 * settings (segment size and time from metadata.log.*, no retention by time or size: the log is trimmed only
 * below snapshots, by metadata.max.retention.*), plus the snapshots (`<offset>-<epoch>.checkpoint`) in the same
 * directory. It keeps its own recovery point and clean-shutdown marker there, so a clean restart opens the
 * segments without scanning them and a crash recovers from the last flushed roll (Kafka re-scans the whole
 * metadata log instead). Every follower batch's CRC is checked before it is written.
 */
export class KafkaMetadataLog implements ReplicatedLog {
  readonly dir: string;
  readonly #log: UnifiedLog;
  readonly #config: MetadataLogConfig;
  readonly #time: Time;
  readonly #logger: Logger;
  /** Frozen snapshots by id key, with their header timestamps once read. */
  readonly #snapshots = new Map<string, { id: OffsetAndEpoch; timestampMs: number | null }>();
  #flushedOffset: bigint;
  #truncations = 0;

  private constructor(dir: string, log: UnifiedLog, config: MetadataLogConfig, time: Time, logger: Logger) {
    this.dir = dir;
    this.#log = log;
    this.#config = config;
    this.#time = time;
    this.#logger = logger;
    this.#flushedOffset = log.logEndOffset;
  }

  /**
   * Opens (creating) the metadata log in `dir`: recovers it (from its recovery point after a crash), deletes
   * partial and retired snapshot files and snapshots below the log start, flushes what recovery kept, and when the
   * latest snapshot is ahead of the log (a snapshot downloaded just before a crash) restarts the log there.
   * @throws Error when the log start is above 0 with no snapshot at or past it (an inconsistent directory).
   */
  static async open(
    dir: string,
    config: MetadataLogConfig,
    options: { time: Time; logger: Logger; onFailure?: ((log: UnifiedLog, error: Error) => void) | undefined },
  ): Promise<KafkaMetadataLog> {
    const { time, logger } = options;
    const marker = join(dir, CLEAN_SHUTDOWN_FILE);
    const recovery = offsetCheckpointFile(join(dir, RECOVERY_POINT_FILE));
    let hadCleanShutdown = false;
    let recoveryPoint = 0;
    try {
      hadCleanShutdown = (await readdir(dir)).includes(CLEAN_SHUTDOWN_FILE);
      recoveryPoint = (await recovery.read())[0]?.offset ?? 0;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') logger.warn({ err: e, dir }, 'Could not read the metadata log recovery point; recovering the whole log');
      hadCleanShutdown = false;
      recoveryPoint = 0;
    }
    const logConfigValues = logConfig({
      segmentBytes: config.segmentBytes,
      segmentMs: config.segmentMs,
      retentionMs: -1,
      retentionBytes: -1,
      maxMessageBytes: config.maxBatchSizeBytes,
    });
    let metadataLog: KafkaMetadataLog | null = null;
    const log = await UnifiedLog.open(dir, { topic: METADATA_TOPIC_NAME, partition: METADATA_PARTITION }, logConfigValues, {
      time,
      logger,
      hadCleanShutdown,
      recoveryPoint,
      onFailure: options.onFailure,
      onRollFlushed: () => {
        if (metadataLog !== null) void metadataLog.#checkpointRecoveryPoint();
      },
    });
    metadataLog = new KafkaMetadataLog(dir, log, config, time, logger.child({ component: 'KafkaMetadataLog' }));
    await metadataLog.#recoverSnapshots();
    await log.flush();
    metadataLog.#flushedOffset = log.logEndOffset;
    await metadataLog.#truncateToLatestSnapshot();
    await unlinkIfExists(marker);
    logger.info({ dir, logStartOffset: String(log.logStartOffset), logEndOffset: String(log.logEndOffset), snapshots: [...metadataLog.#snapshots.keys()], hadCleanShutdown }, 'Opened the metadata log');
    return metadataLog;
  }

  /** Kafka's KafkaRaftLog.recoverSnapshots. */
  async #recoverSnapshots(): Promise<void> {
    const start = this.#log.logStartOffset;
    for (const name of await readdir(this.dir)) {
      const p = parseSnapshotPath(this.dir, name);
      if (p === null) continue;
      if (!p.partial && !p.deleted && p.snapshotId.offset >= start) {
        this.#snapshots.set(snapshotFileName(p.snapshotId), { id: p.snapshotId, timestampMs: null });
      } else {
        await unlinkIfExists(p.path);
        this.#logger.info({ path: p.path }, 'Deleted an unneeded snapshot file');
      }
    }
    if (start > 0n) {
      const latest = this.latestSnapshotId();
      if (latest === null || latest.offset < start) {
        throw new Error(`Inconsistent snapshot state: there must be a snapshot at an offset at or past the log start offset ${start}, but the latest snapshot is ${latest === null ? 'none' : snapshotFileName(latest)}`);
      }
    }
  }

  async #checkpointRecoveryPoint(): Promise<void> {
    try {
      await offsetCheckpointFile(join(this.dir, RECOVERY_POINT_FILE)).write([{ topicPartition: { topic: METADATA_TOPIC_NAME, partition: METADATA_PARTITION }, offset: Number(this.#log.recoveryPoint) }]);
    } catch (e) {
      this.#logger.warn({ err: e }, 'Could not write the metadata log recovery point');
    }
  }

  get endOffset(): bigint {
    return this.#log.logEndOffset;
  }

  get startOffset(): bigint {
    return this.#log.logStartOffset;
  }

  get lastFlushedOffset(): bigint {
    return this.#flushedOffset;
  }

  get highWatermark(): bigint {
    return this.#log.highWatermark;
  }

  get lastFetchedEpoch(): number {
    const latest = this.#log.latestEpoch;
    if (latest !== undefined) return latest;
    const snapshot = this.latestSnapshotId();
    if (snapshot === null) return 0;
    if (snapshot.offset === this.startOffset && snapshot.offset === this.endOffset) return snapshot.epoch;
    throw new Error(`The log has no last fetched epoch and there is a snapshot (${snapshotFileName(snapshot)}); expected its end offset to match the log end (${this.endOffset}) and start (${this.startOffset})`);
  }

  /** Bytes of the segments. */
  get sizeInBytes(): number {
    return this.#log.size;
  }

  endOffsetForEpoch(epoch: number): OffsetAndEpoch {
    const found = this.#log.endOffsetForEpoch(epoch);
    if (found.leaderEpoch < 0) return { offset: this.endOffset, epoch: this.lastFetchedEpoch };
    const earliest = this.earliestSnapshotId();
    if (earliest !== null && found.endOffset === earliest.offset && found.leaderEpoch === epoch) return { offset: earliest.offset, epoch: earliest.epoch };
    return { offset: found.endOffset, epoch: found.leaderEpoch };
  }

  async appendAsLeader(records: Buffer, epoch: number): Promise<LogAppendInfo> {
    if (records.length === 0) throw new Error('Attempt to append an empty record set');
    const info = await this.#log.appendAsLeader(records, epoch);
    return { firstOffset: info.firstOffset, lastOffset: info.lastOffset };
  }

  async appendAsFollower(records: Buffer, _epoch: number): Promise<LogAppendInfo> {
    if (records.length === 0) throw new Error('Attempt to append an empty record set');
    for (const b of iterateBatches(records)) {
      if (!b.isValid()) throw new RecordsError(RecordsErrorCode.CORRUPT_MESSAGE, `Record batch at offset ${b.baseOffset} is corrupt (stored CRC = ${b.crc}, computed CRC = ${b.computeChecksum()})`);
    }
    const info = await this.#log.appendAsFollower(records);
    return { firstOffset: info.firstOffset, lastOffset: info.lastOffset };
  }

  async read(startOffset: bigint, isolation: 'COMMITTED' | 'UNCOMMITTED', maxBytes: number): Promise<LogFetchInfo> {
    const info = await this.#log.read(startOffset, maxBytes, isolation === 'COMMITTED' ? this.#log.highWatermark : null, true);
    return { records: await info.records.readInto(), startOffset };
  }

  async initializeLeaderEpoch(epoch: number): Promise<void> {
    await this.#log.assignEpochStartOffset(epoch, this.#log.logEndOffset);
  }

  async truncateTo(offset: bigint): Promise<void> {
    const hw = this.#log.highWatermark;
    if (offset < hw) throw new Error(`Attempt to truncate to offset ${offset}, which is below the current high watermark ${hw}`);
    this.#truncations++;
    await this.#log.truncateTo(offset);
    if (this.#flushedOffset > offset) this.#flushedOffset = offset;
  }

  truncateToLatestSnapshot(): Promise<boolean> {
    return this.#truncateToLatestSnapshot();
  }

  async #truncateToLatestSnapshot(): Promise<boolean> {
    const latest = this.latestSnapshotId();
    const latestEpoch = this.#log.latestEpoch ?? 0;
    if (latest === null || !(latest.epoch > latestEpoch || (latest.epoch === latestEpoch && latest.offset > this.endOffset))) return false;
    this.#truncations++;
    await this.#log.truncateFullyAndStartAt(latest.offset);
    this.#flushedOffset = latest.offset;
    await this.#forgetSnapshotsBefore(latest, 'the log was fully truncated');
    return true;
  }

  updateHighWatermark(offset: bigint): void {
    this.#log.highWatermark = offset;
  }

  async deleteBeforeSnapshot(snapshotId: OffsetAndEpoch): Promise<boolean> {
    const latest = this.latestSnapshotId();
    if (latest === null || !this.#snapshots.has(snapshotFileName(snapshotId))) return false;
    if (!(this.startOffset < snapshotId.offset && snapshotId.offset <= latest.offset && snapshotId.offset <= this.#log.highWatermark)) return false;
    if (!(await this.#log.maybeIncrementLogStartOffset(snapshotId.offset, 'snapshot generated'))) return false;
    await this.#forgetSnapshotsBefore(snapshotId, 'the log start offset moved past it');
    return true;
  }

  /** Retires the snapshots older than `id`: renamed `.checkpoint.deleted` now, the files removed at the next clean. */
  async #forgetSnapshotsBefore(id: OffsetAndEpoch, reason: string): Promise<void> {
    for (const [key, s] of [...this.#snapshots]) {
      if (compareOffsetAndEpoch(s.id, id) >= 0) continue;
      this.#snapshots.delete(key);
      this.#logger.info({ snapshotId: key, reason }, 'Marking snapshot for deletion');
      await rename(snapshotPath(this.dir, s.id), deletedSnapshotPath(this.dir, s.id)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
    }
  }

  async flush(): Promise<void> {
    const target = this.#log.logEndOffset;
    const truncations = this.#truncations;
    await this.#log.flush();
    if (truncations === this.#truncations && target > this.#flushedOffset) this.#flushedOffset = target;
  }

  async maybeClean(): Promise<boolean> {
    // Snapshot files retired by the previous pass are no longer read by anyone (Kafka's delayed delete).
    for (const name of await readdir(this.dir)) {
      if (name.endsWith(DELETED_SNAPSHOT_SUFFIX)) await unlinkIfExists(join(this.dir, name));
    }
    let cleaned = false;
    for (;;) {
      const snapshots = [];
      for (const s of this.#sortedSnapshots()) {
        const reader = await this.readSnapshot(s.id);
        if (reader === null) continue;
        s.timestampMs ??= await new SnapshotReader(reader).lastContainedLogTimestamp();
        snapshots.push({ id: s.id, sizeInBytes: reader.sizeInBytes(), timestampMs: s.timestampMs });
      }
      const next = nextSnapshotToDeleteBefore(snapshots, this.#log.size, { retentionMaxBytes: this.#config.retentionMaxBytes, retentionMs: this.#config.retentionMs }, this.#time.milliseconds());
      if (next === null || !(await this.deleteBeforeSnapshot(next))) return cleaned;
      cleaned = true;
    }
  }

  async createNewSnapshot(snapshotId: OffsetAndEpoch): Promise<RawSnapshotWriter | null> {
    if (snapshotId.offset < this.startOffset) {
      this.#logger.info({ snapshotId: snapshotFileName(snapshotId), logStartOffset: String(this.startOffset) }, 'Cannot create a snapshot with an id less than the log start offset');
      return null;
    }
    const hw = this.#log.highWatermark;
    if (snapshotId.offset > hw) throw new Error(`Cannot create a snapshot with an id (${snapshotFileName(snapshotId)}) greater than the high-watermark (${hw})`);
    const valid = validateOffsetAndEpoch(this, snapshotId.offset, snapshotId.epoch);
    if (valid.kind !== 'VALID') throw new Error(`Snapshot id (${snapshotFileName(snapshotId)}) is not valid according to the log: ${valid.kind}`);
    if (snapshotId.offset < this.endOffset) {
      const first = iterateBatches((await this.read(snapshotId.offset, 'UNCOMMITTED', 1)).records).next();
      if (!first.done && first.value.baseOffset !== snapshotId.offset) {
        throw new Error(`Cannot create snapshot at offset (${snapshotId.offset}) because it is not batch aligned. The batch containing the requested offset has a base offset of (${first.value.baseOffset})`);
      }
    }
    return this.createNewSnapshotUnchecked(snapshotId);
  }

  async createNewSnapshotUnchecked(snapshotId: OffsetAndEpoch): Promise<RawSnapshotWriter | null> {
    if (this.#snapshots.has(snapshotFileName(snapshotId))) return null;
    return FileRawSnapshotWriter.create(this.dir, snapshotId, (id) => this.#onSnapshotFrozen(id));
  }

  /**
   * A snapshot was frozen. One that the log start passed meanwhile (an older snapshot finished after a newer one
   * moved the start) is retired at once: the earliest snapshot must never be below the log start.
   */
  #onSnapshotFrozen(id: OffsetAndEpoch): void {
    if (id.offset < this.startOffset) {
      this.#logger.info({ snapshotId: snapshotFileName(id), logStartOffset: String(this.startOffset) }, 'Retiring a snapshot frozen below the log start offset');
      void rename(snapshotPath(this.dir, id), deletedSnapshotPath(this.dir, id)).catch((e: unknown) => this.#logger.warn({ err: e }, 'Could not retire a snapshot'));
      return;
    }
    this.#snapshots.set(snapshotFileName(id), { id, timestampMs: null });
  }

  async readSnapshot(snapshotId: OffsetAndEpoch): Promise<RawSnapshotReader | null> {
    if (!this.#snapshots.has(snapshotFileName(snapshotId))) return null;
    try {
      return await FileRawSnapshotReader.open(snapshotId, snapshotPath(this.dir, snapshotId), deletedSnapshotPath(this.dir, snapshotId));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      this.#logger.warn({ snapshotId: snapshotFileName(snapshotId) }, 'Expected to find a snapshot file that is gone');
      this.#snapshots.delete(snapshotFileName(snapshotId));
      return null;
    }
  }

  #sortedSnapshots(): { id: OffsetAndEpoch; timestampMs: number | null }[] {
    return [...this.#snapshots.values()].sort((a, b) => compareOffsetAndEpoch(a.id, b.id));
  }

  latestSnapshotId(): OffsetAndEpoch | null {
    return this.#sortedSnapshots().at(-1)?.id ?? null;
  }

  earliestSnapshotId(): OffsetAndEpoch | null {
    return this.#sortedSnapshots()[0]?.id ?? null;
  }

  /** Clean close: flushes, writes the recovery point and the clean-shutdown marker, closes the segments. */
  async close(): Promise<void> {
    await this.flush();
    await this.#log.close();
    await this.#checkpointRecoveryPoint();
    await writeFile(join(this.dir, CLEAN_SHUTDOWN_FILE), '');
    await flushDir(this.dir);
  }

  /** Closes the files without flushing or marking a clean shutdown (tests of crash recovery). */
  async closeHandlers(): Promise<void> {
    await this.#log.closeHandlers();
  }
}
