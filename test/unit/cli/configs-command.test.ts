import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkConfigArgs, ConfigArgumentError, configEntities, parseConfigsToBeAdded, parseConfigsToBeDeleted } from '../../../src/cli/config-command-options.ts';
import { javaDoubleText } from '../../../src/protocol/json-node.ts';

// The parts of `kafka-broker configs` that a broker cannot show: quota values as Java prints doubles, the pairing of --entity-name/--entity-default with --entity-type, and --add-config's grouping.

test('javaDoubleText prints as Double.toString', () => {
  const cases: [number, string][] = [[1000, '1000.0'], [0.5, '0.5'], [1e7, '1.0E7'], [12345678, '1.2345678E7'], [0.0001, '1.0E-4'], [0.001, '0.001'], [0, '0.0'], [-2.5, '-2.5'], [1.5e300, '1.5E300']];
  for (const [v, s] of cases) assert.equal(javaDoubleText(v), s, String(v));
});

test('--add-config groups bracketed values, trims, and refuses malformed pairs and keys', async () => {
  assert.deepEqual([...await parseConfigsToBeAdded('a=1, b = [x,y] ,c=', undefined)], [['a', '1'], ['b', 'x,y'], ['c', '']]);
  await assert.rejects(parseConfigsToBeAdded('a', undefined), ConfigArgumentError);
  await assert.rejects(parseConfigsToBeAdded('a*b=1', undefined), /Invalid character found for config key: a\*b/);
  assert.deepEqual(parseConfigsToBeDeleted(['a, b', 'c']), ['a', 'b', 'c']);
});

test('--entity-name and --entity-default pair with --entity-type in command-line order; specific flags follow', () => {
  assert.deepEqual(configEntities(['users', 'clients'], ['', 'c1'], new Map()), { types: ['users', 'clients'], names: ['', 'c1'] });
  assert.deepEqual(configEntities([], [], new Map<string, string | true>([['user', 'u'], ['client-defaults', true]])), { types: ['users', 'clients'], names: ['u', ''] });
  const given = new Set(['bootstrap-server', 'describe', 'entity-type']);
  assert.throws(() => checkConfigArgs(given, { types: ['topics', 'brokers'], names: [] }), /Only 'users' and 'clients' entity types may be specified together/);
  assert.throws(() => checkConfigArgs(new Set(['bootstrap-server', 'alter', 'entity-type']), { types: ['users'], names: [] }), /An entity-name or default entity must be specified with --alter of users, clients, brokers or ips/);
  assert.doesNotThrow(() => checkConfigArgs(given, { types: ['users'], names: [] }));
});
