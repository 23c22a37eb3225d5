import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseReplicaAssignment, parseTopicConfigs } from '../../../src/cli/topics-command.ts';

test("--replica-assignment and --config are parsed with Kafka's rules and messages", () => {
  assert.deepEqual(parseReplicaAssignment('1:2, 3:4'), [[1, 2], [3, 4]]);
  assert.throws(() => parseReplicaAssignment('1:1'), /^Error: Partition replica lists may not contain duplicate entries: 1$/);
  assert.throws(() => parseReplicaAssignment('1:2,3'), /^Error: Partition 1 has different replication factor: \[3\]$/);
  assert.deepEqual([...parseTopicConfigs(['a = 1', 'b=x'])], [['a', '1'], ['b', 'x']]);
  assert.throws(() => parseTopicConfigs(['a']), /Invalid topic config: all configs to be added must be in the format "key=val"/);
});
