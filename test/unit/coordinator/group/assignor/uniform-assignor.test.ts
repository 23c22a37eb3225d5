import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UniformAssignor } from '../../../../../src/coordinator/group/assignor/uniform-assignor.ts';
import { assignmentSize, type Assignment, type AssignmentMemberSpec } from '../../../../../src/coordinator/group/assignor/partition-assignor.ts';

function member(memberId: string, topics: string[], current: Assignment = new Map()): AssignmentMemberSpec {
  return { memberId, instanceId: null, rackId: null, subscribedTopicIds: new Set(topics), currentAssignment: current };
}

function topics(spec: Record<string, number>) {
  return new Map(Object.entries(spec).map(([topicId, numPartitions]) => [topicId, { topicId, numPartitions }]));
}

function owners(result: Map<string, Assignment>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [m, a] of result) for (const [t, ps] of a) for (const p of ps) {
    assert.ok(!out.has(`${t}:${p}`), `${t}:${p} assigned twice`);
    out.set(`${t}:${p}`, m);
  }
  return out;
}

test('balanced within one partition and every partition assigned exactly once', () => {
  const a = new UniformAssignor();
  for (let n = 1; n <= 7; n++) {
    const members = Array.from({ length: n }, (_, i) => member(`m${i}`, ['x', 'y']));
    const result = a.assign(members, topics({ x: 7, y: 4 }));
    const sizes = [...result.values()].map(assignmentSize);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `n=${n}: ${sizes}`);
    assert.equal(owners(result).size, 11);
  }
});

test('sticky: adding a member moves only the partitions it needs', () => {
  const a = new UniformAssignor();
  const t = topics({ x: 6 });
  const first = a.assign([member('a', ['x']), member('b', ['x'])], t);
  const second = a.assign([member('a', ['x'], first.get('a')), member('b', ['x'], first.get('b')), member('c', ['x'])], t);
  const before = owners(first);
  const after = owners(second);
  let moved = 0;
  for (const [k, m] of after) if (before.get(k) !== m) moved++;
  assert.equal(moved, 2, 'c takes exactly two partitions');
  assert.deepEqual([...second.values()].map(assignmentSize), [2, 2, 2]);
});

test('different subscriptions: a partition only goes to subscribers of its topic, load evened out', () => {
  const a = new UniformAssignor();
  const result = a.assign([member('a', ['x']), member('b', ['x', 'y']), member('c', ['y'])], topics({ x: 4, y: 4 }));
  const own = owners(result);
  for (const [k, m] of own) {
    if (k.startsWith('x:')) assert.notEqual(m, 'c');
    if (k.startsWith('y:')) assert.notEqual(m, 'a');
  }
  assert.equal(own.size, 8);
  const sizes = [...result.values()].map(assignmentSize);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, String(sizes));
});

test('deterministic: the same input gives the same output', () => {
  const a = new UniformAssignor();
  const members = [member('z', ['x']), member('a', ['x']), member('k', ['x'])];
  assert.deepEqual(a.assign(members, topics({ x: 10 })), a.assign([...members].reverse(), topics({ x: 10 })));
});
