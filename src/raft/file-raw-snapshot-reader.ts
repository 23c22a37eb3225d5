import { open, stat } from 'node:fs/promises';
import type { OffsetAndEpoch } from './offset-and-epoch.ts';
import type { RawSnapshotReader } from './raw-snapshot.ts';

/**
 * A frozen snapshot file (Kafka's `FileRawSnapshotReader`). Each read opens the file (under its name, or the name
 * it has once marked for deletion, so a reader survives its snapshot being retired meanwhile) and reads the range.
 */
export class FileRawSnapshotReader implements RawSnapshotReader {
  readonly snapshotId: OffsetAndEpoch;
  readonly #paths: readonly string[];
  readonly #size: number;

  private constructor(snapshotId: OffsetAndEpoch, paths: readonly string[], size: number) {
    this.snapshotId = snapshotId;
    this.#paths = paths;
    this.#size = size;
  }

  /**
   * @param path the `.checkpoint` file; `deletedPath` the name it gets when marked for deletion.
   * @throws the fs error (ENOENT when it does not exist).
   */
  static async open(snapshotId: OffsetAndEpoch, path: string, deletedPath: string): Promise<FileRawSnapshotReader> {
    const s = await stat(path);
    return new FileRawSnapshotReader(snapshotId, [path, deletedPath], s.size);
  }

  sizeInBytes(): number {
    return this.#size;
  }

  async read(position: number, maxBytes: number): Promise<Buffer> {
    const length = Math.max(0, Math.min(maxBytes, this.#size - position));
    const out = Buffer.allocUnsafe(length);
    let lastError: unknown;
    for (const p of this.#paths) {
      let fh;
      try {
        fh = await open(p, 'r');
      } catch (e) {
        lastError = e;
        continue;
      }
      try {
        let read = 0;
        while (read < length) {
          const { bytesRead } = await fh.read(out, read, length - read, position + read);
          if (bytesRead === 0) throw new Error(`Snapshot file ${p} ended at ${position + read}, expected ${this.#size} bytes`);
          read += bytesRead;
        }
        return out;
      } finally {
        await fh.close();
      }
    }
    throw lastError;
  }
}
