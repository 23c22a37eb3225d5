// config/cluster/dynamic-node-{1,2,3}.properties, used as they are, with the commands of the README's "A dynamic
// quorum of three nodes": one random-uuid, `format --standalone` for node 1 and `--no-initial-controllers` for
// nodes 2 and 3, start the three from one working directory (the configs' log.dirs are relative to it), then
// `metadata-quorum add-controller` for nodes 2 and 3. The configs listen on fixed ports (19192/19193,
// 29192/29193, 39192/39193): this test fails with the broker's "address in use" message if something else holds one.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaBroker, startNodeProcess, type NodeProcess } from './process-nodes.ts';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const CONFIGS = [1, 2, 3].map((n) => join(REPO, `config/cluster/dynamic-node-${n}.properties`));

test('the dynamic-quorum example configs: one standalone controller, two more added with add-controller, one cluster of three voters', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'kafka-example-dynamic-'));
  const processes: NodeProcess[] = [];
  const run = async (args: string[]): Promise<string> => {
    const result = await kafkaBroker(args, { cwd });
    assert.equal(result.code, 0, `kafka-broker ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  try {
    const clusterId = (await run(['random-uuid'])).trim();
    await run(['format', '--config', CONFIGS[0]!, '--cluster-id', clusterId, '--standalone']);
    for (const config of CONFIGS.slice(1)) await run(['format', '--config', config, '--cluster-id', clusterId, '--no-initial-controllers']);
    for (const config of CONFIGS) processes.push(await startNodeProcess(config, cwd));
    const directoryIds = await Promise.all([1, 2, 3].map(async (n) => /^directory\.id=(.+)$/m.exec(await readFile(join(cwd, `data/cluster-dynamic/node-${n}/meta.properties`), 'utf8'))![1]!));

    for (const n of [2, 3]) {
      const out = await run(['metadata-quorum', '--command-config', CONFIGS[n - 1]!, '--bootstrap-controller', '127.0.0.1:19193', 'add-controller']);
      assert.equal(out, `Added controller ${n} with directory id ${directoryIds[n - 1]} and endpoints: CONTROLLER://127.0.0.1:${n}9193\n`);
    }
    const status = await run(['metadata-quorum', '--bootstrap-server', '127.0.0.1:19192', 'describe', '--status']);
    const voters = [1, 2, 3].map((n) => `{"id": ${n}, "directoryId": "${directoryIds[n - 1]}", "endpoints": ["CONTROLLER://127.0.0.1:${n}9193"]}`).join(', ');
    assert.match(status, new RegExp(`^CurrentVoters: +${`[${voters}]`.replace(/[[\]{}]/g, '\\$&')}$`, 'm'));
    assert.match(status, /^CurrentObservers: +\[\]$/m);

    // Replication factor 1 until partitions are replicated (issue 15), as with the static example configs.
    const admin = new Kafka({ brokers: ['127.0.0.1:29192'], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      assert.equal(await admin.createTopics({ topics: [{ topic: 'demo', numPartitions: 3, replicationFactor: 1 }], waitForLeaders: false }), true);
    } finally {
      await admin.disconnect();
    }
  } finally {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await rm(cwd, { recursive: true, force: true });
  }
});
