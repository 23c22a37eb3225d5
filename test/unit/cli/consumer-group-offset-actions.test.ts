import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseResetPlan } from '../../../src/cli/consumer-group-offset-actions.ts';

test('a reset plan of topic,partition,offset lines is for the one --group', () => {
  const plan = parseResetPlan('events,0,5\nevents,1,7\r\n\n', ['billing']);
  assert.deepEqual([...plan], [['billing', [{ topic: 'events', partition: 0, offset: 5n }, { topic: 'events', partition: 1, offset: 7n }]]]);
});

test('group,topic,partition,offset lines name their group; with several --group a plan needs them', () => {
  assert.deepEqual([...parseResetPlan('a,t,0,1\nb,t,1,2\n', ['a', 'b'])].map(([g, o]) => [g, o.length]), [['a', 1], ['b', 1]]);
  assert.throws(() => parseResetPlan('t,0,1\n', ['a', 'b']), /Invalid line in the reset plan \(expected group,topic,partition,offset\): 't,0,1'/);
  assert.throws(() => parseResetPlan('t,0,x\n', ['a']), /Invalid line/);
});
