/** Per key: the run in progress, and the one queued behind it that later callers share. */
interface RunState {
  running: Promise<void> | null;
  next: Promise<void> | null;
}

/**
 * Runs of an operation per key (the fsync of a directory, the checkpoint files of a log dir) shared by
 * concurrent callers: a call is answered by a run that starts after the call, so it covers what the caller did
 * before calling, and every call made before that run starts shares it. A thousand callers at once thus cost two
 * runs, not a thousand, with the guarantee of one run each. A key with nothing running or queued keeps no state.
 */
export class SharedRuns<K> {
  readonly #states = new Map<K, RunState>();
  readonly #operation: (key: K) => Promise<void>;

  constructor(operation: (key: K) => Promise<void>) {
    this.#operation = operation;
  }

  /**
   * Resolves when a run of the operation for `key` that started after this call has completed.
   * @throws the error of that run.
   */
  run(key: K): Promise<void> {
    let found = this.#states.get(key);
    if (found === undefined) this.#states.set(key, (found = { running: null, next: null }));
    const state = found;
    if (state.next !== null) return state.next;
    if (state.running === null) return this.#start(key, state);
    // The run in progress may have started before the caller's change: the caller needs the next one.
    const next = state.running.then(noop, noop).then(() => {
      state.next = null;
      return this.#start(key, state);
    });
    state.next = next;
    return next;
  }

  #start(key: K, state: RunState): Promise<void> {
    const run = this.#operation(key);
    state.running = run;
    const settled = (): void => {
      if (state.running === run) state.running = null;
      if (state.running === null && state.next === null && this.#states.get(key) === state) this.#states.delete(key);
    };
    run.then(settled, settled);
    return run;
  }
}

function noop(): void {}
