// Peers on the same machine in the same run, same message size and count as our 1 KiB produce runs: NATS
// JetStream (file storage, acknowledged publishes, raw-protocol client) and Redis Streams (AOF everysec,
// redis-benchmark pipelined XADD). Each is started and stopped here on loopback ports; a missing binary is
// installed when we are root, else its rows say "skipped: not installed".
import { readFileSync } from 'node:fs';
import { ensureInstalled } from '../lib/apt.ts';
import type { BenchContext } from '../lib/bench-context.ts';
import { NATS_SERVER, NatsPeer, type PeerRun } from '../lib/nats-peer.ts';
import { REDIS_BENCHMARK, REDIS_SERVER, RedisPeer } from '../lib/redis-peer.ts';
import type { Row } from '../lib/report.ts';
import { fmt, median } from '../lib/stats.ts';
import { messageFile } from './produce.ts';

interface Peer {
  produce(payload: Buffer, count: number): Promise<PeerRun>;
  consume(count: number): Promise<PeerRun>;
  stop(): Promise<void>;
}

interface PeerSpec {
  name: string;
  produceHow: string;
  consumeHow: string;
  packages: string[];
  probes: string[];
  start(): Promise<Peer>;
}

const PEERS: readonly PeerSpec[] = [
  {
    name: 'NATS JetStream',
    produceHow: 'file stream, acked publishes, 2,000 in flight (raw protocol client)',
    consumeHow: 'push consumer, ack none',
    packages: ['nats-server'],
    probes: [NATS_SERVER],
    start: () => NatsPeer.start(),
  },
  {
    name: 'Redis Streams',
    produceHow: 'AOF everysec, redis-benchmark -c 1 -P 100 XADD',
    consumeHow: 'redis-benchmark XRANGE COUNT 1000 (in-memory read)',
    packages: ['redis-server', 'redis-tools'],
    probes: [REDIS_SERVER, REDIS_BENCHMARK],
    start: () => RedisPeer.start(),
  },
];

/** Runs each peer `runs` times (produce then consume); rows compare our figures to theirs (ours / peer). */
export async function runPeers(ctx: BenchContext): Promise<Row[]> {
  const section = 'Peers (same machine, same run)';
  const file = messageFile(ctx, 1024);
  // The same 1 KiB record the kcat runs send (the first line of the message file).
  const payload = Buffer.from(readFileSync(file.path).subarray(0, 1024));
  const rows: Row[] = [];
  for (const spec of PEERS) {
    const missing = ensureInstalled(spec.packages, spec.probes);
    if (missing !== null) {
      rows.push({ section, figure: `${spec.name}: produce`, unit: '', text: missing });
      continue;
    }
    const produce: PeerRun[] = [];
    const consume: PeerRun[] = [];
    /** A peer's consume run that failed (its own client or server): reported, and the other figures kept. */
    let consumeFailure: string | null = null;
    const peer = await spec.start();
    try {
      for (let r = 0; r < ctx.options.runs; r++) {
        produce.push(await peer.produce(payload, file.count));
        let c: string;
        try {
          consume.push(await peer.consume(file.count));
          c = `${fmt(file.payloadBytes / 1e6 / consume.at(-1)!.seconds)} MB/s`;
        } catch (e) {
          consumeFailure = e instanceof Error ? e.message : String(e);
          c = `failed (${consumeFailure})`;
        }
        ctx.progress('peers', `${spec.name} run ${r + 1}/${ctx.options.runs}: produce ${fmt(file.payloadBytes / 1e6 / produce.at(-1)!.seconds)} MB/s, consume ${c}`);
      }
    } finally {
      await peer.stop();
    }
    const pMBps = median(produce.map((x) => file.payloadBytes / 1e6 / x.seconds));
    const cMBps = consume.length === 0 ? NaN : median(consume.map((x) => file.payloadBytes / 1e6 / x.seconds));
    const cpuPerGB = (xs: PeerRun[]): number => median(xs.map((x) => x.serverCpuSec / (file.payloadBytes / 1e9)));
    rows.push({
      section,
      figure: `our produce (1 KiB, acks=1) vs ${spec.name}`,
      value: ctx.measured.produceAcks1MBps,
      unit: 'MB/s',
      baseline: { label: spec.name, value: pMBps },
      target: { op: '>=', value: 2, on: 'ratio' },
      note: `${spec.produceHow}; ${fmt(file.count)} x 1 KiB; server ${fmt(cpuPerGB(produce), 2)} CPU-s/GB`,
    });
    if (consume.length === 0) {
      rows.push({ section, figure: `our consume (sendfile) vs ${spec.name}`, unit: '', text: `failed: ${consumeFailure}` });
      continue;
    }
    rows.push({
      section,
      figure: `our consume (sendfile) vs ${spec.name}`,
      value: ctx.measured.consumeSendfileMBps,
      unit: 'MB/s',
      baseline: { label: spec.name, value: cMBps },
      note: `${spec.consumeHow}; ${consume.length} of ${ctx.options.runs} runs${consumeFailure === null ? '' : ` (a run failed: ${consumeFailure})`}; server ${fmt(cpuPerGB(consume), 2)} CPU-s/GB`,
    });
  }
  return rows;
}
