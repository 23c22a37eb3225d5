// Produce throughput with kcat (librdkafka) as the load generator, one partition, each case beside the raw
// append of the very batches that run stored (fs.writeSync per batch, measured right after the run, so both
// see the same machine noise). Issue #7 item 4: 1 KiB records with acks=1/all x none/lz4, and 100-byte records.
import { join } from 'node:path';
import { createTopics, deleteTopics } from '../lib/admin.ts';
import type { BenchBroker, LoopWindow } from '../lib/bench-broker.ts';
import type { BenchContext } from '../lib/bench-context.ts';
import { PRODUCER_DEFAULTS, runKcat } from '../lib/kcat.ts';
import { writeMessageFile } from '../lib/message-file.ts';
import { measureRawAppend } from '../lib/raw-append.ts';
import type { Row } from '../lib/report.ts';
import { fmt, median } from '../lib/stats.ts';

export interface ProduceCase {
  label: string;
  recordBytes: number;
  acks: '1' | 'all';
  compression: 'none' | 'lz4';
}

export const PRODUCE_CASES: readonly ProduceCase[] = [
  { label: '1 KiB, acks=1, none', recordBytes: 1024, acks: '1', compression: 'none' },
  { label: '1 KiB, acks=all, none', recordBytes: 1024, acks: 'all', compression: 'none' },
  { label: '1 KiB, acks=1, lz4', recordBytes: 1024, acks: '1', compression: 'lz4' },
  { label: '1 KiB, acks=all, lz4', recordBytes: 1024, acks: 'all', compression: 'lz4' },
  { label: '100 B, acks=1, none', recordBytes: 100, acks: '1', compression: 'none' },
];

interface ProduceRun {
  mbPerSec: number;
  recordsPerSec: number;
  brokerCpuSecPerGB: number;
  clientCpuSec: number;
  rawAppendMBps: number;
  rawAppendRecordsPerSec: number;
  storedBytes: number;
  /** Codec of the stored batches (3 = lz4); librdkafka silently falls back to none when it deems lz4 unsupported. */
  storedCodec: number;
  eventLoop: LoopWindow;
}

/** The message file for `recordBytes` records and how many records one run sends. */
export function messageFile(ctx: BenchContext, recordBytes: number): { path: string; count: number; payloadBytes: number } {
  const count = recordBytes >= 1024 ? Math.round((ctx.options.produceMiB * 1024 * 1024) / recordBytes) : ctx.options.smallRecords;
  const path = join(ctx.scratch, `messages-${recordBytes}-${count}.txt`);
  return { path, count, payloadBytes: writeMessageFile(path, count, recordBytes) };
}

async function produceOnce(ctx: BenchContext, broker: BenchBroker, c: ProduceCase, topic: string): Promise<ProduceRun> {
  const file = messageFile(ctx, c.recordBytes);
  await createTopics(broker.bootstrap, [{ topic, numPartitions: 1 }]);
  try {
    await broker.eventLoopWindow();
    const cpu0 = broker.cpuSeconds();
    const run = await runKcat(['-P', '-b', broker.bootstrap, '-t', topic, '-p', '0', '-X', `acks=${c.acks}`,
      '-X', `compression.codec=${c.compression}`, ...PRODUCER_DEFAULTS, '-l', file.path]);
    const brokerCpu = broker.cpuSeconds() - cpu0;
    const eventLoop = await broker.eventLoopWindow();
    const raw = measureRawAppend(join(broker.dataDir, 'logs', `${topic}-0`), ctx.scratch);
    if (raw.records !== file.count) throw new Error(`${c.label}: the log holds ${raw.records} records, ${file.count} were sent`);
    return {
      mbPerSec: file.payloadBytes / 1e6 / run.wallSec,
      recordsPerSec: file.count / run.wallSec,
      brokerCpuSecPerGB: brokerCpu / (file.payloadBytes / 1e9),
      clientCpuSec: run.clientCpuSec,
      rawAppendMBps: file.payloadBytes / 1e6 / raw.seconds,
      rawAppendRecordsPerSec: raw.records / raw.seconds,
      storedBytes: raw.bytes,
      storedCodec: raw.firstCodec,
      eventLoop,
    };
  } finally {
    await deleteTopics(broker.bootstrap, [topic]);
  }
}

/** Runs every produce case `runs` times (cases interleaved per round) against `broker`; returns table rows. */
export async function runProduce(ctx: BenchContext, broker: BenchBroker): Promise<Row[]> {
  const results = PRODUCE_CASES.map(() => [] as ProduceRun[]);
  for (let r = 0; r < ctx.options.runs; r++) {
    for (let i = 0; i < PRODUCE_CASES.length; i++) {
      const c = PRODUCE_CASES[i]!;
      const res = await produceOnce(ctx, broker, c, `produce-${i}-${r}`);
      results[i]!.push(res);
      ctx.progress('produce', `${c.label} run ${r + 1}/${ctx.options.runs}: ${fmt(res.mbPerSec)} MB/s, ${fmt(res.recordsPerSec)} rec/s (raw append ${fmt(res.rawAppendMBps)} MB/s)`);
    }
  }
  const rows: Row[] = [];
  const tcp = ctx.measured.tcp;
  for (let i = 0; i < PRODUCE_CASES.length; i++) {
    const c = PRODUCE_CASES[i]!;
    const rs = results[i]!;
    const m = (f: (x: ProduceRun) => number): number => median(rs.map(f));
    const file = messageFile(ctx, c.recordBytes);
    const stored = m((x) => x.storedBytes);
    const notes = [
      `${fmt(file.count)} records/run`,
      `broker ${fmt(m((x) => x.brokerCpuSecPerGB), 2)} CPU-s/GB`,
      `kcat ${fmt(m((x) => x.clientCpuSec), 2)} CPU-s`,
      c.compression !== 'lz4' ? '' : rs.some((x) => x.storedCodec !== 3)
        ? '**batches arrived uncompressed**: librdkafka 2.0.2 enables lz4 only if the broker advertises FindCoordinator (key 10), which it does not yet'
        : `lz4 stores ${fmt(stored / 1e6)} MB (ratio ${fmt(file.payloadBytes / stored, 2)})`,
    ].filter((s) => s !== '');
    if (c.recordBytes >= 1024) {
      if (c.acks === '1' && c.compression === 'none') ctx.measured.produceAcks1MBps = m((x) => x.mbPerSec);
      if (c.acks === '1' && c.compression === 'none' && tcp !== undefined) notes.push(`${fmt(m((x) => x.mbPerSec) / tcp.mbPerSec, 2)}x raw TCP`);
      rows.push({
        section: 'Produce (kcat)',
        figure: `${c.label}: MB/s`,
        value: m((x) => x.mbPerSec),
        unit: 'MB/s',
        baseline: { label: 'raw append of the same batches', value: m((x) => x.rawAppendMBps) },
        target: c.acks === '1' && c.compression === 'none' ? { op: '>=', value: 250 } : c.compression === 'none' ? { op: '>=', value: 240 } : undefined,
        note: `${fmt(m((x) => x.recordsPerSec))} rec/s; ${notes.join('; ')}`,
      });
    } else {
      rows.push({
        section: 'Produce (kcat)',
        figure: `${c.label}: records/s`,
        value: m((x) => x.recordsPerSec),
        unit: 'rec/s',
        baseline: { label: 'raw append of the same batches', value: m((x) => x.rawAppendRecordsPerSec) },
        target: { op: '>=', value: 800_000 },
        note: `${fmt(m((x) => x.mbPerSec))} MB/s; ${notes.join('; ')}`,
      });
    }
  }
  const main = results[0]!;
  if (tcp !== undefined) {
    rows.push({
      section: 'Produce (kcat)',
      figure: '1 KiB, acks=1, none: broker CPU-s per GB',
      value: median(main.map((x) => x.brokerCpuSecPerGB)),
      unit: 'CPU-s/GB',
      digits: 2,
      baseline: { label: 'raw TCP receiver', value: tcp.receiverCpuSecPerGB },
      note: 'lower is better; all broker threads (procfs utime+stime)',
    });
  }
  ctx.measured.eventLoop.produce = main.map((x) => x.eventLoop);
  return rows;
}
