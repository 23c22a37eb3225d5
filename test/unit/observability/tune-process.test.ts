import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MODULE = new URL('../../../src/observability/tune-process.ts', import.meta.url).href;

/** Runs tuneProcess() in a fresh process (it changes process-wide state), then imports a module. */
function tuneInChild(env: Record<string, string>): { compileCacheDir: string | null; externalMemoryInGlobalLimit: boolean; threadpoolSize: number } {
  const script = `const { tuneProcess } = await import(${JSON.stringify(MODULE)});
const first = tuneProcess();
const again = tuneProcess();
if (JSON.stringify(first) !== JSON.stringify(again)) throw new Error('not idempotent');
await import(${JSON.stringify(new URL('../../../src/protocol/framing.ts', import.meta.url).href)});
process.stdout.write(JSON.stringify(first));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return JSON.parse(out);
}

test('tuneProcess enables the module compile cache in NODE_COMPILE_CACHE and V8 external-memory accounting', () => {
  const dir = mkdtempSync(join(tmpdir(), 'compile-cache-'));
  try {
    const tuning = tuneInChild({ NODE_COMPILE_CACHE: dir });
    assert.ok(tuning.compileCacheDir?.startsWith(dir), String(tuning.compileCacheDir));
    assert.equal(tuning.externalMemoryInGlobalLimit, Number(process.versions.v8.split('.')[0]) >= 13);
    assert.ok(readdirSync(dir, { recursive: true }).length > 0, 'modules loaded afterwards were cached');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('NODE_DISABLE_COMPILE_CACHE=1 leaves the compile cache off', () => {
  const tuning = tuneInChild({ NODE_DISABLE_COMPILE_CACHE: '1' });
  assert.equal(tuning.compileCacheDir, null);
});

test('every broker launcher passes BROKER_NODE_FLAGS (shebang, npm start, Docker image)', async () => {
  const { BROKER_NODE_FLAGS } = await import(MODULE);
  const { readFileSync } = await import('node:fs');
  const repo = new URL('../../../', import.meta.url).pathname;
  const flags = (BROKER_NODE_FLAGS as string[]).join(' ');
  const shebang = readFileSync(join(repo, 'bin/kafka-broker.js'), 'utf8').split('\n')[0];
  assert.equal(shebang, `#!/usr/bin/env -S node ${flags}`);
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  // exec: the shell npm runs the script in becomes the broker, so npm's SIGTERM reaches it (test/integration/cli).
  assert.equal(pkg.scripts.start, `exec node ${flags} bin/kafka-broker.js start`);
  // The image's entrypoint shell starts the broker as its child (it forwards the signals: test/integration/docker).
  const entrypoint = readFileSync(join(repo, 'docker/Dockerfile'), 'utf8').split('\n').find((l) => l.startsWith('ENTRYPOINT'));
  assert.equal(entrypoint, 'ENTRYPOINT ["/bin/sh", "docker/entrypoint.sh"]');
  const script = readFileSync(join(repo, 'docker/entrypoint.sh'), 'utf8').split('\n');
  assert.ok(script.includes(`node ${flags} bin/kafka-broker.js "$@" &`), 'the entrypoint runs node with the flags');
});

test('the flags take effect: a launched process has a young generation capped at 16 MB semi-spaces', async () => {
  const { BROKER_NODE_FLAGS } = await import(MODULE);
  // V8 reports new space capacity as semi-space size x 3 at most (two semi-spaces + one being grown into); a
  // burst of short-lived allocations grows it to its maximum.
  const script = `let keep = []; for (let i = 0; i < 3e6; i++) { keep.push({ i }); if (keep.length > 2e5) keep = []; }
const v8 = await import('node:v8');
const ns = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
process.stdout.write(String(ns.space_size));`;
  const capped = Number(execFileSync(process.execPath, [...BROKER_NODE_FLAGS, '--input-type=module', '-e', script], { encoding: 'utf8' }));
  assert.ok(capped <= 3 * 16 * 1024 * 1024, `new space ${capped} bytes`);
});

test('the libuv threadpool gets DEFAULT_THREADPOOL_SIZE threads unless UV_THREADPOOL_SIZE is set', async () => {
  const { DEFAULT_THREADPOOL_SIZE } = await import(MODULE);
  assert.equal(tuneInChild({ UV_THREADPOOL_SIZE: '' }).threadpoolSize, DEFAULT_THREADPOOL_SIZE);
  assert.equal(tuneInChild({ UV_THREADPOOL_SIZE: '3' }).threadpoolSize, 3);
  // The threads libuv actually started, once a few fs calls ran after tuneProcess.
  const script = `const { tuneProcess } = await import(${JSON.stringify(MODULE)});
tuneProcess();
const fs = await import('node:fs');
await Promise.all(Array.from({ length: 32 }, () => fs.promises.stat('/')));
const names = fs.readdirSync('/proc/self/task').map((t) => fs.readFileSync('/proc/self/task/' + t + '/comm', 'utf8').trim());
process.stdout.write(String(names.filter((n) => n.startsWith('libuv-worker')).length));`;
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.UV_THREADPOOL_SIZE;
  const workers = Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' }));
  assert.equal(workers, DEFAULT_THREADPOOL_SIZE);
});
