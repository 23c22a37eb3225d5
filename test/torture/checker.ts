// The queue checker of the torture harness (issue 16 item 4): the analyses of Jepsen's Kafka workload checker
// (jepsen.tests.kafka), written for our history format (history.ts), on a whole history after the run.
//
// Model: each key is a partition, a totally ordered log. Sends and polls that completed `ok` must agree on the
// value at every (key, offset); the distinct offsets of a key, sorted, give its version order (offsets may have
// gaps: transaction markers take offsets no consumer sees). On that order:
//   anomalies (a broker bug whenever one appears, given the workload's settings)
//     inconsistent-offsets  one (key, offset), two values
//     duplicate             one value at two offsets (idempotence broken)
//     lost-write            an acknowledged send at or below the highest offset any poll read, never read
//     aborted-read (G1a)    a poll read a value whose send certainly failed (aborted transaction)
//     phantom-read          a poll read a value nobody sent
//     precommitted-read     a transaction's own poll read a value it sent (read_committed forbids it)
//     poll-skip             one consumer's consecutive reads of a key jumped over values, without a reassignment
//     nonmonotonic-poll     one consumer read a key backwards without a reassignment
//     nonmonotonic-send     one producer's acknowledged sends to a key landed out of their order
//     G1c                   a cycle of write-write and write-read dependencies between transactions
//   information (counted, not failures)
//     unseen                acknowledged, above every offset read: never read (0 after a final drain)
//     indeterminate-visible a send that timed out (info) was read: it happened after all
//     G0                    a write-write cycle: Kafka's transactions order each partition on its own, so
//                           two transactions may interleave in opposite orders on two partitions
//     G2                    a cycle through an anti-dependency (a read that missed a later write): Kafka's
//                           transactions do not isolate reads from concurrent writes
import type { MicroOp, Op, SentAt } from './history.ts';

/** Kinds the checker reports as anomalies (each must be 0 for a valid history). */
export const ANOMALY_KINDS = [
  'inconsistent-offsets', 'duplicate', 'lost-write', 'aborted-read', 'phantom-read', 'precommitted-read',
  'poll-skip', 'nonmonotonic-poll', 'nonmonotonic-send', 'G1c',
] as const;

/** Kinds reported for information. */
export const INFO_KINDS = ['unseen', 'indeterminate-visible', 'G0', 'G2'] as const;

export type AnomalyKind = (typeof ANOMALY_KINDS)[number];
export type InfoKind = (typeof INFO_KINDS)[number];

/** Count and the first examples of one kind. */
export interface Finding {
  count: number;
  examples: unknown[];
}

/** The checker's verdict on a history. */
export interface CheckResult {
  /** True when no anomaly kind was found. */
  valid: boolean;
  /** Completed operations by function and outcome, e.g. { send: { ok: 10, info: 1 } }. */
  operations: Record<string, Record<string, number>>;
  /** Acknowledged sends, values read at least once, keys seen. */
  totals: { acknowledgedSends: number; valuesRead: number; keys: number };
  anomalies: Partial<Record<AnomalyKind, Finding>>;
  info: Partial<Record<InfoKind, Finding>>;
}

const MAX_EXAMPLES = 8;

type WriterOutcome = 'ok' | 'fail' | 'info';

interface Writer {
  key: number;
  op: number;
  outcome: WriterOutcome;
  /** The offset the broker acknowledged (ok sends), else null. */
  offset: number | null;
}

/** An invocation with its completion (undefined when the run ended first: as info). */
interface Completed {
  invoke: Op;
  done: Op | undefined;
}

function outcomeOf(c: Completed): WriterOutcome {
  return c.done === undefined ? 'info' : c.done.type === 'ok' ? 'ok' : c.done.type === 'fail' ? 'fail' : 'info';
}

function microOps(op: Op | undefined): readonly MicroOp[] {
  if (op === undefined || op.f === 'assign' || op.f === 'subscribe' || op.f === 'crash' || op.value === undefined) return [];
  return op.value as readonly MicroOp[];
}

/** Pairs each invocation with its process's next completion. @throws Error on a completion without an invocation. */
function pairOps(history: readonly Op[]): Completed[] {
  const open = new Map<number, Completed>();
  const out: Completed[] = [];
  for (const op of history) {
    if (op.type === 'invoke') {
      const c: Completed = { invoke: op, done: undefined };
      open.set(op.process, c);
      out.push(c);
      continue;
    }
    const c = open.get(op.process);
    if (c === undefined) throw new Error(`history op ${op.index}: a ${op.type} of process ${op.process} without an invocation`);
    c.done = op;
    open.delete(op.process);
  }
  return out;
}

class Findings<K extends string> {
  readonly byKind: Partial<Record<K, Finding>> = {};

  add(kind: K, example: unknown): void {
    const f = (this.byKind[kind] ??= { count: 0, examples: [] });
    f.count++;
    if (f.examples.length < MAX_EXAMPLES) f.examples.push(example);
  }
}

/** Per key: offset -> values seen there, and the version order derived from it. */
class KeyLog {
  readonly valuesAt = new Map<number, Set<number>>();
  /** value -> position in the version order (dense, gaps of offsets removed). */
  readonly position = new Map<number, number>();
  /** Version order: the value at each position. */
  order: number[] = [];
  /** Highest offset any ok poll read (-1: none). */
  maxReadOffset = -1;

  see(offset: number, value: number): void {
    let s = this.valuesAt.get(offset);
    if (s === undefined) this.valuesAt.set(offset, (s = new Set()));
    s.add(value);
  }

  /** Builds the version order; a value at two offsets keeps its first. */
  build(): void {
    const offsets = [...this.valuesAt.keys()].sort((a, b) => a - b);
    this.order = offsets.map((o) => Math.min(...this.valuesAt.get(o)!));
    this.order.forEach((v, i) => {
      if (!this.position.has(v)) this.position.set(v, i);
    });
  }
}

/** Every value a completed op's polls returned, per key, in the order returned. */
function polledOf(ops: readonly MicroOp[]): Map<number, [number, number][]> {
  const out = new Map<number, [number, number][]>();
  for (const m of ops) {
    if (m[0] !== 'poll' || m[1] === undefined) continue;
    for (const [k, records] of Object.entries(m[1])) {
      const key = Number(k);
      let list = out.get(key);
      if (list === undefined) out.set(key, (list = []));
      for (const [offset, value] of records) list.push([offset, value]);
    }
  }
  return out;
}

/**
 * Checks a history (history.ts) with Jepsen's Kafka queue analyses (header above). Pure and deterministic: the
 * same history gives the same result. @throws Error when the history is malformed (a completion without an
 * invocation).
 */
export function checkQueueHistory(history: readonly Op[]): CheckResult {
  const completed = pairOps(history);
  const anomalies = new Findings<AnomalyKind>();
  const info = new Findings<InfoKind>();
  const operations: Record<string, Record<string, number>> = {};
  const writers = new Map<number, Writer>();
  const logs = new Map<number, KeyLog>();
  const logOf = (key: number): KeyLog => {
    let l = logs.get(key);
    if (l === undefined) logs.set(key, (l = new KeyLog()));
    return l;
  };

  // Writers of every value, and what ok sends and ok polls say sits at each offset.
  for (const c of completed) {
    const outcome = outcomeOf(c);
    const counts = (operations[c.invoke.f] ??= {});
    counts[outcome] = (counts[outcome] ?? 0) + 1;
    const doneOps = c.done?.type === 'ok' ? microOps(c.done) : [];
    microOps(c.invoke).forEach((m, i) => {
      if (m[0] !== 'send') return;
      const value = m[2] as number;
      const acked = doneOps[i];
      const offset = acked !== undefined && acked[0] === 'send' ? (acked[2] as SentAt)[0] : null;
      writers.set(value, { key: m[1], op: c.invoke.index, outcome, offset });
      if (offset !== null) logOf(m[1]).see(offset, value);
    });
    for (const [key, records] of polledOf(doneOps)) {
      const log = logOf(key);
      for (const [offset, value] of records) {
        log.see(offset, value);
        if (offset > log.maxReadOffset) log.maxReadOffset = offset;
      }
    }
  }
  for (const [key, log] of logs) {
    log.build();
    for (const [offset, values] of log.valuesAt) if (values.size > 1) anomalies.add('inconsistent-offsets', { key, offset, values: [...values].sort((a, b) => a - b) });
  }
  const offsetsOf = new Map<number, { key: number; offset: number }[]>();
  for (const [key, log] of logs) {
    for (const [offset, values] of log.valuesAt) {
      for (const v of values) {
        let l = offsetsOf.get(v);
        if (l === undefined) offsetsOf.set(v, (l = []));
        l.push({ key, offset });
      }
    }
  }
  for (const [value, at] of offsetsOf) if (at.length > 1) anomalies.add('duplicate', { value, at });

  // Reads: what was read, by whom; aborted, phantom, indeterminate and precommitted reads.
  const read = new Set<number>();
  for (const c of completed) {
    if (c.done?.type !== 'ok') continue;
    const ops = microOps(c.done);
    const ownSends = new Set<number>();
    for (const m of ops) {
      if (m[0] === 'send') ownSends.add((m[2] as SentAt)[1]);
      if (m[0] !== 'poll' || m[1] === undefined) continue;
      for (const [k, records] of Object.entries(m[1])) {
        for (const [offset, value] of records) {
          read.add(value);
          const w = writers.get(value);
          if (w === undefined) anomalies.add('phantom-read', { op: c.done.index, key: Number(k), offset, value });
          else if (w.outcome === 'fail') anomalies.add('aborted-read', { op: c.done.index, key: Number(k), offset, value, writer: w.op });
          if (ownSends.has(value) && c.invoke.f === 'txn') anomalies.add('precommitted-read', { op: c.done.index, key: Number(k), offset, value });
        }
      }
    }
  }
  let acknowledgedSends = 0;
  for (const [value, w] of writers) {
    if (w.outcome === 'info' && read.has(value)) info.add('indeterminate-visible', { value, key: w.key, writer: w.op });
    if (w.outcome !== 'ok') continue;
    acknowledgedSends++;
    if (read.has(value)) continue;
    const log = logs.get(w.key);
    if (w.offset !== null && log !== undefined && w.offset <= log.maxReadOffset) {
      anomalies.add('lost-write', { value, key: w.key, offset: w.offset, writer: w.op, maxReadOffset: log.maxReadOffset });
    } else {
      info.add('unseen', { value, key: w.key, offset: w.offset, writer: w.op });
    }
  }

  checkPerProcessOrder(history, logs, anomalies);
  checkCycles(completed, logs, writers, anomalies, info);

  const valid = ANOMALY_KINDS.every((k) => anomalies.byKind[k] === undefined);
  return {
    valid,
    operations,
    totals: { acknowledgedSends, valuesRead: read.size, keys: logs.size },
    anomalies: anomalies.byKind,
    info: info.byKind,
  };
}

/**
 * Poll skips and non-monotonic polls per consumer (a process), and non-monotonic sends per producer. A consumer's
 * position on its keys restarts at assign, subscribe, crash, a rebalance inside an op, and after an op that did
 * not complete ok (its polls may have moved the position unseen).
 */
function checkPerProcessOrder(history: readonly Op[], logs: ReadonlyMap<number, KeyLog>, anomalies: Findings<AnomalyKind>): void {
  const lastRead = new Map<number, Map<number, number>>();
  const lastSent = new Map<number, Map<number, number>>();
  const stateOf = (m: Map<number, Map<number, number>>, p: number): Map<number, number> => {
    let s = m.get(p);
    if (s === undefined) m.set(p, (s = new Map()));
    return s;
  };
  for (const op of history) {
    if (op.type === 'invoke') continue;
    const reads = stateOf(lastRead, op.process);
    if (op.type !== 'ok' || op.f === 'assign' || op.f === 'subscribe' || op.f === 'crash') {
      reads.clear();
      if (op.f === 'crash') lastSent.delete(op.process);
      continue;
    }
    for (const k of op.rebalanced ?? []) reads.delete(k);
    for (const [key, records] of polledOf(microOps(op))) {
      const log = logs.get(key)!;
      for (const [offset, value] of records) {
        const pos = log.position.get(value)!;
        const prev = reads.get(key);
        if (prev !== undefined && pos <= prev) {
          anomalies.add('nonmonotonic-poll', { op: op.index, process: op.process, key, offset, value, previous: log.order[prev] });
        } else if (prev !== undefined && pos > prev + 1) {
          anomalies.add('poll-skip', { op: op.index, process: op.process, key, from: log.order[prev], to: value, skipped: log.order.slice(prev + 1, Math.min(pos, prev + 1 + MAX_EXAMPLES)) });
        }
        reads.set(key, pos);
      }
    }
    const sends = stateOf(lastSent, op.process);
    for (const m of microOps(op)) {
      if (m[0] !== 'send') continue;
      const [offset, value] = m[2] as SentAt;
      if (offset === null) continue;
      const pos = logs.get(m[1])!.position.get(value)!;
      const prev = sends.get(m[1]);
      if (prev !== undefined && pos <= prev) anomalies.add('nonmonotonic-send', { op: op.index, process: op.process, key: m[1], offset, value });
      sends.set(m[1], pos);
    }
  }
}

type EdgeKind = 'ww' | 'wr' | 'rw';

/**
 * Dependency cycles between ok operations (Adya's graph as Jepsen draws it for queues): ww between consecutive
 * writers of a key's version order, wr from the writer of a transaction's highest read of a key, rw from that
 * reader to the writer of the next value. Cycles are found as strongly connected components (Tarjan, iterative)
 * and classified by the edges inside: ww only = G0 (info), with wr but no rw = G1c (anomaly), with rw = G2 (info).
 */
function checkCycles(completed: readonly Completed[], logs: ReadonlyMap<number, KeyLog>, writers: ReadonlyMap<number, Writer>, anomalies: Findings<AnomalyKind>, info: Findings<InfoKind>): void {
  const okOps = new Set<number>();
  for (const c of completed) if (c.done?.type === 'ok') okOps.add(c.invoke.index);
  const edges = new Map<number, Map<number, Set<EdgeKind>>>();
  const addEdge = (from: number, to: number, kind: EdgeKind): void => {
    if (from === to || !okOps.has(from) || !okOps.has(to)) return;
    let m = edges.get(from);
    if (m === undefined) edges.set(from, (m = new Map()));
    let s = m.get(to);
    if (s === undefined) m.set(to, (s = new Set()));
    s.add(kind);
  };
  for (const log of logs.values()) {
    for (let i = 1; i < log.order.length; i++) {
      const a = writers.get(log.order[i - 1]!);
      const b = writers.get(log.order[i]!);
      if (a !== undefined && b !== undefined) addEdge(a.op, b.op, 'ww');
    }
  }
  for (const c of completed) {
    if (c.done?.type !== 'ok') continue;
    for (const [key, records] of polledOf(microOps(c.done))) {
      const log = logs.get(key)!;
      let highest = -1;
      for (const [, value] of records) highest = Math.max(highest, log.position.get(value)!);
      if (highest < 0) continue;
      const w = writers.get(log.order[highest]!);
      if (w !== undefined) addEdge(w.op, c.invoke.index, 'wr');
      const next = log.order[highest + 1];
      const nw = next === undefined ? undefined : writers.get(next);
      if (nw !== undefined) addEdge(c.invoke.index, nw.op, 'rw');
    }
  }
  for (const component of stronglyConnected(edges)) {
    if (component.length < 2) continue;
    const members = new Set(component);
    const kinds = new Set<EdgeKind>();
    for (const from of component) for (const [to, ks] of edges.get(from) ?? []) if (members.has(to)) for (const k of ks) kinds.add(k);
    const example = { ops: component.slice(0, MAX_EXAMPLES).sort((a, b) => a - b), size: component.length, edges: [...kinds].sort() };
    if (kinds.has('rw')) info.add('G2', example);
    else if (kinds.has('wr')) anomalies.add('G1c', example);
    else info.add('G0', example);
  }
}

/** Tarjan's strongly connected components without recursion (histories have 10^5 ops). */
function stronglyConnected(edges: ReadonlyMap<number, ReadonlyMap<number, unknown>>): number[][] {
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  const out: number[][] = [];
  let next = 0;
  for (const root of edges.keys()) {
    if (index.has(root)) continue;
    const work: { node: number; succ: Iterator<number> }[] = [];
    const open = (node: number): void => {
      index.set(node, next);
      low.set(node, next++);
      stack.push(node);
      onStack.add(node);
      work.push({ node, succ: (edges.get(node)?.keys() ?? [].values()) as Iterator<number> });
    };
    open(root);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const step = top.succ.next();
      if (!step.done) {
        const to = step.value;
        if (!index.has(to)) open(to);
        else if (onStack.has(to)) low.set(top.node, Math.min(low.get(top.node)!, index.get(to)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!));
      }
      if (low.get(top.node) === index.get(top.node)) {
        const component: number[] = [];
        let n: number;
        do {
          n = stack.pop()!;
          onStack.delete(n);
          component.push(n);
        } while (n !== top.node);
        out.push(component);
      }
    }
  }
  return out;
}
