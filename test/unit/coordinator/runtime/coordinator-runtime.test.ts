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

/** Lets pending promise callbacks run. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Whether `p` has settled after the pending callbacks ran. */
async function isSettled(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(() => (settled = true), () => (settled = true));
  await settle();
  return settled;
}

test('a read never answers from records replayed but not committed: it waits for their commit, then sees them', async () => {
  const { rt, writer, shards } = runtime();
  await rt.onPartitionLeadershipChange(TP, true, 0);
  await rt.scheduleWriteOperation('w', TP, () => ({ records: ['a=1'], response: null }));
  writer.pause(TP);
  const write = rt.scheduleWriteOperation('w', TP, () => ({ records: ['a=2'], response: null }));
  assert.equal(shards[0]!.values.get('a'), 2, 'replayed at once: the next write validates against it');
  const read = rt.scheduleReadOperation('r', TP, (s) => s.values.get('a'));
  assert.equal(await isSettled(read), false, 'no answer while a=2 is not committed');
  writer.resume(TP);
  await write;
  assert.equal(await read, 2, 'visible once committed');
});

test('a failed append is reverted: the read waiting on it fails with NOT_COORDINATOR, later reads see the committed state only', async () => {
  const { rt, writer, shards } = runtime();
  await rt.onPartitionLeadershipChange(TP, true, 0);
  await rt.scheduleWriteOperation('w', TP, () => ({ records: ['a=1'], response: null }));
  writer.pause(TP);
  const write = rt.scheduleWriteOperation('w', TP, () => ({ records: ['a=2', 'b=2'], response: null }));
  const read = rt.scheduleReadOperation('r', TP, (s) => [s.values.get('a'), s.values.get('b')]);
  const readAll = rt.scheduleReadAllOperation('r', (s) => s.values.get('a'));
  writer.failHeld(TP);
  await assert.rejects(write, { code: Errors.NOT_LEADER_OR_FOLLOWER });
  await assert.rejects(read, { code: Errors.NOT_COORDINATOR });
  await assert.rejects(readAll, { code: Errors.NOT_COORDINATOR });
  for (let i = 0; i < 20 && rt.shardState(TP) !== 'active'; i++) await settle();
  assert.equal(rt.shardState(TP), 'active');
  assert.equal(shards.length, 2, 'the shard was rebuilt from the log');
  assert.deepEqual(await rt.scheduleReadOperation('r', TP, (s) => [s.values.get('a'), s.values.get('b')]), [1, undefined]);
});

test('operations scheduled after a waiting read run after it: the read sees exactly the appends issued before it', async () => {
  const { rt, writer, shards } = runtime();
  await rt.onPartitionLeadershipChange(TP, true, 0);
  writer.pause(TP);
  const first = rt.scheduleWriteOperation('w1', TP, () => ({ records: ['a=1'], response: 'first' }));
  const read = rt.scheduleReadOperation('r', TP, (s) => s.values.get('a'));
  const second = rt.scheduleWriteOperation('w2', TP, () => ({ records: ['a=2'], response: 'second' }));
  const readAfter = rt.scheduleReadOperation('r2', TP, (s) => s.values.get('a'));
  shards[0]!.ctx.timer.schedule('t', 0, () => ({ records: ['t=1'], response: undefined }));
  rt.poll();
  assert.equal(shards[0]!.values.get('a'), 1, 'the write behind the read has not run');
  assert.equal(shards[0]!.values.get('t'), undefined, 'nor the timer task');
  assert.equal(writer.appendCount, 1);
  writer.resume(TP);
  assert.equal(await first, 'first');
  assert.equal(await read, 1);
  assert.equal(await second, 'second');
  assert.equal(await readAfter, 2);
  await rt.idle();
  assert.deepEqual(writer.entries(TP).map((e) => (e.kind === 'record' ? e.value!.toString() : '')), ['a=1', 'a=2', 't=1']);
});

test('a read with no append in flight answers at once, without waiting for anything', async () => {
  const { rt, writer } = runtime();
  await rt.onPartitionLeadershipChange(TP, true, 0);
  await rt.scheduleWriteOperation('w', TP, () => ({ records: ['a=1'], response: null }));
  writer.pause(TP);
  // The partition is paused but nothing is in flight: nothing to wait for.
  assert.equal(await rt.scheduleReadOperation('r', TP, (s) => s.values.get('a')), 1);
});
