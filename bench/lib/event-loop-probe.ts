// Preloaded into the broker process by the benchmark (`node --import bench/lib/event-loop-probe.ts ...`) because
// the broker does not expose event-loop delay itself yet. It samples perf_hooks.monitorEventLoopDelay and the
// event-loop utilization; on SIGUSR2 it appends one JSON line with the window since the previous SIGUSR2 to the
// file named by BENCH_EVENT_LOOP_FILE, then starts a new window. Nothing else in the broker changes.
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

/** One window of measurements, as written to the file (times in ms, utilization 0-1). */
export interface EventLoopWindow {
  seq: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  meanMs: number;
  utilization: number;
}

const file = process.env.BENCH_EVENT_LOOP_FILE;
if (file !== undefined && file !== '') {
  // 5 ms resolution: the probe's own timer must not be a visible load, yet catch multi-ms stalls.
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  let elu = performance.eventLoopUtilization();
  let seq = 0;
  process.on('SIGUSR2', () => {
    const window: EventLoopWindow = {
      seq: seq++,
      p50Ms: histogram.percentile(50) / 1e6,
      p99Ms: histogram.percentile(99) / 1e6,
      p999Ms: histogram.percentile(99.9) / 1e6,
      maxMs: histogram.max / 1e6,
      meanMs: histogram.mean / 1e6,
      utilization: performance.eventLoopUtilization(elu).utilization,
    };
    appendFileSync(file, JSON.stringify(window) + '\n');
    histogram.reset();
    elu = performance.eventLoopUtilization();
  });
}
