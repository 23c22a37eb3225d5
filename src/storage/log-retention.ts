import type { LogSegment } from './log-segment.ts';

type Predicate = (segment: LogSegment, next: LogSegment | undefined) => boolean | Promise<boolean>;

/**
 * Which segments retention may delete (Kafka's UnifiedLog.deletableSegments and its three predicates). Pure
 * selection over a snapshot of the segments; UnifiedLog deletes them.
 *
 * Rules shared by all predicates: segments are taken oldest first while the predicate holds; a segment is only
 * deletable when every offset in it is below the high watermark (so logStartOffset never passes the HW), and an
 * empty active segment is never taken.
 */
export const LogRetention = {
  async deletable(segments: readonly LogSegment[], highWatermark: number, logEndOffset: number, predicate: Predicate): Promise<LogSegment[]> {
    const out: LogSegment[] = [];
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]!;
      const next = segments[i + 1];
      const isLastAndEmpty = next === undefined && segment.size === 0;
      const upperBoundOffset = next !== undefined ? next.baseOffset : logEndOffset;
      if (isLastAndEmpty || highWatermark < upperBoundOffset || !(await predicate(segment, next))) break;
      out.push(segment);
    }
    return out;
  },

  /** retention.ms: segments whose newest record (or mtime when none has a timestamp) is older than the limit. */
  async retentionMsBreached(segments: readonly LogSegment[], retentionMs: number, now: number, highWatermark: number, logEndOffset: number): Promise<LogSegment[]> {
    if (retentionMs < 0) return [];
    return LogRetention.deletable(segments, highWatermark, logEndOffset, async (s) => now - (await s.largestTimestamp()) > retentionMs);
  },

  /** retention.bytes: oldest segments while the log stays at or above the limit without them. */
  retentionSizeBreached(segments: readonly LogSegment[], retentionBytes: number, highWatermark: number, logEndOffset: number): Promise<LogSegment[]> {
    let size = 0;
    for (const s of segments) size += s.size;
    if (retentionBytes < 0 || size < retentionBytes) return Promise.resolve([]);
    let diff = size - retentionBytes;
    return LogRetention.deletable(segments, highWatermark, logEndOffset, (s) => {
      if (diff - s.size >= 0) {
        diff -= s.size;
        return true;
      }
      return false;
    });
  },

  /** Segments entirely below logStartOffset (after DeleteRecords or a start offset from the leader). */
  logStartOffsetBreached(segments: readonly LogSegment[], logStartOffset: number, highWatermark: number, logEndOffset: number): Promise<LogSegment[]> {
    return LogRetention.deletable(segments, highWatermark, logEndOffset, (_s, next) => next !== undefined && next.baseOffset <= logStartOffset);
  },
} as const;
