// `npm run check` (and .ci/run): fails when a module of src/ imports against the layers of ARCHITECTURE.md
// ("Folders (src/) and what each may import": layers import downward only, no cycles).
//
//   node .ci/check-layers.ts [srcDir]
//
// Every import is checked: static, `export ... from`, dynamic `import()`, `require()`, and `import type` (a type
// is a dependency on the layer that owns it). Imports are found by TypeScript's own scanner (ts.preProcessFile),
// so comments and strings never count. Exits 1 listing the violations.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * What each folder of src/ may import, as ARCHITECTURE.md declares it; a folder may also import whatever the
 * folders it may import may import (downward is transitive). The declared graph is acyclic (a test checks it).
 */
export const LAYERS: Readonly<Record<string, readonly string[]>> = {
  common: [],
  protocol: ['common'],
  storage: ['protocol'],
  raft: ['storage'],
  // The MetadataLoader is the raft client's listener (Kafka's metadata module depends on its raft module too); the
  // image holds ACLs as the authorizer's AclBinding (Kafka's metadata module holds its authorizer).
  metadata: ['raft', 'security'],
  controller: ['raft', 'metadata', 'security'],
  replication: ['storage', 'metadata'],
  coordinator: ['metadata'],
  security: ['protocol'],
  network: ['protocol', 'security'],
  server: ['common', 'protocol', 'storage', 'raft', 'metadata', 'controller', 'replication', 'coordinator', 'security', 'network', 'config', 'observability'],
  config: ['common'],
  observability: ['common'],
  cli: ['server', 'config'],
  // The embedded broker for tests (package.json "exports"): starts a server, creates topics with the CLI's admin client.
  embedded: ['cli', 'server', 'config'],
};

/**
 * Folders every other folder may import, bottom first (each also above those before it): `common` (time,
 * errors) and `observability` (the pino logger and the metrics; it imports only `common`). ARCHITECTURE.md lists observability beside the others, but CONVENTIONS.md
 * gives every component its child logger, so each layer takes a Logger: the logger is part of the base.
 */
export const FOUNDATION: readonly string[] = ['common', 'observability'];

/** `protocol/codegen` runs at generation time only: nothing outside it may import it. */
const CODEGEN = 'protocol/codegen/';

/** An import the layers forbid, kept on purpose until the refactor named in `reason` lands. */
export interface AllowedViolation {
  /** Importing module, relative to src/ ('metadata/metadata-loader.ts'). */
  readonly from: string;
  /** Imported module, relative to src/. */
  readonly to: string;
  readonly reason: string;
}

/** The known violations: each must still occur (a stale entry is reported), and nothing else may. */
export const ALLOWED_VIOLATIONS: readonly AllowedViolation[] = [];

/** One import that breaks the rules, or a stale allowlist entry (`to` then names the entry). */
export interface LayerViolation {
  readonly from: string;
  readonly to: string;
  readonly message: string;
}

/** Folders `layer` may import (itself excluded): the transitive closure of {@link LAYERS} plus the foundation. */
export function allowedImports(layer: string): ReadonlySet<string> {
  const allowed = new Set<string>();
  const visit = (l: string): void => {
    for (const next of LAYERS[l] ?? []) {
      if (allowed.has(next)) continue;
      allowed.add(next);
      visit(next);
    }
  };
  visit(layer);
  // The foundation is below every other folder; within it, each folder is above those listed before it.
  const below = FOUNDATION.includes(layer) ? FOUNDATION.slice(0, FOUNDATION.indexOf(layer)) : FOUNDATION;
  for (const f of below) allowed.add(f);
  return allowed;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f))
    .sort();
}

/** Module paths (relative to `srcDir`, '/'-separated) that `file` imports inside `srcDir`. */
function importsOf(srcDir: string, file: string): string[] {
  const found = ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles;
  const out: string[] = [];
  for (const { fileName } of found) {
    if (!fileName.startsWith('.')) continue; // a package or node: builtin
    const target = relative(srcDir, resolve(dirname(file), fileName));
    if (target.startsWith('..')) continue; // outside src/ (package.json, the native addon)
    out.push(target.split(sep).join('/'));
  }
  return out;
}

/**
 * Checks every import between the folders of `srcDir` against {@link LAYERS}, the codegen rule and
 * {@link ALLOWED_VIOLATIONS}. Returns the violations (empty when the layers hold), including allowlist entries
 * that no longer match an import.
 */
export function checkLayers(srcDir: string, allowlist: readonly AllowedViolation[] = ALLOWED_VIOLATIONS): LayerViolation[] {
  const violations: LayerViolation[] = [];
  const used = new Set<AllowedViolation>();
  for (const file of tsFiles(srcDir)) {
    const from = relative(srcDir, file).split(sep).join('/');
    const layer = from.split('/')[0]!;
    if (!from.includes('/')) {
      violations.push({ from, to: '', message: `${from} is outside every layer folder` });
      continue;
    }
    if (LAYERS[layer] === undefined) {
      violations.push({ from, to: '', message: `${from} is in '${layer}/', a folder ARCHITECTURE.md does not list` });
      continue;
    }
    const allowed = allowedImports(layer);
    for (const to of importsOf(srcDir, file)) {
      const target = to.split('/')[0]!;
      let message: string | null = null;
      if (to.startsWith(CODEGEN) && !from.startsWith(CODEGEN)) message = `${from} imports ${to}: protocol/codegen is imported by nothing`;
      else if (target !== layer && !allowed.has(target)) {
        const may = allowed.size === 0 ? 'no other folder' : `only ${[...allowed].sort().join(', ')}`;
        message = `${from} imports ${to}: ${layer}/ may import ${may}`;
      }
      if (message === null) continue;
      const entry = allowlist.find((a) => a.from === from && a.to === to);
      if (entry !== undefined) used.add(entry);
      else violations.push({ from, to, message });
    }
  }
  for (const entry of allowlist) {
    if (!used.has(entry)) violations.push({ from: entry.from, to: entry.to, message: `allowlisted ${entry.from} -> ${entry.to} no longer occurs: remove the entry` });
  }
  return violations;
}

if (import.meta.main) {
  const srcDir = resolve(process.argv[2] ?? join(import.meta.dirname, '..', 'src'));
  const violations = checkLayers(srcDir);
  if (violations.length > 0) {
    process.stderr.write(`Layer violations (ARCHITECTURE.md: imports go downward only):\n${violations.map((v) => `  ${v.message}`).join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write(`Layers hold: ${tsFiles(srcDir).length} modules of ${srcDir} import downward only (${ALLOWED_VIOLATIONS.length} allowlisted imports)\n`);
}
