// Network benchmark: a Node client reads file regions served by the SocketServer (sendfile vs read + write
// fallback), beside raw loopback TCP Node->Node (1 MiB writes with drain backpressure) measured in the same run.
// The server runs in a child process so its CPU (process.cpuUsage) is measured alone.
//
//   node bench/network.bench.ts [--mib 2048] [--runs 3]
//
// Prints a markdown table: medians of the runs, MB/s at the client, server core-seconds per GB, ratios to raw TCP.
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomFillSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { setLogLevel } from '../src/observability/logger.ts';
import { SocketServer } from '../src/network/socket-server.ts';
import type { ExternalRecords } from '../src/protocol/writer.ts';

const MiB = 1024 * 1024;
/** One response = REGIONS_PER_RESPONSE regions of 1 MiB, each after a small in-memory header (fetch-like). */
const REGIONS_PER_RESPONSE = 16;
const RESPONSE_BYTES = REGIONS_PER_RESPONSE * (MiB + 16);
const FILE_BYTES = 256 * MiB;
const PIPELINE = 4;

type Variant = 'raw-tcp' | 'sendfile' | 'fallback';

interface ChildMessage {
  port?: number;
  cpuMicros?: number;
}

// ---------- server side (child process) ----------

async function serve(variant: Variant, filePath: string): Promise<void> {
  setLogLevel('silent');
  let port: number;
  if (variant === 'raw-tcp') {
    const chunk = Buffer.allocUnsafe(MiB);
    randomFillSync(chunk);
    const server = net.createServer({ noDelay: true }, (socket) => {
      // Each 4-byte request asks for RESPONSE_BYTES; answer with 1 MiB writes, honouring backpressure.
      let owed = 0;
      let writing = false;
      const pump = (): void => {
        writing = true;
        while (owed > 0) {
          const n = Math.min(owed, MiB);
          owed -= n;
          if (!socket.write(n === MiB ? chunk : chunk.subarray(0, n))) {
            socket.once('drain', pump);
            return;
          }
        }
        writing = false;
      };
      socket.on('data', (b: Buffer) => {
        owed += (b.length / 4) * RESPONSE_BYTES;
        if (!writing) pump();
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  } else {
    const fd = fs.openSync(filePath, 'r');
    let next = 0;
    const header = Buffer.alloc(16, 1);
    const server = new SocketServer({
      listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }],
      sendfile: variant === 'sendfile' ? 'on' : 'off',
      handler: {
        handleRequest() {
          const chunks: Array<Buffer | ExternalRecords> = [];
          for (let i = 0; i < REGIONS_PER_RESPONSE; i++) {
            chunks.push(header);
            chunks.push({ sizeInBytes: MiB, regions: [{ fd, position: next, length: MiB }] });
            next = (next + MiB) % FILE_BYTES;
          }
          // The frame prefix (4 bytes) is counted by the client; the response itself is RESPONSE_BYTES.
          return chunks;
        },
      },
    });
    await server.start();
    port = server.boundPort('PLAINTEXT');
  }
  let base = process.cpuUsage();
  process.on('message', (m: string) => {
    if (m === 'start') base = process.cpuUsage();
    if (m === 'report') {
      const u = process.cpuUsage(base);
      process.send!({ cpuMicros: u.user + u.system } satisfies ChildMessage);
    }
    if (m === 'exit') process.exit(0);
  });
  process.send!({ port } satisfies ChildMessage);
}

// ---------- client side (parent process) ----------

function nextMessage(child: ChildProcess): Promise<ChildMessage> {
  return new Promise((resolve) => child.once('message', (m) => resolve(m as ChildMessage)));
}

/** Reads `totalBytes` from the server with PIPELINE requests in flight; returns elapsed ms. */
async function readFrom(port: number, variant: Variant, totalBytes: number): Promise<number> {
  const perResponse = variant === 'raw-tcp' ? RESPONSE_BYTES : RESPONSE_BYTES + 4;
  const responses = Math.ceil(totalBytes / RESPONSE_BYTES);
  const request = Buffer.from([0, 0, 0, 0]);
  if (variant !== 'raw-tcp') request.writeInt32BE(0, 0); // a valid empty frame: the handler ignores content
  return new Promise((resolve, reject) => {
    let received = 0;
    let requested = 0;
    let start = 0;
    const want = responses * perResponse;
    const socket = net.connect({
      port,
      host: '127.0.0.1',
      noDelay: true,
      // A reusable receive buffer: the client must not be the bottleneck (performance-limits.md 2.2).
      onread: {
        buffer: Buffer.allocUnsafe(4 * MiB),
        callback: (n: number) => {
          received += n;
          while (requested < responses && requested * perResponse - received < PIPELINE * perResponse) {
            socket.write(request);
            requested++;
          }
          if (received >= want) {
            const elapsed = performance.now() - start;
            socket.destroy();
            resolve(elapsed);
          }
          return true;
        },
      },
    });
    socket.on('error', reject);
    socket.on('connect', () => {
      start = performance.now();
      const first = Math.min(PIPELINE, responses);
      for (let i = 0; i < first; i++) socket.write(request);
      requested = first;
    });
  });
}

interface Result {
  mbPerSec: number;
  coreSecPerGB: number;
}

async function runOnce(variant: Variant, filePath: string, totalBytes: number): Promise<Result> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', variant, filePath], { stdio: 'inherit' });
  try {
    const { port } = await nextMessage(child);
    child.send('start');
    const elapsedMs = await readFrom(port!, variant, totalBytes);
    child.send('report');
    const { cpuMicros } = await nextMessage(child);
    const bytes = Math.ceil(totalBytes / RESPONSE_BYTES) * RESPONSE_BYTES;
    return {
      mbPerSec: bytes / 1e6 / (elapsedMs / 1000),
      coreSecPerGB: cpuMicros! / 1e6 / (bytes / 1e9),
    };
  } finally {
    child.send('exit');
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

async function main(): Promise<void> {
  const totalBytes = arg('--mib', 2048) * MiB;
  const runs = arg('--runs', 3);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'network-bench-'));
  const filePath = path.join(dir, 'segment.log');
  try {
    const block = Buffer.allocUnsafe(16 * MiB);
    randomFillSync(block);
    const fd = fs.openSync(filePath, 'w');
    for (let off = 0; off < FILE_BYTES; off += block.length) fs.writeSync(fd, block, 0, block.length, off);
    fs.closeSync(fd);
    // Warm the page cache: the figure is the network path, not the disk.
    fs.readFileSync(filePath);

    const variants: Variant[] = ['raw-tcp', 'sendfile', 'fallback'];
    const results = new Map<Variant, Result[]>(variants.map((v) => [v, []]));
    for (let r = 0; r < runs; r++) {
      // Interleave variants so drift on the shared machine hits them alike.
      for (const v of variants) results.get(v)!.push(await runOnce(v, filePath, totalBytes));
    }
    const med = (v: Variant): Result => ({
      mbPerSec: median(results.get(v)!.map((x) => x.mbPerSec)),
      coreSecPerGB: median(results.get(v)!.map((x) => x.coreSecPerGB)),
    });
    const raw = med('raw-tcp');
    const lines = [
      `Network: ${totalBytes / MiB} MiB per run, median of ${runs} runs, ${REGIONS_PER_RESPONSE} x 1 MiB regions per ` +
        `response, ${PIPELINE} requests in flight, Node ${process.version}, ${os.cpus().length} CPUs`,
      '',
      '| Variant | MB/s (client) | Server core-s/GB | MB/s vs raw TCP | CPU vs raw TCP |',
      '|---|---|---|---|---|',
    ];
    for (const v of variants) {
      const m = med(v);
      const label = v === 'raw-tcp' ? 'raw loopback TCP Node->Node (baseline)' : `SocketServer, ${v}`;
      lines.push(
        `| ${label} | ${m.mbPerSec.toFixed(0)} | ${m.coreSecPerGB.toFixed(3)} | ` +
          `${(m.mbPerSec / raw.mbPerSec).toFixed(2)} | ${(m.coreSecPerGB / raw.coreSecPerGB).toFixed(2)} |`,
      );
    }
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve') {
  await serve(process.argv[3] as Variant, process.argv[4]!);
} else {
  await main();
}
