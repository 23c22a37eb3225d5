// Runs Debian's kcat (librdkafka) as the load generator and measures it: wall time, and the client's own CPU
// time (read from the wrapper shell's cutime/cstime after it waited for kcat, since Node does not report the
// rusage of a child).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSecondsFromStat } from './proc-stat.ts';

export interface KcatRun {
  /** Wall seconds from spawn to exit (includes kcat's connect and metadata round trips, a few ms). */
  wallSec: number;
  /** kcat's user + system CPU seconds. */
  clientCpuSec: number;
  /** First 2 KiB of stderr (kcat reports delivery failures there). */
  stderr: string;
}

/** librdkafka settings shared by every produce run: 1 MB batches (Kafka's default max batch), 5 ms linger. */
export const PRODUCER_DEFAULTS: readonly string[] = ['-X', 'linger.ms=5', '-X', 'batch.size=1000000', '-X', 'batch.num.messages=1000000'];

/**
 * Consumer settings: big fetches so that round trips do not bound throughput (librdkafka's default
 * max.partition.fetch.bytes is 1 MiB).
 */
export const CONSUMER_DEFAULTS: readonly string[] = [
  '-X', 'fetch.max.bytes=52428800', '-X', 'max.partition.fetch.bytes=16777216', '-X', 'fetch.wait.max.ms=100',
  '-X', 'queued.max.messages.kbytes=262144',
];

/**
 * Runs `kcat <args>` with stdout to `stdoutPath` (default /dev/null), timing it.
 * @throws when kcat exits non-zero or reports a delivery failure (its stderr in the message).
 */
export async function runKcat(args: readonly string[], stdoutPath = '/dev/null'): Promise<KcatRun> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-kcat-'));
  const statPath = join(dir, 'stat');
  try {
    // The shell waits for kcat, then its own stat carries kcat's CPU in cutime/cstime.
    const script = 'kcat "$@" > "$BENCH_OUT"; rc=$?; cat /proc/$$/stat > "$BENCH_STAT"; exit $rc';
    const t0 = performance.now();
    const child = spawn('/bin/sh', ['-c', script, 'sh', ...args], {
      env: { ...process.env, BENCH_OUT: stdoutPath, BENCH_STAT: statPath },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < 2048) stderr = (stderr + d.toString()).slice(0, 2048);
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c) => resolve(c));
    });
    const wallSec = (performance.now() - t0) / 1000;
    if (code !== 0 || /Delivery failed|ERROR/i.test(stderr)) {
      throw new Error(`kcat ${args.join(' ')} failed (exit ${code}): ${stderr}`);
    }
    return { wallSec, clientCpuSec: cpuSecondsFromStat(readFileSync(statPath, 'utf8'), true), stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
