// What one cluster node wrote to stdout, kept for its whole life in the test: the broker's pino JSON lines, parsed,
// across restarts (each line says which run of the process wrote it), so that tests can wait for a line and read
// the fields and timestamps of what happened (elections, shutdowns) after the fact.

/**
 * One stdout line of a node. Broker log lines are pino JSON objects: `msg`, `level` (30 info, 40 warn, 50 error,
 * 60 fatal), `time` (wall-clock ms), `nodeId`, `component` and the line's own fields. A line that is not JSON
 * (a CLI command's plain output) has `msg` = the raw text and `time` = when the test received it.
 */
export interface LogLine {
  readonly msg: string;
  readonly time: number;
  readonly level?: number;
  readonly component?: string;
  /** Which start of the node wrote it: 1 for the first process, 2 after the first restart... */
  readonly run: number;
  readonly [field: string]: unknown;
}

/** A predicate over log lines, or the exact `msg` to look for. */
export type LogMatcher = string | ((line: LogLine) => boolean);

function matches(matcher: LogMatcher, line: LogLine): boolean {
  return typeof matcher === 'string' ? line.msg === matcher : matcher(line);
}

/** The stdout lines of one node, in arrival order; tests wait on them with {@link NodeLog.waitFor}. */
export class NodeLog {
  readonly lines: LogLine[] = [];
  readonly #waiters = new Set<() => void>();

  /** Appends a raw stdout line of the process of run `run`. */
  push(raw: string, run: number): void {
    let line: LogLine;
    try {
      const parsed = JSON.parse(raw) as Record<string, unknown>;
      line = { ...parsed, msg: String(parsed.msg ?? ''), time: Number(parsed.time ?? Date.now()), run };
    } catch {
      line = { msg: raw, time: Date.now(), run };
    }
    this.lines.push(line);
    for (const wake of [...this.#waiters]) wake();
  }

  /** Lines matching `matcher`, oldest first; `run` restricts them to one run of the process. */
  filter(matcher: LogMatcher, run?: number): LogLine[] {
    return this.lines.filter((l) => (run === undefined || l.run === run) && matches(matcher, l));
  }

  /** The newest line matching `matcher`, or undefined. */
  last(matcher: LogMatcher): LogLine | undefined {
    for (let i = this.lines.length - 1; i >= 0; i--) if (matches(matcher, this.lines[i]!)) return this.lines[i];
    return undefined;
  }

  /**
   * Resolves with the first line at index >= `fromIndex` (default 0: any line so far) that matches, as soon as it
   * arrives. @throws Error naming `matcher` and quoting the log's tail after `timeoutMs`, or when `abort` fires
   * first (the process exited: a line can no longer come).
   */
  waitFor(matcher: LogMatcher, options: { fromIndex?: number; timeoutMs?: number; abort?: Promise<unknown> } = {}): Promise<LogLine> {
    const timeoutMs = options.timeoutMs ?? 15_000;
    let index = options.fromIndex ?? 0;
    return new Promise<LogLine>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      const check = (): void => {
        for (; index < this.lines.length; index++) {
          if (matches(matcher, this.lines[index]!)) {
            done();
            resolve(this.lines[index]!);
            return;
          }
        }
      };
      const what = typeof matcher === 'string' ? `'${matcher}'` : 'a matching line';
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no log line ${what} within ${timeoutMs} ms; last lines:\n${this.tail(15)}`));
      }, timeoutMs);
      this.#waiters.add(check);
      void options.abort?.then(() => {
        if (!this.#waiters.has(check)) return;
        check();
        if (!this.#waiters.has(check)) return;
        done();
        reject(new Error(`the process ended without logging ${what}; last lines:\n${this.tail(15)}`));
      });
      check();
    });
  }

  /** The last `n` lines as text (the raw JSON re-serialised, without the test's `run` field), for error messages. */
  tail(n: number): string {
    return this.lines.slice(-n).map(({ run, ...rest }) => `  [run ${run}] ${JSON.stringify(rest).slice(0, 600)}`).join('\n');
  }
}
