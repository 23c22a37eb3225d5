import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { rootLogger } from '../../observability/logger.ts';
import { generateAll } from './generate.ts';

/**
 * `npm run codegen`: regenerates src/protocol/generated from Kafka's message definitions.
 *
 * Options (each also settable by environment variable):
 *   --schemas <dir>  KAFKA_PROTOCOL_DIR  definitions folder (default: ../shared/kafka-protocol from the repo root)
 *   --out <dir>      CODEGEN_OUT_DIR     output folder (default: src/protocol/generated)
 * The definitions of src/protocol/codegen/overlay/ (Kafka 4.4's Vote) are layered over the definitions folder.
 * Generated .ts files in the output folder that are no longer produced are deleted.
 */
const repoRoot = resolve(import.meta.dirname, '../../..');
const { values } = parseArgs({
  options: { schemas: { type: 'string' }, out: { type: 'string' } },
  strict: true,
});
const schemaDir = resolve(values.schemas ?? process.env.KAFKA_PROTOCOL_DIR ?? join(repoRoot, '../shared/kafka-protocol'));
const outDir = resolve(values.out ?? process.env.CODEGEN_OUT_DIR ?? join(repoRoot, 'src/protocol/generated'));
const log = rootLogger.child({ component: 'codegen' });

const files = generateAll(schemaDir);
for (const sub of ['', 'messages', 'records']) {
  let existing: string[];
  try {
    existing = readdirSync(join(outDir, sub));
  } catch {
    continue;
  }
  for (const name of existing) {
    const rel = sub === '' ? name : `${sub}/${name}`;
    if (name.endsWith('.ts') && !files.has(rel)) rmSync(join(outDir, rel));
  }
}
for (const [rel, text] of files) {
  const path = join(outDir, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
log.info({ schemaDir, outDir, files: files.size }, 'generated protocol code');
