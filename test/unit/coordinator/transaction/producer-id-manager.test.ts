import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rootLogger } from '../../../../src/observability/logger.ts';
import { Errors } from '../../../../src/protocol/generated/errors.ts';
import { ProducerIdManager, type ProducerIdsBlock } from '../../../../src/coordinator/transaction/producer-id-manager.ts';

/** A controller handing out blocks of `size` ids from `next`, recording each call. */
function controller(size = 10) {
  const calls: { brokerId: number; brokerEpoch: bigint }[] = [];
  let next = 0n;
  let fail = 0;
  let gate: Promise<void> | null = null;
  return {
    calls,
    failNext(n: number) { fail = n; },
    hold() { let release!: () => void; gate = new Promise((r) => (release = r)); return () => { gate = null; release(); }; },
    allocate: async (brokerId: number, brokerEpoch: bigint): Promise<ProducerIdsBlock> => {
      calls.push({ brokerId, brokerEpoch });
      if (gate !== null) await gate;
      if (fail > 0) { fail--; throw new Error('controller unavailable'); }
      const start = next;
      next += BigInt(size);
      return { start, length: size };
    },
  };
}

function manager(c: ReturnType<typeof controller>) {
  return new ProducerIdManager({ brokerId: 3, brokerEpoch: () => 42n, allocate: c.allocate, logger: rootLogger });
}

test('ids come from blocks in order; the next block is fetched at 90% of the current one', async () => {
  const c = controller(10);
  const m = manager(c);
  const ids: bigint[] = [];
  for (let i = 0; i < 9; i++) ids.push(await m.generateProducerId());
  assert.equal(c.calls.length, 1);
  ids.push(await m.generateProducerId());
  // id 9 is past the 90% mark: the prefetch went out.
  assert.equal(c.calls.length, 2);
  for (let i = 0; i < 5; i++) ids.push(await m.generateProducerId());
  assert.deepEqual(ids, Array.from({ length: 15 }, (_, i) => BigInt(i)));
  assert.deepEqual(c.calls[0], { brokerId: 3, brokerEpoch: 42n });
});

test('concurrent callers share one allocation and get distinct ids', async () => {
  const c = controller(100);
  const m = manager(c);
  const release = c.hold();
  const pending = Array.from({ length: 20 }, () => m.generateProducerId());
  release();
  const ids = await Promise.all(pending);
  assert.equal(new Set(ids).size, 20);
  assert.equal(c.calls.length, 1);
});

test('a failed allocation answers COORDINATOR_LOAD_IN_PROGRESS; the next call allocates again', async () => {
  const c = controller(5);
  const m = manager(c);
  c.failNext(1);
  await assert.rejects(m.generateProducerId(), (e: { code?: number }) => e.code === Errors.COORDINATOR_LOAD_IN_PROGRESS);
  assert.equal(await m.generateProducerId(), 0n);
});
