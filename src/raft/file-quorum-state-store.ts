import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { flushDir } from '../storage/checkpoint-file.ts';
import type { QuorumStateData } from '../protocol/generated/records/quorum-state-data.ts';
import { ElectionState } from './election-state.ts';
import type { QuorumStateStore } from './quorum-state-store.ts';

/** Kafka's FileQuorumStateStore.DEFAULT_FILE_NAME, in the metadata log directory (`__cluster_metadata-0`). */
export const QUORUM_STATE_FILE_NAME = 'quorum-state';

/**
 * The `quorum-state` file (Kafka's `FileQuorumStateStore`): one line of JSON, QuorumStateData written by Kafka's
 * JSON converter plus `data_version`, e.g. (version 1)
 * `{"leaderId":1,"leaderEpoch":5,"votedId":-1,"votedDirectoryId":"AAAAAAAAAAAAAAAAAAAAAA","data_version":1}`.
 * A write goes to `quorum-state.tmp`, is fsynced, renamed over the file, and the directory is fsynced, so a crash
 * leaves the old or the new state, whole. A file that cannot be parsed throws: forgetting a vote could elect two
 * leaders in one epoch, so start-up stops rather than guess (fail-stop, as Kafka's UncheckedIOException).
 */
export class FileQuorumStateStore implements QuorumStateStore {
  readonly path: string;

  /** @param dir the metadata log directory. */
  constructor(dir: string) {
    this.path = join(dir, QUORUM_STATE_FILE_NAME);
  }

  async readElectionState(): Promise<ElectionState | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    return ElectionState.fromQuorumStateData(parseQuorumStateJson(text.split('\n')[0] ?? '', this.path));
  }

  async writeElectionState(state: ElectionState, kraftVersion: number): Promise<void> {
    const version = kraftVersion >= 1 ? 1 : 0;
    const tmp = `${this.path}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(quorumStateJson(state.toQuorumStateData(version), version), 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.path);
    await flushDir(dirname(this.path));
  }

  async clear(): Promise<void> {
    for (const p of [this.path, `${this.path}.tmp`]) {
      await unlink(p).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
    }
  }
}

/** QuorumStateData as Kafka's QuorumStateDataJsonConverter writes it at `version`, plus data_version. */
export function quorumStateJson(data: QuorumStateData, version: 0 | 1): string {
  const node: Record<string, unknown> = {};
  if (version === 0) node.clusterId = data.clusterId;
  node.leaderId = data.leaderId;
  node.leaderEpoch = data.leaderEpoch;
  node.votedId = data.votedId;
  if (version >= 1) node.votedDirectoryId = data.votedDirectoryId;
  if (version === 0) {
    // A JSON number: appliedOffset is always 0 in files Kafka writes.
    node.appliedOffset = Number(data.appliedOffset);
    node.currentVoters = data.currentVoters === null ? null : data.currentVoters.map((v) => ({ voterId: v.voterId }));
  }
  node.data_version = version;
  return JSON.stringify(node);
}

/**
 * Parses one line of the quorum-state file (Kafka's readStateFromFile + QuorumStateDataJsonConverter.read): the
 * fields mandatory at its data_version must be present with the right JSON types.
 * @throws Error naming the file on anything else.
 */
export function parseQuorumStateJson(line: string, path: string): QuorumStateData {
  const fail = (why: string): never => {
    throw new Error(`Error while reading the quorum state from the file ${path}: ${why}`);
  };
  let node: unknown;
  try {
    node = JSON.parse(line);
  } catch (e) {
    return fail(`not JSON (${(e as Error).message})`);
  }
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return fail('not a JSON object');
  const o = node as Record<string, unknown>;
  const version = o.data_version;
  if (typeof version !== 'number' || !Number.isInteger(version)) return fail('no data_version field');
  if (version < 0 || version > 1) return fail(`data_version (${version}) is not within the min (0) and max (1) supported version`);
  const int = (name: string): number => {
    const v = o[name];
    if (typeof v !== 'number' || !Number.isInteger(v)) return fail(`field '${name}' is missing or not an integer`);
    return v;
  };
  const clusterId = o.clusterId;
  if (version === 0 && typeof clusterId !== 'string') return fail("field 'clusterId' is missing or not a string");
  const votedDirectoryId = o.votedDirectoryId;
  if (version >= 1 && typeof votedDirectoryId !== 'string') return fail("field 'votedDirectoryId' is missing or not a string");
  const voters = o.currentVoters;
  if (version === 0 && voters !== null && !Array.isArray(voters)) return fail("field 'currentVoters' is missing or not an array");
  const currentVoters = Array.isArray(voters)
    ? voters.map((v: unknown) => {
        const id = (v as { voterId?: unknown } | null)?.voterId;
        if (typeof id !== 'number' || !Number.isInteger(id)) return fail('a voter has no integer voterId');
        return { voterId: id };
      })
    : null;
  return {
    clusterId: typeof clusterId === 'string' ? clusterId : '',
    leaderId: int('leaderId'),
    leaderEpoch: int('leaderEpoch'),
    votedId: int('votedId'),
    votedDirectoryId: typeof votedDirectoryId === 'string' ? votedDirectoryId : 'AAAAAAAAAAAAAAAAAAAAAA',
    appliedOffset: version === 0 ? BigInt(int('appliedOffset')) : 0n,
    currentVoters: version === 0 ? currentVoters : [],
  };
}
