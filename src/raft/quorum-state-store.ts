import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

/** The election state a voter must not forget across restarts (Kafka's QuorumStateData, file `quorum-state`). */
export interface ElectionState {
  leaderId: number;
  leaderEpoch: number;
  votedId: number;
  currentVoters: number[];
}

/**
 * Persists {@link ElectionState} as Kafka's `quorum-state` JSON file in the metadata log directory, written
 * atomically (temp file, fsync, rename) so a crash leaves either the old or the new state (KIP-595 requires a
 * voter to persist its epoch and vote before acting on them).
 */
export class QuorumStateStore {
  readonly #path: string;

  constructor(metadataLogDir: string) {
    this.#path = join(metadataLogDir, 'quorum-state');
  }

  /** @returns the stored state, or null when there is none yet. @throws Error on an unreadable file. */
  async read(): Promise<ElectionState | null> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    const data = JSON.parse(text) as {
      leaderId?: number;
      leaderEpoch?: number;
      votedId?: number;
      currentVoters?: { voterId: number }[] | null;
    };
    return {
      leaderId: data.leaderId ?? -1,
      leaderEpoch: data.leaderEpoch ?? 0,
      votedId: data.votedId ?? -1,
      currentVoters: (data.currentVoters ?? []).map((v) => v.voterId),
    };
  }

  async write(state: ElectionState): Promise<void> {
    const json = JSON.stringify({
      clusterId: '',
      leaderId: state.leaderId,
      leaderEpoch: state.leaderEpoch,
      votedId: state.votedId,
      appliedOffset: 0,
      currentVoters: state.currentVoters.map((voterId) => ({ voterId })),
      data_version: 0,
    });
    const tmp = `${this.#path}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(json, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.#path);
  }
}
