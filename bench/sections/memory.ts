// Broker memory: RSS idle, then with 1,000 and 10,000 idle partitions (topics of 1,000 partitions each, created
// through CreateTopics), beside a bare Node process's RSS measured in the same run. RSS is read from procfs once
// it settles (two readings 250 ms apart within 1 %, or after 10 s).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createTopics } from '../lib/admin.ts';
import { BenchBroker } from '../lib/bench-broker.ts';
import type { BenchContext } from '../lib/bench-context.ts';
import { rssBytes } from '../lib/proc-stat.ts';
import type { Row } from '../lib/report.ts';
import { fmt } from '../lib/stats.ts';

const PARTITIONS_PER_TOPIC = 1000;
const MB = 1e6;

/** RSS of process `pid` (bytes) once it moves by less than 1 % in 250 ms (at most 10 s). */
export async function settledRss(pid: number): Promise<number> {
  const deadline = Date.now() + 10_000;
  let prev = rssBytes(pid);
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    const cur = rssBytes(pid);
    if (Math.abs(cur - prev) <= prev * 0.01 || Date.now() > deadline) return cur;
    prev = cur;
  }
}

/** RSS of an idle `node` (same binary as the broker) that only keeps a timer alive. */
async function bareNodeRss(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  try {
    await new Promise<void>((resolve, reject) => child.once('spawn', () => resolve()).once('error', reject));
    await new Promise((r) => setTimeout(r, 300));
    return await settledRss(child.pid!);
  } finally {
    child.kill('SIGTERM');
  }
}

/** Starts a fresh broker, measures RSS idle and at each partition count of the options; returns rows. */
export async function runMemory(ctx: BenchContext): Promise<Row[]> {
  const section = 'Memory (RSS)';
  const dir = mkdtempSync(join(ctx.scratch, 'memory-'));
  const bare = await bareNodeRss();
  const broker = await BenchBroker.start(dir);
  const rows: Row[] = [];
  try {
    const idle = await settledRss(broker.pid);
    ctx.progress('memory', `idle RSS ${fmt(idle / MB)} MB (bare node ${fmt(bare / MB)} MB)`);
    rows.push({ section, figure: 'broker idle', value: idle / MB, unit: 'MB', baseline: { label: 'bare node process', value: bare / MB } });
    let created = 0;
    let topicNo = 0;
    let previous: { partitions: number; rss: number } | null = null;
    for (const target of ctx.options.partitionCounts) {
      const topics = [];
      while (created + topics.length * PARTITIONS_PER_TOPIC < target) {
        topics.push({ topic: `mem-${topicNo++}`, numPartitions: Math.min(PARTITIONS_PER_TOPIC, target - created - topics.length * PARTITIONS_PER_TOPIC) });
      }
      const t0 = performance.now();
      try {
        await createTopics(broker.bootstrap, topics, 300_000);
      } catch (e) {
        rows.push({ section, figure: `with ${fmt(target)} partitions`, unit: '', text: `failed: ${e instanceof Error ? e.message : String(e)}` });
        break;
      }
      const createSec = (performance.now() - t0) / 1000;
      created = target;
      const rss = await settledRss(broker.pid);
      const perPartitionKiB = (rss - idle) / 1024 / target;
      ctx.progress('memory', `${fmt(target)} partitions: RSS ${fmt(rss / MB)} MB, ${fmt(perPartitionKiB, 1)} KiB/partition (created in ${fmt(createSec, 1)} s)`);
      rows.push({
        section,
        figure: `with ${fmt(target)} idle partitions`,
        value: rss / MB,
        unit: 'MB',
        baseline: { label: 'broker idle', value: idle / MB },
        note: `${fmt(createSec, 1)} s to create`,
      });
      rows.push({
        section,
        figure: `per idle partition (${fmt(target)})`,
        value: perPartitionKiB,
        unit: 'KiB',
        digits: 1,
        target: { op: '<=', value: 16 },
        note: '(RSS - idle RSS) / partitions; includes one-time costs of the first creations (V8 young generation grown to its 16 MB semi-spaces, code of the admin paths)',
      });
      if (previous !== null) {
        rows.push({
          section,
          figure: `per idle partition, marginal (${fmt(previous.partitions)} -> ${fmt(target)})`,
          value: (rss - previous.rss) / 1024 / (target - previous.partitions),
          unit: 'KiB',
          digits: 1,
          target: { op: '<=', value: 16 },
          note: 'RSS growth / partitions added: the cost of one more partition',
        });
      }
      previous = { partitions: target, rss };
    }
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
