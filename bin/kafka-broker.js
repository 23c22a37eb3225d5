#!/usr/bin/env -S node --max-semi-space-size=16
// The `kafka-broker` command. Needs Node >= 22.18 (TypeScript type stripping); `npm start` runs it on the Node 24
// from node_modules/.bin. Process settings (compile cache, V8 heap accounting) are applied before the broker's
// modules load, hence the dynamic import. The node flags of the first line are BROKER_NODE_FLAGS
// (src/observability/tune-process.ts).
import { tuneProcess } from '../src/observability/tune-process.ts';

tuneProcess();
const { main } = await import('../src/cli/main.ts');

main(process.argv).catch((err) => {
  process.stderr.write(`kafka-broker: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
