import type { ElectionState } from '../../src/raft/election-state.ts';
import type { QuorumStateStore } from '../../src/raft/quorum-state-store.ts';
import { IMMEDIATE_IO, type SimIo } from './mock-log.ts';

/**
 * The quorum-state file in memory, with the file's crash semantics: a write becomes the durable state only when
 * its fsync completes (the simulation decides when); a crash before that keeps the previous state, and the writer
 * of a crashed node never resumes.
 */
export class MemoryQuorumStateStore implements QuorumStateStore {
  readonly path = 'memory:quorum-state';
  #durable: ElectionState | null;
  readonly #io: SimIo;
  #dead = false;
  /** Every state that became durable, in order (tests). */
  readonly writes: ElectionState[] = [];

  constructor(options: { io?: SimIo; durable?: ElectionState | null } = {}) {
    this.#io = options.io ?? IMMEDIATE_IO;
    this.#durable = options.durable ?? null;
  }

  /** The state a restart would read. */
  get durable(): ElectionState | null {
    return this.#durable;
  }

  async readElectionState(): Promise<ElectionState | null> {
    if (this.#dead) throw new Error('Quorum state store of a crashed node');
    return this.#durable;
  }

  async writeElectionState(state: ElectionState): Promise<void> {
    if (this.#dead) throw new Error('Quorum state store of a crashed node');
    await this.#io.fsync();
    if (this.#dead) return new Promise(() => undefined);
    this.#durable = state;
    this.writes.push(state);
  }

  async clear(): Promise<void> {
    this.#durable = null;
  }

  /** The node crashed: this store is dead; returns what survives. */
  crash(): ElectionState | null {
    this.#dead = true;
    return this.#durable;
  }
}
