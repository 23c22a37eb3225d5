// Reads a process's CPU time and memory from Linux procfs, so the benchmark can charge CPU to the broker process
// alone (all its threads: event loop, libuv threadpool, GC) while the load generator runs elsewhere.
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on Linux x86-64 and arm64). */
const CLK_TCK = 100;

/**
 * CPU seconds (utime + stime, fields 14 and 15 of /proc/<pid>/stat, all threads) used so far by `pid`.
 * With `children`, adds cutime + cstime (fields 16 and 17: children that were waited for).
 * @throws when the process does not exist (ENOENT).
 */
export function cpuSeconds(pid: number, children = false): number {
  const f = statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  const ticks = Number(f[13]) + Number(f[14]) + (children ? Number(f[15]) + Number(f[16]) : 0);
  return ticks / CLK_TCK;
}

/** Same as {@link cpuSeconds} over the text of a stat file captured earlier (children included when asked). */
export function cpuSecondsFromStat(statText: string, children: boolean): number {
  const f = statFields(statText);
  return (Number(f[13]) + Number(f[14]) + (children ? Number(f[15]) + Number(f[16]) : 0)) / CLK_TCK;
}

/** Resident set size of `pid` in bytes (VmRSS of /proc/<pid>/status); NaN when the line is missing. */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? Number.NaN : Number(m[1]) * 1024;
}

/** Splits a stat line into its fields, 0-based (field n of proc(5) is index n-1); comm may contain spaces. */
function statFields(text: string): string[] {
  const close = text.lastIndexOf(')');
  const head = text.slice(0, text.indexOf('(')).trim();
  return [head, text.slice(text.indexOf('(') + 1, close), ...text.slice(close + 2).trim().split(' ')];
}

/** Dirty and under-writeback page cache, in MB (10^6 bytes), from the text of /proc/meminfo; NaN when missing. */
export function dirtyPageCacheFromMeminfo(text: string): { dirtyMB: number; writebackMB: number } {
  const kb = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text);
    return m === null ? Number.NaN : Number(m[1]);
  };
  return { dirtyMB: (kb('Dirty') * 1024) / 1e6, writebackMB: (kb('Writeback') * 1024) / 1e6 };
}

/**
 * The machine's dirty page cache now (see {@link dirtyPageCacheFromMeminfo}): data written and not yet on disk,
 * which the kernel writes back in the background and which slows every fdatasync meanwhile. NaN off Linux.
 */
export function dirtyPageCache(): { dirtyMB: number; writebackMB: number } {
  try {
    return dirtyPageCacheFromMeminfo(readFileSync('/proc/meminfo', 'utf8'));
  } catch {
    return { dirtyMB: Number.NaN, writebackMB: Number.NaN };
  }
}
