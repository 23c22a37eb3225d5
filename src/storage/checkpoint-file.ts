import { open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { TopicPartition } from '../common/topic-partition.ts';
import { FileSync } from './file-sync.ts';
import { SharedRuns } from './shared-runs.ts';

/** How entries of one checkpoint kind map to the text lines of the file. */
export interface CheckpointFormatter<T> {
  toLine(entry: T): string;
  /** The entry of a line, or null when the line is malformed. */
  fromLine(line: string): T | null;
}

/** fsync(2) of a directory, so a rename or a new file in it survives a power loss (Kafka's Utils.flushDir). */
export async function flushDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await FileSync.force(fh, dir, 'all');
  } finally {
    await fh.close();
  }
}

const dirSyncs = new SharedRuns<string>(flushDir);

/**
 * Replaces the file at `path` atomically and durably, as Kafka writes its checkpoint files: the content goes to
 * `<path>.tmp`, which is fsynced, renamed over `path`, and the directory is fsynced. A crash leaves the old file
 * or the new one, never a torn or empty one; a failure (ENOSPC on a full disk) leaves the old file and may leave
 * the `.tmp`, which no reader looks at.
 * @throws the fs error.
 */
export async function atomicWriteFile(path: string, data: string | Buffer): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(data);
    await FileSync.force(fh, tmp, 'all');
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await flushDir(dirname(path));
}

/**
 * {@link flushDir} shared by concurrent callers (see SharedRuns): a call waits for an fsync of `dir` that starts
 * after the call. So the first appends of a thousand new partition directories cost their log dir a few fsyncs,
 * not a thousand, with the same guarantee as flushDir.
 * @throws the fs error of the shared fsync.
 */
export function flushDirShared(dir: string): Promise<void> {
  return dirSyncs.run(dir);
}

/** Pending writes per path: writers of one file, even through different objects, never share the temp file. */
const writesByPath = new Map<string, Promise<unknown>>();

/**
 * A checkpoint file in Kafka's text format (server-common CheckpointFile):
 * ```
 * <version>
 * <number of entries>
 * <entry>            (one per line, fields separated by spaces)
 * ```
 * Writes are atomic ({@link atomicWriteFile}: a `.tmp` file fsynced, renamed over the file, the directory
 * fsynced). A file that does not exist, or is empty, reads as empty (as Kafka's CheckpointReadBuffer: a crash may
 * leave the empty file of a write that never reached the disk); a malformed one throws.
 */
export class CheckpointFile<T> {
  readonly path: string;
  readonly version: number;
  readonly #formatter: CheckpointFormatter<T>;

  constructor(path: string, version: number, formatter: CheckpointFormatter<T>) {
    this.path = path;
    this.version = version;
    this.#formatter = formatter;
  }

  /**
   * Replaces the file's entries (writes to one path are serialized).
   * @throws the fs error.
   */
  async write(entries: readonly T[]): Promise<void> {
    let text = `${this.version}\n${entries.length}\n`;
    for (const e of entries) text += `${this.#formatter.toLine(e)}\n`;
    const path = this.path;
    const run = (): Promise<void> => atomicWriteFile(path, text);
    const p = (writesByPath.get(path) ?? Promise.resolve()).then(run, run);
    const tail = p.catch(() => undefined);
    writesByPath.set(path, tail);
    void tail.then(() => {
      if (writesByPath.get(path) === tail) writesByPath.delete(path);
    });
    await p;
  }

  /**
   * The entries, or [] when the file does not exist or is empty (or holds only the version line, as Kafka reads it).
   * @throws Error "Malformed line in checkpoint file" for an unknown version, a bad line or a wrong count.
   */
  async read(): Promise<T[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    const malformed = (why: string): Error => new Error(`Malformed line in checkpoint file (${this.path}): ${why}`);
    if (lines.length === 0) return [];
    const version = Number(lines[0]);
    if (version !== this.version || lines[0] === '') throw malformed(`unrecognized version ${lines[0]}`);
    if (lines.length === 1) return [];
    const count = Number(lines[1]);
    if (!Number.isInteger(count) || count < 0 || lines[1] === '') throw malformed(`bad entry count ${lines[1]}`);
    const entries: T[] = [];
    for (let i = 2; i < lines.length; i++) {
      const entry = this.#formatter.fromLine(lines[i]!);
      if (entry === null) throw malformed(`'${lines[i]}'`);
      entries.push(entry);
    }
    if (entries.length !== count) throw malformed(`expected ${count} entries but found ${entries.length}`);
    return entries;
  }
}

/** An entry of the offset checkpoints (recovery point, log start offset, high watermark, cleaner offsets). */
export interface TopicPartitionOffset {
  readonly topicPartition: TopicPartition;
  readonly offset: number;
}

/** Lines `<topic> <partition> <offset>`; one formatter shared by every offset checkpoint. */
const OFFSET_FORMATTER: CheckpointFormatter<TopicPartitionOffset> = Object.freeze({
  toLine: (e: TopicPartitionOffset) => `${e.topicPartition.topic} ${e.topicPartition.partition} ${e.offset}`,
  fromLine: (line: string): TopicPartitionOffset | null => {
    const parts = line.split(' ');
    if (parts.length !== 3) return null;
    const partition = Number(parts[1]);
    const offset = Number(parts[2]);
    if (!Number.isInteger(partition) || !Number.isInteger(offset) || parts[0] === '') return null;
    return { topicPartition: { topic: parts[0]!, partition }, offset };
  },
});

/** Kafka's OffsetCheckpointFile: version 0, lines `<topic> <partition> <offset>`. */
export function offsetCheckpointFile(path: string): CheckpointFile<TopicPartitionOffset> {
  return new CheckpointFile<TopicPartitionOffset>(path, 0, OFFSET_FORMATTER);
}

/** A leader epoch and the first offset written in it (Kafka's EpochEntry). */
export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: number;
}

/** Lines `<epoch> <startOffset>`; shared by every partition's leader epoch checkpoint. */
const EPOCH_FORMATTER: CheckpointFormatter<EpochEntry> = Object.freeze({
  toLine: (e: EpochEntry) => `${e.epoch} ${e.startOffset}`,
  fromLine: (line: string): EpochEntry | null => {
    const parts = line.split(' ');
    if (parts.length !== 2) return null;
    const epoch = Number(parts[0]);
    const startOffset = Number(parts[1]);
    if (!Number.isInteger(epoch) || !Number.isInteger(startOffset)) return null;
    return { epoch, startOffset };
  },
});

/** Kafka's LeaderEpochCheckpointFile: version 0, lines `<epoch> <startOffset>`. */
export function leaderEpochCheckpointFile(path: string): CheckpointFile<EpochEntry> {
  return new CheckpointFile<EpochEntry>(path, 0, EPOCH_FORMATTER);
}
