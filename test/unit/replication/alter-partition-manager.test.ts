import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../../src/common/api-error.ts';
import { rootLogger } from '../../../src/observability/logger.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import type { AlterPartitionRequest } from '../../../src/protocol/generated/messages/alter-partition-request.ts';
import type { AlterPartitionResponse } from '../../../src/protocol/generated/messages/alter-partition-response.ts';
import type { Input } from '../../../src/protocol/message-input.ts';
import { ALTER_PARTITION_RETRY_BACKOFF_MS, AlterPartitionManager } from '../../../src/replication/alter-partition-manager.ts';
import type { LeaderAndIsr } from '../../../src/replication/partition-state.ts';
import type { Timer } from '../../../src/replication/timer.ts';

// Kafka's DefaultAlterPartitionManager: one AlterPartition in flight, changes queued meanwhile go together in the
// next one, a partition has one change at a time, top-level errors and unsent requests are retried after 50 ms,
// each partition's promise settles with its own answer.

const TOPIC = 'AAAAAAAAAAAAAAAAAAAABA';

/** A timer run by hand: `fire()` runs what is due. */
class ManualTimer implements Timer {
  readonly pending: { delayMs: number; fn: () => void }[] = [];
  schedule(delayMs: number, fn: () => void): () => void {
    const entry = { delayMs, fn };
    this.pending.push(entry);
    return () => this.pending.splice(this.pending.indexOf(entry), 1);
  }
  fire(): void {
    for (const e of this.pending.splice(0)) e.fn();
  }
}

interface Sent {
  request: Input<AlterPartitionRequest>;
  resolve: (r: AlterPartitionResponse) => void;
  reject: (e: unknown) => void;
}

function setup(): { manager: AlterPartitionManager; sent: Sent[]; timer: ManualTimer } {
  const sent: Sent[] = [];
  const timer = new ManualTimer();
  const manager = new AlterPartitionManager({
    brokerId: 1,
    brokerEpoch: () => 7n,
    send: (request) => new Promise((resolve, reject) => sent.push({ request, resolve, reject })),
    timer,
    logger: rootLogger,
  });
  return { manager, sent, timer };
}

function change(isr: number[], partitionEpoch = 3): LeaderAndIsr {
  return { leaderId: 1, leaderEpoch: 2, isr: isr.map((brokerId) => ({ brokerId, brokerEpoch: BigInt(brokerId) })), leaderRecoveryState: 0, partitionEpoch };
}

function answer(partitions: { partitionIndex: number; errorCode: number; isr?: number[] }[], errorCode: number = Errors.NONE): AlterPartitionResponse {
  return {
    throttleTimeMs: 0,
    errorCode,
    topics: [{ topicName: '', topicId: TOPIC, partitions: partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: p.errorCode, leaderId: 1, leaderEpoch: 2, isr: p.isr ?? [], leaderRecoveryState: 0, partitionEpoch: 4 })) }],
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('changes submitted while a request is in flight go together in the next; each settles with its partition\'s answer', async () => {
  const { manager, sent } = setup();
  const first = manager.submit(TOPIC, 0, change([1, 2]));
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.request.brokerEpoch, 7n);
  assert.deepEqual(sent[0]!.request.topics![0]!.partitions![0]!.newIsrWithEpochs, [{ brokerId: 1, brokerEpoch: 1n }, { brokerId: 2, brokerEpoch: 2n }]);
  const second = manager.submit(TOPIC, 1, change([1, 3]));
  const third = manager.submit(TOPIC, 2, change([1]));
  await assert.rejects(manager.submit(TOPIC, 1, change([1])), (e: unknown) => e instanceof ApiError && e.code === Errors.OPERATION_NOT_ATTEMPTED, 'one change per partition');
  assert.equal(sent.length, 1, 'one request in flight');
  sent[0]!.resolve(answer([{ partitionIndex: 0, errorCode: Errors.NONE, isr: [1, 2] }]));
  assert.deepEqual((await first).isr, [1, 2]);
  await tick();
  assert.equal(sent.length, 2);
  assert.deepEqual(sent[1]!.request.topics![0]!.partitions!.map((p) => p.partitionIndex), [1, 2]);
  sent[1]!.resolve(answer([{ partitionIndex: 1, errorCode: Errors.NONE, isr: [1, 3] }, { partitionIndex: 2, errorCode: Errors.INELIGIBLE_REPLICA }]));
  assert.equal((await second).partitionEpoch, 4);
  await assert.rejects(third, (e: unknown) => e instanceof ApiError && e.code === Errors.INELIGIBLE_REPLICA);
  assert.equal(manager.pendingCount, 0);
});

test('a request that could not be sent (a controller without AlterPartition) or a top-level error is sent again after the backoff', async () => {
  const { manager, sent, timer } = setup();
  const pending = manager.submit(TOPIC, 0, change([1, 2]));
  sent[0]!.reject(new Error('UNSUPPORTED_VERSION'));
  await tick();
  assert.equal(sent.length, 1, 'not at once');
  assert.equal(timer.pending[0]!.delayMs, ALTER_PARTITION_RETRY_BACKOFF_MS);
  timer.fire();
  assert.equal(sent.length, 2);
  sent[1]!.resolve(answer([], Errors.STALE_BROKER_EPOCH));
  await tick();
  timer.fire();
  assert.equal(sent.length, 3);
  sent[2]!.resolve(answer([{ partitionIndex: 0, errorCode: Errors.NONE, isr: [1, 2] }]));
  assert.deepEqual((await pending).isr, [1, 2]);
});

test('close fails what is queued with OPERATION_NOT_ATTEMPTED', async () => {
  const { manager } = setup();
  const pending = manager.submit(TOPIC, 0, change([1]));
  manager.close();
  await assert.rejects(pending, (e: unknown) => e instanceof ApiError && e.code === Errors.OPERATION_NOT_ATTEMPTED);
});
