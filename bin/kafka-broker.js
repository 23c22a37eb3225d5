#!/usr/bin/env node
// The `kafka-broker` command. Needs Node >= 22.18 (TypeScript type stripping); `npm start` runs it on the Node 24
// from node_modules/.bin.
import { main } from '../src/cli/main.ts';

main(process.argv).catch((err) => {
  process.stderr.write(`kafka-broker: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
