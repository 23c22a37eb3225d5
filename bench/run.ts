// `npm run bench`: the benchmark suite of issue #7 item 4. Prints one markdown table (every figure beside a
// baseline measured in the same run, and the ratio), writes it with the broker's CPU profiles and the per-layer
// benches to bench/results/<date>.md, and exits 0 unless a section crashed.
//
//   node bench/run.ts [--runs 3] [--big] [--quick] [--sections limits,produce,consume,latency,peers,memory,startup,
//                     event-loop,cluster,metadata-startup,replication,profile,layers,perf-tools,security] [--load-mbps N] [--no-save]
//
// --big: 10 GiB log for the start-up figures (default 1 GiB). --quick: one run each, smaller sizes (a smoke run;
// saved as <date>-partial.md, like any run of a subset of sections). --load-mbps: load of the latency runs
// (default half the produce figure; `--sections latency --load-mbps 167` runs that section alone at a set load).
// Load comes from kcat / librdkafka (C), never from the broker's own code; the broker runs as a child process so
// its CPU is read from procfs. Peers (nats-server, redis-server) and librdkafka-dev are installed with apt-get when
// missing and running as root; otherwise their rows say "skipped: not installed".
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BenchBroker } from './lib/bench-broker.ts';
import type { BenchContext, BenchOptions } from './lib/bench-context.ts';
import { renderTable, type Row } from './lib/report.ts';
import { fmt } from './lib/stats.ts';
import { measureTcpLimit } from './lib/tcp-limit.ts';
import { runCluster } from './sections/cluster.ts';
import { consumeRows, fillConsumeTopic, runConsume, type ConsumeResult } from './sections/consume.ts';
import { eventLoopRows, measureIdleEventLoop } from './sections/event-loop.ts';
import { runLatency } from './sections/latency.ts';
import { runLayerBenches } from './sections/layer-benches.ts';
import { runMetadataStartup } from './sections/metadata-startup.ts';
import { runMemory } from './sections/memory.ts';
import { runPeers } from './sections/peers.ts';
import { runProduce } from './sections/produce.ts';
import { runPerfTools } from './sections/perf-tools.ts';
import { runSecurity } from './sections/security.ts';
import { runProfile } from './sections/profile.ts';
import { runReplication } from './sections/replication.ts';
import { runStartup } from './sections/startup.ts';

const ALL_SECTIONS = ['limits', 'produce', 'consume', 'latency', 'peers', 'memory', 'startup', 'event-loop', 'cluster', 'metadata-startup', 'replication', 'profile', 'layers', 'perf-tools', 'security'];
const REPO = new URL('..', import.meta.url).pathname.replace(/\/$/, '');

/** Parses a flag's value as a number > 0. @throws Error naming the flag. */
function positiveNumber(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} must be a number > 0, got '${value}'`);
  return n;
}

function options(): { opts: BenchOptions; save: boolean; partial: boolean; flags: string } {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string' },
      big: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      sections: { type: 'string' },
      'load-mbps': { type: 'string' },
      'no-save': { type: 'boolean', default: false },
    },
  });
  const quick = values.quick === true;
  const sections = values.sections === undefined ? ALL_SECTIONS : values.sections.split(',').map((s) => s.trim());
  for (const s of sections) if (!ALL_SECTIONS.includes(s)) throw new Error(`unknown section '${s}' (known: ${ALL_SECTIONS.join(', ')})`);
  const opts: BenchOptions = {
    runs: values.runs !== undefined ? Number(values.runs) : quick ? 1 : 3,
    produceMiB: quick ? 128 : 512,
    smallRecords: quick ? 500_000 : 2_000_000,
    consumeMiB: quick ? 256 : 1024,
    startupGiB: values.big === true ? 10 : 1,
    latencySec: quick ? 3 : 8,
    latencyLoadMBps: values['load-mbps'] !== undefined ? positiveNumber('--load-mbps', values['load-mbps']) : undefined,
    partitionCounts: quick ? [1000] : [1000, 10_000],
    clusterCommits: quick ? 100 : 300,
    metadataTopics: quick ? 10_000 : 100_000,
    replicationKills: quick ? 3 : 10,
    sections: new Set(sections),
  };
  const flags = process.argv.slice(2).join(' ');
  return { opts, save: values['no-save'] !== true, partial: quick || sections.length !== ALL_SECTIONS.length, flags };
}

function readOnlyGit(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '?';
  }
}

function kcatVersion(): string {
  try {
    const out = execFileSync('kcat', ['-V'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return /librdkafka ([\d.]+)/.exec(out)?.[1] ?? '?';
  } catch {
    return 'missing';
  }
}

/** Runs `fn`, turning a crash into a table row so the other sections still report. */
async function guarded<T>(rows: Row[], failures: string[], section: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0]!.slice(0, 300) : String(e);
    process.stderr.write(`[${section}] FAILED: ${e instanceof Error ? e.stack : String(e)}\n`);
    failures.push(section);
    rows.push({ section, figure: '(section)', unit: '', text: `failed: ${msg.replaceAll('|', '/')}` });
    return undefined;
  }
}

async function main(): Promise<void> {
  const { opts, save, partial, flags } = options();
  // kafkajs's admin client sets a timer from a clock difference that can be negative; the warning is noise here.
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    if (w.name !== 'TimeoutNegativeWarning') process.stderr.write(`${w.name}: ${w.message}\n`);
  });
  const started = new Date();
  const load0 = loadavg();
  const t0 = performance.now();
  const scratch = mkdtempSync(join(tmpdir(), 'kafka-bench-'));
  const ctx: BenchContext = {
    options: opts,
    scratch,
    repo: REPO,
    measured: { eventLoop: {} },
    progress: (section, message) => process.stderr.write(`[${section}] ${message}\n`),
  };
  const has = (s: string): boolean => opts.sections.has(s);
  const rows: Row[] = [];
  const failures: string[] = [];
  const extra: string[] = [];
  const live = new Set<BenchBroker>();
  const onSignal = (): void => {
    for (const b of live) void b.kill('SIGKILL');
    rmSync(scratch, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (has('limits') || has('produce') || has('consume')) {
      await guarded(rows, failures, 'Limits', async () => {
        const results = [];
        for (let r = 0; r < opts.runs; r++) results.push(await measureTcpLimit(1024 * 1024 * 1024));
        results.sort((a, b) => a.mbPerSec - b.mbPerSec);
        const tcp = results[results.length >> 1]!;
        ctx.measured.tcp = tcp;
        ctx.progress('limits', `raw TCP ${fmt(tcp.mbPerSec)} MB/s`);
        rows.push({
          section: 'Limits',
          figure: 'raw loopback TCP Node->Node (1 MiB writes)',
          value: tcp.mbPerSec,
          unit: 'MB/s',
          note: `1 GiB per run; sender ${fmt(tcp.senderCpuSecPerGB, 2)}, receiver ${fmt(tcp.receiverCpuSecPerGB, 2)} CPU-s/GB`,
        });
      });
    }

    const consumeResults: ConsumeResult[] = [];
    let consumeData: { records: number; payloadBytes: number } | undefined;
    const needBrokerA = ['produce', 'consume', 'latency', 'event-loop'].some(has);
    if (needBrokerA) {
      const dataDir = join(scratch, 'broker');
      mkdirSync(dataDir);
      const broker = await BenchBroker.start(dataDir);
      live.add(broker);
      try {
        if (has('event-loop')) await guarded(rows, failures, 'Event loop (broker)', () => measureIdleEventLoop(ctx, broker));
        if (has('produce') || has('event-loop')) {
          const produced = await guarded(rows, failures, 'Produce (kcat)', () => runProduce(ctx, broker));
          if (produced !== undefined) {
            const rawRow = produced.find((r) => r.figure.startsWith('1 KiB, acks=1, none'));
            if (rawRow?.baseline !== undefined && has('limits')) {
              rows.push({ section: 'Limits', figure: 'raw append, fs.writeSync per batch (1 KiB records, ~1 MB batches)', value: rawRow.baseline.value, unit: 'MB/s', note: 'the batches of the 1 KiB acks=1 runs, page cache, no fsync (as the broker)' });
            }
            rows.push(...produced);
          }
        }
        if (has('consume') || has('event-loop') || has('peers')) {
          consumeData = await guarded(rows, failures, 'Consume (kcat)', () => fillConsumeTopic(ctx, broker));
          if (consumeData !== undefined) {
            const data = consumeData;
            const r = await guarded(rows, failures, 'Consume (kcat)', () => runConsume(ctx, broker, 'auto', data));
            if (r !== undefined) consumeResults.push(r);
          }
        }
        if (has('latency')) {
          const r = await guarded(rows, failures, 'E2E latency (librdkafka)', () => runLatency(ctx, broker));
          if (r !== undefined) rows.push(...r);
        }
      } finally {
        await broker.stop();
        live.delete(broker);
      }
      rmSync(dataDir, { recursive: true, force: true });
      if (has('consume') && consumeData !== undefined) {
        // A fresh broker and log for the fallback path (not a restart over the first one's log): both paths
        // read the same freshly written data, and a restart problem cannot spoil this figure (start-up covers it).
        const fallbackDir = join(scratch, 'broker-fallback');
        const fallback = await BenchBroker.start(fallbackDir, { overrides: { 'socket.sendfile.enable': 'off' } });
        live.add(fallback);
        try {
          const data = await guarded(rows, failures, 'Consume (kcat)', () => fillConsumeTopic(ctx, fallback));
          const r = data === undefined ? undefined : await guarded(rows, failures, 'Consume (kcat)', () => runConsume(ctx, fallback, 'off', data));
          if (r !== undefined) consumeResults.push(r);
        } finally {
          await fallback.stop();
          live.delete(fallback);
          rmSync(fallbackDir, { recursive: true, force: true });
        }
        rows.push(...consumeRows(ctx, consumeResults, consumeData));
      }
    }
    if (has('peers')) {
      const r = await guarded(rows, failures, 'Peers (same machine, same run)', () => runPeers(ctx));
      if (r !== undefined) rows.push(...r);
    }
    if (has('memory')) {
      const r = await guarded(rows, failures, 'Memory (RSS)', () => runMemory(ctx));
      if (r !== undefined) rows.push(...r);
    }
    if (has('startup')) {
      const r = await guarded(rows, failures, 'Start-up', () => runStartup(ctx));
      if (r !== undefined) rows.push(...r);
    }
    if (has('event-loop')) rows.push(...eventLoopRows(ctx));
    if (has('cluster')) {
      const r = await guarded(rows, failures, 'Cluster (KRaft processes)', () => runCluster(ctx, opts.clusterCommits, 10));
      if (r !== undefined) rows.push(...r);
    }
    if (has('metadata-startup')) {
      const r = await guarded(rows, failures, 'Start-up (metadata log)', () => runMetadataStartup(ctx, opts.metadataTopics));
      if (r !== undefined) rows.push(...r);
    }
    if (has('replication')) {
      const r = await guarded(rows, failures, 'Replication (RF 3, processes)', () => runReplication(ctx, opts.replicationKills));
      if (r !== undefined) rows.push(...r);
    }
    if (has('security')) {
      const r = await guarded(rows, failures, 'Security (TLS, SASL)', () => runSecurity(ctx));
      if (r !== undefined) rows.push(...r);
    }
    if (has('perf-tools')) {
      const r = await guarded(rows, failures, 'Perf tools (vs kcat)', () => runPerfTools(ctx));
      if (r !== undefined) rows.push(...r);
    }
    if (has('profile')) {
      const md = await guarded(rows, failures, 'Profile', () => runProfile(ctx));
      if (md !== undefined) extra.push(md);
    }
    if (has('layers')) {
      const md = await guarded(rows, failures, 'Per-layer benches', () => runLayerBenches(ctx));
      if (md !== undefined) extra.push(md);
    }
  } finally {
    for (const b of live) await b.kill('SIGKILL');
    rmSync(scratch, { recursive: true, force: true });
  }

  const minutes = (performance.now() - t0) / 60_000;
  const load1 = loadavg();
  const date = started.toISOString().slice(0, 10);
  const dirty = readOnlyGit(['status', '--porcelain']) !== '' ? ' + uncommitted changes' : '';
  const header = [
    `# Benchmark results ${date}`,
    '',
    `\`npm run bench${flags === '' ? '' : ` -- ${flags}`}\` at ${started.toISOString()}, git ${readOnlyGit(['rev-parse', '--short', 'HEAD'])}${dirty}; ` +
      `${cpus()[0]?.model ?? '?'} x ${cpus().length}, Node ${process.version}, kcat/librdkafka ${kcatVersion()}; ` +
      `${fmt(minutes, 1)} min; load average ${load0.map((x) => x.toFixed(1)).join('/')} at start, ${load1.map((x) => x.toFixed(1)).join('/')} at end ` +
      '(the machine is shared: expect noise).',
    '',
    `Figures are medians of ${opts.runs} run(s). Load generators (kcat, redis-benchmark, the latency probe) and servers share the ` +
      'same cores. MB/s = 10^6 bytes of record payload per second; CPU-s/GB = CPU seconds of the server process (all threads) per 10^9 payload bytes. ' +
      'Ratio = value / baseline (for CPU and latency, lower is better). Targets are issue #7\'s, for information.',
    '',
    '',
  ].join('\n');
  const table = renderTable(rows);
  const report = `${header}${table}\n${extra.length > 0 ? `\n${extra.join('\n\n')}\n` : ''}`;
  process.stdout.write(`${header}${table}\n`);
  if (save) {
    const dir = join(REPO, 'bench/results');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${date}${partial ? '-partial' : ''}.md`);
    writeFileSync(path, report);
    process.stderr.write(`results written to ${path}\n`);
  }
  if (failures.length > 0) {
    process.stderr.write(`sections that failed: ${failures.join(', ')}\n`);
    process.exitCode = 1;
  }
}

await main();
