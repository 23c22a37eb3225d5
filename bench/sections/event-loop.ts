// Event-loop delay of the broker under load. The broker does not expose it (no metric yet), so the bench
// preloads bench/lib/event-loop-probe.ts into the broker process (perf_hooks.monitorEventLoopDelay, 5 ms
// resolution) and reads one window per produce and consume run; baseline: a window of the idle broker.
import type { BenchBroker } from '../lib/bench-broker.ts';
import type { BenchContext } from '../lib/bench-context.ts';
import type { EventLoopWindow } from '../lib/event-loop-probe.ts';
import type { Row } from '../lib/report.ts';
import { fmt, median } from '../lib/stats.ts';

/** Records an idle window of `ms` on a broker nobody talks to. */
export async function measureIdleEventLoop(ctx: BenchContext, broker: BenchBroker, ms = 3000): Promise<void> {
  await broker.eventLoopWindow();
  await new Promise((r) => setTimeout(r, ms));
  ctx.measured.eventLoop.idle = await broker.eventLoopWindow();
}

export function eventLoopRows(ctx: BenchContext): Row[] {
  const section = 'Event loop (broker)';
  const { idle, produce, consume } = ctx.measured.eventLoop;
  const rows: Row[] = [];
  const add = (what: string, ws: EventLoopWindow[] | undefined): void => {
    if (ws === undefined || ws.length === 0) {
      rows.push({ section, figure: `delay p99 under ${what}`, unit: '', text: 'n/a (not measured)' });
      return;
    }
    const m = (f: (w: EventLoopWindow) => number): number => median(ws.map(f));
    rows.push({
      section,
      figure: `delay p99 under ${what}`,
      value: m((w) => w.p99Ms),
      unit: 'ms',
      digits: 1,
      baseline: { label: 'idle broker p99', value: idle?.p99Ms },
      note: `p50 ${fmt(m((w) => w.p50Ms), 1)} ms, max ${fmt(m((w) => w.maxMs), 0)} ms, utilization ${fmt(m((w) => w.utilization) * 100)} %; ` +
        `GC ${fmt(m((w) => (w.gcTotalMs / w.durationMs) * 100), 1)} % of the time, ${fmt(m((w) => (w.gcMajorCount * 1000) / w.durationMs), 1)} major GCs/s, longest pause ${fmt(m((w) => w.gcMaxMs), 0)} ms; ` +
        'measured by a preloaded probe (the broker exposes no metric yet)',
    });
  };
  add('produce (1 KiB, acks=1)', produce);
  add('consume (sendfile)', consume);
  return rows;
}
