// The history a torture run records and the checker reads: Jepsen's model of a Kafka queue workload (issue 16
// item 3). Keys are abstract integers, each naming one topic-partition; values are unique integers per run.
// Every client operation is recorded twice: an `invoke` when it starts and its completion (`ok`, `fail`: it
// certainly did not happen, `info`: it may or may not have happened) with the same `process`.
//
// Micro-operations of a send/poll/txn op:
//   invoke:     ['send', key, value]             ['poll']
//   completion: ['send', key, [offset, value]]   ['poll', { [key]: [[offset, value], ...] }]
// where the offset of a send is null when unknown (a timed-out produce).

/** What a completed send micro-op carries: the offset the broker gave (null when unknown) and the value. */
export type SentAt = readonly [offset: number | null, value: number];

/** A send micro-op: `value` on invocation, [offset, value] on completion. */
export type SendMop = readonly ['send', key: number, value: number | SentAt];

/** A poll micro-op: bare on invocation, with the records per key on completion (offset order, as returned). */
export type PollMop = readonly ['poll'] | readonly ['poll', Readonly<Record<string, readonly (readonly [offset: number, value: number])[]>>];

export type MicroOp = SendMop | PollMop;

/** Jepsen's operation functions: sends, polls and transactions of both; consumer assignment changes; a crash. */
export type OpFunction = 'send' | 'poll' | 'txn' | 'assign' | 'subscribe' | 'crash';

export type OpType = 'invoke' | 'ok' | 'fail' | 'info';

/** One history entry. `time` is ms since the run started; `index` its position in the history. */
export interface Op {
  index: number;
  time: number;
  process: number;
  type: OpType;
  f: OpFunction;
  /** Micro-ops for send/poll/txn, the keys for assign/subscribe, undefined for crash. */
  value?: readonly MicroOp[] | readonly number[];
  /** Error name or message of a fail/info completion. */
  error?: string;
  /**
   * Keys newly assigned during this op (a consumer-group rebalance while it ran): the consumer's position on
   * them restarts, as after an assign.
   */
  rebalanced?: readonly number[];
}

/** Records a history in memory with monotonic indices and times. */
export class HistoryRecorder {
  readonly ops: Op[] = [];
  readonly #t0 = performance.now();

  /** Appends an op (index and time filled in) and returns it. */
  record(op: Omit<Op, 'index' | 'time'>): Op {
    const full: Op = { ...op, index: this.ops.length, time: performance.now() - this.#t0 };
    this.ops.push(full);
    return full;
  }
}
