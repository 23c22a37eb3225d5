// The embedded broker's examples (examples/) run as their users run them: node:test, Vitest 5 and Jest 30, each in
// its own process with kafkajs and @platformatic/kafka against a real broker started by KafkaBroker.start().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));

/** Runs `args` with this Node from the repository root; resolves with the exit code and the output. */
function run(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    // Without NODE_TEST_CONTEXT the child reports as a top-level run, not as a subtest stream of this one.
    const env = { ...process.env, NODE_TEST_CONTEXT: undefined, NO_COLOR: '1', FORCE_COLOR: '0', CI: '1' };
    execFile(process.execPath, args, { cwd: REPO, env, timeout: 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, output: `${stdout}\n${stderr}` });
    });
  });
}

test('node:test example passes', async () => {
  const r = await run(['--disable-warning=TimeoutNegativeWarning', '--test', '--test-reporter=spec', 'examples/node-test/embedded-broker.test.ts']);
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /pass 2/);
});

test('Vitest example passes', async () => {
  const r = await run(['--disable-warning=TimeoutNegativeWarning', 'node_modules/vitest/vitest.mjs', 'run', '--root', 'examples/vitest']);
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /Tests\s+2 passed/);
});

test('Jest example passes', async () => {
  const r = await run(['--disable-warning=TimeoutNegativeWarning', '--disable-warning=ExperimentalWarning', '--experimental-vm-modules', 'node_modules/jest/bin/jest.js', '--config', 'examples/jest/jest.config.mjs']);
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /Tests:\s+2 passed, 2 total/);
});
