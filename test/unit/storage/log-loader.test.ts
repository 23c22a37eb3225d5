import assert from 'node:assert/strict';
import { appendFile, copyFile, mkdtemp, open, readdir, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { logConfig } from '../../../src/storage/log-config.ts';
import { UnifiedLog } from '../../../src/storage/unified-log.ts';
import { prng } from '../../fixtures/storage/crash-batch.ts';
import { batchOffsets, buildBatch, simpleRecords, splitBatches } from './batches.ts';

let root: string;
let n = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'log-loader-'));
});
after(async () => {
  // A log deletes its old segments in the background (fileDeleteDelayMs 0): a removal may still be running.
  await rm(root, { recursive: true, force: true, maxRetries: 5 });
});

const tp = { topic: 't', partition: 0 };
const config = logConfig({ segmentBytes: 4000, indexIntervalBytes: 300, fileDeleteDelayMs: 0 });

/** A logger whose JSON lines are collected, to check what the loader says. */
function capture(): { logger: pino.Logger; lines: () => { msg: string; [k: string]: unknown }[] } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      out.push(...chunk.toString().split('\n').filter((l: string) => l.length > 0));
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines: () => out.map((l) => JSON.parse(l)) };
}

/** A log of `batches` batches over several segments, closed cleanly; returns its dir and the batches. */
async function makeLog(batches = 60): Promise<{ dir: string; written: Buffer[] }> {
  const dir = join(root, `t-${n++}`);
  const log = await UnifiedLog.open(dir, tp, config);
  const written: Buffer[] = [];
  for (let i = 0; i < batches; i++) {
    const b = buildBatch(simpleRecords(1 + (i % 4), 80));
    await log.appendAsLeader(b, 0);
    written.push(Buffer.from(b));
  }
  await log.close();
  return { dir, written };
}

async function readAll(log: UnifiedLog): Promise<Buffer[]> {
  const out: Buffer[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const batches = splitBatches(await (await log.read(offset, 1 << 20)).records.readInto());
    out.push(...batches);
    offset = BigInt(batchOffsets(batches.at(-1)!).lastOffset + 1);
  }
  return out;
}

async function segmentFiles(dir: string, suffix: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith(suffix)).sort();
}

test('random bytes appended to the tail are truncated after an unclean shutdown, and the log says so', async () => {
  const { dir, written } = await makeLog();
  const lastLog = (await segmentFiles(dir, '.log')).at(-1)!;
  const rnd = prng(5);
  const garbage = Buffer.from(Array.from({ length: 777 }, () => Math.floor(rnd() * 256)));
  await appendFile(join(dir, lastLog), garbage);
  const sizeBefore = (await stat(join(dir, lastLog))).size;
  const { logger, lines } = capture();
  const log = await UnifiedLog.open(dir, tp, config, { logger });
  assert.equal((await stat(join(dir, lastLog))).size, sizeBefore - garbage.length);
  const all = await readAll(log);
  assert.equal(all.length, written.length);
  assert.ok(lines().some((l) => l.msg.includes('truncating') && l.truncatedBytes === 777));
  await log.close();
});

test('bytes overwritten inside the last batches: the log keeps every valid batch before them', async () => {
  const { dir, written } = await makeLog();
  const lastLog = join(dir, (await segmentFiles(dir, '.log')).at(-1)!);
  const size = (await stat(lastLog)).size;
  const fh = await open(lastLog, 'r+');
  await fh.write(Buffer.from([0xde, 0xad, 0xbe, 0xef]), 0, 4, size - 30);
  await fh.close();
  const { logger, lines } = capture();
  const log = await UnifiedLog.open(dir, tp, config, { logger });
  const all = await readAll(log);
  assert.equal(all.length, written.length - 1, 'only the damaged last batch is gone');
  all.forEach((b, i) => assert.ok(b.subarray(21).equals(written[i]!.subarray(21))));
  assert.ok(lines().some((l) => l.reason === 'CRC-32C mismatch'));
  // The next append continues right after the last valid batch.
  const info = await log.appendAsLeader(buildBatch(simpleRecords(1)), 0);
  assert.equal(info.firstOffset, BigInt(batchOffsets(all.at(-1)!).lastOffset + 1));
  await log.close();
});

test('a corrupt batch length in an older segment truncates there and drops later segments', async () => {
  const { dir } = await makeLog();
  const logs = await segmentFiles(dir, '.log');
  assert.ok(logs.length >= 4);
  const victim = join(dir, logs[1]!);
  const fh = await open(victim, 'r+');
  const len = Buffer.alloc(4);
  len.writeInt32BE(5);
  await fh.write(len, 0, 4, 8); // first batch's batchLength field
  await fh.close();
  const { logger, lines } = capture();
  const log = await UnifiedLog.open(dir, tp, config, { logger });
  assert.equal(log.numberOfSegments, 2);
  assert.equal(log.logSegments()[1]!.size, 0);
  assert.ok(lines().some((l) => l.msg.startsWith('Corruption found in segment')));
  await log.close();
});

test('missing, truncated and garbage index files are rebuilt on a clean open, and the log says so', async () => {
  const { dir, written } = await makeLog();
  const indexes = await segmentFiles(dir, '.index');
  const timeIndexes = await segmentFiles(dir, '.timeindex');
  await unlink(join(dir, indexes[0]!));
  await truncate(join(dir, indexes[1]!), ((await stat(join(dir, indexes[1]!))).size - 3));
  await writeFile(join(dir, timeIndexes[2]!), Buffer.alloc(48, 0xff));
  const { logger, lines } = capture();
  const log = await UnifiedLog.open(dir, tp, config, { logger, hadCleanShutdown: true, recoveryPoint: 1e9 });
  const warnings = lines().filter((l) => l.msg.includes('rebuilding its index files'));
  assert.equal(warnings.length, 3);
  assert.ok((await stat(join(dir, indexes[0]!))).size > 0, 'missing index rebuilt');
  assert.equal((await stat(join(dir, indexes[1]!))).size % 8, 0);
  const all = await readAll(log);
  assert.equal(all.length, written.length);
  // Every offset still reads from the right batch through the rebuilt indexes.
  for (let i = 0; i < Number(log.logEndOffset); i += 3) {
    const b = splitBatches(await (await log.read(BigInt(i), 1)).records.readInto())[0]!;
    const { baseOffset, lastOffset } = batchOffsets(b);
    assert.ok(baseOffset <= i && i <= lastOffset);
  }
  await log.close();
});

test('stray .deleted and .cleaned files are removed; an interrupted .swap is completed', async () => {
  const { dir, written } = await makeLog();
  const logs = await segmentFiles(dir, '.log');
  // Simulate a cleaner crash after ".cleaned -> .swap": the swap holds a copy of segments 0 and 1.
  const s0 = join(dir, logs[0]!);
  const s1 = join(dir, logs[1]!);
  const swap = Buffer.concat([await import('node:fs/promises').then((fs) => fs.readFile(s0)), await import('node:fs/promises').then((fs) => fs.readFile(s1))]);
  await writeFile(`${s0}.swap`, swap);
  await copyFile(join(dir, logs[2]!), join(dir, `${logs[2]!}.cleaned`));
  await writeFile(join(dir, '00000000000000999999.log.deleted'), 'x');
  const { logger, lines } = capture();
  const log = await UnifiedLog.open(dir, tp, config, { logger, hadCleanShutdown: true, recoveryPoint: 1e9 });
  const files = await readdir(dir);
  assert.ok(!files.some((f) => f.endsWith('.swap') || f.endsWith('.cleaned') || f.endsWith('.deleted')));
  assert.ok(!files.includes(logs[1]!), 'the segment covered by the swap is gone');
  assert.equal(log.numberOfSegments, logs.length - 1);
  assert.ok(lines().some((l) => l.msg.includes('interrupted swap')));
  assert.equal((await readAll(log)).length, written.length);
  await log.close();
});
