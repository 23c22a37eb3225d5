import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MockTime } from '../../../../src/common/time.ts';
import { rootLogger } from '../../../../src/observability/logger.ts';
import { Errors } from '../../../../src/protocol/generated/errors.ts';
import { CoordinatorRuntime } from '../../../../src/coordinator/runtime/coordinator-runtime.ts';
import type { CoordinatorSerde, CoordinatorShard, ShardContext } from '../../../../src/coordinator/runtime/coordinator-shard.ts';
import { InMemoryPartitionWriter } from '../../../../src/coordinator/runtime/in-memory-partition-writer.ts';

/** A toy shard: a counter per key, changed only by replaying "key=value" records. */
class CounterShard implements CoordinatorShard<string> {
  readonly values = new Map<string, number>();
  readonly ctx: ShardContext<string>;
  loaded = false;
  constructor(ctx: ShardContext<string>) {
    this.ctx = ctx;
  }
  replay(_offset: bigint, _producerId: bigint, record: string): void {
    const [k, v] = record.split('=') as [string, string];
    this.values.set(k, Number(v));
  }
  replayEndTransactionMarker(): void {}
  onLoaded(): void {
    this.loaded = true;
  }
  onUnloaded(): void {
    this.loaded = false;
  }
}

const serde: CoordinatorSerde<string> = {
  serialize: (r) => ({ key: Buffer.from(r.split('=')[0]!), value: Buffer.from(r) }),
  deserialize: (_k, v) => (v === null ? null : v.toString()),
};

const TP = { topic: '__test', partition: 0 };

function runtime(writer = new InMemoryPartitionWriter(), time = new MockTime()) {
  const shards: CounterShard[] = [];
  const rt = new CoordinatorRuntime<CounterShard, string>({
    name: 'Test', time, writer, serde, logger: rootLogger, autoTimers: false,
    shardFactory: (ctx) => {
      const s = new CounterShard(ctx);
      shards.push(s);
      return s;
    },
  });
  return { rt, writer, time, shards };
}

test('not loaded: NOT_COORDINATOR; loading: COORDINATOR_LOAD_IN_PROGRESS; then operations run', async () => {
  const { rt, writer } = runtime();
  await assert.rejects(rt.scheduleReadOperation('r', TP, () => 1), { code: Errors.NOT_COORDINATOR });
  const release = writer.holdReads();
  const loading = rt.onPartitionLeadershipChange(TP, true, 0);
  await assert.rejects(rt.scheduleWriteOperation('w', TP, () => ({ records: [], response: 1 })), { code: Errors.COORDINATOR_LOAD_IN_PROGRESS });
  release();
  await loading;
  assert.equal(rt.shardState(TP), 'active');
  assert.equal(await rt.scheduleWriteOperation('w', TP, (s) => ({ records: ['a=1'], response: s.loaded })), true);
});

test('records are replayed at once, appended in order, and the response waits for the commit', async () => {
  const { rt, writer, shards } = runtime();
  await rt.onPartitionLeadershipChange(TP, true, 0);
  writer.pause(TP);
  const first = rt.scheduleWriteOperation('w1', TP, () => ({ records: ['a=1', 'b=2'], response: 'one' }));
  const second = rt.scheduleWriteOperation('w2', TP, (s) => ({ records: [], response: s.values.get('b') }));
  assert.equal(shards[0]!.values.get('a'), 1, 'replayed before the append completes');
  let settled = false;
  void second.then(() => (settled = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(settled, false, 'an operation without records still waits for earlier writes');
  writer.resume(TP);
  assert.equal(await first, 'one');
  assert.equal(await second, 2);
  assert.deepEqual(writer.entries(TP).map((e) => (e.kind === 'record' ? e.value!.toString() : '')), ['a=1', 'b=2']);
});

test('a failed append of replayed records reloads the shard from the log', async () => {
  const { rt, writer, shards } = runtime();
  await rt.onPartitionLeadershipChange(TP, true, 0);
  await rt.scheduleWriteOperation('w', TP, () => ({ records: ['a=1'], response: null }));
  writer.failNextAppends(TP, 1);
  await assert.rejects(rt.scheduleWriteOperation('w', TP, () => ({ records: ['a=2'], response: null })), { code: Errors.NOT_LEADER_OR_FOLLOWER });
  for (let i = 0; i < 10 && rt.shardState(TP) !== 'active'; i++) await new Promise((r) => setImmediate(r));
  assert.equal(shards.length, 2, 'a new shard was loaded');
  assert.equal(shards[1]!.values.get('a'), 1, 'the failed record is gone');
});

test('timers fire on poll at their deadline; rescheduling a key replaces it; unloading drops them', async () => {
  const { rt, time, shards } = runtime();
  await rt.onPartitionLeadershipChange(TP, true, 0);
  const timer = shards[0]!.ctx.timer;
  timer.schedule('k', 1000, () => ({ records: ['t=1'], response: undefined }));
  time.sleep(600);
  timer.schedule('k', 1000, () => ({ records: ['t=2'], response: undefined }));
  time.sleep(600);
  rt.poll();
  assert.equal(shards[0]!.values.get('t'), undefined, 'the first schedule was replaced');
  time.sleep(400);
  rt.poll();
  assert.equal(shards[0]!.values.get('t'), 2);
  timer.schedule('x', 10, () => ({ records: ['x=1'], response: undefined }));
  await rt.onPartitionLeadershipChange(TP, false, 1);
  assert.equal(rt.shardState(TP), undefined);
  assert.equal(timer.size, 0);
});

test('a newer leader epoch reloads; a stale unload is ignored', async () => {
  const { rt, shards } = runtime();
  await rt.onPartitionLeadershipChange(TP, true, 3);
  await rt.onPartitionLeadershipChange(TP, false, 2);
  assert.equal(rt.shardState(TP), 'active');
  await rt.onPartitionLeadershipChange(TP, true, 3);
  assert.equal(shards.length, 1, 'same epoch: no reload');
  await rt.onPartitionLeadershipChange(TP, true, 4);
  assert.equal(shards.length, 2);
});
