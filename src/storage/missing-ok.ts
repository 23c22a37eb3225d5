import { rename, unlink } from 'node:fs/promises';

function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Deletes a file; a file that is already gone is not an error (recovery and deletion may race). */
export async function unlinkIfExists(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (e) {
    if (!isMissing(e)) throw e;
  }
}

/** Renames a file; a source that does not exist (never written, e.g. an empty lazy index) is not an error. */
export async function renameIfExists(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (e) {
    if (!isMissing(e)) throw e;
  }
}
