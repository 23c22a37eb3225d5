// Preloaded into the broker process by the benchmark (`node --import bench/lib/event-loop-probe.ts ...`) because
// the broker does not expose event-loop delay itself yet. It samples perf_hooks.monitorEventLoopDelay and the
// event-loop utilization; on SIGUSR2 it appends one JSON line with the window since the previous SIGUSR2 to the
// file named by BENCH_EVENT_LOOP_FILE, then starts a new window. It also sums the window's GC pauses
// (perf_hooks 'gc' entries), the usual cause of long stalls. Nothing else in the broker changes.
import { appendFileSync } from 'node:fs';
import { constants, monitorEventLoopDelay, performance, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

/**
 * One window of measurements, as written to the file: delays in ms beyond the sampling timer's own 5 ms period
 * (monitorEventLoopDelay records the whole interval between its timer's runs), utilization 0-1.
 */
export interface EventLoopWindow {
  seq: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  meanMs: number;
  utilization: number;
  /** Window length. */
  durationMs: number;
  /** Garbage collections in the window (perf_hooks 'gc' entries): all kinds, and major (mark-compact) only. */
  gcCount: number;
  gcMajorCount: number;
  /** Summed and longest GC pause. */
  gcTotalMs: number;
  gcMaxMs: number;
}

const file = process.env.BENCH_EVENT_LOOP_FILE;
if (file !== undefined && file !== '') {
  // 5 ms resolution: the probe's own timer must not be a visible load, yet catch multi-ms stalls.
  const resolutionMs = 5;
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  const delayMs = (ns: number): number => Math.max(0, ns / 1e6 - resolutionMs);
  histogram.enable();
  let elu = performance.eventLoopUtilization();
  let seq = 0;
  let started = performance.now();
  let gc = { count: 0, major: 0, totalMs: 0, maxMs: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
      gc.count++;
      if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) gc.major++;
      gc.totalMs += e.duration;
      gc.maxMs = Math.max(gc.maxMs, e.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  process.on('SIGUSR2', () => {
    const window: EventLoopWindow = {
      seq: seq++,
      p50Ms: delayMs(histogram.percentile(50)),
      p99Ms: delayMs(histogram.percentile(99)),
      p999Ms: delayMs(histogram.percentile(99.9)),
      maxMs: delayMs(histogram.max),
      meanMs: delayMs(histogram.mean),
      utilization: performance.eventLoopUtilization(elu).utilization,
      durationMs: performance.now() - started,
      gcCount: gc.count,
      gcMajorCount: gc.major,
      gcTotalMs: gc.totalMs,
      gcMaxMs: gc.maxMs,
    };
    appendFileSync(file, JSON.stringify(window) + '\n');
    histogram.reset();
    elu = performance.eventLoopUtilization();
    started = performance.now();
    gc = { count: 0, major: 0, totalMs: 0, maxMs: 0 };
  });
}
