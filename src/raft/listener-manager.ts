import { decodeBatches } from './batch.ts';
import { UNKNOWN_LEADER_AND_EPOCH, sameLeaderAndEpoch, type LeaderAndEpoch } from './leader-and-epoch.ts';
import { LeaderState } from './leader-state.ts';
import type { RaftClientListener } from './raft-client-listener.ts';
import type { RaftContext } from './raft-context.ts';
import { SnapshotReader } from './snapshot-reader.ts';
import { isBootstrapSnapshot } from './snapshot-path.ts';

/** Bytes of committed log read per delivery to a listener. */
const DELIVERY_READ_BYTES = 1024 * 1024;

/** Where one listener is (Kafka's KafkaRaftClient.ListenerContext). */
class ListenerContext {
  readonly listener: RaftClientListener;
  /** The next offset to hand it; -1 until it started (from a snapshot or from 0). */
  nextOffset = -1n;
  /** A delivery (commits or a snapshot) is running: nothing else is handed to it until it settles. */
  inFlight = false;
  lastFiredLeaderChange: LeaderAndEpoch = UNKNOWN_LEADER_AND_EPOCH;

  constructor(listener: RaftClientListener) {
    this.listener = listener;
  }

  shouldFireLeaderChange(leader: LeaderAndEpoch): boolean {
    if (sameLeaderAndEpoch(leader, this.lastFiredLeaderChange)) return false;
    return leader.epoch > this.lastFiredLeaderChange.epoch || (leader.leaderId !== null && this.lastFiredLeaderChange.leaderId === null);
  }
}

/**
 * Hands the committed log to the registered listeners (Kafka's updateListenersProgress / ListenerContext), one
 * delivery at a time per listener: a listener behind the log start (or starting while a snapshot exists) first
 * gets the latest snapshot, then the committed batches from its end, read from the log up to the high watermark.
 * Deliveries run alongside the raft loop (a slow listener does not stall elections or replication); their
 * progress completes the leader's commit waits. A listener's failure is kept and thrown by the next poll.
 */
export class ListenerManager {
  readonly #ctx: RaftContext;
  readonly #contexts: ListenerContext[] = [];
  readonly #pending: RaftClientListener[] = [];
  #failure: { error: unknown } | null = null;

  constructor(ctx: RaftContext) {
    this.#ctx = ctx;
  }

  register(listener: RaftClientListener): void {
    this.#pending.push(listener);
    this.#ctx.wakeup();
  }

  /** The first failure of a listener, if any (fatal). */
  get failure(): { error: unknown } | null {
    return this.#failure;
  }

  /**
   * The offset below which every listener has been handed the log (the high watermark when none is registered):
   * what the commit waits of the leader wait for.
   */
  appliedOffset(): bigint {
    if (this.#contexts.length === 0) return this.#ctx.quorum.highWatermark() ?? 0n;
    let min: bigint | null = null;
    for (const c of this.#contexts) {
      const applied = c.nextOffset < 0n ? 0n : c.nextOffset;
      if (min === null || applied < min) min = applied;
    }
    return min!;
  }

  /** True when a listener can be handed more now (the client then polls again at once). */
  hasPendingWork(): boolean {
    if (this.#pending.length > 0) return true;
    const hw = this.#ctx.quorum.highWatermark();
    return hw !== null && this.#contexts.some((c) => !c.inFlight && c.nextOffset < hw);
  }

  /** Registers new listeners, hands each what it can take, and announces leader changes (Kafka's pollListeners). */
  async poll(): Promise<void> {
    for (const l of this.#pending.splice(0)) {
      if (this.#contexts.some((c) => c.listener === l)) {
        this.#ctx.logger.error('Attempting to add a listener that already exists');
        continue;
      }
      this.#contexts.push(new ListenerContext(l));
    }
    const hw = this.#ctx.quorum.highWatermark();
    if (hw !== null) {
      for (const c of this.#contexts) if (!c.inFlight) await this.#updateProgress(c, hw);
    }
    this.maybeFireLeaderChange();
  }

  /**
   * Tells idle listeners of a new leader or epoch. A new leader that is this node is announced only once the
   * listener has everything up to its epoch's first offset.
   */
  maybeFireLeaderChange(): void {
    const state = this.#ctx.quorum.state;
    if (this.#ctx.quorum.isResigned) return;
    const leader = state.leaderAndEpoch();
    for (const c of this.#contexts) {
      if (c.inFlight || !c.shouldFireLeaderChange(leader)) continue;
      if (state instanceof LeaderState && c.nextOffset <= state.epochStartOffset) continue;
      c.lastFiredLeaderChange = leader;
      try {
        c.listener.handleLeaderChange(leader);
      } catch (e) {
        this.#failure ??= { error: e };
      }
    }
  }

  /** Kafka's listener beginShutdown. */
  beginShutdown(): void {
    for (const c of this.#contexts) c.listener.beginShutdown?.();
  }

  async #updateProgress(c: ListenerContext, hw: bigint): Promise<void> {
    const log = this.#ctx.log;
    const latest = log.latestSnapshotId();
    if (c.nextOffset < hw && (c.nextOffset === -1n || c.nextOffset < log.startOffset) && latest !== null) {
      const raw = await log.readSnapshot(latest);
      if (raw === null) throw new Error(`Snapshot ${latest.offset}-${latest.epoch} disappeared before it could be loaded`);
      this.#deliver(c, async () => {
        // The bootstrap checkpoint (0-0, written by format: kraft.version and the first voters) is no state of the
        // listener's: it goes to handleLoadBootstrap, and the log is still delivered from offset 0.
        if (isBootstrapSnapshot(latest)) await c.listener.handleLoadBootstrap?.(new SnapshotReader(raw));
        else await c.listener.handleLoadSnapshot(new SnapshotReader(raw));
        c.nextOffset = latest.offset;
      });
      return;
    }
    if (c.nextOffset === -1n) {
      this.#ctx.logger.info('Listener starts from offset 0: there are no snapshots');
      c.nextOffset = 0n;
    } else if (c.nextOffset < log.startOffset) {
      throw new Error(`Snapshot expected since the next offset of a listener is ${c.nextOffset}, the log start offset is ${log.startOffset} and the high watermark is ${hw}`);
    }
    if (c.nextOffset >= hw) return;
    const info = await log.read(c.nextOffset, 'COMMITTED', DELIVERY_READ_BYTES);
    const batches = decodeBatches(info.records).batches.filter((b) => b.lastOffset >= c.nextOffset && b.lastOffset < hw);
    if (batches.length === 0) return;
    this.#deliver(c, async () => {
      for (const b of batches) {
        await c.listener.handleCommit(b);
        c.nextOffset = b.lastOffset + 1n;
        this.#ctx.completeCommitWaiters(this.appliedOffset());
      }
    });
  }

  #deliver(c: ListenerContext, run: () => Promise<void>): void {
    c.inFlight = true;
    run().then(
      () => {
        c.inFlight = false;
        this.#ctx.completeCommitWaiters(this.appliedOffset());
        this.#ctx.wakeup();
      },
      (e: unknown) => {
        this.#failure ??= { error: e };
        this.#ctx.wakeup();
      },
    );
  }
}
