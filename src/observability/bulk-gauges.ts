import type { Registry } from 'prom-client';

/** One gauge of a {@link registerBulkGauges} family set: its name, help and value for a row. */
export interface BulkGauge<R> {
  readonly name: string;
  readonly help: string;
  value(row: R): number;
}

/**
 * Longest stretch, in ms, a scrape works before yielding to the event loop (setImmediate, so I/O callbacks run in
 * between): issue 19 bounds the event-loop block of a /metrics scrape at 10,000 partitions to 20 ms.
 */
export const SCRAPE_SLICE_MS = 4;
/** Rows handled between two looks at the clock (performance.now() costs ~50 ns; a row ~1 µs). */
const ROWS_PER_CLOCK_CHECK = 256;

type TextCollector = () => Promise<string>;

const collectors = new WeakMap<Registry, TextCollector[]>();

/** A label value in the text format: backslash, double quote and newline escaped. */
function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n') : value;
}

/** `{a="x",b="y"}` of `labels` (names as given, values escaped). */
export function labelString(labels: readonly (readonly [name: string, value: string])[]): string {
  return `{${labels.map(([n, v]) => `${n}="${escapeLabelValue(v)}"`).join(',')}}`;
}

/** Resolves on the next turn of the event loop, after pending I/O callbacks. */
function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Visits every item of `items` with `visit`, yielding to the event loop whenever {@link SCRAPE_SLICE_MS} have
 * passed since the last yield. The iterator stays open across the yields: the live Map iterators the sources
 * return skip entries deleted meanwhile and visit those added (a partition created mid-scrape may or may not be
 * in it, as with any scrape).
 */
export async function forEachSliced<T>(items: Iterable<T>, visit: (item: T) => void): Promise<void> {
  let sliceStart = performance.now();
  let n = 0;
  for (const item of items) {
    visit(item);
    if (++n % ROWS_PER_CLOCK_CHECK === 0 && performance.now() - sliceStart >= SCRAPE_SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
}

/**
 * Registers gauges with one series per row of `rows()` (per partition, per group and partition), computed at
 * scrape and written straight to the Prometheus text format beside `registry`'s own metrics by
 * {@link scrapeRegistry}: prom-client's per-series label handling costs microseconds a series, too much for
 * 10,000 partitions x several gauges, and its collect() runs every metric in one synchronous pass. Here each row
 * is read once per scrape (its labels formatted once, `labelsOf`, and one line written per gauge) in slices of
 * {@link SCRAPE_SLICE_MS} between yields to the event loop ({@link forEachSliced}).
 */
export function registerBulkGauges<R>(registry: Registry, gauges: readonly BulkGauge<R>[], rows: () => Iterable<R>, labelsOf: (row: R) => string): void {
  let list = collectors.get(registry);
  if (list === undefined) collectors.set(registry, (list = []));
  list.push(async () => {
    const lines = gauges.map((g) => [`# HELP ${g.name} ${g.help}\n# TYPE ${g.name} gauge\n`]);
    await forEachSliced(rows(), (row) => {
      const labels = labelsOf(row);
      for (let g = 0; g < gauges.length; g++) lines[g]!.push(`${gauges[g]!.name}${labels} ${gauges[g]!.value(row)}\n`);
    });
    return lines.map((l) => l.join('')).join('\n') + '\n';
  });
}

/** The token of the {@link scrapeRegistry} under way on a registry (absent between scrapes). */
const scrapes = new WeakMap<Registry, object>();

/**
 * An object that stays the same for the whole of one {@link scrapeRegistry} of `registry` and differs between
 * scrapes; undefined outside them (a plain `registry.metrics()`): gauges that share one computation per scrape key
 * it on this.
 */
export function scrapeToken(registry: Registry): object | undefined {
  return scrapes.get(registry);
}

/**
 * `registry`'s metrics in the Prometheus text format (0.0.4), followed by its {@link registerBulkGauges} gauges.
 * prom-client's own `registry.metrics()` collects and writes every metric in one turn of the event loop (1,000
 * topics of BrokerTopicMetrics are 16,000 series, ~60 ms); here its metrics are written one at a time
 * (`getSingleMetricAsString`, the same text), yielding to the event loop once {@link SCRAPE_SLICE_MS} have passed.
 */
export async function scrapeRegistry(registry: Registry): Promise<string> {
  const token = {};
  scrapes.set(registry, token);
  try {
    const texts: string[] = [];
    let sliceStart = performance.now();
    for (const metric of registry.getMetricsAsArray()) {
      texts.push(await registry.getSingleMetricAsString(metric.name));
      if (performance.now() - sliceStart >= SCRAPE_SLICE_MS) {
        await nextTurn();
        sliceStart = performance.now();
      }
    }
    let text = `${texts.join('\n\n')}\n`;
    for (const collect of collectors.get(registry) ?? []) {
      await nextTurn();
      text += `\n${await collect()}`;
    }
    return text;
  } finally {
    if (scrapes.get(registry) === token) scrapes.delete(registry);
  }
}
