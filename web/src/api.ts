// The console's JSON API (src/server/console/console-api.ts) as the pages use it.
import { useEffect, useState } from 'preact/hooks';

/** An API answer that was not 200: its status and the server's message. */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** GET `path` (relative to the console's origin) and parse the JSON. @throws ApiError for any status but 200. */
export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) throw new ApiError(res.status, body.error ?? `HTTP ${res.status}`);
  return body as T;
}

/** The latest answer of `path`, fetched now and every `intervalMs` (null path: nothing), with the last error. */
export function usePoll<T>(path: string | null, intervalMs: number): { data: T | null; error: string | null } {
  const [state, setState] = useState<{ data: T | null; error: string | null }>({ data: null, error: null });
  useEffect(() => {
    if (path === null) return undefined;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async (): Promise<void> => {
      try {
        const data = await getJson<T>(path);
        if (!stopped) setState({ data, error: null });
      } catch (e) {
        if (!stopped) setState((s) => ({ data: s.data, error: (e as Error).message }));
      }
      if (!stopped) timer = setTimeout(tick, intervalMs);
    };
    setState({ data: null, error: null });
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [path, intervalMs]);
  return state;
}

/** Bytes as B, KiB, MiB, GiB. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}
