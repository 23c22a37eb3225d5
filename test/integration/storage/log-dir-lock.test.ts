// One process per log dir, for real: the `.lock` of every log dir and of the metadata log dir is an OS lock (flock)
// held by a running broker, so a second broker process on the same directory stops at start-up with Kafka's
// message, also when both run in PID namespaces of their own (two containers on one volume are both pid 1).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnBroker, type SpawnedBroker } from './fail-stop-kit.ts';

const lockedMessage = (dir: string): string => `Failed to acquire lock on file .lock in ${dir}. A Kafka instance in another process or thread is using this directory.`;

async function withDataDir(fn: (dataDir: string, brokers: SpawnedBroker[]) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'log-dir-lock-'));
  const brokers: SpawnedBroker[] = [];
  try {
    await fn(dataDir, brokers);
  } finally {
    for (const b of brokers) await b.stop('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Asserts the second broker stopped before starting, with exit code 1 and the lock message naming `dir`. */
async function assertRefused(second: SpawnedBroker, dir: string): Promise<void> {
  const started = second.started().then(
    () => 'started',
    () => 'exited',
  );
  assert.equal(await Promise.race([started, second.exited.then(() => 'exited')]), 'exited', 'the second broker started');
  assert.equal(await second.exited, 1);
  assert.ok(second.stderr().includes(lockedMessage(dir)), `stderr: ${second.stderr()}`);
  assert.ok(!second.lines.some((l) => l.includes('Kafka broker started')));
}

test('a second broker process on the same data dir stops at start-up; the first goes on and, once stopped, frees the dir', { timeout: 90_000 }, async () => {
  await withDataDir(async (dataDir, brokers) => {
    const first = spawnBroker(dataDir);
    brokers.push(first);
    await first.started();
    const second = spawnBroker(dataDir);
    brokers.push(second);
    await assertRefused(second, join(dataDir, 'logs'));
    assert.equal(first.child.exitCode, null, 'the first broker is still running');
    assert.equal(await first.stop(), 0);
    // The .lock file stays (it is not the lock): a third process starts.
    assert.ok((await readdir(join(dataDir, 'logs'))).includes('.lock'));
    const third = spawnBroker(dataDir);
    brokers.push(third);
    await third.started();
    assert.equal(await third.stop(), 0);
  });
});

test('a separate metadata log dir is locked too', { timeout: 90_000 }, async () => {
  await withDataDir(async (dataDir, brokers) => {
    const metadataDir = join(dataDir, 'metadata');
    const first = spawnBroker(dataDir, { overrides: { 'log.dirs': join(dataDir, 'logs-a'), 'metadata.log.dir': metadataDir } });
    brokers.push(first);
    await first.started();
    const second = spawnBroker(dataDir, { overrides: { 'log.dirs': join(dataDir, 'logs-b'), 'metadata.log.dir': metadataDir } });
    brokers.push(second);
    await assertRefused(second, metadataDir);
    assert.equal(await first.stop(), 0);
  });
});

test('two brokers in PID namespaces of their own (both pid 1) cannot share a data dir', { timeout: 90_000 }, async (t) => {
  if (process.getuid?.() !== 0 || spawnSync('unshare', ['--pid', '--fork', 'true']).status !== 0) {
    t.skip('unshare --pid needs root (CAP_SYS_ADMIN): run the tests as root to get this one');
    return;
  }
  await withDataDir(async (dataDir, brokers) => {
    // The broker is the init of its namespace; --kill-child takes it down if the test kills unshare.
    const wrapper = ['unshare', '--pid', '--fork', '--kill-child'];
    const first = spawnBroker(dataDir, { wrapper });
    brokers.push(first);
    await first.started();
    const second = spawnBroker(dataDir, { wrapper });
    brokers.push(second);
    await assertRefused(second, join(dataDir, 'logs'));
    // Both saw themselves as pid 1: a pid written in .lock could not tell them apart.
    const pids = (b: SpawnedBroker): number[] => b.lines.map((l) => (JSON.parse(l) as { pid: number }).pid);
    assert.deepEqual([...new Set(pids(first))], [1]);
    assert.equal(await first.stop(), 0);
  });
});
