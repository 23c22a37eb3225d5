import type { FileHandle } from 'node:fs/promises';

/**
 * How far a sync goes: 'data' is fdatasync(2) (the bytes, and what reading them back needs, such as a grown
 * length), 'all' is fsync(2) (every attribute; what a directory entry or a renamed checkpoint needs).
 */
export type SyncMode = 'data' | 'all';

/** Forces what was written to `handle` (the file at `path`) to the device. @throws the fs error (EIO, ENOSPC...). */
export type FileSyncer = (handle: FileHandle, path: string, mode: SyncMode) => Promise<void>;

const systemSync: FileSyncer = (handle, _path, mode) => (mode === 'data' ? handle.datasync() : handle.sync());
let current: FileSyncer = systemSync;

/**
 * The one way the storage layer forces bytes to disk: segments' `.log` files, their indexes, producer snapshots,
 * checkpoint files and directories all sync through {@link FileSync.force}. A failed sync is what Kafka treats as
 * a log dir failure (its IOException from FileChannel.force), and what must never be retried as if nothing
 * happened: after a failed fsync Linux may have dropped the dirty pages, and a second fsync then "succeeds".
 *
 * It is also the storage layer's fault-injection seam: a real device does not fail an fsync on demand (that needs
 * device-mapper), so {@link FileSync.replace} swaps the syncer for the whole process. Tests use it to fail chosen
 * paths with EIO, in-process or in a broker child process started through a preload module.
 */
export const FileSync = Object.freeze({
  /** Syncs through the current syncer (fdatasync / fsync unless replaced). @throws the fs error. */
  force(handle: FileHandle, path: string, mode: SyncMode): Promise<void> {
    return current(handle, path, mode);
  },

  /**
   * Replaces the syncer of the whole process (fault injection); `wrap` receives the system syncer to delegate
   * to. @returns a function that restores the previous syncer.
   */
  replace(wrap: (system: FileSyncer) => FileSyncer): () => void {
    const previous = current;
    current = wrap(systemSync);
    return () => {
      current = previous;
    };
  },
});
