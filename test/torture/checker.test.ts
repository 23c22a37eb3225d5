// The queue checker on hand-made histories: a clean history passes; each anomaly kind is found where it was
// planted and nowhere else; cycles are classified by their edges.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkQueueHistory, type CheckResult } from './checker.ts';
import { HistoryRecorder, type MicroOp, type Op, type OpFunction } from './history.ts';

/** Builds histories op by op: `run` records an invocation and its completion for one process. */
class Builder {
  readonly h = new HistoryRecorder();

  run(process: number, f: OpFunction, invoke: readonly MicroOp[] | readonly number[] | undefined, type: 'ok' | 'fail' | 'info', done?: readonly MicroOp[], extra: Partial<Op> = {}): this {
    this.h.record({ process, type: 'invoke', f, value: invoke });
    this.h.record({ process, type, f, value: done ?? invoke, ...extra });
    return this;
  }

  send(process: number, key: number, value: number, offset: number | null, type: 'ok' | 'fail' | 'info' = 'ok'): this {
    return this.run(process, 'send', [['send', key, value]], type, type === 'ok' ? [['send', key, [offset, value]]] : undefined);
  }

  poll(process: number, records: Record<number, [number, number][]>): this {
    return this.run(process, 'poll', [['poll']], 'ok', [['poll', records]]);
  }

  check(): CheckResult {
    return checkQueueHistory(this.h.ops);
  }
}

function kinds(r: CheckResult): string[] {
  return Object.keys(r.anomalies).sort();
}

test('a clean history of sends and polls is valid and counts its operations', () => {
  const r = new Builder()
    .send(1, 0, 10, 0).send(1, 0, 11, 1).send(2, 1, 20, 0)
    .poll(3, { 0: [[0, 10], [1, 11]] }).poll(3, { 1: [[0, 20]] })
    .check();
  assert.equal(r.valid, true, JSON.stringify(r.anomalies));
  assert.deepEqual(r.operations, { send: { ok: 3 }, poll: { ok: 2 } });
  assert.deepEqual(r.totals, { acknowledgedSends: 3, valuesRead: 3, keys: 2 });
  assert.deepEqual(r.info, {});
});

test('gaps in offsets (transaction markers) are not skips', () => {
  const r = new Builder().send(1, 0, 10, 0).send(1, 0, 11, 2).send(1, 0, 12, 5).poll(2, { 0: [[0, 10]] }).poll(2, { 0: [[2, 11], [5, 12]] }).check();
  assert.equal(r.valid, true, JSON.stringify(r.anomalies));
});

test('an acknowledged send below the highest offset read, never read, is a lost write', () => {
  const r = new Builder().send(1, 0, 10, 0).send(1, 0, 11, 1).send(1, 0, 12, 2).poll(2, { 0: [[0, 10], [2, 12]] }).check();
  assert.equal(r.valid, false);
  assert.deepEqual(r.anomalies['lost-write']?.examples, [{ value: 11, key: 0, offset: 1, writer: 2, maxReadOffset: 2 }]);
  // The same reader also jumped over 11: a poll skip within its own reads.
  assert.deepEqual(kinds(r), ['lost-write', 'poll-skip']);
});

test('an acknowledged send above every offset read is unseen (information), not lost', () => {
  const r = new Builder().send(1, 0, 10, 0).send(1, 0, 11, 1).poll(2, { 0: [[0, 10]] }).check();
  assert.equal(r.valid, true);
  assert.equal(r.info.unseen?.count, 1);
});

test('two values at one offset are inconsistent offsets; one value at two offsets is a duplicate', () => {
  const inconsistent = new Builder().send(1, 0, 10, 0).poll(2, { 0: [[0, 99]] }).send(3, 0, 99, 0).check();
  assert.deepEqual(inconsistent.anomalies['inconsistent-offsets']?.examples, [{ key: 0, offset: 0, values: [10, 99] }]);
  const duplicate = new Builder().send(1, 0, 10, 0).poll(2, { 0: [[0, 10], [1, 10]] }).check();
  assert.equal(duplicate.anomalies.duplicate?.count, 1);
  assert.ok(!('inconsistent-offsets' in duplicate.anomalies));
});

test('reading a value whose send failed is an aborted read; a value nobody sent is a phantom', () => {
  const r = new Builder().send(1, 0, 10, null, 'fail').send(1, 0, 11, 1).poll(2, { 0: [[0, 10], [1, 11], [2, 77]] }).check();
  assert.deepEqual(kinds(r), ['aborted-read', 'phantom-read']);
  assert.equal((r.anomalies['aborted-read']?.examples[0] as { value: number }).value, 10);
});

test('a timed-out send that is read later is information (indeterminate-visible), not an anomaly', () => {
  const r = new Builder().send(1, 0, 10, null, 'info').poll(2, { 0: [[0, 10]] }).check();
  assert.equal(r.valid, true);
  assert.equal(r.info['indeterminate-visible']?.count, 1);
});

test('a consumer going backwards is a nonmonotonic poll; an assign in between resets its position', () => {
  const back = new Builder().send(1, 0, 10, 0).send(1, 0, 11, 1).poll(2, { 0: [[0, 10], [1, 11]] }).poll(2, { 0: [[0, 10]] }).check();
  assert.deepEqual(kinds(back), ['nonmonotonic-poll']);
  const reassigned = new Builder().send(1, 0, 10, 0).send(1, 0, 11, 1).poll(2, { 0: [[0, 10], [1, 11]] })
    .run(2, 'assign', [0], 'ok').poll(2, { 0: [[0, 10]] }).check();
  assert.equal(reassigned.valid, true, JSON.stringify(reassigned.anomalies));
  const rebalanced = new Builder().send(1, 0, 10, 0).send(1, 0, 11, 1).poll(2, { 0: [[0, 10], [1, 11]] })
    .run(2, 'poll', [['poll']], 'ok', [['poll', { 0: [[0, 10]] }]], { rebalanced: [0] }).check();
  assert.equal(rebalanced.valid, true, JSON.stringify(rebalanced.anomalies));
});

test('a failed poll resets the consumer position: what it read is unknown', () => {
  const r = new Builder().send(1, 0, 10, 0).send(1, 0, 11, 1).send(1, 0, 12, 2).poll(2, { 0: [[0, 10]] })
    .run(2, 'poll', [['poll']], 'info').poll(2, { 0: [[2, 12]] }).poll(3, { 0: [[0, 10], [1, 11], [2, 12]] }).check();
  assert.equal(r.valid, true, JSON.stringify(r.anomalies));
});

test("a producer's acknowledged sends to a key landing out of order are nonmonotonic sends", () => {
  const r = new Builder().send(1, 0, 10, 1).send(1, 0, 11, 0).poll(2, { 0: [[0, 11], [1, 10]] }).check();
  assert.deepEqual(kinds(r), ['nonmonotonic-send']);
});

test("a transaction's poll that sees the transaction's own send is a precommitted read", () => {
  const r = new Builder().run(1, 'txn', [['send', 0, 10], ['poll']], 'ok', [['send', 0, [0, 10]], ['poll', { 0: [[0, 10]] }]]).check();
  assert.deepEqual(kinds(r), ['precommitted-read']);
});

test('write-write cycles are G0 (information); with a write-read edge they are G1c', () => {
  // T1 and T2 both write keys 0 and 1, in opposite orders: a ww cycle, which Kafka permits.
  const g0 = new Builder()
    .run(1, 'txn', [['send', 0, 10], ['send', 1, 20]], 'ok', [['send', 0, [0, 10]], ['send', 1, [1, 20]]])
    .run(2, 'txn', [['send', 0, 11], ['send', 1, 21]], 'ok', [['send', 0, [1, 11]], ['send', 1, [0, 21]]])
    .poll(3, { 0: [[0, 10], [1, 11]], 1: [[0, 21], [1, 20]] })
    .check();
  assert.equal(g0.valid, true, JSON.stringify(g0.anomalies));
  assert.equal(g0.info.G0?.count, 1);
  // T1 writes key 0; T2 reads T1's write then writes key 1 before T1's write to key 1: T1 -wr-> T2 -ww-> T1.
  const g1c = new Builder()
    .run(1, 'txn', [['send', 0, 10], ['send', 1, 21]], 'ok', [['send', 0, [0, 10]], ['send', 1, [1, 21]]])
    .run(2, 'txn', [['poll'], ['send', 1, 20]], 'ok', [['poll', { 0: [[0, 10]] }], ['send', 1, [0, 20]]])
    .poll(3, { 1: [[0, 20], [1, 21]] })
    .check();
  assert.deepEqual(kinds(g1c), ['G1c']);
});

test('a completion without an invocation is a malformed history', () => {
  assert.throws(() => checkQueueHistory([{ index: 0, time: 0, process: 1, type: 'ok', f: 'poll', value: [['poll']] }]), /without an invocation/);
});

test('a long history (100,000 sends and their reads) is checked without recursion limits', () => {
  const b = new Builder();
  const records: [number, number][] = [];
  for (let i = 0; i < 100_000; i++) {
    b.run(1, 'txn', [['send', 0, i]], 'ok', [['send', 0, [i, i]]]);
    records.push([i, i]);
  }
  b.poll(2, { 0: records });
  const r = b.check();
  assert.equal(r.valid, true);
  assert.equal(r.totals.acknowledgedSends, 100_000);
});
