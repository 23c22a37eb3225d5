// The short form of the torture harness (issue 16 item 7) in `npm test`: a fixed seed, every fault kind the
// machine allows, about 45 s of faults on a three-node cluster of real processes in network namespaces, then the
// checker. The long form is `npm run torture -- --time 30m --faults all --seed S`.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FAULT_KINDS } from './nemesis.ts';
import { NetworkHosts } from './network-hosts.ts';
import { runTorture } from './torture-run.ts';

test('seed 7: 45 s of faults lose no acknowledged write, duplicate nothing, show no aborted read; every fault heals to a full ISR', {
  timeout: 300_000,
  skip: NetworkHosts.available() ? false : 'needs root, iproute2 and iptables for network namespaces',
}, async (t) => {
  const outDir = await mkdtemp(join(tmpdir(), 'torture-short-'));
  const result = await runTorture({ durationMs: 45_000, faults: FAULT_KINDS, seed: 7, outDir, minHoldMs: 1500, maxHoldMs: 4000, quietMs: 500, log: (l) => t.diagnostic(l) });
  const summary = `report: ${outDir}; anomalies: ${JSON.stringify(result.check.anomalies)}`;
  assert.ok(result.faults.length >= 3, `only ${result.faults.length} faults were injected`);
  assert.deepEqual(result.faults.filter((f) => f.error !== undefined), [], 'every fault was injected and healed');
  assert.equal(result.check.valid, true, summary);
  assert.equal(result.drainComplete, true, `the final read did not reach every high watermark; ${summary}`);
  assert.deepEqual(result.unexpectedExits, []);
  assert.equal(result.recovery.notRecovered, 0, 'every fault healed to a full ISR with writes flowing again');
  assert.ok(result.check.totals.acknowledgedSends > 100, `only ${result.check.totals.acknowledgedSends} writes were acknowledged`);
  await rm(outDir, { recursive: true, force: true });
});
