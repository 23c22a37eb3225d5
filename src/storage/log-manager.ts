import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ProcessTerminatingFaultHandler, type FaultHandler } from '../common/fault-handler.ts';
import { SystemTime, type Time } from '../common/time.ts';
import { topicPartitionKey, type TopicPartition } from '../common/topic-partition.ts';
import { rootLogger, type Logger } from '../observability/logger.ts';
import { atomicWriteFile, flushDir, flushDirShared, offsetCheckpointFile, type TopicPartitionOffset } from './checkpoint-file.ts';
import { isIoError, KafkaStorageError } from './errors.ts';
import { FileLock } from './file-lock.ts';
import { type LogConfig, LONG_MAX, isCompacted } from './log-config.ts';
import { LogCleaner, type LogCleanerOptions } from './log-cleaner.ts';
import { LogFileUtils } from './log-file-utils.ts';
import { SharedRuns } from './shared-runs.ts';
import type { ProducerStateManagerConfig } from './producer-state-manager.ts';
import { UnifiedLog, type UnifiedLogOptions } from './unified-log.ts';

/** The checkpoint files written together: recovery points with high watermarks, and log start offsets. */
type CheckpointKind = 'recovery' | 'log-start';

/** How soon after a segment roll's flush the log dir's recovery points are checkpointed, in ms. */
export const ROLL_CHECKPOINT_DELAY_MS = 1000;

export const RECOVERY_POINT_CHECKPOINT_FILE = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT_FILE = 'log-start-offset-checkpoint';
export const REPLICATION_OFFSET_CHECKPOINT_FILE = 'replication-offset-checkpoint';
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
/** Directory of the KRaft metadata log (`__cluster_metadata-0`), which LogManager does not load. */
export const METADATA_LOG_DIR_NAME = '__cluster_metadata-0';

/** Options of {@link LogManager.create}; names follow the broker configs they come from. */
export interface LogManagerOptions {
  /** log.dirs. Created if missing. */
  readonly logDirs: readonly string[];
  /** The broker's default topic config (log.* configs). */
  readonly defaultConfig: LogConfig;
  /** Effective config of a topic for logs found on disk at startup (default: defaultConfig). */
  readonly topicConfig?: (topic: string) => LogConfig;
  readonly time?: Time;
  readonly logger?: Logger;
  /**
   * num.recovery.threads.per.data.dir: logs loaded (at startup) and flushed and closed (at shutdown) concurrently
   * per directory. Default 1. May change at run time ({@link LogManager.reconfigure}).
   */
  readonly recoveryThreadsPerDataDir?: number;
  /** log.flush.offset.checkpoint.interval.ms (recovery points and high watermarks). Default 60000. */
  readonly flushCheckpointIntervalMs?: number;
  /** log.flush.start.offset.checkpoint.interval.ms. Default 60000. */
  readonly flushStartOffsetCheckpointIntervalMs?: number;
  /** log.retention.check.interval.ms. Default 300000. */
  readonly retentionCheckIntervalMs?: number;
  /**
   * log.initial.task.delay.ms: delay before the first run of the retention, flush and checkpoint tasks (Kafka's
   * default 30000). Default here: one interval of each task.
   */
  readonly initialTaskDelayMs?: number;
  /**
   * log.flush.scheduler.interval.ms. Default Long.MAX; then logs whose flush.ms is set are still checked every
   * second (Kafka would need this config set for flush.ms to take effect).
   */
  readonly flushSchedulerIntervalMs?: number;
  /** log.cleaner.* settings, or false for log.cleaner.enable=false. Default: enabled with defaults. */
  readonly cleaner?: LogCleanerOptions | false;
  /** producer.id.expiration.ms and transaction.partition.verification.enable for every log. */
  readonly producerStateConfig?: ProducerStateManagerConfig;
  /** producer.id.expiration.check.interval.ms. Default 600000. */
  readonly producerIdExpirationCheckIntervalMs?: number;
  /**
   * metadata.log.dir: locked with the log dirs (when it is not one of them, as Kafka's KafkaRaftManager locks
   * it); its failure ends the process. Default: none.
   */
  readonly metadataLogDir?: string;
  /**
   * Ends the process when every log dir, or the metadata log dir, has failed (Kafka's Exit.halt in
   * LogManager/ReplicaManager.handleLogDirFailure). Default: a ProcessTerminatingFaultHandler.
   */
  readonly faultHandler?: FaultHandler;
  /** Called with the duration (ms) of each log flush that synced something (LogFlushStats LogFlushRateAndTimeMs). */
  readonly onLogFlushed?: (durationMs: number) => void;
}

/**
 * All partition logs of this broker (Kafka's LogManager): one directory per partition under the log.dirs, the
 * checkpoint files of each log dir, the clean-shutdown marker, and the background tasks (retention, flush,
 * checkpoints, log cleaner).
 *
 * Per log dir:
 * - `recovery-point-offset-checkpoint`, `log-start-offset-checkpoint`, `replication-offset-checkpoint` (high
 *   watermarks, which Kafka's ReplicaManager writes; here the HW lives on UnifiedLog), `cleaner-offset-checkpoint`
 *   (LogCleaner), in Kafka's text format.
 * - `.kafka_cleanshutdown`: written last by a clean shutdown, deleted once the logs are loaded. Without it,
 *   every log is recovered from its recovery point.
 * - `.lock`: flocked for the process lifetime (FileLock), so two brokers cannot share a directory; the
 *   metadata log dir is locked too.
 *
 * Log dir failure (Kafka's LogDirFailureChannel and handleLogDirFailure): an I/O error in a log (a write, an
 * fsync of a segment, index or producer snapshot, a read) or in a dir's checkpoint files takes the whole dir
 * offline: its logs answer KAFKA_STORAGE_ERROR (56) from then on and their files are closed, its checkpoints and
 * clean-shutdown marker are no longer written (so no recovery point moves past what a failed sync covered), no
 * new log is placed in it, and its lock is released. The other dirs go on. When no log dir is left, or the
 * metadata log dir failed, the fault handler ends the process, as Kafka halts; during a shutdown a failure only
 * keeps the dir from being marked clean.
 *
 * Deleting a log renames its directory to `<topic>-<partition>.<uuid>-delete` and removes it in the background
 * after file.delete.delay.ms; directories left in that state are removed at the next startup.
 */
export class LogManager {
  readonly logDirs: readonly string[];
  #options: LogManagerOptions;
  readonly #time: Time;
  readonly #logger: Logger;
  readonly #logs = new Map<string, UnifiedLog>();
  readonly #logDirOf = new Map<string, string>();
  /** Logs per log dir, counting those being created (kept up to date, so picking a dir is O(dirs)). */
  readonly #logCounts = new Map<string, number>();
  readonly #creating = new Map<string, Promise<UnifiedLog>>();
  /**
   * The checkpoint writes of each log dir, shared by concurrent callers (see SharedRuns): deleting a topic of a
   * thousand partitions writes the dir's checkpoints a few times, not a thousand.
   */
  readonly #checkpoints = new SharedRuns<string>((key) => {
    const [dir, kind] = key.split('\0') as [string, CheckpointKind];
    return kind === 'recovery' ? this.#checkpointRecoveryPoints(dir) : this.#checkpointLogStartOffsets(dir);
  });
  /** One callback for every log (Kafka's log dir failure channel): the log's dir goes offline with it. */
  readonly #onLogFailure = (log: UnifiedLog, err: Error): void => {
    this.handleLogDirFailure(dirname(log.dir), `I/O error in log ${log.dir}`, err);
  };
  /**
   * After the background flush of a rolled segment, the dir's recovery points are checkpointed within
   * {@link ROLL_CHECKPOINT_DELAY_MS} (one write for all the rolls of that window), not only every
   * log.flush.offset.checkpoint.interval.ms: a kill -9 then recovers at most the active segments and the last
   * second's rolls, not every segment written since the last periodic checkpoint (10 GiB of them took 6 s).
   */
  readonly #onRollFlushed = (log: UnifiedLog): void => {
    const dir = this.#logDirOf.get(topicPartitionKey(log.topicPartition));
    if (dir === undefined || this.#shutdown || this.#rollCheckpointTimers.has(dir)) return;
    const timer = setTimeout(() => {
      this.#rollCheckpointTimers.delete(dir);
      if (this.#shutdown) return;
      this.#checkpoint(dir, 'recovery').catch((e: unknown) => this.#logger.warn({ err: e, dir }, 'Could not write the checkpoints after a segment roll'));
    }, ROLL_CHECKPOINT_DELAY_MS);
    timer.unref();
    this.#rollCheckpointTimers.set(dir, timer);
  };
  readonly #rollCheckpointTimers = new Map<string, NodeJS.Timeout>();
  /** The held locks, by dir (log dirs and the metadata log dir); a failed dir's is released. */
  readonly #locks = new Map<string, FileLock>();
  readonly #offlineDirs = new Set<string>();
  readonly #faultHandler: FaultHandler;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #busy = new Set<string>();
  readonly #pendingDirDeletes = new Set<Promise<void>>();
  #cleaner: LogCleaner | null = null;
  #started = false;
  #shutdown = false;
  /** The broker epoch each dir's clean-shutdown marker named at startup (null: no readable marker). */
  readonly #markerEpochs = new Map<string, bigint | null>();
  /** The broker epoch the next clean-shutdown markers name (KIP-966); -1 until the broker registers. */
  #brokerEpoch = -1n;

  private constructor(options: LogManagerOptions) {
    this.logDirs = options.logDirs;
    this.#options = options;
    this.#time = options.time ?? SystemTime;
    this.#logger = (options.logger ?? rootLogger).child({ component: 'LogManager' });
    this.#faultHandler = options.faultHandler ?? new ProcessTerminatingFaultHandler(this.#logger);
    for (const dir of options.logDirs) this.#logCounts.set(dir, 0);
  }

  /**
   * Creates the manager: makes the log dirs (and the metadata log dir) and locks them. Call {@link startup} to
   * load the logs.
   * @throws Error for no or duplicate log dirs, or "Failed to acquire lock on file .lock in <dir>. A Kafka
   * instance in another process or thread is using this directory." (the locks taken are released then).
   */
  static async create(options: LogManagerOptions): Promise<LogManager> {
    if (options.logDirs.length === 0) throw new Error('log.dirs must name at least one directory');
    if (new Set(options.logDirs).size !== options.logDirs.length) throw new Error(`Duplicate log directory found: ${options.logDirs.join(', ')}`);
    const manager = new LogManager(options);
    const dirs = options.metadataLogDir === undefined ? options.logDirs : [...new Set([...options.logDirs, options.metadataLogDir])];
    try {
      for (const dir of dirs) {
        await mkdir(dir, { recursive: true });
        manager.#locks.set(dir, await FileLock.lockDataDir(dir));
      }
    } catch (e) {
      await manager.#releaseLocks();
      throw e;
    }
    return manager;
  }

  /** The log dirs that have not failed. */
  get liveLogDirs(): string[] {
    return this.logDirs.filter((d) => !this.#offlineDirs.has(d));
  }

  /** False once an I/O error took `dir` offline. */
  isLogDirOnline(dir: string): boolean {
    return !this.#offlineDirs.has(dir);
  }

  /**
   * Takes a log dir offline after an I/O error in it (Kafka's LogDirFailureChannel.maybeAddOfflineLogDir, then
   * ReplicaManager/LogManager.handleLogDirFailure); see the class doc. Also called for the metadata log dir by
   * the owner of the metadata log. Once per dir; returns at once (the logs' files close in the background).
   * Calls the fault handler when no log dir is left or `dir` is the metadata log dir, unless shutting down.
   */
  handleLogDirFailure(dir: string, reason: string, cause: unknown): void {
    if (this.#offlineDirs.has(dir)) return;
    this.#offlineDirs.add(dir);
    const failure = cause instanceof KafkaStorageError ? cause : new KafkaStorageError(`Log dir ${dir} is offline: ${reason}`, { cause });
    const offline: string[] = [];
    for (const [key, log] of this.#logs) {
      if (this.#logDirOf.get(key) !== dir) continue;
      offline.push(key);
      log.markOffline(failure).catch((e: unknown) => this.#logger.warn({ err: e, log: log.dir }, 'Could not close the files of an offline log'));
    }
    this.#logger.error({ err: cause, dir, reason, offlinePartitions: offline }, 'Stopping serving logs in a failed log directory');
    const timer = this.#rollCheckpointTimers.get(dir);
    if (timer !== undefined) clearTimeout(timer);
    this.#rollCheckpointTimers.delete(dir);
    const lock = this.#locks.get(dir);
    this.#locks.delete(dir);
    lock?.destroy().catch((e: unknown) => this.#logger.warn({ err: e, dir }, 'Could not release the lock of a failed log dir'));
    if (this.#shutdown) return;
    if (this.liveLogDirs.length === 0) {
      this.#faultHandler.handleFault(`Shutdown broker because all log dirs in ${this.logDirs.join(', ')} have failed`, cause);
    } else if (dir === this.#options.metadataLogDir) {
      this.#faultHandler.handleFault(`Shutdown broker because the metadata log dir ${dir} has failed`, cause);
    }
  }

  /** Runs `fn` (I/O in log dir `dir`); an I/O error takes the dir offline and is rethrown as KafkaStorageError. */
  async #guardDir<T>(dir: string, what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (!isIoError(e)) throw e;
      this.handleLogDirFailure(dir, what, e);
      throw new KafkaStorageError(`${what} in log dir ${dir} failed: ${e.message}`, { cause: e });
    }
  }

  /** The log cleaner, when enabled. */
  get cleaner(): LogCleaner | null {
    return this.#cleaner;
  }

  /**
   * Loads every log of every dir (recovering after an unclean shutdown, without blocking the event loop:
   * logs are loaded a few at a time with async I/O), removes the clean-shutdown markers, removes leftover
   * `-delete` directories, and starts the retention, flush and checkpoint tasks and the log cleaner.
   */
  async startup(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const started = this.#time.milliseconds();
    await Promise.all(this.logDirs.map((dir) => this.#loadLogsInDir(dir)));
    this.#logger.info({ logs: this.#logs.size, durationMs: this.#time.milliseconds() - started }, 'Loaded logs');
    const o = this.#options;
    // Kafka's LogManager.startupSchedulers: each task first runs after log.initial.task.delay.ms.
    this.#every(o.retentionCheckIntervalMs ?? 300_000, 'retention', () => this.cleanupLogs());
    const flushEvery = o.flushSchedulerIntervalMs ?? LONG_MAX;
    this.#every(flushEvery < LONG_MAX ? flushEvery : 1000, 'flush', () => this.flushDirtyLogs());
    this.#every(o.flushCheckpointIntervalMs ?? 60_000, 'recovery-point-checkpoint', () => this.#checkpointAllDirs('recovery'));
    this.#every(o.flushStartOffsetCheckpointIntervalMs ?? 60_000, 'log-start-offset-checkpoint', () => this.#checkpointAllDirs('log-start'));
    this.#every(o.producerIdExpirationCheckIntervalMs ?? 600_000, 'producer-expiration', async () => this.removeExpiredProducers());
    if (o.cleaner !== false) {
      this.#cleaner = new LogCleaner({ ...(o.cleaner ?? {}), time: this.#time, logger: this.#logger, logs: () => this.#compactedLogs() });
      this.#cleaner.startup();
    }
  }

  /**
   * Applies the settings a dynamic broker config update may change (Kafka's reconfigurable LogManager and
   * LogCleaner): num.recovery.threads.per.data.dir (used at shutdown from now on) and the log.cleaner.* settings.
   * log.cleaner.enable cannot change at run time (as in Kafka): with the cleaner off, cleaner settings are kept
   * for nothing.
   */
  reconfigure(settings: Pick<LogManagerOptions, 'recoveryThreadsPerDataDir' | 'cleaner'>): void {
    if (settings.recoveryThreadsPerDataDir !== undefined) this.#options = { ...this.#options, recoveryThreadsPerDataDir: settings.recoveryThreadsPerDataDir };
    if (settings.cleaner !== undefined && settings.cleaner !== false) this.#cleaner?.reconfigure(settings.cleaner);
  }

  async #loadLogsInDir(dir: string): Promise<void> {
    const marker = join(dir, CLEAN_SHUTDOWN_FILE);
    const hadCleanShutdown = await exists(marker);
    this.#markerEpochs.set(dir, hadCleanShutdown ? await readMarkerEpoch(marker) : null);
    const recoveryPoints = await this.#readCheckpoint(dir, RECOVERY_POINT_CHECKPOINT_FILE, hadCleanShutdown);
    const logStartOffsets = await this.#readCheckpoint(dir, LOG_START_OFFSET_CHECKPOINT_FILE, hadCleanShutdown);
    const highWatermarks = await this.#readCheckpoint(dir, REPLICATION_OFFSET_CHECKPOINT_FILE, hadCleanShutdown);
    if (!hadCleanShutdown) this.#logger.info({ dir }, 'No clean shutdown marker: recovering logs from their recovery points');
    const entries = await readdir(dir, { withFileTypes: true });
    const todo: { name: string; tp: TopicPartition }[] = [];
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      if (e.name.endsWith(LogFileUtils.DELETE_DIR_SUFFIX)) {
        this.#removeDirLater(join(dir, e.name), 0);
        continue;
      }
      // The KRaft metadata log lives beside the partition logs but is owned by the Raft layer (Kafka's
      // LogManager skips it the same way).
      if (e.name === METADATA_LOG_DIR_NAME) continue;
      const tp = LogFileUtils.parseTopicPartitionName(e.name);
      if (tp === null) continue;
      todo.push({ name: e.name, tp });
    }
    await this.#perThread(todo, async ({ name, tp }) => {
      const key = topicPartitionKey(tp);
      if (this.#logs.has(key)) throw new Error(`Duplicate log directories for ${key} are found in both ${this.#logDirOf.get(key)} and ${dir}`);
      const log = await this.#openLog(join(dir, name), tp, this.#configFor(tp.topic), {
        hadCleanShutdown,
        recoveryPoint: recoveryPoints.get(key) ?? 0,
        logStartOffset: logStartOffsets.get(key) ?? 0,
        highWatermark: highWatermarks.get(key) ?? 0,
      });
      this.#addLog(key, log, dir);
    });
    // A log created just before a crash was never fsynced (UnifiedLog syncs a new log before its first append):
    // its entry in this dir is made durable here, its own directory by loadLog's leader epoch flush.
    if (!hadCleanShutdown) await flushDir(dir);
    await unlink(marker).catch(() => undefined);
  }

  /**
   * Runs `task` over `items` with num.recovery.threads.per.data.dir tasks at a time (Kafka's recovery thread pool
   * of a log dir); the first failure is thrown once the running tasks are done.
   */
  async #perThread<T>(items: readonly T[], task: (item: T) => Promise<void>): Promise<void> {
    const threads = Math.max(1, this.#options.recoveryThreadsPerDataDir ?? 1);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < items.length) await task(items[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(threads, items.length) }, worker));
  }

  /** Opens a log with this manager's clock, logger, callbacks and producer state config, plus `recovery`. */
  #openLog(logDir: string, tp: TopicPartition, config: LogConfig, recovery: Pick<UnifiedLogOptions, 'hadCleanShutdown' | 'recoveryPoint' | 'logStartOffset' | 'highWatermark'>): Promise<UnifiedLog> {
    return UnifiedLog.open(logDir, tp, config, {
      ...recovery,
      time: this.#time,
      logger: this.#options.logger,
      onFailure: this.#onLogFailure,
      onRollFlushed: this.#onRollFlushed,
      ...(this.#options.onLogFlushed === undefined ? {} : { onFlushed: this.#options.onLogFlushed }),
      ...(this.#options.producerStateConfig === undefined ? {} : { producerStateConfig: this.#options.producerStateConfig }),
    });
  }

  #addLog(key: string, log: UnifiedLog, dir: string): void {
    this.#logs.set(key, log);
    this.#logDirOf.set(key, dir);
    this.#logCounts.set(dir, (this.#logCounts.get(dir) ?? 0) + 1);
  }

  async #readCheckpoint(dir: string, file: string, hadCleanShutdown: boolean): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    try {
      for (const e of await offsetCheckpointFile(join(dir, file)).read()) out.set(topicPartitionKey(e.topicPartition), e.offset);
    } catch (e) {
      this.#logger.warn({ err: e, dir, file, hadCleanShutdown }, 'Error reading a checkpoint file; resetting it (the logs are recovered from the start)');
      out.clear();
    }
    return out;
  }

  #configFor(topic: string): LogConfig {
    return this.#options.topicConfig?.(topic) ?? this.#options.defaultConfig;
  }

  #compactedLogs(): UnifiedLog[] {
    return [...this.#logs.values()].filter((l) => isCompacted(l.config) && !l.isOffline);
  }

  /** The log of `tp`, if this broker has it. */
  getLog(tp: TopicPartition): UnifiedLog | undefined {
    return this.#logs.get(topicPartitionKey(tp));
  }

  /** Every log. */
  allLogs(): UnifiedLog[] {
    return [...this.#logs.values()];
  }

  /** The log dir holding `tp`'s log. */
  logDirOf(tp: TopicPartition): string | undefined {
    return this.#logDirOf.get(topicPartitionKey(tp));
  }

  /**
   * The log of `tp`, created empty (in the log dir with the fewest logs) if it does not exist yet (Kafka's
   * getOrCreateLog). Concurrent calls for one partition share one creation. A `topicId` is recorded in
   * `partition.metadata` as Kafka does. Like Kafka's, a new log is created without fsync: its files survive a
   * process crash at once, and UnifiedLog makes them durable before its first append.
   * @throws Error when shut down; the fs error when the directory or its files cannot be created.
   */
  getOrCreateLog(tp: TopicPartition, config?: LogConfig, topicId?: string): Promise<UnifiedLog> {
    const key = topicPartitionKey(tp);
    const existing = this.#logs.get(key);
    if (existing !== undefined) return Promise.resolve(existing);
    const inFlight = this.#creating.get(key);
    if (inFlight !== undefined) return inFlight;
    if (this.#shutdown) return Promise.reject(new Error('LogManager is shut down'));
    let dir: string;
    try {
      dir = this.#nextLogDir();
    } catch (e) {
      return Promise.reject(e);
    }
    // Counted from now, so concurrent creations spread over the dirs.
    this.#logCounts.set(dir, this.#logCounts.get(dir)! + 1);
    const create = async (): Promise<UnifiedLog> => {
      const logDir = join(dir, LogFileUtils.logDirName(tp));
      // A new directory holds nothing to recover; one left over (created before startup) is scanned.
      const log = await this.#openLog(logDir, tp, config ?? this.#configFor(tp.topic), { hadCleanShutdown: false });
      try {
        if (topicId !== undefined) await writeFile(join(logDir, LogFileUtils.PARTITION_METADATA_FILE), `version: 0\ntopic_id: ${topicId}\n`);
      } catch (e) {
        await log.closeHandlers();
        throw e;
      }
      this.#logs.set(key, log);
      this.#logDirOf.set(key, dir);
      // The dir failed while the log was being created: it is offline with the others.
      if (this.#offlineDirs.has(dir)) await log.markOffline(new KafkaStorageError(`Log dir ${dir} is offline`));
      this.#logger.info({ topicPartition: key, dir }, 'Created log');
      return log;
    };
    // Kafka's getOrCreateLog: an I/O error creating the log takes its dir offline (KAFKA_STORAGE_ERROR).
    const p = this.#guardDir(dir, `Creating the log of ${key}`, create)
      .catch((e: unknown) => {
        this.#logCounts.set(dir, this.#logCounts.get(dir)! - 1);
        throw e;
      })
      .finally(() => this.#creating.delete(key));
    this.#creating.set(key, p);
    return p;
  }

  /** The live log dir with the fewest logs (the first such in log.dirs order). @throws KafkaStorageError if none. */
  #nextLogDir(): string {
    const live = this.liveLogDirs;
    if (live.length === 0) throw new KafkaStorageError(`No log directory is online: ${this.logDirs.join(', ')} have failed`);
    let best = live[0]!;
    for (const d of live) if (this.#logCounts.get(d)! < this.#logCounts.get(best)!) best = d;
    return best;
  }

  /**
   * Removes the log of `tp`: it stops serving at once, its directory is renamed to
   * `<topic>-<partition>.<uuid>-delete` and removed after file.delete.delay.ms (open reads keep their files).
   * A log in a failed dir is only forgotten: its files stay until a start finds them stray.
   * @throws KafkaStorageError (56) when the rename or the dir's checkpoints fail (the dir goes offline).
   */
  async deleteLog(tp: TopicPartition): Promise<void> {
    const key = topicPartitionKey(tp);
    const log = this.#logs.get(key);
    if (log === undefined) return;
    this.#logs.delete(key);
    const dir = this.#logDirOf.get(key)!;
    this.#logDirOf.delete(key);
    this.#logCounts.set(dir, this.#logCounts.get(dir)! - 1);
    this.#cleaner?.abortCleaning(tp);
    await this.#cleaner?.removeCheckpoint(log).catch((e) => this.#logger.warn({ err: e }, 'Could not update the cleaner checkpoint'));
    await log.runExclusive(async () => undefined).catch(() => undefined);
    await log.closeHandlers();
    if (this.#offlineDirs.has(dir)) return;
    const deleteDir = join(dir, logDeleteDirName(tp));
    await this.#guardDir(dir, `Deleting the log of ${key}`, async () => {
      await rename(log.dir, deleteDir);
      // Shared with the other logs deleted meanwhile (a topic's partitions go together), as the checkpoints are.
      await flushDirShared(dir);
    });
    this.#logger.info({ topicPartition: key, deleteDir }, 'Log renamed for deletion');
    this.#removeDirLater(deleteDir, log.config.fileDeleteDelayMs);
    await this.#checkpointDir(dir);
  }

  #removeDirLater(path: string, delayMs: number): void {
    const p = new Promise<void>((resolve) => {
      const run = (): void => {
        rm(path, { recursive: true, force: true })
          .catch((e) => this.#logger.warn({ err: e, path }, 'Could not remove a deleted log directory'))
          .finally(resolve);
      };
      if (delayMs <= 0) run();
      else setTimeout(run, delayMs).unref();
    });
    this.#pendingDirDeletes.add(p);
    void p.then(() => this.#pendingDirDeletes.delete(p));
  }

  /**
   * Writes every live log dir's recovery-point, log-start-offset and replication-offset checkpoints.
   * @throws KafkaStorageError (56) when a dir's write failed (that dir goes offline; the others are written).
   */
  async checkpointAll(): Promise<void> {
    const results = await Promise.allSettled(this.liveLogDirs.map((d) => this.#checkpointDir(d)));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  /** One kind of checkpoint of every live dir (the periodic tasks); a failed dir goes offline, the others are written. */
  async #checkpointAllDirs(kind: CheckpointKind): Promise<void> {
    const results = await Promise.allSettled(this.liveLogDirs.map((d) => this.#checkpoint(d, kind)));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  /** A failed dir's checkpoints are left as they were: no recovery point moves past a failed sync. */
  async #checkpointDir(dir: string): Promise<void> {
    await Promise.all([this.#checkpoint(dir, 'recovery'), this.#checkpoint(dir, 'log-start')]);
  }

  /** One write of a kind of checkpoint of `dir`, shared with concurrent callers (each file has one writer at a time). */
  #checkpoint(dir: string, kind: CheckpointKind): Promise<void> {
    return this.#checkpoints.run(`${dir}\0${kind}`);
  }

  /** The online logs of `dir`. */
  #logsIn(dir: string): UnifiedLog[] {
    const out: UnifiedLog[] = [];
    for (const [key, log] of this.#logs) if (this.#logDirOf.get(key) === dir && !log.isOffline) out.push(log);
    return out;
  }

  /** Kafka's checkpointLogRecoveryOffsetsInDir, with the high watermarks (ReplicaManager's checkpoint in Kafka). */
  async #checkpointRecoveryPoints(dir: string): Promise<void> {
    if (this.#offlineDirs.has(dir)) return;
    const logs = this.#logsIn(dir);
    await this.#guardDir(dir, 'Writing the recovery point checkpoints', async () => {
      await offsetCheckpointFile(join(dir, RECOVERY_POINT_CHECKPOINT_FILE)).write(logs.map((l) => ({ topicPartition: l.topicPartition, offset: Number(l.recoveryPoint) })));
      await offsetCheckpointFile(join(dir, REPLICATION_OFFSET_CHECKPOINT_FILE)).write(logs.map((l) => ({ topicPartition: l.topicPartition, offset: Number(l.highWatermark) })));
    });
  }

  /** Kafka's checkpointLogStartOffsetsInDir: only logs whose start offset is past their first segment's base. */
  async #checkpointLogStartOffsets(dir: string): Promise<void> {
    if (this.#offlineDirs.has(dir)) return;
    const starts: TopicPartitionOffset[] = [];
    for (const log of this.#logsIn(dir)) {
      const first = log.logSegments()[0];
      if (first !== undefined && Number(log.logStartOffset) > first.baseOffset) starts.push({ topicPartition: log.topicPartition, offset: Number(log.logStartOffset) });
    }
    await this.#guardDir(dir, 'Writing the log start offset checkpoint', async () => {
      await offsetCheckpointFile(join(dir, LOG_START_OFFSET_CHECKPOINT_FILE)).write(starts);
    });
  }

  /** Retention pass over every log (Kafka's cleanupLogs). @returns the number of segments deleted. */
  async cleanupLogs(): Promise<number> {
    let deleted = 0;
    for (const log of this.allLogs()) {
      if (log.isOffline) continue;
      try {
        deleted += await log.deleteOldSegments();
      } catch (e) {
        this.#logger.warn({ err: e, log: log.dir }, 'Retention failed for a log');
      }
    }
    return deleted;
  }

  /**
   * producer.id.expiration.ms (Kafka's per-log PeriodicProducerExpirationCheck, run every
   * producer.id.expiration.check.interval.ms): forgets producers idle that long outside a transaction.
   * @returns how many producer ids were removed.
   */
  removeExpiredProducers(): number {
    const now = this.#time.milliseconds();
    let removed = 0;
    for (const log of this.allLogs()) if (!log.isOffline) removed += log.removeExpiredProducers(now);
    return removed;
  }

  /** flush.ms: fsyncs logs whose last flush is older than their flush.ms (Kafka's flushDirtyLogs). */
  async flushDirtyLogs(): Promise<void> {
    const now = this.#time.milliseconds();
    for (const log of this.allLogs()) {
      if (log.isOffline || log.config.flushMs >= LONG_MAX) continue;
      if (now - log.lastFlushTime >= log.config.flushMs) {
        await log.flush().catch((e) => this.#logger.warn({ err: e, log: log.dir }, 'Flush failed'));
      }
    }
  }

  /**
   * Runs `task` every `intervalMs`, the first time after log.initial.task.delay.ms (default: one interval); a run
   * still going when the next is due skips it. An interval of 0 or Long.MAX_VALUE means never.
   */
  #every(intervalMs: number, name: string, task: () => Promise<unknown>): void {
    if (!(intervalMs > 0) || intervalMs >= LONG_MAX) return;
    const run = (): void => {
      if (this.#busy.has(name) || this.#shutdown) return;
      this.#busy.add(name);
      task()
        .catch((e) => this.#logger.warn({ err: e, task: name }, 'Background task failed'))
        .finally(() => this.#busy.delete(name));
    };
    const periodMs = Math.min(intervalMs, 2 ** 31 - 1);
    const first = setTimeout(() => {
      run();
      const timer = setInterval(run, periodMs);
      timer.unref();
      this.#timers.push(timer);
    }, Math.min(this.#options.initialTaskDelayMs ?? periodMs, 2 ** 31 - 1));
    first.unref();
    this.#timers.push(first);
  }

  /**
   * The broker epoch the clean-shutdown markers named when the logs were loaded (Kafka's
   * readBrokerEpochFromCleanShutdownFiles): the broker sends it as previousBrokerEpoch when it registers, and the
   * controller then treats the last incarnation's shutdown as clean (KIP-966: it keeps its ELR memberships).
   * -1 when a dir is offline, had no readable marker (a crash), or the dirs disagree.
   */
  get cleanShutdownBrokerEpoch(): bigint {
    if (this.liveLogDirs.length < this.logDirs.length) return -1n;
    const epochs = new Set(this.logDirs.map((d) => this.#markerEpochs.get(d) ?? null));
    const [epoch] = epochs;
    return epochs.size === 1 && epoch !== null && epoch !== undefined ? epoch : -1n;
  }

  /** The broker epoch the clean-shutdown markers of {@link shutdown} will name (Kafka's shutdown(brokerEpoch)). */
  setBrokerEpoch(brokerEpoch: bigint): void {
    this.#brokerEpoch = brokerEpoch;
  }

  /**
   * Clean shutdown (Kafka's LogManager.shutdown): stops the tasks and the cleaner, flushes and closes every log of
   * the live dirs, writes their checkpoints, then the clean-shutdown marker (with the broker epoch) of each dir whose logs all closed, and
   * releases the locks. A failed dir is skipped (the next start recovers it). An I/O error now takes its dir
   * offline as it would have while running (without ending the process) and never fails the shutdown: a broker
   * with a full disk still stops cleanly, as Kafka's does.
   */
  async shutdown(): Promise<void> {
    if (this.#shutdown) return;
    this.#stopBackgroundWork();
    await this.#cleaner?.shutdown();
    await Promise.all([...this.#creating.values()].map((p) => p.catch(() => undefined)));
    const uncleanDirs = new Set<string>();
    // Each dir's logs are flushed and closed num.recovery.threads.per.data.dir at a time, the dirs in parallel.
    await Promise.all(this.logDirs.map((dir) => this.#perThread([...this.#logs].filter(([key]) => this.#logDirOf.get(key) === dir), async ([, log]) => {
      try {
        if (this.#offlineDirs.has(dir) || log.isOffline) throw new Error('log is offline');
        await log.flush();
        await log.close();
      } catch (e) {
        uncleanDirs.add(dir);
        if (!this.#offlineDirs.has(dir)) this.#logger.error({ err: e, log: log.dir }, 'Could not flush and close a log on shutdown; its dir will be recovered at the next start');
        await log.closeHandlers().catch(() => undefined);
      }
    })));
    await this.checkpointAll().catch((e: unknown) => this.#logger.error({ err: e }, 'Could not write the checkpoints on shutdown'));
    for (const dir of this.liveLogDirs) {
      // The marker promises that every log of the dir was flushed and closed; otherwise the next start recovers.
      if (uncleanDirs.has(dir)) continue;
      await atomicWriteFile(join(dir, CLEAN_SHUTDOWN_FILE), JSON.stringify({ version: 0, brokerEpoch: Number(this.#brokerEpoch) })).catch((e: unknown) => {
        this.#logger.error({ err: e, dir }, 'Could not write the clean shutdown marker; the dir will be recovered at the next start');
      });
    }
    await this.#releaseLocks();
    this.#logger.info('Shut down cleanly');
  }

  /**
   * Closes every log's files and releases the locks without flushing or writing anything more: what a crash
   * leaves on disk, so the next start recovers every dir. For a start that failed half-way (BrokerServer) and for
   * tests that simulate kill -9 in-process.
   */
  async abandon(): Promise<void> {
    if (this.#shutdown) return;
    this.#stopBackgroundWork();
    await this.#cleaner?.shutdown();
    await Promise.all([...this.#creating.values()].map((p) => p.catch(() => undefined)));
    for (const log of this.#logs.values()) await log.closeHandlers().catch(() => undefined);
    await this.#releaseLocks();
  }

  #stopBackgroundWork(): void {
    this.#shutdown = true;
    for (const t of this.#timers) clearInterval(t);
    for (const t of this.#rollCheckpointTimers.values()) clearTimeout(t);
    this.#rollCheckpointTimers.clear();
  }

  async #releaseLocks(): Promise<void> {
    const locks = [...this.#locks.values()];
    this.#locks.clear();
    await Promise.all(locks.map((l) => l.destroy().catch((e: unknown) => this.#logger.warn({ err: e, lock: l.path }, 'Could not release a log dir lock'))));
  }

  /** Waits for background directory removals (tests). */
  async awaitPendingDeletes(): Promise<void> {
    await Promise.all([...this.#pendingDirDeletes]);
  }
}

/** `<topic>-<partition>.<uuid without dashes>-delete`, the topic cut so the name fits 255 bytes (as Kafka). */
export function logDeleteDirName(tp: TopicPartition): string {
  const suffix = `-${tp.partition}.${randomUUID().replaceAll('-', '')}${LogFileUtils.DELETE_DIR_SUFFIX}`;
  return tp.topic.slice(0, Math.min(tp.topic.length, 255 - suffix.length)) + suffix;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The brokerEpoch of a clean-shutdown marker (Kafka's CleanShutdownFileHandler.read), null when unreadable. */
async function readMarkerEpoch(path: string): Promise<bigint | null> {
  try {
    const content: unknown = JSON.parse(await readFile(path, 'utf8'));
    const epoch = (content as { brokerEpoch?: unknown } | null)?.brokerEpoch;
    return typeof epoch === 'number' && Number.isSafeInteger(epoch) ? BigInt(epoch) : null;
  } catch {
    return null;
  }
}
