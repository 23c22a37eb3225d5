import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDynamicVoter, parseDynamicVoter, parseDynamicVoters } from '../../../src/cli/dynamic-voters.ts';

const DIR = 'JEXY6aqzQY-32P5TStzaFg';

test("--initial-controllers entries parse as Kafka's DynamicVoter: id@host:port:directoryId, IPv6 hosts in brackets", () => {
  assert.deepEqual(parseDynamicVoter(`0@example.com:8082:${DIR}`), { nodeId: 0, host: 'example.com', port: 8082, directoryId: DIR });
  assert.deepEqual(parseDynamicVoter(` 3@[::1]:9093:${DIR} `), { nodeId: 3, host: '::1', port: 9093, directoryId: DIR });
  assert.equal(formatDynamicVoter(parseDynamicVoter(`3@[::1]:9093:${DIR}`)), `3@[::1]:9093:${DIR}`);
});

test("malformed entries get Kafka's messages", () => {
  const cases: [string, string][] = [
    ['example.com:8082', 'No @ found in dynamic voter string.'],
    ['@example.com:8082', 'Invalid @ at beginning of dynamic voter string.'],
    ['x@example.com:8082:' + DIR, 'Failed to parse node id in dynamic voter string.'],
    ['-1@example.com:8082:' + DIR, 'Invalid negative node id -1 in dynamic voter string.'],
    ['1@', 'No hostname found after node id.'],
    ['1@[::1:9093:' + DIR, 'Hostname began with left bracket, but no right bracket was found.'],
    ['1@example.com', 'No colon following hostname could be found.'],
    ['1@[::1]9093:' + DIR, 'Port section must start with a colon.'],
    ['1@example.com:8082', 'No colon following port could be found.'],
    ['1@example.com:80x:' + DIR, 'Failed to parse port in dynamic voter string.'],
    ['1@example.com:70000:' + DIR, 'Invalid port 70000 in dynamic voter string.'],
  ];
  for (const [input, message] of cases) assert.throws(() => parseDynamicVoter(input), { message }, input);
  assert.throws(() => parseDynamicVoter('1@example.com:8082:not-a-uuid'), /^Error: Failed to parse directory ID in dynamic voter string: /);
});

test('a list is sorted by node id; an empty list and a repeated id are refused', () => {
  const voters = parseDynamicVoters(`2@b:9093:${DIR},0@a:9093:AAAAAAAAAAAAAAAAAAAAAQ,`);
  assert.deepEqual(voters.map((v) => v.nodeId), [0, 2]);
  assert.throws(() => parseDynamicVoters(' '), { message: 'No voters given.' });
  assert.throws(() => parseDynamicVoters(`1@a:1:${DIR},1@b:2:${DIR}`), { message: 'Node id 1 was specified more than once.' });
});
