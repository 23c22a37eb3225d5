import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../../src/common/random.ts';
import { StripedReplicaPlacer, InvalidReplicationFactorError, type UsableBroker } from '../../../src/controller/striped-replica-placer.ts';

const brokers = (ids: number[], rack: (id: number) => string | null = () => null, fenced: number[] = []): UsableBroker[] =>
  ids.map((id) => ({ id, rack: rack(id), fenced: fenced.includes(id) }));

test('the same seed gives the same placement; another seed another one', () => {
  const cluster = brokers([1, 2, 3, 4, 5, 6]);
  const a = new StripedReplicaPlacer(new SeededRandom(7)).place(12, 3, cluster);
  const b = new StripedReplicaPlacer(new SeededRandom(7)).place(12, 3, cluster);
  assert.deepEqual(a, b);
  const others = [1, 2, 3, 4, 5].map((seed) => JSON.stringify(new StripedReplicaPlacer(new SeededRandom(seed)).place(12, 3, cluster)));
  assert.ok(new Set(others).size > 1, 'the seed matters');
});

test('replicas of a partition are distinct, and leaders and replicas spread evenly over the brokers', () => {
  for (let seed = 0; seed < 50; seed++) {
    const placement = new StripedReplicaPlacer(new SeededRandom(seed)).place(60, 3, brokers([1, 2, 3, 4, 5, 6]));
    const leaders = new Map<number, number>();
    const replicas = new Map<number, number>();
    for (const p of placement) {
      assert.equal(new Set(p).size, 3, `seed ${seed}: distinct replicas ${p}`);
      leaders.set(p[0]!, (leaders.get(p[0]!) ?? 0) + 1);
      for (const r of p) replicas.set(r, (replicas.get(r) ?? 0) + 1);
    }
    assert.deepEqual([...leaders.values()], [10, 10, 10, 10, 10, 10], `seed ${seed}: 10 leaderships each`);
    assert.deepEqual([...replicas.values()], [30, 30, 30, 30, 30, 30], `seed ${seed}: 30 replicas each`);
  }
});

test('rack-aware: with as many racks as replicas, every partition has one replica per rack', () => {
  const rackOf = (id: number) => `rack-${id % 3}`;
  for (let seed = 0; seed < 30; seed++) {
    const placement = new StripedReplicaPlacer(new SeededRandom(seed)).place(30, 3, brokers([1, 2, 3, 4, 5, 6, 7, 8, 9], rackOf));
    for (const p of placement) assert.equal(new Set(p.map(rackOf)).size, 3, `seed ${seed}: ${p}`);
  }
});

test('the leader is always unfenced; fenced brokers get followers only when a rack runs out of unfenced ones', () => {
  for (let seed = 0; seed < 30; seed++) {
    const placement = new StripedReplicaPlacer(new SeededRandom(seed)).place(20, 3, brokers([1, 2, 3], () => null, [2, 3]));
    for (const p of placement) {
      assert.equal(p[0], 1, `seed ${seed}: ${p}`);
      assert.deepEqual([...p].sort(), [1, 2, 3]);
    }
    const unfencedFirst = new StripedReplicaPlacer(new SeededRandom(seed)).place(20, 2, brokers([1, 2, 3, 4], () => null, [4]));
    for (const p of unfencedFirst) assert.ok(!p.includes(4), `seed ${seed}: enough unfenced brokers, none fenced: ${p}`);
  }
});

test("Kafka's INVALID_REPLICATION_FACTOR checks and messages", () => {
  const placer = new StripedReplicaPlacer(new SeededRandom(1));
  const error = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof InvalidReplicationFactorError);
      assert.equal(e.code, 38);
      return e.message;
    }
    assert.fail('no error');
  };
  assert.equal(error(() => placer.place(1, 0, brokers([1]))), 'Invalid replication factor 0: the replication factor must be positive.');
  assert.equal(error(() => placer.place(1, 1, brokers([1], () => null, [1]))), 'All brokers are currently fenced, or have all their log directories cordoned.');
  assert.equal(error(() => placer.place(1, 1, [])), 'All brokers are currently fenced, or have all their log directories cordoned.');
  assert.equal(
    error(() => placer.place(1, 3, brokers([1, 2]))),
    'The target replication factor of 3 cannot be reached because only 2 broker(s) are registered or some brokers have all their log directories cordoned.',
  );
});
