import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { controllerToAdd, metadataQuorumCommand, parseBootstrapAddresses } from '../../../src/cli/metadata-quorum-command.ts';
import { writeMetaProperties } from '../../../src/metadata/meta-properties.ts';

const DIR = 'JEXY6aqzQY-32P5TStzaFg';

/** Runs `metadata-quorum <args>` in this process (no server: these fail before connecting, or print a dry run). */
async function run(args: string[]): Promise<{ out: string; error: string | null }> {
  let out = '';
  const command = metadataQuorumCommand((t) => (out += t)).exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  for (const sub of command.commands) sub.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  try {
    await command.parseAsync(args, { from: 'user' });
    return { out, error: null };
  } catch (e) {
    return { out, error: (e as Error).message };
  }
}

test('--bootstrap-server and --bootstrap-controller are host:port lists', () => {
  assert.deepEqual(parseBootstrapAddresses('a:9092, b:9093,[::1]:9094'), [{ host: 'a', port: 9092 }, { host: 'b', port: 9093 }, { host: '::1', port: 9094 }]);
  assert.throws(() => parseBootstrapAddresses('a'), /Invalid host:port 'a'/);
  assert.throws(() => parseBootstrapAddresses('a:0'), /Invalid host:port 'a:0'/);
});

test("describe's rules and messages are Kafka's", async () => {
  assert.equal((await run(['--bootstrap-server', 'localhost:1', 'describe'])).error, 'One of --status or --replication must be specified with describe sub-command');
  assert.equal((await run(['--bootstrap-server', 'localhost:1', 'describe', '--status', '--replication'])).error, 'Only one of --status or --replication should be specified with describe sub-command');
  assert.equal((await run(['--bootstrap-server', 'localhost:1', 'describe', '--status', '--human-readable'])).error, 'The option --human-readable is only supported along with --replication');
  assert.equal((await run(['describe', '--status'])).error, 'one of the arguments --bootstrap-server --bootstrap-controller is required');
  assert.equal((await run(['--bootstrap-server', 'a:1', '--bootstrap-controller', 'b:2', 'describe', '--status'])).error, 'argument --bootstrap-server: not allowed with argument --bootstrap-controller');
});

test("add-controller and remove-controller: Kafka's checks, and dry runs that print what would be done", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'add-controller-'));
  try {
    assert.equal((await run(['--bootstrap-controller', 'localhost:1', 'add-controller'])).error, 'You must supply the configuration file of the controller you are adding when using add-controller.');
    assert.equal((await run(['--command-config', join(dir, 'missing.properties'), '--bootstrap-controller', 'localhost:1', 'add-controller'])).error, `Properties file ${join(dir, 'missing.properties')} does not exist.`);
    const data = join(dir, 'data');
    await writeMetaProperties(data, { version: 1, clusterId: 'MkU3OEVBNTcwNTJENDM2Qg', nodeId: 4, directoryId: DIR });
    const file = join(dir, 'controller.properties');
    await writeFile(file, ['process.roles=controller', 'node.id=4', 'listeners=CONTROLLER://:9097', 'controller.listener.names=CONTROLLER', `log.dirs=${data}`, ''].join('\n'));
    const dry = await run(['--command-config', file, '--bootstrap-controller', 'localhost:1', 'add-controller', '--dry-run']);
    assert.deepEqual(dry, { out: `DRY RUN of adding controller 4 with directory id ${DIR} and endpoints: CONTROLLER://localhost:9097\n`, error: null });

    assert.equal((await run(['--bootstrap-controller', 'localhost:1', 'remove-controller', '-i', '-3', '-d', DIR])).error, 'Invalid negative --controller-id: -3');
    assert.match((await run(['--bootstrap-controller', 'localhost:1', 'remove-controller', '-i', '3', '-d', 'nope'])).error!, /^Failed to parse --controller-directory-id: /);
    assert.deepEqual(await run(['--bootstrap-controller', 'localhost:1', 'remove-controller', '--controller-id', '3', '--controller-directory-id', DIR, '--dry-run']), {
      out: `DRY RUN of removing KRaft controller 3 with directory id ${DIR}\n`,
      error: null,
    });
    assert.match((await run(['--bootstrap-controller', 'localhost:1', 'remove-controller', '-i', '3', '-d', DIR, '--unregister'])).error!, /--unregister is not supported/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a controller's config file gives its id, metadata directory id and advertised controller endpoints (Kafka's messages otherwise)", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'controller-to-add-'));
  try {
    const meta = join(dir, 'meta');
    await writeMetaProperties(meta, { version: 1, clusterId: 'MkU3OEVBNTcwNTJENDM2Qg', nodeId: 2, directoryId: DIR });
    const base = {
      'process.roles': 'broker,controller',
      'node.id': '2',
      listeners: 'PLAINTEXT://:9092,CONTROLLER://:9095,OTHER://:9096',
      'advertised.listeners': 'PLAINTEXT://h:9092,CONTROLLER://ctl.example:19095',
      'controller.listener.names': 'CONTROLLER,OTHER',
      'log.dirs': `${join(dir, 'data')},x`,
      'metadata.log.dir': meta,
    };
    assert.deepEqual(await controllerToAdd(base), {
      nodeId: 2,
      directoryId: DIR,
      endpoints: [{ listener: 'CONTROLLER', host: 'ctl.example', port: 19095 }, { listener: 'OTHER', host: 'localhost', port: 9096 }],
    });
    const hint = 'Is this a valid controller configuration file?';
    const without = (key: string): Record<string, string> => Object.fromEntries(Object.entries(base).filter(([k]) => k !== key));
    await assert.rejects(controllerToAdd(without('node.id')), { message: `node.id not found in configuration file. ${hint}` });
    await assert.rejects(controllerToAdd({ ...base, 'node.id': '-1' }), { message: `node.id was negative in configuration file. ${hint}` });
    await assert.rejects(controllerToAdd({ ...base, 'process.roles': 'broker' }), { message: `process.roles did not contain 'controller' in configuration file. ${hint}` });
    await assert.rejects(controllerToAdd(without('metadata.log.dir')), { message: `Unable to read meta.properties from ${join(dir, 'data')}` });
    await assert.rejects(controllerToAdd(without('controller.listener.names')), { message: `controller.listener.names was not found. ${hint}` });
    await assert.rejects(controllerToAdd({ ...base, 'controller.listener.names': 'MISSING' }), { message: 'Cannot find information about controller listener name: MISSING' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
