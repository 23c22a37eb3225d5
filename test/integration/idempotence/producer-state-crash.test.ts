// Producer state survives kill -9: a child process hosts the partition log and is killed with SIGKILL while
// idempotent batches of two producers are in flight (5 each); after each restart the producers retry every
// unacknowledged batch, and now and then one already acknowledged. Retries of batches the log already holds must
// come back with their original offsets (or, for one lost behind a snapshot boundary, OUT_OF_ORDER_SEQUENCE_NUMBER
// - never a second copy), and at the end the log holds every sequence of each producer exactly once, in order.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildRecordBatchSync } from '../../../src/protocol/records/record-batch-builder.ts';
import { iterateBatches } from '../../../src/protocol/records/batch-iterator.ts';
import { readRecords } from '../../../src/protocol/records/record-iterator.ts';
import { logConfig } from '../../../src/storage/log-config.ts';
import { UnifiedLog } from '../../../src/storage/unified-log.ts';

const CHILD = fileURLToPath(new URL('./idempotent-append-child.ts', import.meta.url));
const ROUNDS = 12;
const IN_FLIGHT = 5;

interface Batch {
  readonly pid: bigint;
  readonly firstSeq: number;
  readonly count: number;
}
type Reply = { ok: true; first: bigint; last: bigint; records: number } | { ok: false; code: number };

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function show(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x));
}

function encode(b: Batch): string {
  return buildRecordBatchSync({
    producerId: b.pid,
    producerEpoch: 0,
    baseSequence: b.firstSeq,
    records: Array.from({ length: b.count }, (_, i) => ({ key: `k${i}`, value: `${b.pid}:${b.firstSeq + i}:${'x'.repeat(40)}`, timestamp: Date.now() })),
  }).toString('hex');
}

/** A running child: send batches, get replies; `dead` resolves when it exits. */
class Child {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly ready: Promise<bigint>;
  readonly dead: Promise<void>;
  readonly #waiting = new Map<number, (r: Reply | null) => void>();
  #nextId = 1;
  #exited = false;
  stderr = '';

  constructor(dir: string) {
    this.proc = spawn(process.execPath, ['--no-warnings', CHILD, dir], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.proc.stdin.on('error', () => undefined);
    this.dead = new Promise((resolve) => this.proc.once('exit', () => {
      this.#exited = true;
      for (const w of this.#waiting.values()) w(null);
      this.#waiting.clear();
      resolve();
    }));
    this.ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child not ready; stderr: ${this.stderr}`)), 30_000);
      void this.dead.then(() => reject(new Error(`child exited; stderr: ${this.stderr}`)));
      createInterface({ input: this.proc.stdout }).on('line', (line) => {
        const parts = line.split(' ');
        if (parts[0] === 'ready') {
          clearTimeout(timer);
          resolve(BigInt(parts[1]!));
          return;
        }
        const w = this.#waiting.get(Number(parts[0]));
        if (w === undefined) return;
        this.#waiting.delete(Number(parts[0]));
        w(parts[1] === 'ok' ? { ok: true, first: BigInt(parts[2]!), last: BigInt(parts[3]!), records: Number(parts[4]) } : { ok: false, code: Number(parts[2]) });
      });
    });
  }

  /** Resolves with the reply, or null when the child died first. */
  send(b: Batch): Promise<Reply | null> {
    const id = this.#nextId++;
    if (this.#exited) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      this.proc.stdin.write(`${id} ${encode(b)}\n`);
    });
  }

  kill(): Promise<void> {
    this.proc.kill('SIGKILL');
    return this.dead;
  }
}

test('kill -9 while idempotent batches are in flight: retries after restart are deduplicated, the log has each sequence once', { timeout: 120_000 }, async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'idempotence-crash-'));
  const rnd = mulberry32(20240601);
  const producers = [1001n, 1002n].map((pid) => ({ pid, nextSeq: 0, unacked: [] as Batch[], acked: [] as { b: Batch; first: bigint; last: bigint }[] }));
  const stats = { appended: 0, dedupedRetries: 0, outOfOrderRetries: 0, duplicateResends: 0 };
  let current: Child | null = null;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const child = new Child(root);
      current = child;
      await child.ready;
      // Retry phase: every unacknowledged batch, in order, then one recent acknowledged batch per producer.
      for (const p of producers) {
        const retries = p.unacked.splice(0);
        const replies = await Promise.all(retries.map((b) => child.send(b)));
        replies.forEach((r, i) => {
          assert.ok(r !== null, 'the child stays up during retries');
          const b = retries[i]!;
          if (r.ok) {
            if (r.records === 0) stats.dedupedRetries++;
            else stats.appended++;
            p.acked.push({ b, first: r.first, last: r.last });
          } else {
            // Only a batch already in the log may be refused as out of order (checked at the end).
            assert.equal(r.code, 45, `retry of ${b.pid}:${b.firstSeq} failed with ${r.code}`);
            stats.outOfOrderRetries++;
            p.acked.push({ b, first: -1n, last: -1n });
          }
        });
        const recent = p.acked.filter((a) => a.first >= 0n).at(-1);
        if (recent !== undefined) {
          const r = await child.send(recent.b);
          assert.ok(r !== null && r.ok && r.records === 0, `resend of acknowledged ${recent.b.pid}:${recent.b.firstSeq} is a duplicate: ${show(r)}`);
          assert.deepEqual([r.first, r.last], [recent.first, recent.last]);
          stats.duplicateResends++;
        }
      }
      // Produce phase: 5 in flight per producer until a random number of acknowledgements, then kill -9.
      const killAfter = 5 + Math.floor(rnd() * 60);
      let acks = 0;
      const state: { killing: Promise<void> | null } = { killing: null };
      const pump = async (p: (typeof producers)[number]): Promise<void> => {
        const inFlight: Promise<void>[] = [];
        const sendOne = (): Promise<void> => {
          const b: Batch = { pid: p.pid, firstSeq: p.nextSeq, count: 1 + Math.floor(rnd() * 8) };
          p.nextSeq += b.count;
          p.unacked.push(b);
          return child.send(b).then((r) => {
            if (r === null) return;
            assert.ok(r.ok && r.records === b.count, `append of ${b.pid}:${b.firstSeq}: ${show(r)}`);
            p.unacked.splice(p.unacked.indexOf(b), 1);
            p.acked.push({ b, first: r.first, last: r.last });
            stats.appended++;
            if (++acks === killAfter) state.killing = child.kill();
            if (state.killing === null) return sendOne();
          });
        };
        for (let i = 0; i < IN_FLIGHT; i++) inFlight.push(sendOne());
        await Promise.all(inFlight);
      };
      await Promise.all(producers.map(pump));
      await (state.killing ?? child.kill());
    }

    // Verification: every sequence exactly once per producer, in offset order, at the acknowledged offsets.
    const log = await UnifiedLog.open(join(root, 'idempotence-0'), { topic: 'idempotence', partition: 0 }, logConfig({ segmentBytes: 8 * 1024 }));
    const seqs = new Map<bigint, number[]>();
    const offsetOf = new Map<string, bigint>();
    let offset = log.logStartOffset;
    while (offset < log.logEndOffset) {
      const info = await log.read(offset, 1 << 20, null, true);
      for (const batch of iterateBatches(await info.records.readInto())) {
        for (const rec of await readRecords(batch)) {
          const [pid, seq] = rec.value!.toString().split(':');
          const list = seqs.get(BigInt(pid!)) ?? [];
          list.push(Number(seq));
          seqs.set(BigInt(pid!), list);
          offsetOf.set(`${pid}:${seq}`, rec.offset);
        }
        offset = batch.nextOffset;
      }
    }
    await log.close();
    for (const p of producers) {
      const got = seqs.get(p.pid) ?? [];
      const written = got.length;
      assert.deepEqual(got, got.map((_, i) => i), `producer ${p.pid}: each sequence once, no gap`);
      assert.ok(written >= p.acked.reduce((n, a) => Math.max(n, a.b.firstSeq + a.b.count), 0), 'every acknowledged batch is in the log');
      for (const a of p.acked) {
        if (a.first >= 0n) assert.equal(offsetOf.get(`${p.pid}:${a.b.firstSeq}`), a.first, `${p.pid}:${a.b.firstSeq} at its acknowledged offset`);
        else assert.ok(offsetOf.has(`${p.pid}:${a.b.firstSeq}`), `${p.pid}:${a.b.firstSeq} refused as out of order is in the log`);
      }
    }
    t.diagnostic(show(stats));
    assert.ok(stats.dedupedRetries > 0, `some retries hit batches written before the kill: ${show(stats)}`);
    assert.equal(stats.duplicateResends, ROUNDS * producers.length - 2);
  } finally {
    await current?.kill();
    await rm(root, { recursive: true, force: true, maxRetries: 5 });
  }
});
