import type { Batch } from './batch.ts';
import type { LeaderAndEpoch } from './leader-and-epoch.ts';
import type { SnapshotReader } from './snapshot-reader.ts';

/**
 * Receives the committed log (Kafka's `RaftClient.Listener`). Every node delivers, the leader included, and only
 * what is committed (below the high watermark). Calls to one listener never overlap: the client waits for a
 * returned promise before it delivers anything else to it. A rejected promise (or a throw) is fatal: the client's
 * next poll throws it (the driver hands it to the fault handler), as Kafka's raft thread does.
 */
export interface RaftClientListener {
  /**
   * A committed batch, in log order, with no gap: the first batch starts at 0 or right after the snapshot loaded
   * last. Control batches (records empty, controlRecords set: LeaderChange, KIP-853 voter changes) come too.
   */
  handleCommit(batch: Batch): Promise<void> | void;
  /**
   * The listener must (re)start from this snapshot: at start-up when one exists (the log before it may be gone),
   * or after a follower downloaded one from the leader. The commits that follow continue at
   * `reader.snapshotId.offset`.
   */
  handleLoadSnapshot(reader: SnapshotReader): Promise<void> | void;
  /**
   * The bootstrap checkpoint `0-0` that format wrote (KIP-853: kraft.version and the first voters, as control
   * records), at start-up while it is the latest snapshot. It holds no state of the listener: commits then start
   * at offset 0. Optional (Kafka's handleLoadBootstrap).
   */
  handleLoadBootstrap?(reader: SnapshotReader): Promise<void> | void;
  /**
   * The leader or epoch changed. A new leader (this node) is announced only once this listener has been handed
   * every batch up to its LeaderChange record, so a controller that becomes active has replayed the whole log.
   */
  handleLeaderChange(leader: LeaderAndEpoch): void;
  /** The client is shutting down. */
  beginShutdown?(): void;
}
