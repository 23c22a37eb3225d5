// Consume throughput and broker CPU per GB with kcat (librdkafka's legacy consumer, big fetches) reading one
// partition from the page cache, for each fetch path: `socket.sendfile.enable` = auto (sendfile(2) through the
// native addon) and off (read + write fallback). Baselines: raw loopback TCP Node->Node (MB/s, and the sender's
// CPU-s/GB, the floor for a Node process that pushes bytes through a socket).
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import { createTopics } from '../lib/admin.ts';
import type { BenchBroker, LoopWindow } from '../lib/bench-broker.ts';
import type { BenchContext } from '../lib/bench-context.ts';
import { CONSUMER_DEFAULTS, PRODUCER_DEFAULTS, runKcat } from '../lib/kcat.ts';
import type { Row } from '../lib/report.ts';
import { fmt, median } from '../lib/stats.ts';
import { messageFile } from './produce.ts';

export const CONSUME_TOPIC = 'consume';

export type FetchPath = 'auto' | 'off';

export interface ConsumeResult {
  path: FetchPath;
  mbPerSec: number[];
  brokerCpuSecPerGB: number[];
  clientCpuSec: number[];
  eventLoop: LoopWindow[];
}

/** Creates the consume topic and fills it with whole passes of the 1 KiB message file (>= consumeMiB). */
export async function fillConsumeTopic(ctx: BenchContext, broker: BenchBroker): Promise<{ records: number; payloadBytes: number }> {
  const file = messageFile(ctx, 1024);
  const passes = Math.max(1, Math.ceil(ctx.options.consumeMiB / ctx.options.produceMiB));
  await createTopics(broker.bootstrap, [{ topic: CONSUME_TOPIC, numPartitions: 1 }]);
  for (let i = 0; i < passes; i++) {
    await runKcat(['-P', '-b', broker.bootstrap, '-t', CONSUME_TOPIC, '-p', '0', '-X', 'acks=1', ...PRODUCER_DEFAULTS, '-l', file.path]);
  }
  ctx.progress('consume', `filled topic '${CONSUME_TOPIC}' with ${fmt((passes * file.payloadBytes) / 1e6)} MB`);
  return { records: passes * file.count, payloadBytes: passes * file.payloadBytes };
}

/** Last line of a small text file (kcat's "%o\n" output: the last offset read). */
function lastLine(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(64, size));
    readSync(fd, buf, 0, buf.length, size - buf.length);
    const lines = buf.toString().trimEnd().split('\n');
    return lines[lines.length - 1] ?? '';
  } finally {
    closeSync(fd);
  }
}

async function consumeOnce(ctx: BenchContext, broker: BenchBroker, records: number): Promise<{ wallSec: number; brokerCpu: number; clientCpu: number; eventLoop: LoopWindow }> {
  const out = join(ctx.scratch, 'consume-offsets.txt');
  await broker.eventLoopWindow();
  const cpu0 = broker.cpuSeconds();
  const run = await runKcat(['-C', '-b', broker.bootstrap, '-t', CONSUME_TOPIC, '-p', '0', '-o', 'beginning', '-e', '-q',
    '-c', String(records), ...CONSUMER_DEFAULTS, '-f', '%o\\n'], out);
  const brokerCpu = broker.cpuSeconds() - cpu0;
  const eventLoop = await broker.eventLoopWindow();
  const last = lastLine(out);
  if (last !== String(records - 1)) throw new Error(`consume stopped at offset ${last}, expected ${records - 1}`);
  return { wallSec: run.wallSec, brokerCpu, clientCpu: run.clientCpuSec, eventLoop };
}

/** One warm-up read, then `runs` timed full reads of the consume topic through `broker` (started with `path`). */
export async function runConsume(ctx: BenchContext, broker: BenchBroker, path: FetchPath, data: { records: number; payloadBytes: number }): Promise<ConsumeResult> {
  await consumeOnce(ctx, broker, Math.min(data.records, 65536));
  const res: ConsumeResult = { path, mbPerSec: [], brokerCpuSecPerGB: [], clientCpuSec: [], eventLoop: [] };
  for (let r = 0; r < ctx.options.runs; r++) {
    const one = await consumeOnce(ctx, broker, data.records);
    res.mbPerSec.push(data.payloadBytes / 1e6 / one.wallSec);
    res.brokerCpuSecPerGB.push(one.brokerCpu / (data.payloadBytes / 1e9));
    res.clientCpuSec.push(one.clientCpu);
    res.eventLoop.push(one.eventLoop);
    ctx.progress('consume', `sendfile=${path} run ${r + 1}/${ctx.options.runs}: ${fmt(res.mbPerSec.at(-1))} MB/s, broker ${fmt(res.brokerCpuSecPerGB.at(-1), 3)} CPU-s/GB`);
  }
  if (path === 'auto') {
    ctx.measured.consumeSendfileMBps = median(res.mbPerSec);
    ctx.measured.eventLoop.consume = res.eventLoop;
  }
  return res;
}

/** Table rows for the consume results of both fetch paths. */
export function consumeRows(ctx: BenchContext, results: readonly ConsumeResult[], data: { payloadBytes: number }): Row[] {
  const tcp = ctx.measured.tcp;
  const rows: Row[] = [];
  for (const r of results) {
    const name = r.path === 'auto' ? 'sendfile (socket.sendfile.enable=auto)' : 'fallback (socket.sendfile.enable=off)';
    rows.push({
      section: 'Consume (kcat)',
      figure: `${name}: MB/s`,
      value: median(r.mbPerSec),
      unit: 'MB/s',
      baseline: { label: 'raw TCP Node->Node', value: tcp?.mbPerSec },
      target: { op: '>=', value: r.path === 'auto' ? 800 : 500 },
      note: `${fmt(data.payloadBytes / 1e6)} MB from page cache; kcat ${fmt(median(r.clientCpuSec), 2)} CPU-s`,
    });
    rows.push({
      section: 'Consume (kcat)',
      figure: `${name}: broker CPU-s per GB`,
      value: median(r.brokerCpuSecPerGB),
      unit: 'CPU-s/GB',
      digits: 3,
      baseline: { label: 'raw TCP sender', value: tcp?.senderCpuSecPerGB },
      target: r.path === 'auto' ? { op: '<=', value: 0.3 } : undefined,
      note: 'lower is better',
    });
  }
  return rows;
}
