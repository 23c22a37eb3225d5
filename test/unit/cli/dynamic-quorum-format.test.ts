import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { initialVoters, metadataDirectoryId, writeBootstrapSnapshot } from '../../../src/cli/dynamic-quorum-format.ts';
import { KafkaConfig } from '../../../src/config/kafka-config.ts';
import { FileRawSnapshotReader } from '../../../src/raft/file-raw-snapshot-reader.ts';
import { SnapshotReader } from '../../../src/raft/snapshot-reader.ts';
import { ControlRecordType } from '../../../src/protocol/records/control-record.ts';
import { decodeVoters } from '../../../src/raft/control-records.ts';

const DIR = 'JEXY6aqzQY-32P5TStzaFg';

/** Kafka 4.x's config/server.properties shape, with `extra`. */
function config(extra: Record<string, string> = {}, logDir = '/tmp/unused'): KafkaConfig {
  return KafkaConfig.fromProps({
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.bootstrap.servers': 'localhost:9093',
    listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093',
    'advertised.listeners': 'PLAINTEXT://localhost:9092,CONTROLLER://ctl.example:9093',
    'controller.listener.names': 'CONTROLLER',
    'log.dirs': logDir,
    ...extra,
  });
}

test('--standalone: this controller alone, on its first advertised controller listener, with a new directory id', () => {
  const voters = initialVoters(config(), { standalone: true })!;
  assert.equal(voters.length, 1);
  assert.deepEqual({ ...voters[0], directoryId: undefined }, { nodeId: 1, host: 'ctl.example', port: 9093, directoryId: undefined });
  assert.match(voters[0]!.directoryId, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(metadataDirectoryId(config(), voters), voters[0]!.directoryId, 'the metadata directory is formatted with the voter\'s id');
  const noHost = config({ 'advertised.listeners': 'PLAINTEXT://localhost:9092' });
  assert.equal(initialVoters(noHost, { standalone: true })![0]!.host, 'localhost', 'an empty host is localhost');
});

test('--initial-controllers: the given voters; the directory id of this node\'s entry, none when it is not a voter', () => {
  const voters = initialVoters(config(), { initialControllers: `1@a:9093:${DIR},2@b:9093:AAAAAAAAAAAAAAAAAAAAAQ` })!;
  assert.deepEqual(voters.map((v) => v.nodeId), [1, 2]);
  assert.equal(metadataDirectoryId(config(), voters), DIR);
  assert.equal(metadataDirectoryId(config({ 'node.id': '5' }), voters), null);
  assert.equal(initialVoters(config(), { noInitialControllers: true }), null);
});

test("Kafka's rules and messages: one flag for a controller of a dynamic quorum, none with static voters, --standalone only on a controller", () => {
  assert.throws(() => initialVoters(config(), {}), {
    message: 'Because controller.quorum.voters is not set on this controller, you must specify one of the following: --standalone, --initial-controllers, or --no-initial-controllers.',
  });
  const staticQuorum = config({ 'controller.quorum.voters': '1@localhost:9093', 'controller.quorum.bootstrap.servers': '' });
  assert.equal(initialVoters(staticQuorum, {}), null);
  assert.throws(() => initialVoters(staticQuorum, { standalone: true }), /^Error: You cannot specify controller.quorum.voters and format the node with --initial-controllers or --standalone\. If you want to use dynamic quorum, please remove controller.quorum.voters and specify controller.quorum.bootstrap.servers instead\.$/);
  assert.throws(() => initialVoters(config(), { standalone: true, noInitialControllers: true }), { message: 'argument --no-initial-controllers: not allowed with argument --standalone' });
  const broker = config({ 'process.roles': 'broker', 'node.id': '4', listeners: 'PLAINTEXT://:9092', 'advertised.listeners': 'PLAINTEXT://localhost:9092' });
  assert.throws(() => initialVoters(broker, { standalone: true }), { message: 'You can only use --standalone on a controller.' });
  assert.equal(initialVoters(broker, {}), null, 'a broker needs no flag');
});

test('the bootstrap checkpoint 0-0 holds kraft.version 1 and the initial voters on the controller listener', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'format-voters-'));
  try {
    const c = config({}, dir);
    const voters = initialVoters(c, { initialControllers: `1@a:9093:${DIR},2@b:9094:AAAAAAAAAAAAAAAAAAAAAQ` })!;
    assert.equal(await writeBootstrapSnapshot(c, voters, []), true);
    assert.equal(await writeBootstrapSnapshot(c, voters, []), false, 'written once');
    const metadataDir = join(dir, '__cluster_metadata-0');
    const file = (await readdir(metadataDir)).find((f) => f.endsWith('.checkpoint'));
    assert.equal(file, '00000000000000000000-0000000000.checkpoint');
    const reader = new SnapshotReader(await FileRawSnapshotReader.open({ offset: 0n, epoch: 0 }, join(metadataDir, file!), join(metadataDir, `${file}.deleted`)));
    const control = [];
    for await (const b of reader.batches()) control.push(...b.controlRecords);
    assert.deepEqual(control.map((r) => r.type), [ControlRecordType.SNAPSHOT_HEADER, ControlRecordType.KRAFT_VERSION, ControlRecordType.KRAFT_VOTERS, ControlRecordType.SNAPSHOT_FOOTER]);
    const record = decodeVoters(control[2]!.value);
    assert.deepEqual(record.voters.map((v) => [v.voterId, v.voterDirectoryId, v.endpoints.map((e) => `${e.name}://${e.host}:${e.port}`)]), [
      [1, DIR, ['CONTROLLER://a:9093']],
      [2, 'AAAAAAAAAAAAAAAAAAAAAQ', ['CONTROLLER://b:9094']],
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
