// End-to-end latency (producer timestamp in the record -> consumer receipt) with bench/native/e2e-latency.c, a
// small librdkafka program compiled here with cc: open-loop producer at 50 % of the produce throughput measured
// in this run (1 KiB records, acks=1, linger.ms=1), consumer in the same process. Baseline: the same program at
// a light 1,000 records/s in the same run. A third series repeats the loaded run on a topic with fsync before
// ack (flush.messages=1, flush.ms=0, the settings of Confluent's sync driver; the broker's group commit shares
// one fdatasync among the appends that arrive while one runs). Its baseline is bench/native/raw-fsync.c, the
// same open-loop rate of 1 KiB records acknowledged by an ideal group commit (write + fdatasync) to a file of the
// same file system, run just before and just after each broker run: the same dirty page state (the fill data of
// earlier runs being written back, which slows any fdatasync), so the ratio is the broker's own cost.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTopics, deleteTopics } from '../lib/admin.ts';
import { ensureInstalled } from '../lib/apt.ts';
import type { BenchBroker } from '../lib/bench-broker.ts';
import type { BenchContext } from '../lib/bench-context.ts';
import { dirtyPageCache } from '../lib/proc-stat.ts';
import type { Row } from '../lib/report.ts';
import { fmt, median } from '../lib/stats.ts';

const run = promisify(execFile);

interface LatencyResult {
  produced: number;
  consumed: number;
  deliveryErrors: number;
  achievedRate: number;
  measured: number;
  e2eP50Us: number;
  e2eP99Us: number;
  e2eP999Us: number;
  e2eMaxUs: number;
  ackP50Us: number;
  ackP99Us: number;
  ackP999Us: number;
}

const RECORD_BYTES = 1024;
const LIGHT_RATE = 1000;

/** Compiles the probe into the scratch dir; returns its path, or a "skipped: ..." reason. */
export async function buildLatencyProbe(ctx: BenchContext): Promise<{ binary?: string; skipped?: string }> {
  const missing = ensureInstalled(['librdkafka-dev'], ['/usr/include/librdkafka/rdkafka.h']);
  if (missing !== null) return { skipped: missing };
  if (!existsSync('/usr/bin/cc')) return { skipped: 'skipped: no C compiler (cc)' };
  const binary = join(ctx.scratch, 'e2e-latency');
  try {
    await run('cc', ['-O2', '-o', binary, join(ctx.repo, 'bench/native/e2e-latency.c'), '-lrdkafka', '-lpthread']);
  } catch (e) {
    return { skipped: `skipped: cc failed (${e instanceof Error ? e.message.split('\n')[0] : String(e)})` };
  }
  return { binary };
}

/** bench/native/raw-fsync.c's result (microseconds). */
interface RawFsyncResult {
  records: number;
  measured: number;
  achievedRate: number;
  fdatasyncs: number;
  syncP50Us: number;
  syncP99Us: number;
  syncMaxUs: number;
  ackP50Us: number;
  ackP99Us: number;
  ackP999Us: number;
  ackMaxUs: number;
}

/** Compiles the raw group-commit baseline into the scratch dir; returns its path, or a "skipped: ..." reason. */
async function buildRawFsync(ctx: BenchContext): Promise<{ binary?: string; skipped?: string }> {
  const binary = join(ctx.scratch, 'raw-fsync');
  try {
    await run('cc', ['-O2', '-o', binary, join(ctx.repo, 'bench/native/raw-fsync.c'), '-lpthread']);
  } catch (e) {
    return { skipped: `skipped: cc failed (${e instanceof Error ? e.message.split('\n')[0] : String(e)})` };
  }
  return { binary };
}

/** One raw group-commit run at `rate` 1 KiB records/s in the scratch dir (the broker's file system). */
async function rawFsyncOnce(ctx: BenchContext, binary: string, rate: number): Promise<RawFsyncResult> {
  const seconds = ctx.options.latencySec;
  const warmup = Math.max(1, seconds / 5);
  const { stdout } = await run(binary, [join(ctx.scratch, `raw-fsync-${process.pid}.dat`), String(Math.round(rate)), String(RECORD_BYTES), String(seconds), String(warmup)], {
    timeout: (seconds + warmup + 60) * 1000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as RawFsyncResult;
}

/** Topic configs of the fsync-before-ack series. */
export const FSYNC_TOPIC_CONFIGS: Readonly<Record<string, string>> = { 'flush.messages': '1', 'flush.ms': '0' };

async function latencyOnce(ctx: BenchContext, broker: BenchBroker, binary: string, rate: number, topic: string, configEntries?: Record<string, string>): Promise<LatencyResult> {
  await createTopics(broker.bootstrap, [{ topic, numPartitions: 1, configEntries }]);
  try {
    const seconds = ctx.options.latencySec;
    const warmup = Math.max(1, seconds / 5);
    const { stdout } = await run(binary, [broker.bootstrap, topic, String(Math.round(rate)), String(RECORD_BYTES), String(seconds), String(warmup), '1', '1'], {
      timeout: (seconds + warmup + 60) * 1000,
    });
    const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as LatencyResult;
    if (r.deliveryErrors > 0 || r.consumed < r.produced) throw new Error(`latency run lost records: ${stdout}`);
    return r;
  } finally {
    await deleteTopics(broker.bootstrap, [topic]);
  }
}

/** Light-load baseline and loaded runs (`runs` each, interleaved); table rows with medians of the percentiles. */
export async function runLatency(ctx: BenchContext, broker: BenchBroker): Promise<Row[]> {
  const section = 'E2E latency (librdkafka)';
  const probe = await buildLatencyProbe(ctx);
  if (probe.binary === undefined) return [{ section, figure: 'p50 / p99 / p99.9', unit: '', text: probe.skipped }];
  const maxMBps = ctx.measured.produceAcks1MBps;
  // --load-mbps sets the load; else 50 % of the produce figure; without one (section skipped or failed), a
  // nominal 50 MB/s, and the note says which.
  const loadMBps = ctx.options.latencyLoadMBps ?? (maxMBps !== undefined ? maxMBps / 2 : 50);
  const loadSource = ctx.options.latencyLoadMBps !== undefined ? 'set by --load-mbps' : maxMBps !== undefined ? '50 % of measured acks=1 max' : 'nominal: no produce figure';
  const rate = (loadMBps * 1e6) / RECORD_BYTES;
  const raw = await buildRawFsync(ctx);
  const light: LatencyResult[] = [];
  const loaded: LatencyResult[] = [];
  const synced: LatencyResult[] = [];
  const rawRuns: RawFsyncResult[] = [];
  // Dirty page cache (MB) as each raw and each broker fsync run starts: the state both are measured in.
  const dirtyAtRaw: number[] = [];
  const dirtyAtBroker: number[] = [];
  const rawOnce = async (): Promise<void> => {
    if (raw.binary === undefined) return;
    dirtyAtRaw.push(dirtyPageCache().dirtyMB);
    rawRuns.push(await rawFsyncOnce(ctx, raw.binary, rate));
  };
  for (let r = 0; r < ctx.options.runs; r++) {
    light.push(await latencyOnce(ctx, broker, probe.binary, LIGHT_RATE, `latency-light-${r}`));
    loaded.push(await latencyOnce(ctx, broker, probe.binary, rate, `latency-${r}`));
    // The raw baseline brackets the broker run: the page cache state drifts (earlier runs' data is written back).
    await rawOnce();
    dirtyAtBroker.push(dirtyPageCache().dirtyMB);
    synced.push(await latencyOnce(ctx, broker, probe.binary, rate, `latency-fsync-${r}`, { ...FSYNC_TOPIC_CONFIGS }));
    await rawOnce();
    const l = loaded.at(-1)!;
    const f = synced.at(-1)!;
    const rawP99 = rawRuns.length > 0 ? ` vs raw group commit ${rawRuns.slice(-2).map((x) => fmt(x.ackP99Us / 1000, 2)).join(' / ')} ms` : '';
    ctx.progress('latency', `run ${r + 1}/${ctx.options.runs} at ${fmt(rate)} rec/s: p50 ${fmt(l.e2eP50Us / 1000, 2)} ms, p99 ${fmt(l.e2eP99Us / 1000, 2)} ms, p99.9 ${fmt(l.e2eP999Us / 1000, 2)} ms (light p50 ${fmt(light.at(-1)!.e2eP50Us / 1000, 2)} ms; fsync before ack: ack p99 ${fmt(f.ackP99Us / 1000, 2)} ms${rawP99})`);
  }
  const m = (xs: LatencyResult[], f: (x: LatencyResult) => number): number => median(xs.map(f)) / 1000;
  const loadNote = `${fmt(rate)} rec/s x 1 KiB = ${fmt(loadMBps)} MB/s (${loadSource}), achieved ${fmt(median(loaded.map((x) => x.achievedRate)))} rec/s; ${ctx.options.latencySec} s per run`;
  const pct = [
    { name: 'p50', f: (x: LatencyResult) => x.e2eP50Us, target: 1 },
    { name: 'p99', f: (x: LatencyResult) => x.e2eP99Us, target: 5 },
    { name: 'p99.9', f: (x: LatencyResult) => x.e2eP999Us, target: undefined },
  ];
  const rows: Row[] = pct.map((p, i) => ({
    section,
    figure: `end-to-end ${p.name} at 50 % load`,
    value: m(loaded, p.f),
    unit: 'ms',
    digits: 2,
    baseline: { label: `same at ${fmt(LIGHT_RATE)} rec/s`, value: m(light, p.f) },
    target: p.target === undefined ? undefined : { op: '<=', value: p.target },
    note: i === 0 ? loadNote : i === 1 ? `produce ack (acks=1) p50 ${fmt(m(loaded, (x) => x.ackP50Us), 2)} ms, p99 ${fmt(m(loaded, (x) => x.ackP99Us), 2)} ms` : `max ${fmt(m(loaded, (x) => x.e2eMaxUs), 1)} ms`,
  }));
  const syncNote = `topic flush.messages=1, flush.ms=0 (fsync before ack, group commit); same load; achieved ${fmt(median(synced.map((x) => x.achievedRate)))} rec/s; ` +
    `same without fsync: p50 ${fmt(m(loaded, (x) => x.ackP50Us), 2)} ms, p99 ${fmt(m(loaded, (x) => x.ackP99Us), 2)} ms`;
  const rawMs = (f: (x: RawFsyncResult) => number): number => median(rawRuns.map(f)) / 1000;
  const rawLabel = 'raw group commit, same rate and file system, just before and after';
  const rawNote = rawRuns.length === 0
    ? `raw baseline ${raw.skipped ?? 'not run'}`
    : `raw: ${fmt(median(rawRuns.map((x) => x.fdatasyncs)))} fdatasyncs per run (p50 ${fmt(rawMs((x) => x.syncP50Us), 2)} ms, p99 ${fmt(rawMs((x) => x.syncP99Us), 2)} ms, max ${fmt(rawMs((x) => x.syncMaxUs), 1)} ms); ` +
      `dirty page cache at the starts (median): raw ${fmt(median(dirtyAtRaw))} MB, broker ${fmt(median(dirtyAtBroker))} MB`;
  const rawBaseline = (f: (x: RawFsyncResult) => number): Row['baseline'] => (rawRuns.length === 0 ? undefined : { label: rawLabel, value: rawMs(f) });
  rows.push(
    {
      section,
      figure: 'produce ack p50 at 50 % load, fsync before ack',
      value: m(synced, (x) => x.ackP50Us),
      unit: 'ms',
      digits: 2,
      baseline: rawBaseline((x) => x.ackP50Us),
      note: syncNote,
    },
    {
      section,
      figure: 'produce ack p99 at 50 % load, fsync before ack',
      value: m(synced, (x) => x.ackP99Us),
      unit: 'ms',
      digits: 2,
      baseline: rawBaseline((x) => x.ackP99Us),
      target: { op: '<=', value: 15 },
      note: `end-to-end p99 ${fmt(m(synced, (x) => x.e2eP99Us), 2)} ms, p99.9 ${fmt(m(synced, (x) => x.e2eP999Us), 2)} ms; ${rawNote}`,
    },
  );
  return rows;
}
