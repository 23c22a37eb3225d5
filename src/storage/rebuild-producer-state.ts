import type { Logger } from '../observability/logger.ts';
import { RecordBatch } from '../protocol/records/record-batch.ts';
import type { LogSegment } from './log-segment.ts';
import { appendBatch, type ProducerStateManager } from './producer-state-manager.ts';

/** Inputs of {@link rebuildProducerState}. */
export interface RebuildProducerStateParams {
  readonly producerStateManager: ProducerStateManager;
  /** The log's segments, oldest first. */
  readonly segments: readonly LogSegment[];
  readonly logStartOffset: number;
  /** Rebuild up to this offset (exclusive): the log end offset, or a truncation point. */
  readonly lastOffset: number;
  readonly now: number;
  /** The log dir had a clean-shutdown marker. */
  readonly reloadFromCleanShutdown: boolean;
  readonly logger: Logger;
}

/**
 * Loads producer state up to `lastOffset` (Kafka's UnifiedLog.rebuildProducerState): the latest valid snapshot at
 * or below it, then a replay of the batches after it, with the trust of a follower (no validation). The replay
 * also restores transaction index entries that a crash lost (an ABORT marker on disk whose entry was never
 * written), as Kafka's segment recovery does, and snapshots are taken at the starts of the last two segments and
 * at `lastOffset`, so the next start has little to replay. Segments are read in 1 MiB chunks with async I/O: the
 * event loop keeps running while a large log is replayed.
 *
 * With no snapshot at all after a clean shutdown (a log written before producer state existed), nothing is
 * scanned: empty snapshots are written instead, as Kafka does on upgrade.
 */
export async function rebuildProducerState(p: RebuildProducerStateParams): Promise<void> {
  const psm = p.producerStateManager;
  const segments = p.segments;
  const offsetsToSnapshot: number[] = [];
  if (segments.length >= 2) offsetsToSnapshot.push(segments.at(-2)!.baseOffset);
  if (segments.length >= 1) offsetsToSnapshot.push(segments.at(-1)!.baseOffset);
  offsetsToSnapshot.push(p.lastOffset);

  if (psm.latestSnapshotOffset === undefined && p.reloadFromCleanShutdown) {
    for (const offset of offsetsToSnapshot) {
      psm.updateMapEndOffset(offset);
      await psm.takeSnapshot();
    }
    return;
  }
  const started = Date.now();
  const isEmptyBeforeTruncation = psm.isEmpty && psm.mapEndOffset >= p.lastOffset;
  await psm.truncateAndReload(p.logStartOffset, p.lastOffset, p.now);
  const replayFrom = psm.mapEndOffset;
  let batches = 0;
  if (p.lastOffset > psm.mapEndOffset && !isEmptyBeforeTruncation) {
    const last = floorSegment(segments, p.lastOffset);
    for (const segment of segmentsInRange(segments, psm.mapEndOffset, p.lastOffset)) {
      const startOffset = Math.max(segment.baseOffset, psm.mapEndOffset, p.logStartOffset);
      psm.updateMapEndOffset(startOffset);
      if (offsetsToSnapshot.includes(segment.baseOffset)) await psm.takeSnapshot();
      batches += await replaySegment(psm, segment, startOffset, segment === last ? p.lastOffset : Infinity);
    }
  }
  psm.updateMapEndOffset(p.lastOffset);
  await psm.takeSnapshot();
  p.logger.info(
    { topicPartition: psm.topicPartition, replayFrom, lastOffset: p.lastOffset, batches, producers: psm.producerIdCount, durationMs: Date.now() - started },
    'Loaded producer state',
  );
}

/** Replays the batches of `segment` in [startOffset, endOffset); returns the number of producer batches seen. */
async function replaySegment(psm: ProducerStateManager, segment: LogSegment, startOffset: number, endOffset: number): Promise<number> {
  const from = await segment.translateOffset(startOffset);
  if (from === null) return 0;
  let maxPosition = segment.size;
  if (endOffset !== Infinity) {
    const end = await segment.translateOffset(endOffset);
    if (end !== null) maxPosition = end.position;
  }
  const txnIndex = segment.txnIndex;
  const indexWrites: Promise<void>[] = [];
  let count = 0;
  await segment.log.scanBatches(from.position, maxPosition, true, (buf, at) => {
    const batch = new RecordBatch(buf, at);
    if (batch.producerId < 0n) return true;
    count++;
    const info = psm.prepareUpdate(batch.producerId, 'replication');
    const completed = appendBatch(info, batch);
    psm.update(info);
    if (completed !== null) {
      const lastStableOffset = psm.lastStableOffset(completed);
      if (completed.isAborted && (txnIndex.entries.at(-1)?.lastOffset ?? -1n) < BigInt(completed.lastOffset)) {
        indexWrites.push(txnIndex.append({
          producerId: completed.producerId,
          firstOffset: BigInt(completed.firstOffset),
          lastOffset: BigInt(completed.lastOffset),
          lastStableOffset: BigInt(lastStableOffset),
        }));
      }
      psm.completeTxn(completed);
    }
    return true;
  });
  await Promise.all(indexWrites);
  return count;
}

function floorSegment(segments: readonly LogSegment[], offset: number): LogSegment | undefined {
  let found: LogSegment | undefined;
  for (const s of segments) {
    if (s.baseOffset > offset) break;
    found = s;
  }
  return found;
}

/** Segments that may hold offsets in [from, to): the floor segment of `from` up to base offsets below `to`. */
function segmentsInRange(segments: readonly LogSegment[], from: number, to: number): LogSegment[] {
  const first = floorSegment(segments, from);
  return segments.filter((s) => (first === undefined || s.baseOffset >= first.baseOffset) && s.baseOffset < to);
}
