import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ALLOWED_VIOLATIONS, LAYERS, allowedImports, checkLayers } from '../../../.ci/check-layers.ts';

const REPO = new URL('../../../', import.meta.url).pathname;

/** A scratch src/ tree: path (relative to it) -> source text. */
function srcTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'layers-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

test('the layers of src/ hold: every import goes downward, apart from the allowlisted ones, which still occur', () => {
  assert.deepEqual(checkLayers(join(REPO, 'src')).map((v) => v.message), []);
  for (const entry of ALLOWED_VIOLATIONS) assert.ok(entry.reason.length > 20, `${entry.from} -> ${entry.to} says why`);
});

test('the declared layers are acyclic, and the closure is downward: storage may import protocol and common, not raft', () => {
  for (const layer of Object.keys(LAYERS)) assert.ok(!allowedImports(layer).has(layer), `${layer} reaches itself`);
  assert.deepEqual([...allowedImports('storage')].sort(), ['common', 'observability', 'protocol']);
  assert.deepEqual([...allowedImports('common')], []);
  assert.deepEqual([...allowedImports('observability')], ['common']);
  assert.ok(allowedImports('cli').has('metadata'), 'cli -> server -> metadata');
  assert.ok(!allowedImports('coordinator').has('replication'), 'coordinators write through PartitionWriter');
});

test('upward, sideways and codegen imports are reported, whatever their form (type-only, multi-line, re-export, dynamic, require)', () => {
  const dir = srcTree({
    'common/time.ts': "import type { Writer } from '../protocol/writer.ts';\nexport const t = 1;\n",
    'protocol/writer.ts': "export * from '../storage/log.ts';\n",
    'protocol/codegen/main.ts': "import { rootLogger } from '../../observability/logger.ts';\n",
    'observability/logger.ts': "import { t } from '../common/time.ts';\n",
    'storage/log.ts': "import {\n  a,\n  b,\n} from '../server/x.ts';\n// import { c } from '../cli/main.ts';\nconst s = \"from '../cli/main.ts'\";\n",
    'raft/client.ts': "const m = await import('../controller/c.ts');\nimport { t } from '../common/time.ts';\nimport { w } from '../protocol/writer.ts';\n",
    'coordinator/group.ts': "const r = require('../replication/partition.ts');\n",
    'server/x.ts': "import { g } from '../protocol/codegen/main.ts';\nimport { l } from '../storage/log.ts';\n",
    'controller/c.ts': "export const c = 1;\n",
    'replication/partition.ts': "export const p = 1;\n",
    'gadgets/thing.ts': "export const g = 1;\n",
  });
  try {
    const found = checkLayers(dir, []).map((v) => `${v.from} -> ${v.to}`).sort();
    assert.deepEqual(found, [
      'common/time.ts -> protocol/writer.ts',
      'coordinator/group.ts -> replication/partition.ts',
      'gadgets/thing.ts -> ',
      'protocol/writer.ts -> storage/log.ts',
      'raft/client.ts -> controller/c.ts',
      'server/x.ts -> protocol/codegen/main.ts',
      'storage/log.ts -> server/x.ts',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an allowlisted import is accepted, and an allowlist entry that no longer matches an import is reported', () => {
  const dir = srcTree({ 'storage/loader.ts': "import type { B } from '../raft/log.ts';\n", 'raft/log.ts': 'export type B = 1;\n' });
  try {
    const allow = [{ from: 'storage/loader.ts', to: 'raft/log.ts', reason: 'seam waits for the rewrite' }];
    assert.deepEqual(checkLayers(dir, allow), []);
    const stale = [...allow, { from: 'storage/other.ts', to: 'raft/log.ts', reason: 'gone' }];
    assert.deepEqual(checkLayers(dir, stale).map((v) => v.message), ['allowlisted storage/other.ts -> raft/log.ts no longer occurs: remove the entry']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the command exits 1 and names each violation; 0 on the real src/', () => {
  const dir = srcTree({ 'common/a.ts': "import { x } from '../server/b.ts';\n", 'server/b.ts': 'export const x = 1;\n' });
  try {
    const bad = spawnSync(process.execPath, [join(REPO, '.ci/check-layers.ts'), dir], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /common\/a\.ts imports server\/b\.ts: common\/ may import no other folder/);
    const good = spawnSync(process.execPath, [join(REPO, '.ci/check-layers.ts')], { encoding: 'utf8' });
    assert.equal(good.status, 0, good.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
