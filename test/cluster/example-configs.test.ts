// config/cluster/node-{1,2,3}.properties, used as they are, with the commands of the README's "Three nodes on one
// machine": `kafka-broker random-uuid`, `kafka-broker format --config <file> --cluster-id <id>` for each, then
// `kafka-broker start --config <file>` for each, from one working directory (the configs' log.dirs are relative to
// it). The configs listen on fixed ports (19092/19093, 29092/29093, 39092/39093): this test fails with the broker's
// "address in use" message if something else holds one of them.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BROKER_NODE_FLAGS } from '../../src/observability/tune-process.ts';
import { runKcat } from '../fixtures/e2e/kcat.ts';
import { printLogsOnFailure, TestCluster } from './test-cluster.ts';

const REPO = new URL('../..', import.meta.url).pathname;
const CONFIGS = [1, 2, 3].map((n) => join(REPO, `config/cluster/node-${n}.properties`));

describe('the example configs of config/cluster', () => {
  let cluster: TestCluster | undefined;
  printLogsOnFailure(() => cluster);
  after(async () => {
    await cluster?.teardown();
  });

  test('format with one random-uuid, start the three from a working directory, kcat sees one cluster of three brokers', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'kafka-example-cluster-'));
    const { stdout } = await promisify(execFile)(process.execPath, [...BROKER_NODE_FLAGS, join(REPO, 'bin/kafka-broker.js'), 'random-uuid']);
    cluster = await TestCluster.fromConfigFiles(CONFIGS, cwd, stdout.trim());
    for (const n of [1, 2, 3]) assert.ok(existsSync(join(cwd, `data/cluster/node-${n}/meta.properties`)), `node ${n} formatted under the working directory`);
    assert.deepEqual(cluster.nodes.map((n) => [n.nodeId, n.brokerPort, n.controllerPort]), [[1, 19092, 19093], [2, 29092, 29093], [3, 39092, 39093]]);
    await cluster.startAll();

    const { node: leader, quorum } = await cluster.waitForLeader();
    assert.deepEqual(quorum.voters.map((v) => v.replicaId).sort(), [1, 2, 3]);
    const md = JSON.parse((await runKcat(['-L', '-J', '-b', '127.0.0.1:19092'])).stdout.toString()) as { controllerid: number; brokers: { id: number; name: string }[] };
    assert.deepEqual(md.brokers.map((b) => [b.id, b.name]).sort(), [[1, '127.0.0.1:19092'], [2, '127.0.0.1:29092'], [3, '127.0.0.1:39092']]);
    assert.ok([1, 2, 3].includes(md.controllerid));

    // Replication factor 1 until partitions are replicated (issue 15), so acks=1: the configs' min.insync.replicas=2
    // refuses acks=all writes to a partition with one replica (NOT_ENOUGH_REPLICAS), as Kafka does.
    await cluster.createTopics([{ topic: 'demo', numPartitions: 3 }]);
    await cluster.waitForTopic('demo', 3);
    await runKcat(['-P', '-b', '127.0.0.1:29092', '-t', 'demo', '-p', '0', '-K:', '-X', 'acks=1'], { input: 'k1:hello\nk2:world\n' });
    const out = await runKcat(['-C', '-b', '127.0.0.1:39092', '-t', 'demo', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%k=%s\\n']);
    assert.equal(out.stdout.toString(), 'k1=hello\nk2=world\n');
    assert.equal(leader.metadataLogDir, join(cwd, `data/cluster/node-${leader.nodeId}/__cluster_metadata-0`));
    assert.ok(existsSync(leader.metadataLogDir));
  });
});
