// Summarises a V8 .cpuprofile (written by `node --cpu-prof`): self time per function and per source file, as a
// share of the busy (non-idle) samples, so the benchmark can print where the broker's CPU goes under load.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  /** µs on V8's monotonic clock (CLOCK_MONOTONIC on Linux, the clock of process.hrtime). */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FrameShare {
  /** "functionName (file:line)", or a V8 pseudo-frame such as "(garbage collector)". */
  frame: string;
  /** Share of busy time, 0-1. */
  share: number;
  ms: number;
}

export interface ProfileSummary {
  busyMs: number;
  idleMs: number;
  topFrames: FrameShare[];
  topFiles: FrameShare[];
}

/**
 * Reads `path` and returns the `top` functions and files by self time. Frames in the repo are shown relative
 * to `repoRoot`; node: internals keep their URL. Idle and "(program)" (native code outside JS, e.g. libuv
 * polling) are reported apart: idle is excluded from the shares, "(program)" is kept. With `window` (µs on the
 * CLOCK_MONOTONIC scale: `process.hrtime.bigint() / 1000n` of any process on the machine), only samples taken
 * inside it count, so the broker's start-up (module loading, type stripping) and shutdown stay out.
 */
export function summariseCpuProfile(path: string, repoRoot: string, top = 12, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (window !== undefined && (t < window.fromUs || t > window.toUs)) continue;
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  }
  const frames = new Map<string, number>();
  const files = new Map<string, number>();
  let idleUs = 0;
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const cf = byId.get(id)!.callFrame;
    if (cf.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const file = cf.url === '' ? '(native)' : cf.url.startsWith('file://') ? relative(repoRoot, new URL(cf.url).pathname) : cf.url;
    const name = cf.url === '' ? cf.functionName || '(native, unnamed)' : `${cf.functionName || '(anonymous)'} (${file}:${cf.lineNumber + 1})`;
    frames.set(name, (frames.get(name) ?? 0) + us);
    files.set(file, (files.get(file) ?? 0) + us);
  }
  const rank = (m: Map<string, number>): FrameShare[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([frame, us]) => ({ frame, share: busyUs === 0 ? 0 : us / busyUs, ms: us / 1000 }));
  return { busyMs: busyUs / 1000, idleMs: idleUs / 1000, topFrames: rank(frames), topFiles: rank(files) };
}
