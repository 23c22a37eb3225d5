// Limit: raw loopback TCP Node->Node. The parent sends 1 MiB writes with drain backpressure; a child process
// receives with plain 'data' events (what the broker's Connection does) and counts bytes. Reports MB/s and the
// CPU seconds per GB of each side: the sender's is the floor for the broker's consume path, the receiver's for
// its produce path (before any Kafka work).
//
//   node bench/lib/tcp-limit.ts --sink     (child mode, used internally)
import { fork } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { cpuSeconds } from './proc-stat.ts';

const MiB = 1024 * 1024;

export interface TcpLimit {
  mbPerSec: number;
  senderCpuSecPerGB: number;
  receiverCpuSecPerGB: number;
}

function sink(): void {
  const server = net.createServer({ noDelay: true }, (socket) => {
    let received = 0;
    let want = -1;
    socket.on('data', (b: Buffer) => {
      if (want < 0) {
        // First 8 bytes: the total the sender will send; answer one byte when all has arrived.
        want = Number(b.readBigUInt64BE(0));
        received = b.length - 8;
      } else {
        received += b.length;
      }
      if (received >= want) socket.end(Buffer.from([1]));
    });
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as net.AddressInfo).port }));
  process.on('message', (m) => {
    if (m === 'exit') process.exit(0);
  });
}

/** Sends `totalBytes` over loopback to a Node child and measures both sides. */
export async function measureTcpLimit(totalBytes: number): Promise<TcpLimit> {
  const child = fork(fileURLToPath(import.meta.url), ['--sink'], { stdio: 'inherit' });
  try {
    const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve((m as { port: number }).port)));
    const chunk = Buffer.alloc(MiB, 0x61);
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const childCpu0 = cpuSeconds(child.pid!);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const done = new Promise<void>((resolve, reject) => {
      socket.once('data', () => resolve());
      socket.once('error', reject);
    });
    const header = Buffer.alloc(8);
    header.writeBigUInt64BE(BigInt(totalBytes));
    socket.write(header);
    let left = totalBytes;
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        while (left > 0) {
          const n = Math.min(left, MiB);
          left -= n;
          if (!socket.write(n === MiB ? chunk : chunk.subarray(0, n))) {
            socket.once('drain', pump);
            return;
          }
        }
        resolve();
      };
      pump();
    });
    await done;
    const sec = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const childCpu = cpuSeconds(child.pid!) - childCpu0;
    socket.destroy();
    const gb = totalBytes / 1e9;
    return { mbPerSec: totalBytes / 1e6 / sec, senderCpuSecPerGB: (cpu.user + cpu.system) / 1e6 / gb, receiverCpuSecPerGB: childCpu / gb };
  } finally {
    child.send('exit');
  }
}

if (process.argv[2] === '--sink') sink();
