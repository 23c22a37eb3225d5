import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { FileLock, LOCK_FILE } from '../../../src/storage/file-lock.ts';

const FILE_LOCK_MODULE = new URL('../../../src/storage/file-lock.ts', import.meta.url).href;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'file-lock-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lockedMessage = (d: string): string => `Failed to acquire lock on file .lock in ${d}. A Kafka instance in another process or thread is using this directory.`;

test('a second lock on the same file fails in the same process too, until the first is destroyed; the file stays', async () => {
  const d = await mkdtemp(join(dir, 'same-'));
  await writeFile(join(d, LOCK_FILE), 'left by an older version\n');
  const first = await FileLock.lockDataDir(d);
  assert.equal(first.held, true);
  assert.equal(await FileLock.tryLock(join(d, LOCK_FILE)), null);
  await assert.rejects(FileLock.lockDataDir(d), { message: lockedMessage(d) });
  await first.destroy();
  await first.destroy();
  assert.equal(first.held, false);
  assert.equal(await readFile(join(d, LOCK_FILE), 'utf8'), 'left by an older version\n', 'the contents are not the lock');
  const second = await FileLock.lockDataDir(d);
  await second.destroy();
  await stat(join(d, LOCK_FILE));
});

test('a lock held by another process is refused, and is free again once that process is killed with SIGKILL', async () => {
  const d = await mkdtemp(join(dir, 'other-'));
  const script = `import { FileLock } from ${JSON.stringify(FILE_LOCK_MODULE)};
await FileLock.lockDataDir(${JSON.stringify(d)});
console.log('locked');
setInterval(() => {}, 60_000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  try {
    const lines = createInterface({ input: child.stdout! });
    const [line] = (await once(lines, 'line')) as [string];
    assert.equal(line, 'locked');
    await assert.rejects(FileLock.lockDataDir(d), { message: lockedMessage(d) });
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  // The kernel dropped the lock with the process: nothing to clean up, no pid to check.
  const lock = await FileLock.lockDataDir(d);
  await lock.destroy();
});
