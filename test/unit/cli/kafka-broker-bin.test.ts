import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const REPO = new URL('../../../', import.meta.url).pathname;
const BIN = join(REPO, 'bin/kafka-broker.js');
const ENGINES = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;

function runBin(node: string, nodeArgs: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(node, [...nodeArgs, BIN, 'version'], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('kafka-broker runs on this Node', () => {
  const r = runBin(process.execPath);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^kafka-broker \d+\.\d+\.\d+/);
});

test('without type stripping the command stops at once with the missing feature and package.json engines, before loading any TypeScript', () => {
  const r = runBin(process.execPath, ['--no-experimental-strip-types']);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.ok(r.stderr.includes(`needs Node.js ${ENGINES}`), r.stderr);
  assert.match(r.stderr, /lacks TypeScript type stripping/);
  assert.doesNotMatch(r.stderr, /ERR_UNKNOWN_FILE_EXTENSION|at .*\.ts/);
});

// Debian's own node (20 on the project machine) is older than engines: where one is installed, it gets the message.
const SYSTEM_NODE = '/usr/bin/node';
const systemMajor = existsSync(SYSTEM_NODE) ? Number(spawnSync(SYSTEM_NODE, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout.trim()) : NaN;

test('an older Node (the system one) gets the same clear message instead of a stack trace', { skip: systemMajor < 22 ? false : `no Node older than 22 at ${SYSTEM_NODE}` }, () => {
  const r = runBin(SYSTEM_NODE);
  assert.equal(r.status, 1);
  assert.ok(r.stderr.includes(`needs Node.js ${ENGINES}`), r.stderr);
  assert.match(r.stderr, /lacks TypeScript type stripping without flags \(Node 22\.18, 23\.6\) and zstd in node:zlib/);
});
