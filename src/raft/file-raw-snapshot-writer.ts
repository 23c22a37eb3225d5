import { chmod, open, rename, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { flushDir } from '../storage/checkpoint-file.ts';
import { unlinkIfExists } from '../storage/missing-ok.ts';
import type { OffsetAndEpoch } from './offset-and-epoch.ts';
import type { RawSnapshotWriter } from './raw-snapshot.ts';
import { PARTIAL_SNAPSHOT_SUFFIX, snapshotFileName, snapshotPath } from './snapshot-path.ts';

let nextTempId = 0;

/**
 * A snapshot file being written (Kafka's `FileRawSnapshotWriter`): bytes go to `<id>-<n>.checkpoint.part`;
 * `freeze` fsyncs it, makes it read-only, renames it to `<id>.checkpoint` and fsyncs the directory, then tells
 * the log (`onFrozen`). A partial file left by a crash is deleted when the log opens.
 */
export class FileRawSnapshotWriter implements RawSnapshotWriter {
  readonly snapshotId: OffsetAndEpoch;
  readonly #tempPath: string;
  readonly #fh: FileHandle;
  readonly #onFrozen: (id: OffsetAndEpoch) => void;
  #size = 0;
  #frozen = false;
  #closed = false;

  private constructor(snapshotId: OffsetAndEpoch, tempPath: string, fh: FileHandle, onFrozen: (id: OffsetAndEpoch) => void) {
    this.snapshotId = snapshotId;
    this.#tempPath = tempPath;
    this.#fh = fh;
    this.#onFrozen = onFrozen;
  }

  /** Creates the temp file in `dir`. */
  static async create(dir: string, snapshotId: OffsetAndEpoch, onFrozen: (id: OffsetAndEpoch) => void): Promise<FileRawSnapshotWriter> {
    const tempPath = join(dir, `${snapshotFileName(snapshotId)}-${process.pid}-${nextTempId++}${PARTIAL_SNAPSHOT_SUFFIX}`);
    const fh = await open(tempPath, 'wx');
    return new FileRawSnapshotWriter(snapshotId, tempPath, fh, onFrozen);
  }

  sizeInBytes(): number {
    return this.#size;
  }

  isFrozen(): boolean {
    return this.#frozen;
  }

  async append(bytes: Buffer): Promise<void> {
    if (this.#frozen || this.#closed) throw new Error(`Append is not supported. Snapshot ${snapshotFileName(this.snapshotId)} is frozen or closed`);
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await this.#fh.write(bytes, written, bytes.length - written, this.#size + written);
      written += bytesWritten;
    }
    this.#size += bytes.length;
  }

  async freeze(): Promise<void> {
    if (this.#frozen || this.#closed) throw new Error(`Freeze is not supported. Snapshot ${snapshotFileName(this.snapshotId)} is frozen or closed`);
    await this.#fh.sync();
    await this.#fh.close();
    this.#closed = true;
    await chmod(this.#tempPath, 0o444);
    const destination = snapshotPath(dirname(this.#tempPath), this.snapshotId);
    await rename(this.#tempPath, destination);
    await flushDir(dirname(destination));
    this.#frozen = true;
    this.#onFrozen(this.snapshotId);
  }

  async close(): Promise<void> {
    if (this.#frozen) return;
    if (!this.#closed) {
      this.#closed = true;
      await this.#fh.close();
    }
    await unlinkIfExists(this.#tempPath);
  }
}
