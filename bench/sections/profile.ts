// Where the broker's CPU goes: the broker runs under `node --cpu-prof` for one produce load (1 KiB, acks=1) and
// then one consume load (sendfile) of the same records; the profile, written at its clean exit, is summarised
// over each load's window (self time by function and by file, share of busy time). Not part of the timed figures
// (the profiler costs a few percent).
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

/** Returns a markdown section with both profiles' summaries. */
export async function runProfile(ctx: BenchContext): Promise<string> {
  const dir = mkdtempSync(join(ctx.scratch, 'profile-'));
  const file = messageFile(ctx, 1024);
  try {
    // One broker process, one profile, two windows: the produce load, then the consume load.
    const profDir = join(dir, 'prof');
    mkdirSync(profDir, { recursive: true });
    const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
    const broker = await BenchBroker.start(join(dir, 'data'), { cpuProfileDir: profDir });
    let produceWindow = { fromUs: 0, toUs: 0 };
    let consumeWindow = { fromUs: 0, toUs: 0 };
    try {
      await createTopics(broker.bootstrap, [{ topic: TOPIC, numPartitions: 1 }]);
      produceWindow = { fromUs: nowUs(), toUs: 0 };
      await runKcat(['-P', '-b', broker.bootstrap, '-t', TOPIC, '-p', '0', '-X', 'acks=1', ...PRODUCER_DEFAULTS, '-l', file.path]);
      produceWindow.toUs = nowUs();
      consumeWindow = { fromUs: nowUs(), toUs: 0 };
      for (let i = 0; i < 4; i++) {
        await runKcat(['-C', '-b', broker.bootstrap, '-t', TOPIC, '-p', '0', '-o', 'beginning', '-e', '-q', '-c', String(file.count), ...CONSUMER_DEFAULTS, '-f', '%o\\n']);
      }
      consumeWindow.toUs = nowUs();
    } finally {
      await broker.stop();
    }
    const profile = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (profile === undefined) throw new Error(`no .cpuprofile in ${profDir}`);
    const summary = (w: { fromUs: number; toUs: number }): { summary: ProfileSummary; loadSec: number } => ({
      summary: summariseCpuProfile(join(profDir, profile), ctx.repo, 15, w),
      loadSec: (w.toUs - w.fromUs) / 1e6,
    });
    const produce = summary(produceWindow);
    const consume = summary(consumeWindow);
    ctx.progress('profile', `produce: busy ${fmt(produce.summary.busyMs)} ms of ${fmt(produce.loadSec, 1)} s; consume: busy ${fmt(consume.summary.busyMs)} ms of ${fmt(consume.loadSec, 1)} s`);
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
