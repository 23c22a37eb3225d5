// Where the broker's CPU goes: the broker runs under `node --cpu-prof` for one produce load (1 KiB, acks=1) and,
// restarted over the same data, one consume load (sendfile); each profile is written at its clean exit and
// summarised over the load window only (self time by function and by file, share of busy time). Not part of the
// timed figures (the profiler costs a few percent).
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createTopics } from '../lib/admin.ts';
import { BenchBroker } from '../lib/bench-broker.ts';
import type { BenchContext } from '../lib/bench-context.ts';
import { summariseCpuProfile, type ProfileSummary } from '../lib/cpu-profile.ts';
import { CONSUMER_DEFAULTS, PRODUCER_DEFAULTS, runKcat } from '../lib/kcat.ts';
import { fmt } from '../lib/stats.ts';
import { messageFile } from './produce.ts';

const TOPIC = 'profile';

function render(title: string, s: ProfileSummary, loadSec: number): string {
  const lines = [`### ${title}`, '', `Samples inside the load window only (${fmt(loadSec, 1)} s): busy ${fmt(s.busyMs)} ms, idle ${fmt(s.idleMs)} ms of the main thread (the profiler does not see libuv's threadpool).`, '',
    '| Self time | Function (file:line) |', '|---|---|'];
  for (const f of s.topFrames) lines.push(`| ${fmt(f.share * 100, 1)} % | \`${f.frame}\` |`);
  lines.push('', '| Self time | File |', '|---|---|');
  for (const f of s.topFiles) lines.push(`| ${fmt(f.share * 100, 1)} % | \`${f.frame}\` |`);
  return lines.join('\n');
}

async function profiled(ctx: BenchContext, dataDir: string, profDir: string, load: (b: BenchBroker) => Promise<void>): Promise<{ summary: ProfileSummary; loadSec: number }> {
  mkdirSync(profDir, { recursive: true });
  const broker = await BenchBroker.start(dataDir, { cpuProfileDir: profDir });
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  let toUs = fromUs;
  try {
    await load(broker);
    toUs = Number(process.hrtime.bigint() / 1000n);
  } finally {
    await broker.stop();
  }
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`no .cpuprofile in ${profDir}`);
  return { summary: summariseCpuProfile(join(profDir, file), ctx.repo, 15, { fromUs, toUs }), loadSec: (toUs - fromUs) / 1e6 };
}

/** Returns a markdown section with both profiles' summaries. */
export async function runProfile(ctx: BenchContext): Promise<string> {
  const dir = mkdtempSync(join(ctx.scratch, 'profile-'));
  const file = messageFile(ctx, 1024);
  try {
    const produce = await profiled(ctx, join(dir, 'data'), join(dir, 'produce'), async (b) => {
      await createTopics(b.bootstrap, [{ topic: TOPIC, numPartitions: 1 }]);
      await runKcat(['-P', '-b', b.bootstrap, '-t', TOPIC, '-p', '0', '-X', 'acks=1', ...PRODUCER_DEFAULTS, '-l', file.path]);
    });
    ctx.progress('profile', `produce profile: busy ${fmt(produce.summary.busyMs)} ms`);
    const consume = await profiled(ctx, join(dir, 'data'), join(dir, 'consume'), async (b) => {
      for (let i = 0; i < 4; i++) {
        await runKcat(['-C', '-b', b.bootstrap, '-t', TOPIC, '-p', '0', '-o', 'beginning', '-e', '-q', '-c', String(file.count), ...CONSUMER_DEFAULTS, '-f', '%o\\n']);
      }
    });
    ctx.progress('profile', `consume profile: busy ${fmt(consume.summary.busyMs)} ms`);
    return [
      '## Broker CPU profile under load (`node --cpu-prof`, self time)',
      '',
      render(`Produce: kcat, ${fmt(file.count)} x 1 KiB, acks=1`, produce.summary, produce.loadSec),
      '',
      render(`Consume: kcat, the same ${fmt(file.count)} records read 4 times, sendfile=auto`, consume.summary, consume.loadSec),
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
