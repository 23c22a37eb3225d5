import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MODULE = new URL('../../../src/observability/tune-process.ts', import.meta.url).href;

/** Runs tuneProcess() in a fresh process (it changes process-wide state), then imports a module. */
function tuneInChild(env: Record<string, string>): { compileCacheDir: string | null; externalMemoryInGlobalLimit: boolean } {
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
