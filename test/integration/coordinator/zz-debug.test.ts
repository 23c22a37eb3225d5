// Committed offsets survive kill -9 of the broker: a consumer (kafkajs, committing after every record) and the
// broker are both killed mid-stream; after the broker restarts over the same data dir, a new consumer of the
// group resumes at the last committed offsets: no acknowledged commit is lost, no record is skipped, and only
// the uncommitted tail is read twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Kafka, logLevel } from 'kafkajs';
import { startBrokerProcess, waitFor } from '../../helpers/broker.ts';
import { requireGroupApis } from './coordinator-test-kit.ts';

import { execFileSync } from 'node:child_process';
function require_kcat(b: string): string { return execFileSync('kcat', ['-b', b, '-C', '-t', '__consumer_offsets', '-e', '-f', '%p@%o %T len=%S\n']).toString().split('\n').slice(-15).join('\n'); }
const CHILD = new URL('./kafkajs-consumer-child.ts', import.meta.url).pathname;
const TOTAL = 300;

interface Consumed { p: number; o: number; v: string }

function consumer(bootstrap: string): { child: ChildProcess; records: Consumed[]; committed: Map<number, number> } {
  const child = spawn(process.execPath, [CHILD, bootstrap, 'crash-group', 'durable'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_TEST_CONTEXT: undefined } });
  const records: Consumed[] = [];
  const committed = new Map<number, number>();
  createInterface({ input: child.stdout! }).on('line', (l) => {
    const e = JSON.parse(l) as { record?: { p: number; o: string; v: string }; committed?: Record<string, string> };
    if (e.record !== undefined) records.push({ p: e.record.p, o: Number(e.record.o), v: e.record.v });
    for (const [p, o] of Object.entries(e.committed ?? {})) committed.set(Number(p), Math.max(committed.get(Number(p)) ?? 0, Number(o)));
  });
  return { child, records, committed };
}

test('offsets survive kill -9 of the broker; a restarted consumer resumes after its last commit', { timeout: 120_000 }, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kafka-offsets-crash-'));
  let broker = await startBrokerProcess(dataDir);
  const port = broker.port;
  if (!(await requireGroupApis(t, port))) {
    await broker.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    return;
  }
  const children: ChildProcess[] = [];
  try {
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'durable', numPartitions: 3 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'durable', messages: Array.from({ length: TOTAL }, (_, i) => ({ value: `r${i}`, partition: i % 3 })) });
    await producer.disconnect();

    const first = consumer(broker.bootstrap);
    children.push(first.child);
    await waitFor('some commits acknowledged', () => [...first.committed.values()].reduce((a, b) => a + b, 0) >= 30, 60_000);
    // Crash both mid-stream.
    first.child.kill('SIGKILL');
    await broker.kill('SIGKILL');
    const ackedBeforeCrash = new Map(first.committed);
    const readBeforeCrash = [...first.records];

    broker = await startBrokerProcess(dataDir, { port });
    const kafka2 = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
    const admin2 = kafka2.admin();
    await admin2.connect();
    const stored = await waitFor('committed offsets readable after the restart', async () => {
      try {
        const o = await admin2.fetchOffsets({ groupId: 'crash-group', topics: ['durable'] });
        return new Map(o[0]!.partitions.map((p) => [p.partition, Number(p.offset)]));
      } catch {
        return undefined;
      }
    }, 30_000);
    console.log('acked', [...ackedBeforeCrash], 'stored', [...stored]);
    console.log(require_kcat(broker.bootstrap));
    for (const [p, o] of ackedBeforeCrash) assert.ok(stored.get(p)! >= o, `partition ${p}: acknowledged commit ${o} lost (stored ${stored.get(p)})`);
    await admin2.disconnect();

    const second = consumer(broker.bootstrap);
    children.push(second.child);
    await waitFor('every record consumed', () => new Set([...readBeforeCrash, ...second.records].map((r) => r.v)).size === TOTAL, 60_000);
    for (let p = 0; p < 3; p++) {
      const firstAfter = second.records.filter((r) => r.p === p).map((r) => r.o);
      const start = Math.max(stored.get(p) ?? -1, 0); // -1: nothing committed, the consumer starts from the beginning
      if (start < TOTAL / 3) assert.equal(Math.min(...firstAfter), start, `partition ${p} resumes at its committed offset`);
      const lastBefore = Math.max(-1, ...readBeforeCrash.filter((r) => r.p === p).map((r) => r.o));
      // Records read twice are exactly the uncommitted tail [committed, last read before the crash].
      const twice = firstAfter.filter((o) => readBeforeCrash.some((r) => r.p === p && r.o === o));
      for (const o of twice) assert.ok(o >= start && o <= lastBefore, `partition ${p}: offset ${o} read twice outside the uncommitted tail`);
    }
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await broker.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
});
