import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { BROKER_CONFIGS } from '../../../src/config/broker-configs.ts';
import { CONFIG_DOCS_PATH, generateConfigDocs } from '../../../src/config/generate-docs.ts';
import { TOPIC_CONFIGS } from '../../../src/config/topic-configs.ts';

test('docs/configuration.md is up to date (regenerate with node src/config/generate-docs.ts)', () => {
  const committed = readFileSync(new URL(`../../../${CONFIG_DOCS_PATH}`, import.meta.url), 'utf8');
  assert.equal(committed, generateConfigDocs());
});

test('the docs list every broker and topic config with its default', () => {
  const docs = generateConfigDocs();
  for (const k of [...BROKER_CONFIGS, ...TOPIC_CONFIGS]) assert.ok(docs.includes(`| \`${k.name}\` |`), k.name);
  assert.match(docs, /\| `retention.ms` \| LONG \| `604800000` \| \[-1,\.\.\.\] \| `log.retention.ms`, `log.retention.minutes` \(minutes\), `log.retention.hours` \(hours\) \|/);
  assert.match(docs, /\| `socket.sendfile.enable` \| STRING \| `auto` \| \[auto, on, off\] \|.*Extension of this broker/);
});
