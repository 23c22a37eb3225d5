import { stat, utimes } from 'node:fs/promises';
import { crc32c } from '../protocol/records/crc32c.ts';
import type { Logger } from '../observability/logger.ts';
import { BatchAttributes, BatchLayout } from '../protocol/records/record-batch.ts';
import { EMPTY_RECORDS, type FileRecordsSlice } from './file-records-slice.ts';
import { FileRecords, type BatchPosition } from './file-records.ts';
import { readInt64 } from './int64.ts';
import type { LeaderEpochFileCache } from './leader-epoch-file-cache.ts';
import { LogFileUtils } from './log-file-utils.ts';
import { OffsetIndex } from './offset-index.ts';
import { RecordCursor, decompressRecords } from './record-cursor.ts';
import { TimeIndex } from './time-index.ts';
import { TransactionIndex } from './transaction-index.ts';

/** What a segment needs from the log's config (a subset of LogConfig). */
export interface SegmentConfig {
  readonly segmentIndexBytes: number;
  readonly indexIntervalBytes: number;
  readonly segmentJitterMs: number;
  readonly segmentMs: number;
}

/** Inputs of {@link LogSegment.shouldRoll} (Kafka's RollParams). */
export interface RollParams {
  readonly maxSegmentBytes: number;
  readonly maxSegmentMs: number;
  /** Bytes about to be appended, and bytes already queued for this segment but not yet written. */
  readonly messagesSize: number;
  readonly pendingBytes: number;
  readonly maxTimestampInMessages: number;
  readonly maxOffsetInMessages: number;
  readonly now: number;
}

/** A segment read: Kafka's FetchDataInfo with numbers (UnifiedLog converts offsets to bigint). */
export interface SegmentReadInfo {
  readonly messageOffset: number;
  readonly position: number;
  readonly records: FileRecordsSlice;
  readonly firstEntryIncomplete: boolean;
}

const TAIL_CACHE_ENTRIES = 256;

/**
 * One segment of a partition log (Kafka's LogSegment): a `.log` file of record batches starting at `baseOffset`
 * plus its offset index, time index and transaction index. The last segment of a log is the active one that
 * appends go to; the others are immutable until deleted, cleaned, or truncated by a follower.
 *
 * Besides Kafka's state, the active segment remembers the positions of its last {@link TAIL_CACHE_ENTRIES}
 * batches, so reads near the end of the log (the usual consumer and follower fetch) find their batch without
 * touching the file.
 */
export class LogSegment {
  readonly baseOffset: number;
  readonly log: FileRecords;
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
  readonly txnIndex: TransactionIndex;
  readonly #indexIntervalBytes: number;
  readonly #rollJitterMs: number;
  readonly #now: () => number;
  #created: number;
  #bytesSinceLastIndexEntry = 0;
  #maxTimestampSoFar = -1;
  #offsetOfMaxTimestampSoFar: number;
  /** maxTimestamp of the first batch; null: not loaded yet; -1: none. */
  #rollingBasedTimestamp: number | null = null;
  #tailLast: Float64Array | null = null;
  #tailPos: Int32Array | null = null;
  #tailSize: Int32Array | null = null;
  #tailCount = 0;
  #tailHead = 0;
  /** Last offset of the batch before the oldest cached one; offsets above it can be answered from the cache. */
  #tailLowerBound = Infinity;

  private constructor(log: FileRecords, baseOffset: number, config: SegmentConfig, now: () => number, suffix: string, dir: string) {
    this.log = log;
    this.baseOffset = baseOffset;
    this.offsetIndex = new OffsetIndex(LogFileUtils.segmentFile(dir, baseOffset, LogFileUtils.INDEX_FILE_SUFFIX, suffix), baseOffset, config.segmentIndexBytes);
    this.timeIndex = new TimeIndex(LogFileUtils.segmentFile(dir, baseOffset, LogFileUtils.TIME_INDEX_FILE_SUFFIX, suffix), baseOffset, config.segmentIndexBytes);
    this.txnIndex = new TransactionIndex(LogFileUtils.segmentFile(dir, baseOffset, LogFileUtils.TXN_INDEX_FILE_SUFFIX, suffix), baseOffset);
    this.#indexIntervalBytes = config.indexIntervalBytes;
    this.#rollJitterMs = config.segmentJitterMs > 0 ? Math.floor(Math.random() * Math.min(config.segmentJitterMs, config.segmentMs)) : 0;
    this.#now = now;
    this.#created = now();
    this.#offsetOfMaxTimestampSoFar = baseOffset;
  }

  /**
   * Opens the segment files in `dir` for `baseOffset` (with an optional temporary suffix such as '.cleaned').
   * With `create`, missing files are created and the indexes start empty and preallocated; otherwise the `.log`
   * must exist and the indexes are left unloaded: call {@link loadIndexes} or {@link recover}.
   */
  static async open(options: {
    dir: string;
    baseOffset: number;
    config: SegmentConfig;
    now: () => number;
    create: boolean;
    suffix?: string;
  }): Promise<LogSegment> {
    const suffix = options.suffix ?? '';
    const path = LogFileUtils.segmentFile(options.dir, options.baseOffset, LogFileUtils.LOG_FILE_SUFFIX, suffix);
    const log = await FileRecords.open(path, options.create);
    const segment = new LogSegment(log, options.baseOffset, options.config, options.now, suffix, options.dir);
    if (options.create) {
      await segment.offsetIndex.resize(options.config.segmentIndexBytes);
      await segment.timeIndex.resize(options.config.segmentIndexBytes);
      segment.#rollingBasedTimestamp = log.sizeInBytes === 0 ? -1 : null;
    }
    return segment;
  }

  /** Bytes in the `.log` file. */
  get size(): number {
    return this.log.sizeInBytes;
  }

  get maxTimestampSoFar(): number {
    return this.#maxTimestampSoFar;
  }

  /** Last offset of the batch that first carried {@link maxTimestampSoFar}. */
  get offsetOfMaxTimestampSoFar(): number {
    return this.#offsetOfMaxTimestampSoFar;
  }

  /**
   * Loads the three indexes and checks them against the segment (Kafka's sanityCheck, plus entry order).
   * @param hasTxnIndex false when the directory listing showed no `.txnindex` (saves a read).
   * @throws CorruptIndexError, or the fs error (ENOENT for a missing offset or time index).
   */
  async loadIndexes(hasTxnIndex = true): Promise<void> {
    await this.offsetIndex.load(this.size);
    await this.timeIndex.load(this.size);
    if (hasTxnIndex) await this.txnIndex.load();
    const last = this.timeIndex.lastEntry;
    this.#maxTimestampSoFar = last.timestamp;
    this.#offsetOfMaxTimestampSoFar = last.offset;
  }

  /** Preallocates (active segment) or trims the index files to `size` bytes. */
  async resizeIndexes(size: number): Promise<void> {
    await this.offsetIndex.resize(size);
    await this.timeIndex.resize(size);
  }

  /** Loads the first batch's maxTimestamp, which segment.ms rolling is measured from. */
  async loadFirstBatchTimestamp(): Promise<void> {
    if (this.#rollingBasedTimestamp !== null) return;
    let ts = -1;
    await this.log.scanBatches(0, this.size, false, (buf, at) => {
      ts = readInt64(buf, at + BatchLayout.MAX_TIMESTAMP);
      return false;
    });
    this.#rollingBasedTimestamp = ts;
  }

  /** maxTimestamp of the first batch (-1 when empty or without timestamps), for max.compaction.lag.ms. */
  async firstBatchTimestamp(): Promise<number> {
    await this.loadFirstBatchTimestamp();
    return this.#rollingBasedTimestamp ?? -1;
  }

  /** How long this segment has been filling: by batch timestamps when it has one, else by wall clock. */
  timeWaitedForRoll(now: number, messageTimestamp: number): number {
    const ts = this.#rollingBasedTimestamp ?? -1;
    return ts >= 0 ? messageTimestamp - ts : now - this.#created;
  }

  /**
   * Whether an append must go to a new segment (Kafka's shouldRoll): it would pass segment.bytes, segment.ms has
   * elapsed since the first batch, an index is full, or an offset would not fit the int32 relative offsets.
   */
  shouldRoll(p: RollParams): boolean {
    const size = this.size + p.pendingBytes;
    const reachedRollMs = this.timeWaitedForRoll(p.now, p.maxTimestampInMessages) > p.maxSegmentMs - this.#rollJitterMs;
    return (
      size > p.maxSegmentBytes - p.messagesSize ||
      (size > 0 && reachedRollMs) ||
      this.offsetIndex.isFull ||
      this.timeIndex.isFull ||
      !this.offsetIndex.canAppendOffset(p.maxOffsetInMessages)
    );
  }

  /**
   * Appends whole batches (already carrying their final offsets) and indexes them: an offset index entry for a
   * batch once more than index.interval.bytes were appended since the last one, a time index entry when the
   * largest timestamp grew. The bytes become readable when the write completes.
   * @throws the fs error; nothing becomes visible then.
   */
  async append(buffers: readonly Buffer[], totalBytes: number): Promise<void> {
    if (totalBytes === 0) return;
    let position = this.size;
    await this.log.append(buffers, totalBytes);
    for (const buf of buffers) {
      let at = 0;
      while (at < buf.length) {
        const size = buf.readInt32BE(at + BatchLayout.BATCH_LENGTH) + BatchLayout.LOG_OVERHEAD;
        const baseOffset = readInt64(buf, at);
        const lastOffset = baseOffset + buf.readInt32BE(at + BatchLayout.LAST_OFFSET_DELTA);
        const maxTimestamp = readInt64(buf, at + BatchLayout.MAX_TIMESTAMP);
        this.#indexBatch(position, size, lastOffset, maxTimestamp);
        this.#cacheTail(baseOffset, lastOffset, position, size);
        position += size;
        at += size;
      }
    }
  }

  #indexBatch(position: number, size: number, lastOffset: number, maxTimestamp: number): void {
    if (position === 0) this.#rollingBasedTimestamp = maxTimestamp;
    if (maxTimestamp > this.#maxTimestampSoFar) {
      this.#maxTimestampSoFar = maxTimestamp;
      this.#offsetOfMaxTimestampSoFar = lastOffset;
    }
    // A full index only costs lookup precision; the next append rolls the segment.
    if (this.#bytesSinceLastIndexEntry > this.#indexIntervalBytes && !this.offsetIndex.isFull) {
      this.offsetIndex.append(lastOffset, position);
      if (!this.timeIndex.isFull) this.timeIndex.maybeAppend(this.#maxTimestampSoFar, this.#offsetOfMaxTimestampSoFar);
      this.#bytesSinceLastIndexEntry = 0;
    }
    this.#bytesSinceLastIndexEntry += size;
  }

  #cacheTail(baseOffset: number, lastOffset: number, position: number, size: number): void {
    if (this.#tailLast === null) {
      this.#tailLast = new Float64Array(TAIL_CACHE_ENTRIES);
      this.#tailPos = new Int32Array(TAIL_CACHE_ENTRIES);
      this.#tailSize = new Int32Array(TAIL_CACHE_ENTRIES);
    }
    if (this.#tailCount === 0) this.#tailLowerBound = baseOffset - 1;
    let slot: number;
    if (this.#tailCount < TAIL_CACHE_ENTRIES) {
      slot = (this.#tailHead + this.#tailCount) % TAIL_CACHE_ENTRIES;
      this.#tailCount++;
    } else {
      slot = this.#tailHead;
      this.#tailLowerBound = this.#tailLast[slot]!;
      this.#tailHead = (this.#tailHead + 1) % TAIL_CACHE_ENTRIES;
    }
    this.#tailLast[slot] = lastOffset;
    this.#tailPos![slot] = position;
    this.#tailSize![slot] = size;
  }

  #clearTail(): void {
    this.#tailCount = 0;
    this.#tailHead = 0;
    this.#tailLowerBound = Infinity;
  }

  /** The cached batch containing `offset` (first with lastOffset >= offset); undefined when not cached. */
  #tailLookup(offset: number): BatchPosition | null | undefined {
    if (this.#tailCount === 0 || offset <= this.#tailLowerBound) return undefined;
    const last = this.#tailLast!;
    let lo = 0;
    let hi = this.#tailCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (last[(this.#tailHead + mid) % TAIL_CACHE_ENTRIES]! >= offset) hi = mid;
      else lo = mid + 1;
    }
    if (lo === this.#tailCount) return null;
    const slot = (this.#tailHead + lo) % TAIL_CACHE_ENTRIES;
    return { lastOffset: last[slot]!, position: this.#tailPos![slot]!, size: this.#tailSize![slot]! };
  }

  /**
   * The batch holding the first offset >= `offset` (Kafka's translateOffset): from the tail cache, or an index
   * lookup followed by a scan of batch headers. Null when the segment has no such offset.
   */
  async translateOffset(offset: number, startingPosition = 0): Promise<BatchPosition | null> {
    const cached = this.#tailLookup(offset);
    if (cached !== undefined) return cached;
    const mapping = this.offsetIndex.lookup(offset);
    return this.log.searchForOffsetWithSize(offset, Math.max(mapping.position, startingPosition));
  }

  /**
   * Reads from the batch holding `startOffset` (Kafka's LogSegment.read): at most `maxSize` bytes (at least the
   * whole first batch with `minOneMessage`), never past `maxPosition`. Null when `startOffset` is beyond this
   * segment. The file is retained from the first line, so a concurrent deletion cannot close it mid-read.
   */
  async read(startOffset: number, maxSize: number, maxPosition: number, minOneMessage: boolean): Promise<SegmentReadInfo | null> {
    if (maxSize < 0) throw new RangeError(`Invalid max size ${maxSize} for log read from segment ${this.log.path}`);
    if (!this.log.tryRetain()) return null;
    try {
      const start = await this.translateOffset(startOffset);
      if (start === null) return null;
      const adjustedMaxSize = minOneMessage ? Math.max(maxSize, start.size) : maxSize;
      const fetchSize = Math.min(maxPosition - start.position, adjustedMaxSize);
      const records = adjustedMaxSize === 0 || fetchSize <= 0 ? EMPTY_RECORDS : this.log.slice(start.position, fetchSize);
      return { messageOffset: startOffset, position: start.position, records, firstEntryIncomplete: adjustedMaxSize < start.size };
    } finally {
      this.log.release();
    }
  }

  /**
   * Rebuilds the indexes from the `.log` file and cuts off everything from the first invalid batch (Kafka's
   * recover): a torn or short tail, a bad length, magic, CRC-32C or offset order. Leader epochs found on the
   * way are assigned to `leaderEpochCache`. Reads in chunks with async I/O, so the event loop keeps running.
   * @returns the bytes truncated.
   */
  async recover(logger: Logger, leaderEpochCache?: LeaderEpochFileCache): Promise<number> {
    this.offsetIndex.reset();
    this.timeIndex.reset();
    this.#clearTail();
    let validBytes = 0;
    let lastIndexEntry = 0;
    let nextOffset = this.baseOffset;
    let invalid: string | null = null;
    this.#maxTimestampSoFar = -1;
    this.#offsetOfMaxTimestampSoFar = this.baseOffset;
    const scan = await this.log.scanBatches(0, this.size, true, (buf, at, position, size) => {
      invalid = checkBatch(buf, at, size, nextOffset, this.offsetIndex);
      if (invalid !== null) return false;
      const baseOffset = readInt64(buf, at);
      const lastOffset = baseOffset + buf.readInt32BE(at + BatchLayout.LAST_OFFSET_DELTA);
      const maxTimestamp = readInt64(buf, at + BatchLayout.MAX_TIMESTAMP);
      if (maxTimestamp > this.#maxTimestampSoFar) {
        this.#maxTimestampSoFar = maxTimestamp;
        this.#offsetOfMaxTimestampSoFar = lastOffset;
      }
      if (position - lastIndexEntry > this.#indexIntervalBytes && !this.offsetIndex.isFull) {
        this.offsetIndex.append(lastOffset, position);
        if (!this.timeIndex.isFull) this.timeIndex.maybeAppend(this.#maxTimestampSoFar, this.#offsetOfMaxTimestampSoFar);
        lastIndexEntry = position;
      }
      validBytes = position + size;
      nextOffset = lastOffset + 1;
      const epoch = buf.readInt32BE(at + BatchLayout.PARTITION_LEADER_EPOCH);
      if (leaderEpochCache !== undefined && epoch >= 0 && (leaderEpochCache.latestEpoch === undefined || epoch > leaderEpochCache.latestEpoch)) {
        leaderEpochCache.assign(epoch, baseOffset);
      }
      return true;
    });
    const truncated = this.size - validBytes;
    if (truncated > 0) {
      const why = invalid ?? (scan.status === 'corrupt' ? 'a batch length below the header size' : 'an incomplete batch at the end');
      logger.warn({ segment: this.log.path, position: validBytes, truncatedBytes: truncated, reason: why }, 'Found invalid messages in log segment; truncating');
      await this.log.truncateTo(validBytes);
    }
    this.#bytesSinceLastIndexEntry = validBytes - lastIndexEntry;
    this.#rollingBasedTimestamp = null;
    await this.offsetIndex.trimToValidSize();
    this.timeIndex.maybeAppend(this.#maxTimestampSoFar, this.#offsetOfMaxTimestampSoFar, true);
    await this.timeIndex.trimToValidSize();
    await this.txnIndex.load().catch(() => this.txnIndex.reset());
    await this.txnIndex.truncateTo(nextOffset);
    return truncated;
  }

  /**
   * Removes the batches from the one holding `offset` on, and the index entries for them (Kafka's truncateTo).
   * The segment becomes active again, so its indexes are preallocated.
   * @returns the bytes truncated.
   */
  async truncateTo(offset: number): Promise<number> {
    const mapping = await this.translateOffset(offset);
    this.#clearTail();
    this.offsetIndex.truncateTo(offset);
    this.timeIndex.truncateTo(offset);
    await this.txnIndex.truncateTo(offset);
    await this.offsetIndex.resize(this.offsetIndex.maxIndexSize);
    await this.timeIndex.resize(this.timeIndex.maxIndexSize);
    const bytesTruncated = mapping === null ? 0 : await this.log.truncateTo(mapping.position);
    if (this.size === 0) {
      this.#created = this.#now();
      this.#rollingBasedTimestamp = -1;
    }
    this.#bytesSinceLastIndexEntry = 0;
    const last = this.timeIndex.lastEntry;
    const after = await this.log.largestTimestampAfter(this.offsetIndex.lookup(last.offset).position);
    if (after.timestamp > last.timestamp) {
      this.#maxTimestampSoFar = after.timestamp;
      this.#offsetOfMaxTimestampSoFar = after.offset;
    } else {
      this.#maxTimestampSoFar = last.timestamp;
      this.#offsetOfMaxTimestampSoFar = last.offset;
    }
    return bytesTruncated;
  }

  /** The offset after the last batch (the base offset when empty); scans from the last index entry. */
  async readNextOffset(): Promise<number> {
    let next = this.baseOffset;
    const from = this.offsetIndex.lookup(this.offsetIndex.lastOffset).position;
    await this.log.scanBatches(from, this.size, false, (buf, at) => {
      next = readInt64(buf, at) + buf.readInt32BE(at + BatchLayout.LAST_OFFSET_DELTA) + 1;
    });
    return next;
  }

  /** fdatasync of the `.log` file, then the indexes written and fdatasynced (Kafka's LogSegment.flush order). */
  async flush(): Promise<void> {
    await this.flushLog();
    await this.flushIndexes();
  }

  /**
   * fdatasync of the `.log` file only: what the durability of its records needs, since recovery rebuilds the
   * indexes of every segment from the recovery point on (the group commit's flush). A no-op once the file was
   * closed or deleted.
   * @throws the fs error.
   */
  async flushLog(): Promise<void> {
    await this.log.flush();
  }

  /**
   * Writes the unwritten entries of the offset, time and transaction indexes and fdatasyncs them, one after the
   * other (a background flush then holds at most one thread of the libuv pool). A deleted index is skipped.
   * @throws the fs error.
   */
  async flushIndexes(): Promise<void> {
    await this.offsetIndex.flush();
    await this.timeIndex.flush();
    await this.txnIndex.flush();
  }

  /** The segment stops being active: final time index entry, indexes trimmed (Kafka's onBecomeInactiveSegment). */
  async onBecomeInactiveSegment(): Promise<void> {
    this.timeIndex.maybeAppend(this.#maxTimestampSoFar, this.#offsetOfMaxTimestampSoFar, true);
    await this.offsetIndex.trimToValidSize();
    await this.timeIndex.trimToValidSize();
    this.#clearTail();
  }

  /**
   * The first record with timestamp >= `timestamp` and offset >= `startingOffset` (Kafka's
   * findOffsetByTimestamp): time index, then offset index, then a scan of the batches and their records.
   * Compressed batches are decompressed to find the record.
   */
  async findOffsetByTimestamp(timestamp: number, startingOffset: number): Promise<{ timestamp: number; offset: number; leaderEpoch: number } | null> {
    if (!this.log.tryRetain()) return null;
    try {
      const fromTimeIndex = this.timeIndex.lookup(timestamp);
      let position = this.offsetIndex.lookup(Math.max(fromTimeIndex.offset, startingOffset)).position;
      while (position < this.size) {
        const hit: { batch: Buffer | null; position: number } = { batch: null, position: -1 };
        await this.log.scanBatches(position, this.size, true, (buf, at, pos, size) => {
          const lastOffset = readInt64(buf, at) + buf.readInt32BE(at + BatchLayout.LAST_OFFSET_DELTA);
          if (readInt64(buf, at + BatchLayout.MAX_TIMESTAMP) >= timestamp && lastOffset >= startingOffset) {
            hit.batch = Buffer.from(buf.subarray(at, at + size));
            hit.position = pos;
            return false;
          }
          return true;
        });
        if (hit.batch === null) return null;
        const found = await findRecordAtOrAfter(hit.batch, timestamp, startingOffset);
        if (found !== null) return found;
        position = hit.position + hit.batch.length;
      }
      return null;
    } finally {
      this.log.release();
    }
  }

  /** Newest record timestamp, or the file's mtime when no batch has a timestamp (Kafka's largestTimestamp). */
  async largestTimestamp(): Promise<number> {
    if (this.#maxTimestampSoFar >= 0) return this.#maxTimestampSoFar;
    return this.lastModified();
  }

  async lastModified(): Promise<number> {
    try {
      return (await stat(this.log.path)).mtimeMs;
    } catch {
      return 0;
    }
  }

  async setLastModified(ms: number): Promise<void> {
    const t = new Date(ms);
    await utimes(this.log.path, t, t);
  }

  /** Renames every file of the segment from `oldSuffix` to `newSuffix` (e.g. '.cleaned' to '.swap'). */
  async changeFileSuffixes(oldSuffix: string, newSuffix: string): Promise<void> {
    const swap = (p: string): string => (p.endsWith(oldSuffix) ? p.slice(0, p.length - oldSuffix.length) : p) + newSuffix;
    await this.log.renameTo(swap(this.log.path));
    await this.offsetIndex.renameTo(swap(this.offsetIndex.path));
    await this.timeIndex.renameTo(swap(this.timeIndex.path));
    await this.txnIndex.renameTo(swap(this.txnIndex.path));
  }

  /** Closes the segment cleanly: final time index entry, indexes written and trimmed, file closed. */
  async close(): Promise<void> {
    if (this.log.isClosed) return;
    this.timeIndex.maybeAppend(this.#maxTimestampSoFar, this.#offsetOfMaxTimestampSoFar, true);
    await this.offsetIndex.trimToValidSize();
    await this.timeIndex.trimToValidSize();
    await this.log.close();
  }

  /** Closes the file without writing indexes (the files are going away, or a crash is simulated). */
  async closeHandlers(): Promise<void> {
    await this.log.close();
  }

  /** Deletes all files of the segment; the `.log` handle closes once no read holds it. */
  async deleteIfExists(): Promise<void> {
    await this.offsetIndex.deleteIfExists();
    await this.timeIndex.deleteIfExists();
    await this.txnIndex.deleteIfExists();
    await this.log.deleteFile();
  }

  toString(): string {
    return `LogSegment(baseOffset=${this.baseOffset}, size=${this.size}, largestRecordTimestamp=${this.#maxTimestampSoFar})`;
  }
}

/** Why the batch at `buf[at]` cannot be kept by recovery, or null when it is valid. */
function checkBatch(buf: Buffer, at: number, size: number, nextOffset: number, index: OffsetIndex): string | null {
  const magic = buf.readInt8(at + BatchLayout.MAGIC);
  if (magic !== 2) return `unsupported magic ${magic}`;
  const crc = buf.readUInt32BE(at + BatchLayout.CRC);
  if (crc32c(buf.subarray(at + BatchLayout.ATTRIBUTES, at + size)) !== crc) return 'CRC-32C mismatch';
  const delta = buf.readInt32BE(at + BatchLayout.LAST_OFFSET_DELTA);
  if (delta < 0) return `negative lastOffsetDelta ${delta}`;
  const baseOffset = readInt64(buf, at);
  if (baseOffset < nextOffset) return `offset ${baseOffset} is not above the previous batch (next expected ${nextOffset})`;
  if (!index.canAppendOffset(baseOffset + delta)) return `offset ${baseOffset + delta} overflows the segment's relative offsets`;
  return null;
}

/** In one batch, the first record with timestamp >= target and offset >= startingOffset. */
async function findRecordAtOrAfter(
  batch: Buffer,
  timestamp: number,
  startingOffset: number,
): Promise<{ timestamp: number; offset: number; leaderEpoch: number } | null> {
  const baseOffset = readInt64(batch, 0);
  const attributes = batch.readInt16BE(BatchLayout.ATTRIBUTES);
  const leaderEpoch = batch.readInt32BE(BatchLayout.PARTITION_LEADER_EPOCH);
  const count = batch.readInt32BE(BatchLayout.RECORD_COUNT);
  const logAppendTime = (attributes & BatchAttributes.TIMESTAMP_TYPE_LOG_APPEND) !== 0 ? readInt64(batch, BatchLayout.MAX_TIMESTAMP) : -1;
  const baseTimestamp = readInt64(batch, BatchLayout.BASE_TIMESTAMP);
  const codec = attributes & BatchAttributes.COMPRESSION_MASK;
  const records = codec === 0 ? batch : await decompressRecords(codec, batch.subarray(BatchLayout.RECORDS));
  const start = codec === 0 ? BatchLayout.RECORDS : 0;
  const cursor = new RecordCursor().reset(records, start, records.length, count);
  while (cursor.next()) {
    const offset = baseOffset + cursor.offsetDelta;
    const ts = logAppendTime >= 0 ? logAppendTime : baseTimestamp + cursor.timestampDelta;
    if (ts >= timestamp && offset >= startingOffset) return { timestamp: ts, offset, leaderEpoch };
  }
  return null;
}
