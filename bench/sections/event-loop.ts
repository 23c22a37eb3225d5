// Event-loop delay of the broker under load: its own metric (prom-client's nodejs_eventloop_lag_*_seconds on
// the Prometheus endpoint, `metrics.prometheus.listener`, reset at each scrape, so one scrape before and one
// after a run give that run's window), and the bench's preloaded probe (bench/lib/event-loop-probe.ts, also
// counting GC pauses) for brokers without the metric. Baseline: a window of the idle broker.
import type { BenchBroker, LoopWindow } from '../lib/bench-broker.ts';
import type { BenchContext } from '../lib/bench-context.ts';
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
  const add = (what: string, ws: LoopWindow[] | undefined): void => {
    if (ws === undefined || ws.length === 0) {
      rows.push({ section, figure: `delay p99 under ${what}`, unit: '', text: 'n/a (not measured)' });
      return;
    }
    const m = (f: (w: LoopWindow) => number): number => median(ws.map(f));
    const fromBroker = ws.every((w) => w.metric !== undefined) && idle?.metric !== undefined;
    const gc =
      `GC ${fmt(m((w) => (w.gcTotalMs / w.durationMs) * 100), 1)} % of the time, ` +
      `${fmt(m((w) => (w.gcMajorCount * 1000) / w.durationMs), 1)} major GCs/s, longest pause ${fmt(m((w) => w.gcMaxMs), 0)} ms (probe)`;
    rows.push(fromBroker
      ? {
          section,
          figure: `delay p99 under ${what}`,
          value: m((w) => w.metric!.p99Ms),
          unit: 'ms',
          digits: 1,
          baseline: { label: 'idle broker p99', value: idle.metric!.p99Ms },
          note: `broker metric nodejs_eventloop_lag (minus its 10 ms timer period): p50 ${fmt(m((w) => w.metric!.p50Ms), 1)} ms, ` +
            `max ${fmt(m((w) => w.metric!.maxMs), 0)} ms; probe p99 ${fmt(m((w) => w.p99Ms), 1)} ms, utilization ${fmt(m((w) => w.utilization) * 100)} %; ${gc}`,
        }
      : {
          section,
          figure: `delay p99 under ${what}`,
          value: m((w) => w.p99Ms),
          unit: 'ms',
          digits: 1,
          baseline: { label: 'idle broker p99', value: idle?.p99Ms },
          note: `p50 ${fmt(m((w) => w.p50Ms), 1)} ms, max ${fmt(m((w) => w.maxMs), 0)} ms, utilization ${fmt(m((w) => w.utilization) * 100)} %; ${gc}; ` +
            'from the preloaded probe: the broker serves no event-loop metric',
        });
  };
  add('produce (1 KiB, acks=1)', produce);
  add('consume (sendfile)', consume);
  return rows;
}
