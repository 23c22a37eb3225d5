/** An append waiting in a {@link LogTaskQueue}: `bytes` sizes the coalesced groups. */
export interface QueuedAppend {
  readonly bytes: number;
  reject(e: unknown): void;
}

type OpTask = { kind: 'op'; fn: () => Promise<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void };
type AppendTask<A> = { kind: 'append'; append: A };

/** Writes a group of queued appends, settling each (the log's write path). */
export interface AppendGroupWriter<A> {
  appendGroup(group: A[]): Promise<void>;
}

/** The task list of every idle queue (frozen, shared): a queue allocates its own with its first task. */
const NO_TASKS = Object.freeze([]) as unknown as never[];

/**
 * The per-log queue that serializes every mutation of a UnifiedLog (Kafka takes the log's lock instead): tasks
 * run one at a time in call order; consecutive appends are handed over together (up to `maxGroupBytes`) so
 * they can be written with one writev while the previous write was in flight. Once `failure` is set (the log
 * went offline), queued and new tasks are rejected with it. An idle queue holds no task list.
 */
export class LogTaskQueue<A extends QueuedAppend> {
  readonly #writer: AppendGroupWriter<A>;
  readonly #maxGroupBytes: number;
  #tasks: (OpTask | AppendTask<A>)[] = NO_TASKS;
  #head = 0;
  #draining = false;
  /** The error every task gets once the log is offline or closed. */
  failure: Error | null = null;

  /** `writer.appendGroup` gets consecutive appends (in order, at most `maxGroupBytes` unless one is larger). */
  constructor(writer: AppendGroupWriter<A>, maxGroupBytes: number) {
    this.#writer = writer;
    this.#maxGroupBytes = maxGroupBytes;
  }

  /** Queues an append; the writer's `appendGroup` settles it. */
  append(a: A): void {
    if (this.failure !== null) return a.reject(this.failure);
    this.#push({ kind: 'append', append: a });
  }

  /** Runs `fn` after everything queued before it; rejects with `failure` if the log is offline. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.failure !== null) return reject(this.failure);
      this.#push({ kind: 'op', fn, resolve: resolve as (v: unknown) => void, reject });
    });
  }

  #push(task: OpTask | AppendTask<A>): void {
    if (this.#tasks === NO_TASKS) this.#tasks = [task];
    else this.#tasks.push(task);
    if (!this.#draining) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#head < this.#tasks.length) {
        const task = this.#tasks[this.#head]!;
        if (task.kind === 'op') {
          this.#head++;
          try {
            if (this.failure !== null) throw this.failure;
            task.resolve(await task.fn());
          } catch (e) {
            task.reject(e);
          }
        } else {
          const group: A[] = [];
          let bytes = 0;
          while (this.#head < this.#tasks.length) {
            const t = this.#tasks[this.#head]!;
            if (t.kind !== 'append' || (group.length > 0 && bytes + t.append.bytes > this.#maxGroupBytes)) break;
            group.push(t.append);
            bytes += t.append.bytes;
            this.#head++;
          }
          if (this.failure !== null) {
            for (const a of group) a.reject(this.failure);
          } else {
            try {
              await this.#writer.appendGroup(group);
            } catch (e) {
              // appendGroup settles its appends; if it threw instead, none may be left hanging.
              for (const a of group) a.reject(e);
            }
          }
        }
        if (this.#head >= 1024) {
          this.#tasks = this.#tasks.slice(this.#head);
          this.#head = 0;
        }
      }
      this.#tasks = NO_TASKS;
      this.#head = 0;
    } finally {
      this.#draining = false;
    }
  }
}
