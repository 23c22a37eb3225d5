import type { Time } from '../common/time.ts';
import { topicPartitionKey, type TopicPartition } from '../common/topic-partition.ts';
import type { KafkaStorageError } from './errors.ts';
import { GroupCommit } from './group-commit.ts';
import type { LeaderEpochFileCache } from './leader-epoch-file-cache.ts';
import { isCompacted } from './log-config.ts';
import type { LocalLog } from './local-log.ts';
import type { LogAppendInfo } from './log-types.ts';
import { type AnalyzedAppend, LogValidator } from './log-validator.ts';
import type { AppendOrigin } from './producer-append-info.ts';
import { batchFirstOffset } from './producer-state-entry.ts';
import type { AbortedTxnToIndex, ProducerStateManager } from './producer-state-manager.ts';

/** One queued append (leader or follower) of a UnifiedLog. */
export type AppendTask = {
  records: Buffer;
  bytes: number;
  leaderEpoch: number;
  follower: boolean;
  origin: AppendOrigin;
  verificationGuard: object | null;
  resolve: (info: LogAppendInfo) => void;
  reject: (e: unknown) => void;
};
/** An accepted append; a `duplicate` writes nothing and is answered after the appends queued before it. */
type Pending = { task: AppendTask; info: AnalyzedAppend; aborted: readonly AbortedTxnToIndex[]; duplicate: LogAppendInfo | null };

/** Appends coalesced into one writev stop at this many bytes: multi-MiB writev calls were measured to hit
 * page-cache write throttling (2-5x slower than the same bytes in 1 MiB writes) on the project machine. */
export const MAX_GROUP_BYTES = 1024 * 1024;

/** What a {@link LogAppender} needs from its UnifiedLog (live views of its private state). */
export interface LogAppenderHost {
  readonly topicPartition: TopicPartition;
  readonly local: LocalLog;
  readonly epochs: LeaderEpochFileCache;
  readonly producerState: ProducerStateManager;
  readonly time: Time;
  readonly logStartOffset: number;
  /** The error that took the log offline, or null. */
  readonly failure: KafkaStorageError | null;
  /** Takes the log offline. */
  fail(e: unknown): void;
  /** Rolls a new segment at `offset` (and snapshots producer state there). */
  roll(offset: number): Promise<void>;
}

/**
 * The write path of a UnifiedLog (Kafka's UnifiedLog.append): for a group of queued appends, in order, it checks
 * framing and sizes, assigns offsets (leader) or checks them (follower), rolls the segment when needed, checks
 * and applies producer state (duplicates answered with the original offsets, nothing written), then writes the
 * accepted appends with one writev, adds aborted transactions to the transaction index, and resolves each append
 * (once an fsync covers it when flush.messages calls for one: {@link GroupCommit}, the queue not waiting for it).
 * An I/O error takes the log offline and rejects everything not yet written (or not yet fsynced).
 */
export class LogAppender {
  readonly #host: LogAppenderHost;
  readonly #groupCommit: GroupCommit;

  constructor(host: LogAppenderHost) {
    this.#host = host;
    this.#groupCommit = new GroupCommit((offset) => host.local.flushDataUpTo(offset), () => host.local.logEndOffset);
  }

  async appendGroup(group: AppendTask[]): Promise<void> {
    const h = this.#host;
    const now = h.time.milliseconds();
    const local = h.local;
    const config = local.config;
    const compacted = isCompacted(config);
    const vconfig = {
      maxMessageBytes: config.maxMessageBytes,
      segmentBytes: config.segmentBytes,
      compacted,
      logAppendTime: config.messageTimestampType === 'LogAppendTime',
    };
    let pending: Pending[] = [];
    let pendingBytes = 0;
    let nextOffset = local.logEndOffset;
    let epochsChanged = false;
    for (const task of group) {
      if (h.failure !== null) {
        task.reject(h.failure);
        continue;
      }
      let info: AnalyzedAppend;
      try {
        const counts = LogValidator.checkFraming(task.records, vconfig);
        if (task.follower) {
          info = LogValidator.analyzeFollower(task.records, nextOffset, counts);
        } else {
          if (compacted) await LogValidator.checkKeys(task.records, topicPartitionKey(h.topicPartition));
          info = LogValidator.assignOffsets(task.records, nextOffset, task.leaderEpoch, now, vconfig, counts);
        }
      } catch (e) {
        task.reject(e);
        continue;
      }
      const roll = local.activeSegment.shouldRoll({
        maxSegmentBytes: config.segmentBytes,
        maxSegmentMs: config.segmentMs,
        messagesSize: info.sizeInBytes,
        pendingBytes,
        maxTimestampInMessages: info.maxTimestamp,
        maxOffsetInMessages: info.lastOffset,
        now,
      });
      if (roll) {
        if (!(await this.#writePending(pending, pendingBytes, epochsChanged))) {
          task.reject(h.failure);
          continue;
        }
        pending = [];
        pendingBytes = 0;
        epochsChanged = false;
        try {
          await h.roll(Math.max(info.firstOffset, local.logEndOffset));
        } catch (e) {
          h.fail(e);
          task.reject(h.failure);
          continue;
        }
      }
      // Producer state is checked after offsets are assigned and applied at once: a later append in this group
      // sees it, and only an I/O error (which takes the log offline) can stop the write now.
      let aborted: readonly AbortedTxnToIndex[];
      try {
        const analysis = h.producerState.analyzeAppend(task.records, task.origin, task.verificationGuard);
        if (analysis.duplicate !== null) {
          // Kafka's answer to a duplicate: the original offsets, its timestamp as the append time.
          const d = analysis.duplicate;
          const duplicate: LogAppendInfo = {
            firstOffset: BigInt(batchFirstOffset(d)),
            lastOffset: BigInt(d.lastOffset),
            maxTimestamp: BigInt(info.maxTimestamp),
            offsetOfMaxTimestamp: -1n,
            logAppendTime: BigInt(d.timestamp),
            logStartOffset: -1n,
            validBytes: 0,
            recordCount: 0,
            batchCount: 0,
          };
          pending.push({ task, info, aborted: [], duplicate });
          continue;
        }
        aborted = h.producerState.applyAppend(analysis);
      } catch (e) {
        task.reject(e);
        continue;
      }
      h.producerState.updateMapEndOffset(info.lastOffset + 1);
      for (const { epoch, startOffset } of info.epochStarts) {
        const latest = h.epochs.latestEpoch;
        if (latest === undefined || epoch > latest) epochsChanged = h.epochs.assign(epoch, startOffset) || epochsChanged;
      }
      pending.push({ task, info, aborted, duplicate: null });
      pendingBytes += info.sizeInBytes;
      nextOffset = info.lastOffset + 1;
    }
    await this.#writePending(pending, pendingBytes, epochsChanged);
  }

  /** Writes queued appends to the active segment, then publishes them. False if the log went offline. */
  async #writePending(pending: Pending[], bytes: number, epochsChanged: boolean): Promise<boolean> {
    const h = this.#host;
    if (pending.length === 0) return h.failure === null;
    const writes = pending.filter((p) => p.duplicate === null);
    try {
      // The epoch file goes first: recovery drops epochs beyond the log end, never data beyond the epochs.
      if (epochsChanged) await h.epochs.flush();
      if (writes.length > 0) await h.local.append(writes.map((p) => p.task.records), bytes, writes.at(-1)!.info.lastOffset);
      // After the records, as Kafka: recovery's replay restores an entry that a crash lost here.
      for (const p of writes) {
        for (const { txn, lastStableOffset } of p.aborted) {
          await h.local.activeSegment.txnIndex.append({ producerId: txn.producerId, firstOffset: BigInt(txn.firstOffset), lastOffset: BigInt(txn.lastOffset), lastStableOffset: BigInt(lastStableOffset) });
        }
      }
    } catch (e) {
      h.fail(e);
      for (const p of pending) p.task.reject(h.failure);
      return false;
    }
    const local = h.local;
    if (local.logEndOffset - local.dataDurableOffset >= local.config.flushMessages) {
      // Group commit (flush.messages; 1 = fsync before every ack, as Kafka's append does): these appends are
      // answered once an fdatasync of the .log covering them completes (the indexes follow in the background:
      // recovery rebuilds them), while the queue goes on writing; the appends written meanwhile share the next.
      this.#groupCommit.waitFor(local.logEndOffset).then(
        () => this.#publish(pending),
        (e: unknown) => {
          h.fail(e);
          for (const p of pending) p.task.reject(h.failure);
        },
      );
      return true;
    }
    this.#publish(pending);
    return true;
  }

  /** Resolves each written append (a duplicate with its original offsets). */
  #publish(pending: Pending[]): void {
    const h = this.#host;
    const logStartOffset = BigInt(h.logStartOffset);
    for (const { task, info, duplicate } of pending) {
      if (duplicate !== null) {
        task.resolve({ ...duplicate, logStartOffset });
        continue;
      }
      task.resolve({
        firstOffset: BigInt(info.firstOffset),
        lastOffset: BigInt(info.lastOffset),
        maxTimestamp: BigInt(info.maxTimestamp),
        offsetOfMaxTimestamp: BigInt(info.offsetOfMaxTimestamp),
        logAppendTime: BigInt(info.logAppendTime),
        logStartOffset,
        validBytes: info.sizeInBytes,
        recordCount: info.recordCount,
        batchCount: info.batchCount,
      });
    }
  }
}
