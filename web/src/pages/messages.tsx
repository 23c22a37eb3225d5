// A topic's messages: browse one partition from an offset or a time, keys/headers/values as text, JSON or hex,
// page by page, or follow new records (live tail: polls from the last offset every second).
import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson, usePoll } from '../api.ts';
import { href, Section } from './common.tsx';

interface Page {
  partition: number;
  logStartOffset: string;
  highWatermark: string;
  nextOffset: string;
  records: { offset: string; timestamp: string; key: unknown; value: unknown; headers: { key: string; value: unknown }[]; valueBytes: number }[];
}

/** Records kept on screen while tailing (older ones scroll away). */
const TAIL_KEEP = 500;

/** A rendered key/value: text and hex as they are, JSON pretty-printed; bytes that are not JSON as text, marked. */
function shown(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && 'invalidJson' in v) return `${String(v.invalidJson)}  (not JSON)`;
  return JSON.stringify(v, null, 2);
}

export function MessagesPage({ topic }: { topic: string }) {
  const initialPartition = new URLSearchParams(location.hash.split('?')[1] ?? '').get('partition') ?? '0';
  const topicInfo = usePoll<{ partitions: { partition: number }[] }>(`api/topics/${encodeURIComponent(topic)}`, 10_000);
  const [partition, setPartition] = useState(initialPartition);
  const [mode, setMode] = useState<'offset' | 'timestamp'>('offset');
  const [from, setFrom] = useState('');
  const [format, setFormat] = useState<'text' | 'json' | 'hex'>('text');
  const [limit, setLimit] = useState('50');
  const [tail, setTail] = useState(false);
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState<string | null>(null);
  const next = useRef<string | null>(null);

  const base = (): string => `api/topics/${encodeURIComponent(topic)}/partitions/${encodeURIComponent(partition)}/messages?format=${format}&limit=${encodeURIComponent(limit)}`;
  const load = async (query: string, append: boolean): Promise<void> => {
    try {
      const p = await getJson<Page>(`${base()}${query}`);
      setError(null);
      next.current = p.nextOffset;
      setPage((old) => (append && old !== null ? { ...p, records: [...old.records, ...p.records].slice(-TAIL_KEEP) } : p));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const start = (): Promise<void> => {
    if (from.trim() === '') return load('', false);
    const at = mode === 'offset' ? from.trim() : String(Date.parse(from));
    return load(`&${mode}=${encodeURIComponent(at === 'NaN' ? from : at)}`, false);
  };

  useEffect(() => {
    void start();
  }, [partition, format, topic]);

  useEffect(() => {
    if (!tail) return undefined;
    const timer = setInterval(() => {
      if (next.current !== null) void load(`&offset=${next.current}`, true);
    }, 1000);
    return () => clearInterval(timer);
  }, [tail, partition, format, limit]);

  const partitions = topicInfo.data?.partitions.map((p) => p.partition) ?? [Number(partition)];
  return (
    <Section title={<>Messages of <a href={href('topics', topic)}><code>{topic}</code></a></>} error={error ?? topicInfo.error} loading={false}>
      <form class="controls" onSubmit={(e) => { e.preventDefault(); void start(); }}>
        <label>Partition
          <select value={partition} onChange={(e) => setPartition((e.target as HTMLSelectElement).value)} data-testid="partition">
            {partitions.map((p) => <option key={p} value={String(p)}>{p}</option>)}
          </select>
        </label>
        <label>From
          <select value={mode} onChange={(e) => setMode((e.target as HTMLSelectElement).value as 'offset' | 'timestamp')}>
            <option value="offset">offset</option>
            <option value="timestamp">time</option>
          </select>
        </label>
        <label class="wide">{mode === 'offset' ? 'Offset (empty: log start)' : 'Time (ISO 8601 or epoch ms)'}
          <input value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} placeholder={mode === 'offset' ? '0' : new Date().toISOString()} data-testid="from" />
        </label>
        <label>Format
          <select value={format} onChange={(e) => setFormat((e.target as HTMLSelectElement).value as 'text' | 'json' | 'hex')} data-testid="format">
            <option value="text">text</option>
            <option value="json">JSON</option>
            <option value="hex">hex</option>
          </select>
        </label>
        <label>Records<input type="number" min="1" max="500" value={limit} onInput={(e) => setLimit((e.target as HTMLInputElement).value)} /></label>
        <button type="submit">Read</button>
        <button type="button" class="secondary" disabled={page === null || tail} onClick={() => next.current !== null && void load(`&offset=${next.current}`, false)}>Next page</button>
        <label><input type="checkbox" role="switch" checked={tail} onChange={(e) => setTail((e.target as HTMLInputElement).checked)} data-testid="tail" /> live tail</label>
      </form>
      {page !== null && (
        <>
          <p>Log start {page.logStartOffset} · high watermark {page.highWatermark} · showing {page.records.length} records, next offset {page.nextOffset}</p>
          <table data-testid="messages">
            <thead><tr><th>Offset</th><th>Timestamp</th><th>Key</th><th>Value</th><th>Headers</th></tr></thead>
            <tbody>
              {page.records.map((r) => (
                <tr key={r.offset} data-offset={r.offset}>
                  <td>{r.offset}</td>
                  <td>{new Date(Number(r.timestamp)).toISOString()}</td>
                  <td><pre>{shown(r.key)}</pre></td>
                  <td><pre>{shown(r.value)}</pre></td>
                  <td>{r.headers.map((h) => <pre key={h.key}>{h.key}: {shown(h.value)}</pre>)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Section>
  );
}
