import { open, type FileHandle } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { constants as osConstants } from 'node:os';

/** Name of the lock file of a log dir (and of the metadata log dir), as Kafka's LogManager.LockFileName. */
export const LOCK_FILE = '.lock';

/** The addon built from native/fslock.c by `npm install` (node-gyp). */
interface FsLockAddon {
  /** flock(fd, LOCK_EX | LOCK_NB): 0, or -errno. */
  tryLockExclusive(fd: number): number;
}

/** Where `npm install` puts the addon, for the error that names it. */
const ADDON_PATH = 'native/build/Release/fslock.node';

let addon: FsLockAddon | null | undefined;

function loadAddon(): FsLockAddon | null {
  if (addon !== undefined) return addon;
  addon = null;
  try {
    const loaded = createRequire(import.meta.url)(`../../${ADDON_PATH}`) as FsLockAddon;
    if (typeof loaded.tryLockExclusive === 'function') addon = loaded;
  } catch {
    addon = null;
  }
  return addon;
}

/**
 * An exclusive OS lock on a file (Kafka's `org.apache.kafka.server.util.FileLock`), held from {@link tryLock}
 * until {@link destroy} or the end of the process, whichever comes first: the kernel drops it when the process
 * ends, kill -9 included, so a lock is never left behind by a dead broker and is never taken over from a live
 * one. It is flock(2) on an open file description (native/fslock.c): a second open of the same file conflicts
 * with it in this process too (two brokers in one test process), and it does not depend on process ids, which
 * two containers sharing a volume may both see as 1.
 *
 * Kafka's FileLock uses Java's FileChannel.tryLock (fcntl record locks on Linux), which a flock does not
 * conflict with: an Apache Kafka JVM and this broker on one directory would not see each other's lock.
 *
 * There is no fallback when the addon is not built: a pid file is not a lock (the trial that motivated this had
 * two containers, both pid 1, corrupt one metadata log), so taking a lock then fails with an error that says
 * how to build the addon, and the broker does not start.
 */
export class FileLock {
  readonly path: string;
  #handle: FileHandle | null;

  private constructor(path: string, handle: FileHandle) {
    this.path = path;
    this.#handle = handle;
  }

  /**
   * Opens `path` (created if missing, its contents left alone) and takes the lock without waiting.
   * @returns the held lock, or null when another open file description holds it (another process, or this one
   * through another FileLock).
   * @throws Error naming the addon when it is not built; the fs error when the file cannot be opened or flock
   * fails for another reason than contention.
   */
  static async tryLock(path: string): Promise<FileLock | null> {
    const native = loadAddon();
    if (native === null) {
      throw new Error(`Cannot lock ${path}: the native addon ${ADDON_PATH} is not built, and a log directory is never used without an OS lock (build it with \`npm rebuild\` or \`npx node-gyp rebuild --directory=native\`; it needs python3, make and a C compiler)`);
    }
    const handle = await open(path, 'a+', 0o644);
    const rc = native.tryLockExclusive(handle.fd);
    if (rc === 0) return new FileLock(path, handle);
    await handle.close();
    if (rc === -osConstants.errno.EWOULDBLOCK || rc === -osConstants.errno.EAGAIN) return null;
    const code = Object.entries(osConstants.errno).find(([, n]) => n === -rc)?.[0] ?? `errno ${-rc}`;
    throw Object.assign(new Error(`${code}: flock failed on ${path}`), { code, errno: rc, syscall: 'flock', path });
  }

  /**
   * Locks `<dir>/.lock` for this process (Kafka's LogManager.lockLogDirs and KafkaRaftManager.lockDataDir).
   * @throws Error with Kafka's message when another process (or another broker in this one) holds it; the errors
   * of {@link tryLock}.
   */
  static async lockDataDir(dir: string): Promise<FileLock> {
    const lock = await FileLock.tryLock(join(dir, LOCK_FILE));
    if (lock === null) throw new Error(`Failed to acquire lock on file ${LOCK_FILE} in ${dir}. A Kafka instance in another process or thread is using this directory.`);
    return lock;
  }

  /** True until {@link destroy}. */
  get held(): boolean {
    return this.#handle !== null;
  }

  /**
   * Releases the lock by closing the file. The file itself stays: deleting it (as Kafka's destroy does) would let
   * a process that opened the old file just before lock it while a third one locks a new file of the same name.
   * Idempotent.
   */
  async destroy(): Promise<void> {
    const handle = this.#handle;
    this.#handle = null;
    await handle?.close();
  }
}
