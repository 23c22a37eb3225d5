import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { waitFor } from '../../helpers/broker.ts';

const REPO = new URL('../../../', import.meta.url).pathname;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('SIGTERM to `npm start` stops the broker it started: clean shutdown (marker written), no orphan, npm exits 0', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'npm-start-'));
  const logDir = join(dir, 'logs');
  // Its own process group, so that whatever happens the cleanup below can kill every process of the tree.
  const npm = spawn('npm', ['start', '--', '--override', `log.dirs=${logDir}`, '--override', 'listeners=PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0', '--override', 'advertised.listeners=PLAINTEXT://127.0.0.1:0'], {
    cwd: REPO,
    env: { ...process.env, LOG_LEVEL: 'info', NODE_TEST_CONTEXT: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const npmExit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => npm.once('exit', (code, signal) => resolve({ code, signal })));
  let stderr = '';
  npm.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines: string[] = [];
  createInterface({ input: npm.stdout! }).on('line', (line) => lines.push(line));
  let brokerPid = 0;
  try {
    const started = await waitFor('the broker to start under npm', () => lines.find((l) => l.includes('Kafka broker started')), 60_000);
    brokerPid = (JSON.parse(started) as { pid: number }).pid;
    assert.notEqual(brokerPid, npm.pid);
    assert.ok(alive(brokerPid));

    npm.kill('SIGTERM');
    const exit = await npmExit;
    await waitFor('the broker process to exit', () => !alive(brokerPid), 30_000);
    assert.deepEqual(exit, { code: 0, signal: null }, stderr);
    assert.ok(lines.some((l) => l.includes('Shut down cleanly')), lines.slice(-5).join('\n'));
    assert.ok(existsSync(join(logDir, '.kafka_cleanshutdown')), 'clean-shutdown marker');
  } finally {
    try {
      process.kill(-npm.pid!, 'SIGKILL');
    } catch {
      // The group is already gone.
    }
    if (brokerPid !== 0 && alive(brokerPid)) process.kill(brokerPid, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});
