import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { BROKER_CONFIGS } from '../../../src/config/broker-configs.ts';
import type { ConfigKey } from '../../../src/config/config-def.ts';
import { generateConfigDocs } from '../../../src/config/generate-docs.ts';
import { TOPIC_CONFIGS } from '../../../src/config/topic-configs.ts';
import { configNamesReadByCode } from './config-reads.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BROKER = BROKER_CONFIGS as readonly ConfigKey[];
const TOPIC = TOPIC_CONFIGS as readonly (ConfigKey & { serverSynonyms: readonly { name: string }[] })[];

/** Config names the code reads: directly, or (broker configs) as the broker synonym of a topic config it reads. */
function namesReadByCode(): Set<string> {
  const read = configNamesReadByCode(ROOT, new Set([...BROKER, ...TOPIC].map((k) => k.name)));
  const topicRead = new Set(TOPIC.filter((k) => read.has(k.name)).map((k) => k.name));
  const out = new Set<string>([...read].filter((n) => !TOPIC.some((t) => t.name === n) || topicRead.has(n)));
  for (const t of TOPIC) if (topicRead.has(t.name)) for (const s of t.serverSynonyms) out.add(s.name);
  return out;
}

test('every config of the broker and topic tables is either read by code or flagged inactive or refused', () => {
  const read = namesReadByCode();
  const check = (table: string, keys: readonly ConfigKey[]): void => {
    const unread = keys.filter((k) => k.support === 'implemented' && !read.has(k.name)).map((k) => k.name);
    assert.deepEqual(unread, [], `${table} configs classified implemented that no code reads: flag them inactive (or refused), or wire them`);
    const stale = keys.filter((k) => k.support === 'inactive' && read.has(k.name)).map((k) => k.name);
    assert.deepEqual(stale, [], `${table} configs flagged inactive that the code now reads: drop the flag`);
  };
  check('broker', BROKER);
  check('topic', TOPIC);
});

test('every refused config says why, and the docs mark every inactive and refused config', () => {
  const docs = generateConfigDocs();
  for (const k of [...BROKER, ...TOPIC]) {
    if (k.support === 'refused') assert.ok(k.supportNote !== undefined && k.supportNote.length > 0, k.name);
    if (k.support === 'implemented') continue;
    const row = docs.split('\n').find((line) => line.startsWith(`| \`${k.name}\` |`));
    assert.ok(row !== undefined, k.name);
    assert.match(row, k.support === 'inactive' ? /\*\*Accepted, no effect yet\*\*/ : /\*\*Refused\*\*/, k.name);
  }
  for (const name of ['ssl.provider', 'ssl.engine.factory.class', 'sasl.oauthbearer.token.endpoint.url', 'sasl.oauthbearer.jwks.endpoint.retry.backoff.ms']) {
    assert.equal(BROKER.find((k) => k.name === name)?.support, 'refused', name);
  }
  for (const name of ['authorizer.class.name', 'super.users', 'allow.everyone.if.no.acl.found', 'sasl.mechanism.inter.broker.protocol', 'sasl.mechanism.controller.protocol', 'ssl.endpoint.identification.algorithm']) {
    assert.equal(BROKER.find((k) => k.name === name)?.support, 'implemented', name);
  }
});

test('the read analysis counts a value only where code acts on it', async () => {
  const root = await mkdtemp(join(tmpdir(), 'config-reads-'));
  try {
    await mkdir(join(root, 'src', 'server'), { recursive: true });
    await writeFile(join(root, 'src', 'server', 'wiring.ts'), [
      "// config.getInt('in.comment') is only a comment",
      "const used = { fooBytes: config.getInt('foo.bytes'), unusedMs: config.getLong('unused.ms') };",
      'consume(used.fooBytes);',
      "if (config.getBoolean('qux.enable')) start();",
      "const viaVariable = config.getInt('via.variable') * 2;",
      'start(viaVariable);',
      "const dropped = config.getInt('dropped.value');",
      "throw new Error('error.text must be positive');",
      "switch (name) { case 'case.label': break; }",
      "config.getInt('bare.statement');",
      "export function unusedGetter() { return { neverRead: config.getInt('never.read') }; }",
    ].join('\n'));
    await mkdir(join(root, 'src', 'config'), { recursive: true });
    await writeFile(join(root, 'src', 'config', 'validate-kafka-config.ts'), "require(config.getInt('only.validated') > 0, 'x');\n");
    const names = new Set(['in.comment', 'foo.bytes', 'unused.ms', 'qux.enable', 'via.variable', 'dropped.value', 'error.text', 'case.label', 'bare.statement', 'never.read', 'only.validated']);
    assert.deepEqual([...configNamesReadByCode(root, names)].sort(), ['foo.bytes', 'qux.enable', 'via.variable']);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
