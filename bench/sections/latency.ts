// End-to-end latency (producer timestamp in the record -> consumer receipt) with bench/native/e2e-latency.c, a
// small librdkafka program compiled here with cc: open-loop producer at 50 % of the produce throughput measured
// in this run (1 KiB records, acks=1, linger.ms=1), consumer in the same process. Baseline: the same program at
// a light 1,000 records/s in the same run. A third series repeats the loaded run on a topic with fsync before
// ack (flush.messages=1, flush.ms=0, the settings of Confluent's sync driver; the broker's group commit shares
// one fdatasync among the appends that arrive while one runs). Its baseline is bench/native/raw-fsync.c, the
// same open-loop rate of 1 KiB records acknowledged by an ideal group commit (writes never wait, one fdatasync at a
// time covering what was written before it) to a file of the same file system, run just before and just after
// each broker run. Each of these runs starts from the same page cache state: `sync -f` first writes back the dirty
// data of the earlier runs. Otherwise the kernel writes that data back 30 s after it was written
// (vm.dirty_expire_centisecs), in the middle of whichever run comes then, and every fdatasync waits behind it:
// measured on the project machine, the raw baseline's p99 was 19-31 ms just before a broker run and 178-500 ms just
// after it, 30 s after the loaded run. The ratio is then the broker's own cost.
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

/** bench/native/e2e-latency.c's result (microseconds). */
export interface LatencyResult {
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
/** linger.ms of the probe's producer; the raw baseline batches its writes the same way. */
const LINGER_MS = 1;
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

/**
 * Writes back the dirty page cache of the scratch dir's file system (`sync -f`, syncfs(2)) so that the next run
 * starts without earlier runs' data waiting to be written; returns how many MB were dirty before.
 */
async function writeBackDirtyPages(ctx: BenchContext): Promise<number> {
  const dirty = dirtyPageCache().dirtyMB;
  await run('sync', ['-f', ctx.scratch], { timeout: 300_000 });
  return dirty;
}

/** One raw group-commit run at `rate` 1 KiB records/s in the scratch dir (the broker's file system). */
async function rawFsyncOnce(ctx: BenchContext, binary: string, rate: number): Promise<RawFsyncResult> {
  const seconds = ctx.options.latencySec;
  const warmup = Math.max(1, seconds / 5);
  const { stdout } = await run(binary, [join(ctx.scratch, `raw-fsync-${process.pid}.dat`), String(Math.round(rate)), String(RECORD_BYTES), String(seconds), String(warmup), String(LINGER_MS)], {
    timeout: (seconds + warmup + 60) * 1000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as RawFsyncResult;
}

/** Topic configs of the fsync-before-ack series. */
export const FSYNC_TOPIC_CONFIGS: Readonly<Record<string, string>> = { 'flush.messages': '1', 'flush.ms': '0' };

/**
 * One run of the probe (`binary`, from {@link buildLatencyProbe}) on partition 0 of the existing `topic` through
 * `bootstrap`: `rate` 1 KiB records/s with `acks`, for ctx.options.latencySec seconds after a warm-up.
 * @throws Error when a record was not delivered or not consumed.
 */
export async function runLatencyProbe(ctx: BenchContext, binary: string, bootstrap: string, topic: string, rate: number, acks: '1' | 'all'): Promise<LatencyResult> {
  const seconds = ctx.options.latencySec;
  const warmup = Math.max(1, seconds / 5);
  const { stdout } = await run(binary, [bootstrap, topic, String(Math.round(rate)), String(RECORD_BYTES), String(seconds), String(warmup), acks, String(LINGER_MS)], {
    timeout: (seconds + warmup + 60) * 1000,
  });
  const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as LatencyResult;
  if (r.deliveryErrors > 0 || r.consumed < r.produced) throw new Error(`latency run lost records: ${stdout}`);
  return r;
}

async function latencyOnce(ctx: BenchContext, broker: BenchBroker, binary: string, rate: number, topic: string, configEntries?: Record<string, string>): Promise<LatencyResult> {
  await createTopics(broker.bootstrap, [{ topic, numPartitions: 1, configEntries }]);
  try {
    return await runLatencyProbe(ctx, binary, broker.bootstrap, topic, rate, '1');
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
  // Dirty page cache (MB) written back before each raw and each broker fsync run (see the header).
  const writtenBack: number[] = [];
  const rawOnce = async (): Promise<void> => {
    if (raw.binary === undefined) return;
    writtenBack.push(await writeBackDirtyPages(ctx));
    rawRuns.push(await rawFsyncOnce(ctx, raw.binary, rate));
  };
  for (let r = 0; r < ctx.options.runs; r++) {
    light.push(await latencyOnce(ctx, broker, probe.binary, LIGHT_RATE, `latency-light-${r}`));
    loaded.push(await latencyOnce(ctx, broker, probe.binary, rate, `latency-${r}`));
    // The raw baseline brackets the broker run, each from a clean page cache (see the header).
    await rawOnce();
    writtenBack.push(await writeBackDirtyPages(ctx));
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
      `each fsync run starts clean (sync -f wrote back up to ${fmt(Math.max(...writtenBack))} MB of earlier runs' data)`;
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
