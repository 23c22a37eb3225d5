// The report of a torture run (issue 16 item 4): history.jsonl (every op), result.json (the checker's verdict,
// faults, recovery), summary.md (readable), and timeline.html: one self-contained page with an SVG timeline of the
// faults, acknowledged operations per second and the latency of each acknowledged op.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Op } from './history.ts';
import type { TortureOptions, TortureResult } from './torture-run.ts';

/** Everything a report is made of. */
export interface TortureReportInput {
  options: Omit<TortureOptions, 'log'> & { log?: undefined };
  result: TortureResult;
  history: readonly Op[];
  durationMs: number;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** Latency (ms) and completion time (ms since start) of each ok send/txn/poll. */
function completions(history: readonly Op[]): { time: number; latencyMs: number; f: string }[] {
  const open = new Map<number, Op>();
  const out: { time: number; latencyMs: number; f: string }[] = [];
  for (const op of history) {
    if (op.type === 'invoke') {
      open.set(op.process, op);
      continue;
    }
    const inv = open.get(op.process);
    open.delete(op.process);
    if (op.type === 'ok' && inv !== undefined && (op.f === 'send' || op.f === 'txn')) out.push({ time: op.time, latencyMs: op.time - inv.time, f: op.f });
  }
  return out;
}

function timelineSvg(input: TortureReportInput): string {
  const width = 1100;
  const seconds = Math.max(1, Math.ceil(input.durationMs / 1000));
  const x = (ms: number): number => 60 + (ms / 1000 / seconds) * (width - 80);
  const done = completions(input.history);
  const perSecond = new Array<number>(seconds + 1).fill(0);
  for (const d of done) perSecond[Math.min(seconds, Math.floor(d.time / 1000))]!++;
  const maxRate = perSecond.reduce((m, r) => Math.max(m, r), 1);
  const maxLatency = done.reduce((m, d) => Math.max(m, d.latencyMs), 1);
  const parts: string[] = [];
  // Faults: one band each, labelled.
  input.result.faults.forEach((f, i) => {
    const x0 = x(f.startMs);
    const x1 = x(f.healMs ?? f.startMs + 1000);
    parts.push(`<rect x="${x0}" y="10" width="${Math.max(2, x1 - x0)}" height="360" fill="hsl(${(i * 47) % 360},70%,80%)" opacity="0.5"><title>${escapeHtml(`${f.kind} ${f.nodes.join(',')}: ${(f.startMs / 1000).toFixed(1)}-${((f.healMs ?? 0) / 1000).toFixed(1)} s, recovered in ${f.recoveryMs ?? '-'} ms`)}</title></rect>`);
    parts.push(`<text x="${x0 + 2}" y="24" font-size="10">${escapeHtml(f.kind)}</text>`);
  });
  // Throughput (ops/s), top half.
  const rateY = (r: number): number => 180 - (r / maxRate) * 140;
  parts.push(`<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="${perSecond.map((r, s) => `${x(s * 1000).toFixed(1)},${rateY(r).toFixed(1)}`).join(' ')}"/>`);
  parts.push(`<text x="4" y="44" font-size="11">${maxRate} ok/s</text><text x="4" y="180" font-size="11">0</text>`);
  // Latency of each ok write, bottom half (log-ish: sqrt scale keeps the bulk visible).
  const latY = (l: number): number => 360 - Math.sqrt(l / maxLatency) * 160;
  // At most 20,000 dots (a long run has hundreds of thousands): an even sample keeps the page small.
  const step = Math.max(1, Math.ceil(done.length / 20_000));
  for (let i = 0; i < done.length; i += step) {
    const d = done[i]!;
    parts.push(`<circle cx="${x(d.time).toFixed(1)}" cy="${latY(d.latencyMs).toFixed(1)}" r="1.2" fill="${d.f === 'txn' ? '#d62728' : '#2ca02c'}"/>`);
  }
  parts.push(`<text x="4" y="204" font-size="11">${Math.round(maxLatency)} ms</text><text x="4" y="360" font-size="11">0 ms</text>`);
  parts.push(`<text x="${width / 2}" y="392" font-size="11" text-anchor="middle">time (s), 0-${seconds}; bands: faults; blue: acknowledged writes per second; dots: latency of each acknowledged send (green) and transaction (red), sqrt scale</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="400" font-family="sans-serif">${parts.join('')}</svg>`;
}

function summary(input: TortureReportInput): string {
  const { result, options } = input;
  const byKind = new Map<string, number>();
  for (const f of result.faults) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
  const lines = [
    `# Torture run, seed ${options.seed}`,
    '',
    `Duration ${(input.durationMs / 1000).toFixed(0)} s; faults asked: ${options.faults.join(', ')}.`,
    '',
    `**Verdict: ${result.check.valid && result.drainComplete && result.unexpectedExits.length === 0 ? 'valid' : 'INVALID'}** ` +
      `(checker ${result.check.valid ? 'valid' : 'found anomalies'}; final read ${result.drainComplete ? 'complete' : 'INCOMPLETE'}; ` +
      `unexpected node exits: ${result.unexpectedExits.length})`,
    '',
    '## Faults injected',
    ...[...byKind].map(([k, n]) => `- ${k}: ${n}`),
    `- recovery to full ISR after heal: p50 ${result.recovery.p50Ms ?? '-'} ms, max ${result.recovery.maxMs ?? '-'} ms, not recovered ${result.recovery.notRecovered}`,
    '',
    '## Operations by outcome',
    ...Object.entries(result.check.operations).map(([f, outcomes]) => `- ${f}: ${Object.entries(outcomes).map(([o, n]) => `${o} ${n}`).join(', ')}`),
    `- acknowledged sends ${result.check.totals.acknowledgedSends}, values read ${result.check.totals.valuesRead}, keys ${result.check.totals.keys}`,
    '',
    '## Anomalies',
    ...(Object.keys(result.check.anomalies).length === 0 ? ['none'] : Object.entries(result.check.anomalies).map(([k, f]) => `- ${k}: ${f!.count}, e.g. ${JSON.stringify(f!.examples.slice(0, 3))}`)),
    '',
    '## Information',
    ...(Object.keys(result.check.info).length === 0 ? ['none'] : Object.entries(result.check.info).map(([k, f]) => `- ${k}: ${f!.count}`)),
    ...(result.unexpectedExits.length > 0 ? ['', '## Unexpected node exits', ...result.unexpectedExits.map((e) => `- ${e}`)] : []),
    '',
  ];
  return lines.join('\n');
}

/** Writes the report files of a run into `dir` (which exists). */
export async function writeTortureReport(dir: string, input: TortureReportInput): Promise<void> {
  await writeFile(join(dir, 'history.jsonl'), input.history.map((op) => JSON.stringify(op)).join('\n') + '\n');
  await writeFile(join(dir, 'result.json'), JSON.stringify({ options: input.options, durationMs: Math.round(input.durationMs), ...input.result }, null, 2));
  const md = summary(input);
  await writeFile(join(dir, 'summary.md'), md);
  await writeFile(join(dir, 'timeline.html'), `<!doctype html><meta charset="utf-8"><title>Torture run, seed ${input.options.seed}</title>` +
    `<body style="font-family:sans-serif;max-width:1150px">${timelineSvg(input)}<pre>${escapeHtml(md)}</pre></body>`);
}
