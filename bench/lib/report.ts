// The one results table of `npm run bench`: every figure beside the baseline measured in the same run and the
// ratio, with issue #7's target (for information: the bench never fails on a target).
import { fmt, ratio } from './stats.ts';

export interface Target {
  op: '>=' | '<=';
  value: number;
  /** What the target compares ("value" by default, "ratio" to compare the ratio column). */
  on?: 'value' | 'ratio';
}

/** One line of the table. `value` undefined with `text` for rows that could not be measured ("skipped: ..."). */
export interface Row {
  section: string;
  figure: string;
  value?: number;
  unit: string;
  digits?: number;
  text?: string;
  baseline?: { label: string; value?: number; unit?: string; digits?: number };
  target?: Target;
  note?: string;
}

function targetCell(row: Row): string {
  const t = row.target;
  if (t === undefined) return '';
  const on = t.on ?? 'value';
  const actual = on === 'ratio' ? (row.value !== undefined && row.baseline?.value ? row.value / row.baseline.value : undefined) : row.value;
  const sym = t.op === '>=' ? '≥' : '≤';
  const want = on === 'ratio' ? `${sym} ${t.value}x` : `${sym} ${fmt(t.value, t.value < 10 ? 1 : 0)} ${row.unit}`;
  if (actual === undefined || !Number.isFinite(actual)) return want;
  const met = t.op === '>=' ? actual >= t.value : actual <= t.value;
  return `${want} (${met ? 'met' : 'missed'})`;
}

/** Renders rows as one markdown table, grouped by section in the order given. */
export function renderTable(rows: readonly Row[]): string {
  const out = ['| Section | Figure | Value | Baseline (same run) | Ratio | Target (#7) | Notes |', '|---|---|---|---|---|---|---|'];
  let last = '';
  for (const r of rows) {
    const value = r.text ?? `${fmt(r.value, r.digits ?? 0)} ${r.unit}`;
    const b = r.baseline;
    const baseline = b === undefined ? '' : `${b.label}: ${fmt(b.value, b.digits ?? r.digits ?? 0)} ${b.unit ?? r.unit}`;
    const ratioCell = b === undefined ? '' : ratio(r.value, b.value);
    out.push(`| ${r.section === last ? '' : `**${r.section}**`} | ${r.figure} | ${value} | ${baseline} | ${ratioCell} | ${targetCell(r)} | ${r.note ?? ''} |`);
    last = r.section;
  }
  return out.join('\n');
}
