// The short form of the protocol fuzzer (issue 16 item 5) in `npm test`: 10,000 frames of seed 11 against a
// broker process while a kafkajs producer and consumer work beside them. The long form is
// `npm run fuzz -- --frames 1000000 --seed S`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runFuzz } from './fuzz-run.ts';

test('seed 11: 10,000 fuzzed frames leave the broker alive and serving, its log intact and its heap near the baseline', { timeout: 240_000 }, async (t) => {
  const r = await runFuzz({ frames: 10_000, seed: 11, log: (l) => t.diagnostic(l) });
  t.diagnostic(JSON.stringify({ ...r.stats, byMutation: undefined }));
  assert.equal(r.brokerAlive, true, 'the broker process is still running');
  assert.deepEqual(r.stats.answeredUnparseable, [], 'no frame our decoders reject got an answer');
  assert.ok(r.stats.responses > 1000 && r.stats.closedByBroker > 1000, 'frames were both answered and refused (the fuzzer reached the parsers)');
  assert.ok(r.heap.afterBytes <= r.heap.baselineBytes * 1.5 + 32e6, `heap after ${r.heap.afterBytes} vs baseline ${r.heap.baselineBytes}`);
  assert.ok(r.workload.acknowledged > 0);
  assert.equal(r.workload.missingLive, 0, 'every acknowledged record was consumed');
  assert.equal(r.workload.duplicatesLive, 0);
  assert.equal(r.workload.matchesAfterRestart, true, 'after a restart the log holds every acknowledged record, in order');
});
