// docker/entrypoint.sh run as the image runs it (no Docker engine here): `sh docker/entrypoint.sh start ...` starts
// the broker as its child; SIGTERM (docker stop) and SIGINT (Ctrl-C) sent to the shell reach the broker, which
// shuts down cleanly, and the shell exits with the broker's status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { testBrokerProps } from '../../helpers/broker.ts';

const ENTRYPOINT = fileURLToPath(new URL('../../../docker/entrypoint.sh', import.meta.url));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} to the entrypoint shell shuts the broker down cleanly; the shell exits 0`, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'entrypoint-'));
    try {
      const props = testBrokerProps(dataDir);
      const args = [ENTRYPOINT, 'start', ...Object.entries(props).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
      // `node` on the PATH is this test's Node, as the image's is its only Node.
      const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, CLUSTER_ID: 'test-cluster-id-00000A', LOG_LEVEL: 'info', NODE_TEST_CONTEXT: undefined };
      const shell = spawn('/bin/sh', args, { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise<number | null>((resolve) => shell.once('exit', (code) => resolve(code)));
      const messages: string[] = [];
      let stderr = '';
      shell.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const started = new Promise<void>((resolve, reject) => {
        createInterface({ input: shell.stdout! }).on('line', (line) => {
          const msg = (JSON.parse(line) as { msg: string }).msg;
          messages.push(msg);
          if (msg === 'Kafka broker started') resolve();
        });
        void exited.then((code) => reject(new Error(`the entrypoint exited with ${code} before the broker started: ${stderr}`)));
      });
      try {
        await started;
      } catch (e) {
        shell.kill('SIGKILL');
        throw e;
      }
      shell.kill(signal);
      assert.equal(await exited, 0, stderr);
      assert.ok(messages.includes('Received signal, shutting down'), `the broker got the signal: ${messages.join(' | ')}`);
      assert.ok(messages.includes('Shut down cleanly'), 'clean shutdown');
      assert.ok(existsSync(join(props['log.dirs']!, '__cluster_metadata-0', '.kafka_cleanshutdown')), 'the metadata log\'s clean-shutdown marker');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
}
