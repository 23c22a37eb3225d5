import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { offsetCheckpointFile } from '../../../src/storage/checkpoint-file.ts';
import { logConfig } from '../../../src/storage/log-config.ts';
import { UnifiedLog } from '../../../src/storage/unified-log.ts';
import { bigCrashBatch, crashBatch, prng } from '../../fixtures/storage/crash-batch.ts';
import { batchOffsets, splitBatches } from '../../unit/storage/batches.ts';

const CHILD = fileURLToPath(new URL('../../fixtures/storage/crash-child.ts', import.meta.url));
const ROUNDS = 50;

interface Round {
  acked: { first: number; last: number }[];
  readyAt: number | null;
  /** ms from spawn to "ready", and to the kill. */
  readyMs: number;
  killMs: number;
}

/**
 * Runs the child until `killAfterAcks` acknowledgements arrive (or, when negative, at a random early moment that
 * may fall into its startup recovery), then kill -9s it.
 */
function runChild(dir: string, killAfterAcks: number, earlyKillMs: number, mode = 'small', killAfterReadyMs = -1): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-warnings', CHILD, dir, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    const round: Round = { acked: [], readyAt: null, readyMs: -1, killMs: -1 };
    const spawned = performance.now();
    let buffered = '';
    let stderr = '';
    let killed = false;
    const kill = (): void => {
      if (killed) return;
      killed = true;
      round.killMs = performance.now() - spawned;
      child.kill('SIGKILL');
    };
    const deadline = setTimeout(() => {
      kill();
      reject(new Error(`child made no progress in time (acks ${round.acked.length}); stderr: ${stderr}`));
    }, 30_000);
    if (killAfterAcks < 0) setTimeout(kill, earlyKillMs);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const parts = line.split(' ');
        if (parts[0] === 'ready') {
          round.readyAt = Number(parts[1]);
          round.readyMs = performance.now() - spawned;
          if (killAfterReadyMs >= 0) setTimeout(kill, killAfterReadyMs);
        }
        else if (parts[0] === 'ack' && !killed) round.acked.push({ first: Number(parts[1]), last: Number(parts[2]) });
        if (killAfterAcks >= 0 && killAfterReadyMs < 0 && round.readyAt !== null && round.acked.length >= killAfterAcks) kill();
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(deadline);
      if (signal !== 'SIGKILL') reject(new Error(`child exited by itself (code ${code}); stderr: ${stderr}`));
      else resolve(round);
    });
  });
}

/** Torn or invalid tails the parent's recoveries cut off (reported as a diagnostic: kill timing is not seeded). */
let truncations = 0;
const recoveryLogger = pino(
  { level: 'warn' },
  new Writable({
    write(chunk: Buffer, _enc, cb) {
      truncations += chunk.toString().split('Found invalid messages in log segment').length - 1;
      cb();
    },
  }),
);

const expected = new Map<number, Buffer>();
/** crashBatch, memoized: the parent checks every batch of the log in every round. */
function expectedBatch(offset: number): Buffer {
  let b = expected.get(offset);
  if (b === undefined) {
    b = crashBatch(offset);
    expected.set(offset, b);
  }
  return b;
}

/**
 * Opens the log after the crash, reads it from start to end
 * through UnifiedLog.read, and checks each batch against the deterministic content, offset contiguity, that
 * the log ends on a batch boundary, and that every acknowledged batch is there.
 */
async function verify(dir: string, acked: Map<number, number>): Promise<number> {
  // Recover as the broker would: from the checkpointed recovery point, without a clean-shutdown marker. (The
  // byte-for-byte comparison below covers every batch, so a full CRC scan would add nothing.)
  const checkpoint = await offsetCheckpointFile(join(dir, 'recovery-point-offset-checkpoint')).read();
  const recoveryPoint = checkpoint.find((e) => e.topicPartition.topic === 'crash')?.offset ?? 0;
  const log = await UnifiedLog.open(join(dir, 'crash-0'), { topic: 'crash', partition: 0 }, logConfig({ segmentBytes: 256 * 1024, indexIntervalBytes: 1024, segmentIndexBytes: 8 * 250 }), { recoveryPoint, logger: recoveryLogger });
  try {
    const leo = Number(log.logEndOffset);
    let offset = Number(log.logStartOffset);
    assert.equal(offset, 0);
    const lastOffsetOf = new Map<number, number>();
    while (offset < leo) {
      const info = await log.read(BigInt(offset), 256 * 1024, null, true);
      const batches = splitBatches(await info.records.readInto());
      assert.ok(batches.length > 0, `no whole batch readable at offset ${offset}`);
      for (const b of batches) {
        const { baseOffset, lastOffset } = batchOffsets(b);
        assert.equal(baseOffset, offset, 'offsets are contiguous');
        assert.ok(b.equals(expectedBatch(baseOffset)), `batch at ${baseOffset} differs from what was appended`);
        lastOffsetOf.set(baseOffset, lastOffset);
        offset = lastOffset + 1;
      }
    }
    assert.equal(offset, leo, 'the log ends exactly after its last whole batch');
    for (const [first, last] of acked) {
      assert.equal(lastOffsetOf.get(first), last, `acknowledged batch ${first}-${last} is not in the log (log end ${leo})`);
    }
    // A random acknowledged batch, read on its own (index lookup + scan rather than a sequential read).
    const firsts = [...acked.keys()];
    if (firsts.length > 0) {
      const first = firsts[Math.floor(Math.random() * firsts.length)]!;
      const b = splitBatches(await (await log.read(BigInt(first), 1, null, true)).records.readInto())[0]!;
      assert.ok(b.equals(expectedBatch(first)));
    }
    return leo;
  } finally {
    await log.close();
  }
}

test('kill -9 at random moments: acknowledged batches survive byte for byte, offsets stay contiguous, no partial batch', { timeout: 90_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'crash-recovery-'));
  const rnd = prng(20261121);
  const acked = new Map<number, number>();
  let lastEnd = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const early = rnd() < 0.15;
      const r = await runChild(dir, early ? -1 : Math.floor(rnd() * 300), Math.floor(rnd() * 400));
      if (r.readyAt !== null) assert.ok(r.readyAt >= lastEnd, `round ${round}: restart lost data (log end ${r.readyAt} < ${lastEnd})`);
      for (const a of r.acked) acked.set(a.first, a.last);
      const t0 = performance.now();
      lastEnd = await verify(dir, acked);
      if (process.env.CRASH_DEBUG) console.error(`round ${round} acks ${r.acked.length} end ${lastEnd} ready ${r.readyMs.toFixed(0)}ms kill ${r.killMs.toFixed(0)}ms verify ${(performance.now() - t0).toFixed(0)}ms`);
    }
    assert.ok(acked.size > 500, `too few acknowledged appends (${acked.size}) for a meaningful test`);
    t.diagnostic(`${acked.size} acknowledged appends over ${ROUNDS} kills; ${truncations} torn tails truncated by recovery`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('kill -9 during 1 MB writes: torn batches are cut by recovery, acknowledged ones stay', { timeout: 60_000 }, async (t) => {
  const rnd = prng(77);
  let acks = 0;
  const before = truncations;
  for (let round = 0; round < 12; round++) {
    const dir = await mkdtemp(join(tmpdir(), 'crash-torn-'));
    try {
      const r = await runChild(dir, 0, 0, 'big', 5 + Math.floor(rnd() * 60));
      acks += r.acked.length;
      const checkpoint = await offsetCheckpointFile(join(dir, 'recovery-point-offset-checkpoint')).read();
      const log = await UnifiedLog.open(join(dir, 'crash-0'), { topic: 'crash', partition: 0 }, logConfig({ segmentBytes: 64 * 1024 * 1024, segmentIndexBytes: 8 * 100 }), {
        recoveryPoint: checkpoint[0]?.offset ?? 0,
        logger: recoveryLogger,
      });
      try {
        let offset = 0;
        while (offset < Number(log.logEndOffset)) {
          const b = splitBatches(await (await log.read(BigInt(offset), 2 * 1024 * 1024)).records.readInto())[0]!;
          assert.ok(b.equals(bigCrashBatch(offset)), `batch at ${offset} intact`);
          offset = batchOffsets(b).lastOffset + 1;
        }
        assert.equal(offset, Number(log.logEndOffset));
        for (const a of r.acked) assert.ok(a.last < offset, `acknowledged ${a.first}-${a.last} survives`);
      } finally {
        await log.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  t.diagnostic(`${acks} acknowledged 1 MB appends over 12 kills; ${truncations - before} torn tails truncated by recovery`);
});
