import { unlink } from 'node:fs/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { crc32c } from '../protocol/records/crc32c.ts';
import type { Time } from '../common/time.ts';
import type { Logger } from '../observability/logger.ts';
import { readEndTransactionMarker } from '../protocol/records/control-record.ts';
import { BatchAttributes, BatchLayout, RecordBatch } from '../protocol/records/record-batch.ts';
import { CleanedTransactionMetadata } from './cleaned-transaction-metadata.ts';
import type { FileRecords } from './file-records.ts';
import { readInt64, writeInt64 } from './int64.ts';
import { LogFileUtils } from './log-file-utils.ts';
import { LogSegment } from './log-segment.ts';
import type { AbortedTxn } from './log-types.ts';
import { RecordCursor, compressionCodecs, decompressRecords, varintSize, writeVarint, writeVarlong } from './record-cursor.ts';
import type { Throttler } from './throttler.ts';
import type { UnifiedLog } from './unified-log.ts';

/** Crash-test hooks: a hook that throws stops the clean there, leaving the files as a crash would. */
export interface CleanerHooks {
  /** After the `.cleaned` segment is complete, before the swap starts. */
  afterCleanedWritten?(): Promise<void>;
  /** After `.cleaned` became `.swap` and the old segments were retired, before the final rename. */
  beforeFinalRename?(): Promise<void>;
}

/** Thrown when cleaning a log was aborted (log deleted, truncated, or the cleaner shut down). */
export class LogCleaningAbortedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogCleaningAbortedError';
  }
}

/** Outcome of one clean (Kafka's CleanerStats, in part). */
export interface CleanResult {
  /** The new first dirty offset (checkpointed by LogCleaner). */
  readonly endOffset: number;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly recordsRead: number;
  readonly recordsRetained: number;
  readonly segmentsCleaned: number;
  /** Earliest delete horizon still pending on a retained tombstone (-1: none): when a re-clean can drop it. */
  readonly nextDeleteHorizonMs: number;
}

type Stats = { -readonly [K in Exclude<keyof CleanResult, 'endOffset'>]: number };

interface OffsetMap {
  readonly map: Map<string, number>;
  /** The last offset mapped (records above it were not seen and are always kept). */
  latestOffset: number;
}

const HEADER = BatchLayout.HEADER_SIZE;

/**
 * Compacts one log (Kafka's Cleaner): builds a map of key -> latest offset over the dirty range, then rewrites
 * the segments up to the end of that range, group by group, into `.cleaned` segments swapped in with the crash-safe
 * protocol (LocalLog.replaceSegments). A record survives when it is the latest for its key (tombstones too, until
 * their batch's delete horizon passes), or lies beyond the mapped range. Offsets are preserved: batches keep
 * their base and last offsets, records their offset deltas.
 *
 * - Tombstones: the first clean that retains a tombstone stamps its batch with a delete horizon (KIP-534:
 *   the baseTimestamp becomes now + delete.retention.ms and record timestamps are re-encoded against it); a later
 *   clean past the horizon drops it.
 * - Transactions (CleanedTransactionMetadata): records of aborted transactions (per the transaction indexes) are
 *   dropped and never enter the map. A marker stays while its transaction still has data in the log; once it
 *   has none, the marker gets a delete horizon (now + delete.retention.ms, like a tombstone) and a later clean
 *   past it drops the marker (KIP-534). The cleaned segment's transaction index lists the ABORT markers kept.
 * - The last batch of each active producer is kept, emptied if its records go, so its sequence and epoch
 *   survive for duplicate detection; for a producer whose last write is a marker, that marker is kept.
 * - The last batch of each group is kept, empty if need be, so the cleaned segment still ends at the same offset
 *   (which is also what lets recovery know which old segments a `.swap` replaces).
 * - Keyless records on a compacted log are dropped (as Kafka does); compressed batches are recompressed with
 *   their codec.
 *
 * Work is done in chunks of async reads with a yield between them, so the event loop keeps serving.
 */
export class Cleaner {
  readonly #time: Time;
  readonly #logger: Logger;
  readonly #dedupeBufferSize: number;
  readonly #ioBufferSize: number;
  readonly #hooks: CleanerHooks;
  readonly #isAborted: () => boolean;
  readonly #throttler: Throttler | undefined;

  /**
   * @param options.dedupeBufferSize bytes the key map may use (the cleaner's share of log.cleaner.dedupe.buffer.size
   *   times log.cleaner.io.buffer.load.factor); the clean stops mapping keys beyond it.
   * @param options.ioBufferSize bytes read at a time, and written at a time.
   * @param options.throttler log.cleaner.io.max.bytes.per.second, shared with the other cleans; told of every read and write.
   */
  constructor(options: { time: Time; logger: Logger; dedupeBufferSize: number; ioBufferSize: number; throttler?: Throttler; hooks?: CleanerHooks; isAborted: () => boolean }) {
    this.#time = options.time;
    this.#logger = options.logger;
    this.#dedupeBufferSize = options.dedupeBufferSize;
    this.#ioBufferSize = options.ioBufferSize;
    this.#throttler = options.throttler;
    this.#hooks = options.hooks ?? {};
    this.#isAborted = options.isAborted;
  }

  /**
   * Cleans `log` with the dirty range [firstDirtyOffset, firstUncleanableOffset).
   * @throws LogCleaningAbortedError when aborted (the `.cleaned` files are removed).
   */
  async clean(log: UnifiedLog, firstDirtyOffset: number, firstUncleanableOffset: number): Promise<CleanResult> {
    const now = this.#time.milliseconds();
    const stats: Stats = { bytesRead: 0, bytesWritten: 0, recordsRead: 0, recordsRetained: 0, segmentsCleaned: 0, nextDeleteHorizonMs: -1 };
    const offsetMap = await this.#buildOffsetMap(log, firstDirtyOffset, firstUncleanableOffset);
    const endOffset = offsetMap.latestOffset + 1;
    const config = log.config;
    const segments = log.logSegments().filter((s) => s.baseOffset < endOffset && s !== log.activeSegment);
    const groups = groupSegmentsBySize(segments, config.segmentBytes, config.segmentIndexBytes, firstUncleanableOffset);
    this.#logger.info({ log: log.dir, firstDirtyOffset, endOffset, keys: offsetMap.map.size, groups: groups.length }, 'Cleaning log');
    const txns = new CleanedTransactionMetadata();
    for (const group of groups) await this.#cleanSegments(log, group, offsetMap, txns, now, stats);
    return { endOffset, ...stats };
  }

  #checkAborted(log: UnifiedLog): void {
    if (this.#isAborted()) throw new LogCleaningAbortedError(`Cleaning of ${log.dir} was aborted`);
  }

  /** Key -> last offset over the dirty range, within the dedupe buffer budget (Kafka's buildOffsetMap). */
  async #buildOffsetMap(log: UnifiedLog, start: number, end: number): Promise<OffsetMap> {
    const result: OffsetMap = { map: new Map(), latestOffset: start - 1 };
    const aborted = abortedRanges(log, start, end);
    const cursor = new RecordCursor();
    let bytesUsed = 0;
    const dirty = log.logSegments().filter((s, i, all) => s.baseOffset < end && (all[i + 1]?.baseOffset ?? Infinity) > start);
    for (let i = 0; i < dirty.length; i++) {
      const segment = dirty[i]!;
      const from = segment.offsetIndex.lookup(start).position;
      let full = false;
      for await (const { buf, at, size } of batchesIn(segment.log, from, segment.size, this.#ioBufferSize, () => this.#checkAborted(log))) {
        await this.#throttler?.maybeThrottle(size);
        const baseOffset = readInt64(buf, at);
        const lastOffset = baseOffset + buf.readInt32BE(at + BatchLayout.LAST_OFFSET_DELTA);
        if (baseOffset >= end) break;
        if (lastOffset < start) continue;
        const attributes = buf.readInt16BE(at + BatchLayout.ATTRIBUTES);
        const isAbortedData = (attributes & BatchAttributes.TRANSACTIONAL) !== 0 && isAborted(aborted, buf.readBigInt64BE(at + BatchLayout.PRODUCER_ID), baseOffset);
        if ((attributes & BatchAttributes.CONTROL) === 0 && !isAbortedData) {
          const plain = await batchRecords(buf, at, size, attributes);
          cursor.reset(plain.buf, plain.start, plain.end, buf.readInt32BE(at + BatchLayout.RECORD_COUNT));
          while (cursor.next()) {
            const offset = baseOffset + cursor.offsetDelta;
            if (cursor.keyLength < 0 || offset < start) continue;
            const key = cursor.keyString();
            if (!result.map.has(key)) {
              if (bytesUsed >= this.#dedupeBufferSize) {
                full = true;
                break;
              }
              bytesUsed += 64 + key.length;
            }
            result.map.set(key, offset);
          }
        }
        if (full) break;
        result.latestOffset = Math.max(result.latestOffset, lastOffset);
      }
      if (full) {
        // Without one mapped batch the clean would make no progress, and be picked again and again.
        if (result.latestOffset < start) {
          throw new Error(`The log cleaner's dedupe buffer (${Math.floor(this.#dedupeBufferSize)} bytes) cannot hold the keys of one batch of ${log.dir}: raise log.cleaner.dedupe.buffer.size`);
        }
        this.#logger.debug({ log: log.dir, segment: segment.baseOffset }, 'Offset map is full; cleaning up to the mapped offset');
        break;
      }
      // Offset gaps: the next segment starts the unmapped range.
      result.latestOffset = Math.max(result.latestOffset, Math.min(dirty[i + 1]?.baseOffset ?? end, end) - 1);
    }
    return result;
  }

  /** Rewrites one group of segments into one `.cleaned` segment and swaps it in (Kafka's cleanSegments). */
  async #cleanSegments(log: UnifiedLog, group: LogSegment[], offsetMap: OffsetMap, txns: CleanedTransactionMetadata, now: number, stats: Stats): Promise<void> {
    const config = log.config;
    const base = group[0]!.baseOffset;
    for (const suffix of [LogFileUtils.LOG_FILE_SUFFIX, LogFileUtils.INDEX_FILE_SUFFIX, LogFileUtils.TIME_INDEX_FILE_SUFFIX, LogFileUtils.TXN_INDEX_FILE_SUFFIX]) {
      await unlink(LogFileUtils.segmentFile(log.dir, base, suffix, LogFileUtils.CLEANED_FILE_SUFFIX)).catch(() => undefined);
    }
    const cleaned = await LogSegment.open({ dir: log.dir, baseOffset: base, config, now: () => this.#time.milliseconds(), create: true, suffix: LogFileUtils.CLEANED_FILE_SUFFIX });
    try {
      const producers = lastRecordsOfActiveProducers(log);
      const retainedAborts: AbortedTxn[] = [];
      const out: Buffer[] = [];
      let outBytes = 0;
      let lastDropped: Buffer | null = null;
      const flushOut = async (): Promise<void> => {
        if (outBytes === 0) return;
        await cleaned.append(out, outBytes);
        await this.#throttler?.maybeThrottle(outBytes);
        stats.bytesWritten += outBytes;
        out.length = 0;
        outBytes = 0;
      };
      for (let i = 0; i < group.length; i++) {
        const segment = group[i]!;
        // Kafka collects aborted transactions per segment range (their data may sit in earlier segments).
        const upper = group[i + 1]?.baseOffset ?? (await segment.readNextOffset());
        txns.addAbortedTransactions(log.collectAbortedTransactions(BigInt(segment.baseOffset), BigInt(upper)));
        for await (const { buf, at, size } of batchesIn(segment.log, 0, segment.size, this.#ioBufferSize, () => this.#checkAborted(log))) {
          stats.bytesRead += size;
          await this.#throttler?.maybeThrottle(size);
          const ctx = { offsetMap, txns, producers, retainedAborts, now, deleteRetentionMs: config.deleteRetentionMs, stats };
          const kept = await this.#filterBatch(buf, at, size, ctx);
          if (kept === null) {
            lastDropped = Buffer.from(buf.subarray(at, at + HEADER));
            continue;
          }
          lastDropped = null;
          out.push(kept);
          outBytes += kept.length;
          if (outBytes >= this.#ioBufferSize) await flushOut();
        }
        for (const txn of retainedAborts.splice(0)) {
          const last = cleaned.txnIndex.entries.at(-1);
          if (last === undefined || txn.lastOffset > last.lastOffset) await cleaned.txnIndex.append(txn);
        }
      }
      if (lastDropped !== null) {
        out.push(emptyBatch(lastDropped));
        outBytes += HEADER;
      }
      await flushOut();
      await cleaned.onBecomeInactiveSegment();
      await cleaned.flush();
      await cleaned.setLastModified(await group.at(-1)!.lastModified());
    } catch (e) {
      // Nothing was swapped in yet: the half-written `.cleaned` files go, whether the clean was aborted or failed
      // (a failed log is then marked uncleanable and left as it was).
      await this.#discard(log, cleaned);
      throw e;
    }
    // A crash simulated here leaves the `.cleaned` files, as a real crash would (recovery removes them).
    await this.#hooks.afterCleanedWritten?.();
    if (this.#isAborted()) {
      await this.#discard(log, cleaned);
      this.#checkAborted(log);
    }
    const swapped = await log.replaceSegments(cleaned, group, this.#hooks.beforeFinalRename);
    if (!swapped) throw new LogCleaningAbortedError(`The segments of ${log.dir} changed while cleaning`);
    stats.segmentsCleaned += group.length;
  }

  /** Closes and deletes a `.cleaned` segment that will not be swapped in. */
  async #discard(log: UnifiedLog, cleaned: LogSegment): Promise<void> {
    await cleaned.closeHandlers().catch(() => undefined);
    await cleaned.deleteIfExists().catch((err: unknown) => this.#logger.warn({ err, log: log.dir }, 'Could not delete a .cleaned segment'));
  }

  /**
   * The batch as it survives cleaning (Kafka's checkBatchRetention + shouldRetainRecord): the same bytes, a
   * rebuilt batch, an empty batch (an active producer's last batch whose records all go), or null.
   */
  async #filterBatch(buf: Buffer, at: number, size: number, ctx: FilterContext): Promise<Buffer | null> {
    const { offsetMap, txns, stats } = ctx;
    const attributes = buf.readInt16BE(at + BatchLayout.ATTRIBUTES);
    const count = buf.readInt32BE(at + BatchLayout.RECORD_COUNT);
    stats.recordsRead += count;
    const baseOffset = readInt64(buf, at);
    const lastOffset = baseOffset + buf.readInt32BE(at + BatchLayout.LAST_OFFSET_DELTA);
    const producerId = buf.readBigInt64BE(at + BatchLayout.PRODUCER_ID);
    const isControl = (attributes & BatchAttributes.CONTROL) !== 0;
    const hasHorizon = (attributes & BatchAttributes.DELETE_HORIZON) !== 0;
    const baseTimestamp = readInt64(buf, at + BatchLayout.BASE_TIMESTAMP);
    let discardRecords: boolean;
    let emptyTxnMarker = false;
    if (isControl) {
      const verdict = txns.onControlBatchRead(producerId, markerType(buf, at, size, count), lastOffset);
      if (verdict.retainedAbort !== null) ctx.retainedAborts.push(verdict.retainedAbort);
      emptyTxnMarker = verdict.discardable;
      // Markers of transactions without data go once their delete horizon passed, as tombstones do.
      discardRecords = verdict.discardable && hasHorizon && baseTimestamp <= ctx.now;
    } else {
      discardRecords = txns.onBatchRead(producerId, (attributes & BatchAttributes.TRANSACTIONAL) !== 0, lastOffset);
    }
    // An active producer's last batch keeps its header (sequence, epoch) even when its records go.
    const last = producerId >= 0n ? ctx.producers.get(producerId) : undefined;
    const retainEmpty = last !== undefined && (last.lastDataOffset >= 0 ? last.lastDataOffset === lastOffset : isControl && last.producerEpoch === buf.readInt16BE(at + BatchLayout.PRODUCER_EPOCH));
    if (discardRecords) return retainEmpty ? emptyBatch(buf.subarray(at, at + HEADER)) : null;
    const retainDeletes = !hasHorizon || ctx.now < baseTimestamp;
    const plain = await batchRecords(buf, at, size, attributes);
    const cursor = new RecordCursor().reset(plain.buf, plain.start, plain.end, count);
    const kept: { start: number; end: number; tsEnd: number; ts: number }[] = [];
    let tombstones = false;
    while (cursor.next()) {
      const offset = baseOffset + cursor.offsetDelta;
      let retain: boolean;
      if (isControl || offset > offsetMap.latestOffset) retain = true;
      else if (cursor.keyLength < 0) retain = false;
      else retain = offset >= (offsetMap.map.get(cursor.keyString()) ?? -1) && (cursor.valueLength >= 0 || retainDeletes);
      if (!retain) continue;
      if (cursor.valueLength < 0 && !isControl) tombstones = true;
      kept.push({ start: cursor.start, end: cursor.recordEnd, tsEnd: cursor.timestampDeltaEnd, ts: baseTimestamp + cursor.timestampDelta });
    }
    stats.recordsRetained += kept.length;
    if (kept.length === 0) return retainEmpty ? emptyBatch(buf.subarray(at, at + HEADER)) : null;
    const needsHorizon = tombstones || emptyTxnMarker;
    const setHorizon = needsHorizon && !hasHorizon;
    const horizon = setHorizon ? ctx.now + ctx.deleteRetentionMs : hasHorizon ? baseTimestamp : -1;
    if (needsHorizon && horizon >= 0 && (stats.nextDeleteHorizonMs < 0 || horizon < stats.nextDeleteHorizonMs)) stats.nextDeleteHorizonMs = horizon;
    if (kept.length === count && !setHorizon) return Buffer.from(buf.subarray(at, at + size));
    return rebuildBatch(buf, at, attributes, plain.buf, kept, setHorizon ? horizon : null);
  }
}

/** What {@link Cleaner} filters batches with during one group. */
interface FilterContext {
  readonly offsetMap: OffsetMap;
  readonly txns: CleanedTransactionMetadata;
  readonly producers: ReadonlyMap<bigint, { lastDataOffset: number; producerEpoch: number }>;
  /** ABORT markers kept in this segment, for the cleaned transaction index. */
  readonly retainedAborts: AbortedTxn[];
  readonly now: number;
  readonly deleteRetentionMs: number;
  readonly stats: { recordsRead: number; recordsRetained: number; nextDeleteHorizonMs: number };
}

/** The last data offset (-1: none) and epoch of each producer with state (Kafka's lastRecordsOfActiveProducers). */
function lastRecordsOfActiveProducers(log: UnifiedLog): Map<bigint, { lastDataOffset: number; producerEpoch: number }> {
  const out = new Map<bigint, { lastDataOffset: number; producerEpoch: number }>();
  for (const [id, e] of log.producerStateManager.activeProducers) out.set(id, { lastDataOffset: e.lastDataOffset, producerEpoch: e.producerEpoch });
  return out;
}

/** The transaction marker type of a control batch, 'empty' when it has no record, null for other control records. */
function markerType(buf: Buffer, at: number, size: number, count: number): 'ABORT' | 'COMMIT' | 'empty' | null {
  if (count === 0) return 'empty';
  try {
    return readEndTransactionMarker(new RecordBatch(Buffer.from(buf.subarray(at, at + size)), 0))?.type ?? null;
  } catch {
    return null;
  }
}

/** The records region of a batch (decompressed if needed) as a buffer range. */
async function batchRecords(buf: Buffer, at: number, size: number, attributes: number): Promise<{ buf: Buffer; start: number; end: number }> {
  const codec = attributes & BatchAttributes.COMPRESSION_MASK;
  if (codec === 0) return { buf, start: at + HEADER, end: at + size };
  const plain = await decompressRecords(codec, buf.subarray(at + HEADER, at + size));
  return { buf: plain, start: 0, end: plain.length };
}

/**
 * A batch with only the `kept` records (raw bytes from `records`), same offsets, producer fields and codec;
 * with `horizon`, the delete-horizon flag is set and timestamps are re-encoded against it (KIP-534).
 */
async function rebuildBatch(src: Buffer, at: number, attributes: number, records: Buffer, kept: { start: number; end: number; tsEnd: number; ts: number }[], horizon: number | null): Promise<Buffer> {
  const parts: Buffer[] = [];
  let maxTimestamp = -1;
  for (const r of kept) {
    if (r.ts > maxTimestamp) maxTimestamp = r.ts;
    if (horizon === null) {
      parts.push(records.subarray(r.start, r.end));
      continue;
    }
    const rest = records.subarray(r.tsEnd, r.end);
    const delta = r.ts - horizon;
    const bodyLength = 1 + varlongSizeOf(delta) + rest.length;
    const rec = Buffer.alloc(varintSize(bodyLength) + bodyLength);
    let p = writeVarint(rec, 0, bodyLength);
    rec[p++] = 0;
    p = writeVarlong(rec, p, delta);
    rest.copy(rec, p);
    parts.push(rec);
  }
  let body: Buffer = Buffer.concat(parts);
  const codec = attributes & BatchAttributes.COMPRESSION_MASK;
  if (codec !== 0) body = await (await compressionCodecs()).compress(codec as 1 | 2 | 3 | 4, body);
  const out = Buffer.alloc(HEADER + body.length);
  src.copy(out, 0, at, at + HEADER);
  body.copy(out, HEADER);
  out.writeInt32BE(out.length - BatchLayout.LOG_OVERHEAD, BatchLayout.BATCH_LENGTH);
  out.writeInt16BE(horizon === null ? attributes : attributes | BatchAttributes.DELETE_HORIZON, BatchLayout.ATTRIBUTES);
  if (horizon !== null) writeInt64(out, BatchLayout.BASE_TIMESTAMP, horizon);
  if ((attributes & BatchAttributes.TIMESTAMP_TYPE_LOG_APPEND) === 0) writeInt64(out, BatchLayout.MAX_TIMESTAMP, maxTimestamp);
  out.writeInt32BE(kept.length, BatchLayout.RECORD_COUNT);
  out.writeUInt32BE(crc32c(out.subarray(BatchLayout.ATTRIBUTES)), BatchLayout.CRC);
  return out;
}

function varlongSizeOf(v: number): number {
  let z = v >= 0 ? v * 2 : -v * 2 - 1;
  let n = 1;
  while (z >= 128) {
    z = Math.floor(z / 128);
    n++;
  }
  return n;
}

/** A batch header with no records that keeps the offsets and producer fields of `header` (writeEmptyHeader). */
function emptyBatch(header: Buffer): Buffer {
  const out = Buffer.from(header.subarray(0, HEADER));
  const attributes = out.readInt16BE(BatchLayout.ATTRIBUTES) & ~BatchAttributes.COMPRESSION_MASK & ~BatchAttributes.DELETE_HORIZON;
  out.writeInt32BE(HEADER - BatchLayout.LOG_OVERHEAD, BatchLayout.BATCH_LENGTH);
  out.writeInt16BE(attributes, BatchLayout.ATTRIBUTES);
  out.copy(out, BatchLayout.BASE_TIMESTAMP, BatchLayout.MAX_TIMESTAMP, BatchLayout.MAX_TIMESTAMP + 8);
  out.writeInt32BE(0, BatchLayout.RECORD_COUNT);
  out.writeUInt32BE(crc32c(out.subarray(BatchLayout.ATTRIBUTES)), BatchLayout.CRC);
  return out;
}

/** Aborted transactions from the transaction indexes of the segments from `start` on, by producer. */
function abortedRanges(log: UnifiedLog, start: number, end: number): Map<bigint, AbortedTxn[]> {
  const out = new Map<bigint, AbortedTxn[]>();
  for (const txn of log.collectAbortedTransactions(BigInt(start), end === Infinity ? BigInt(Number.MAX_SAFE_INTEGER) : BigInt(end))) {
    const list = out.get(txn.producerId) ?? [];
    list.push(txn);
    out.set(txn.producerId, list);
  }
  return out;
}

function isAborted(aborted: Map<bigint, AbortedTxn[]>, producerId: bigint, baseOffset: number): boolean {
  const list = aborted.get(producerId);
  if (list === undefined) return false;
  const offset = BigInt(baseOffset);
  return list.some((t) => t.firstOffset <= offset && offset < t.lastOffset);
}

/**
 * Whole batches of `records` in [start, end), read in chunks; a batch larger than a chunk gets its own read.
 * Yields views valid until the next step; calls `check` (which may throw) and yields to the event loop between
 * chunks. Stops at a torn or corrupt batch.
 */
async function* batchesIn(records: FileRecords, start: number, end: number, chunkBytes: number, check: () => void): AsyncGenerator<{ buf: Buffer; at: number; position: number; size: number }> {
  let buf = Buffer.allocUnsafe(Math.max(HEADER, Math.min(chunkBytes, Math.max(end - start, HEADER))));
  let pos = start;
  while (pos < end) {
    check();
    const n = await records.readInto(buf, 0, Math.min(buf.length, end - pos), pos);
    let at = 0;
    while (at + BatchLayout.LOG_OVERHEAD <= n) {
      const size = buf.readInt32BE(at + BatchLayout.BATCH_LENGTH) + BatchLayout.LOG_OVERHEAD;
      if (size < HEADER || pos + at + size > end) return;
      if (at + size > n) break;
      yield { buf, at, position: pos + at, size };
      at += size;
    }
    if (at === 0) {
      const size = n >= BatchLayout.LOG_OVERHEAD ? buf.readInt32BE(BatchLayout.BATCH_LENGTH) + BatchLayout.LOG_OVERHEAD : 0;
      if (size <= buf.length) return;
      buf = Buffer.allocUnsafe(size);
      continue;
    }
    pos += at;
    await yieldToEventLoop();
  }
}

/**
 * Groups consecutive segments whose log and index sizes add up to at most one segment's worth, and whose offsets
 * fit a segment's int32 relative offsets (Kafka's groupSegmentsBySize).
 */
export function groupSegmentsBySize(segments: readonly LogSegment[], maxSize: number, maxIndexSize: number, firstUncleanableOffset: number): LogSegment[][] {
  const groups: LogSegment[][] = [];
  let i = 0;
  while (i < segments.length) {
    const group = [segments[i]!];
    let logSize = segments[i]!.size;
    let indexSize = segments[i]!.offsetIndex.sizeInBytes;
    let timeIndexSize = segments[i]!.timeIndex.sizeInBytes;
    i++;
    while (i < segments.length) {
      const s = segments[i]!;
      const lastOffsetOfNext = i + 1 < segments.length ? segments[i + 1]!.baseOffset - 1 : firstUncleanableOffset - 1;
      if (
        logSize + s.size > maxSize ||
        indexSize + s.offsetIndex.sizeInBytes > maxIndexSize ||
        timeIndexSize + s.timeIndex.sizeInBytes > maxIndexSize ||
        (s.size > 0 && lastOffsetOfNext - group[0]!.baseOffset > 0x7fffffff)
      ) {
        break;
      }
      group.push(s);
      logSize += s.size;
      indexSize += s.offsetIndex.sizeInBytes;
      timeIndexSize += s.timeIndex.sizeInBytes;
      i++;
    }
    groups.push(group);
  }
  return groups;
}
