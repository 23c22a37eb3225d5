import type { Registry } from 'prom-client';

/** One gauge of a {@link registerBulkGauges} family set: its name, help and value for a row. */
export interface BulkGauge<R> {
  readonly name: string;
  readonly help: string;
  value(row: R): number;
}

/** Rows written between two yields to the event loop: a scrape of 10,000 partitions never blocks it long. */
const ROWS_PER_TURN = 2_000;

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

/**
 * Registers gauges with one series per row of `rows()` (per partition, per group and partition), computed at
 * scrape and written straight to the Prometheus text format beside `registry`'s own metrics by
 * {@link scrapeRegistry}: prom-client's per-series label handling costs microseconds a series, too much for
 * 10,000 partitions x several gauges, and its collect() cannot yield. Here the rows are read once per scrape,
 * each row's labels formatted once (`labelsOf`), and the writing yields to the event loop every 2,000 rows.
 */
export function registerBulkGauges<R>(registry: Registry, gauges: readonly BulkGauge<R>[], rows: () => Iterable<R>, labelsOf: (row: R) => string): void {
  let list = collectors.get(registry);
  if (list === undefined) collectors.set(registry, (list = []));
  list.push(async () => {
    const all = [...rows()];
    const labels = all.map(labelsOf);
    const parts: string[] = [];
    for (const g of gauges) {
      parts.push(`# HELP ${g.name} ${g.help}\n# TYPE ${g.name} gauge\n`);
      for (let i = 0; i < all.length; i++) {
        parts.push(`${g.name}${labels[i]} ${g.value(all[i]!)}\n`);
        if (i % ROWS_PER_TURN === ROWS_PER_TURN - 1) await new Promise<void>((resolve) => setImmediate(resolve));
      }
      parts.push('\n');
    }
    return parts.join('');
  });
}

/** `registry`'s metrics in the Prometheus text format (0.0.4), followed by its {@link registerBulkGauges} gauges. */
export async function scrapeRegistry(registry: Registry): Promise<string> {
  let text = await registry.metrics();
  for (const collect of collectors.get(registry) ?? []) text += `\n${await collect()}`;
  return text;
}
