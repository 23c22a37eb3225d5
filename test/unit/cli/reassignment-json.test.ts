import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkExecutable, followerThrottles, formatReassignmentJson, leaderThrottles, parseReassignment, parseTopicsToMove, proposedMoveMap, reassigningBrokers } from '../../../src/cli/reassignment-json.ts';

// The JSON files and throttle lists of kafka-reassign-partitions (ReassignPartitionsCommand, Kafka 4.4).

test('a reassignment file: version 1 or absent, log_dirs optional and checked against replicas', () => {
  const data = parseReassignment('{"partitions":[{"topic":"a","partition":1,"replicas":[1,2]},{"topic":"a","partition":0,"replicas":[3],"log_dirs":["/d"]}]}');
  assert.deepEqual(data.partitions, [{ topic: 'a', partition: 1, replicas: [1, 2] }, { topic: 'a', partition: 0, replicas: [3] }]);
  assert.deepEqual(data.logDirs, [['a', 0, 3, '/d']]);
  assert.deepEqual(parseReassignment('{"version":1}').partitions, []);
  assert.throws(() => parseReassignment('{"version":2,"partitions":[]}'), { message: 'Not supported version field value 2' });
  assert.throws(() => parseReassignment('{"partitions":[{"topic":"a","replicas":[1]}]}'), { message: 'No such field exists: `partition`' });
  assert.throws(() => parseReassignment('{"partitions":[{"topic":"a","partition":"0","replicas":[1]}]}'), { message: 'Expected `Int` value, received "0"' });
  assert.throws(() => parseReassignment('{"partitions":[{"topic":"a","partition":0,"replicas":[1],"log_dirs":[]}]}'), { message: 'Size of replicas list [1] is different from size of log dirs list [] for partition a-0' });
  assert.throws(() => parseReassignment('[1'), { message: 'The input string is not a valid JSON' });
  assert.deepEqual(parseTopicsToMove('{"topics":[{"topic":"x"},{"topic":"y"}],"version":1}'), ['x', 'y']);
  assert.deepEqual(parseTopicsToMove('{}'), []);
});

test('--execute refuses empty, duplicate and repeated-replica reassignments with Kafka\'s messages', () => {
  const check = (json: string): void => checkExecutable(parseReassignment(json));
  assert.throws(() => check('{"partitions":[]}'), { message: 'Partition reassignment list cannot be empty' });
  assert.throws(() => check('{"partitions":[{"topic":"a","partition":0,"replicas":[]}]}'), { message: 'Partition replica list cannot be empty' });
  assert.throws(() => check('{"partitions":[{"topic":"a","partition":0,"replicas":[1]},{"topic":"a","partition":0,"replicas":[2]}]}'), { message: 'Partition reassignment contains duplicate topic partitions: a-0' });
  assert.throws(() => check('{"partitions":[{"topic":"a","partition":0,"replicas":[1,1]},{"topic":"b","partition":2,"replicas":[3,4,3]}]}'), { message: 'Partition replica lists may not contain duplicate entries: a-0 contains multiple entries for 1. b-2 contains multiple entries for 3' });
});

test('the JSON Kafka writes: compact, sorted by topic then partition, "any" unless a log dir is known', () => {
  const json = formatReassignmentJson([{ topic: 'b', partition: 0, replicas: [2] }, { topic: 'a', partition: 10, replicas: [1, 2] }, { topic: 'a', partition: 2, replicas: [3] }], new Map([['a-10-2', '/logs']]));
  assert.equal(json, '{"version":1,"partitions":[{"topic":"a","partition":2,"replicas":[3],"log_dirs":["any"]},{"topic":"a","partition":10,"replicas":[1,2],"log_dirs":["any","/logs"]},{"topic":"b","partition":0,"replicas":[2],"log_dirs":["any"]}]}');
});

test('throttled replicas: leaders are the sources, followers the new replicas, entries sorted as strings; ongoing moves keep their sources', () => {
  const moves = proposedMoveMap(
    [{ topic: 't', partition: 10, replicas: [1, 2, 5], adding: [5] }],
    [{ topic: 't', partition: 0, replicas: [3, 4] }, { topic: 't', partition: 10, replicas: [6, 1] }, { topic: 'u', partition: 1, replicas: [1] }],
    new Map([['t-0', [1, 3]], ['t-10', [1, 2, 5]], ['u-1', [1]]]),
  );
  assert.deepEqual(leaderThrottles(moves), new Map([['t', '0:1,0:3,10:1,10:2'], ['u', '1:1']]));
  assert.deepEqual(followerThrottles(moves), new Map([['t', '0:4,10:6'], ['u', '']]));
  assert.deepEqual(reassigningBrokers(moves), [1, 2, 3, 4, 6]);
  assert.throws(() => proposedMoveMap([], [{ topic: 'x', partition: 0, replicas: [1] }], new Map()), { message: 'Trying to reassign a topic partition x-0 with 0 replicas' });
});
