#!/usr/bin/env -S node --max-semi-space-size=16
// The `kafka-broker` command. `npm start` runs it on the Node 24 from node_modules/.bin. Plain JavaScript that
// checks the runtime before any TypeScript module loads: an older Node would otherwise stop with
// ERR_UNKNOWN_FILE_EXTENSION (no type stripping) or a TypeError deep inside the codecs (no zstd in node:zlib).
// Process settings (compile cache, V8 heap accounting) are applied before the broker's modules load, hence the
// dynamic imports. The node flags of the first line are BROKER_NODE_FLAGS (src/observability/tune-process.ts).
import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';

/** What this Node lacks of what the broker uses, with the first releases that have it; empty when it runs. */
function missingFeatures() {
  const missing = [];
  const typescript = process.features.typescript;
  if (typescript !== 'strip' && typescript !== 'transform') missing.push('TypeScript type stripping without flags (Node 22.18, 23.6)');
  if (typeof zlib.zstdCompress !== 'function') missing.push('zstd in node:zlib (Node 22.15, 23.8)');
  return missing;
}

const missing = missingFeatures();
if (missing.length > 0) {
  const { engines } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stderr.write(
    `kafka-broker: Node.js ${process.version} lacks ${missing.join(' and ')}: the broker needs Node.js ${engines.node} ` +
      '(`npm start` uses the Node 24 that `npm install` puts in node_modules/.bin)\n',
  );
  process.exit(1);
}

const { tuneProcess } = await import('../src/observability/tune-process.ts');
tuneProcess();
const { main } = await import('../src/cli/main.ts');

main(process.argv).catch((err) => {
  process.stderr.write(`kafka-broker: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
