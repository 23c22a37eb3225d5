// The nemesis of the torture harness (issue 16 item 2): faults on a running test cluster, chosen and timed by a
// seeded random source so that a seed replays the same schedule, each logged with its start and heal times.
// One fault at a time: inject, hold for a random time, heal, let the cluster recover, repeat.
//
// Kinds (NemesisFault): kill (kill -9, restarted at heal), pause (SIGSTOP, SIGCONT at heal: the zombie leader),
// isolate (one node cut from every other node and the clients), split (a minority of one against the majority,
// clients reach both), bridge (two nodes cut from each other, the third reaches both), clients (one node cut from
// the clients only), controller (one node's controller port cut from the other nodes: raft only), lossy (20 %
// packet loss on one node). Network faults need NetworkHosts (namespaces); kill and pause work on any cluster.
import { SeededRandom } from '../../src/common/random.ts';
import type { TestCluster } from '../cluster/test-cluster.ts';
import type { NetworkHosts } from './network-hosts.ts';

export const FAULT_KINDS = ['kill', 'pause', 'isolate', 'split', 'bridge', 'clients', 'controller', 'lossy'] as const;
export type NemesisFault = (typeof FAULT_KINDS)[number];

const NETWORK_FAULTS: ReadonlySet<NemesisFault> = new Set(['isolate', 'split', 'bridge', 'clients', 'controller', 'lossy']);

/** One injected fault: what, on which nodes, and when (ms since the run started). */
export interface FaultEvent {
  kind: NemesisFault;
  nodes: number[];
  startMs: number;
  healMs?: number;
  /** ms from heal until the cluster served again with every partition's ISR full (see the runner). */
  recoveryMs?: number;
  error?: string;
}

/** Schedule settings, ms. */
export interface NemesisOptions {
  kinds: readonly NemesisFault[];
  seed: number;
  /** A fault holds for a uniform random time in [minHoldMs, maxHoldMs). */
  minHoldMs: number;
  maxHoldMs: number;
}

/**
 * Injects one fault at a time into `cluster`. {@link inject} picks the next fault from the seeded source and
 * applies it; {@link heal} undoes it. Every event is kept in {@link events}.
 */
export class Nemesis {
  readonly events: FaultEvent[] = [];
  readonly #cluster: TestCluster;
  readonly #hosts: NetworkHosts | undefined;
  readonly #random: SeededRandom;
  readonly #options: NemesisOptions;
  readonly #t0: number;
  #current: FaultEvent | undefined;

  /** @throws Error when a network fault is asked for without hosts. */
  constructor(cluster: TestCluster, hosts: NetworkHosts | undefined, options: NemesisOptions, t0 = performance.now()) {
    for (const k of options.kinds) if (NETWORK_FAULTS.has(k) && hosts === undefined) throw new Error(`fault '${k}' needs network namespaces`);
    this.#cluster = cluster;
    this.#hosts = hosts;
    this.#random = new SeededRandom(options.seed);
    this.#options = options;
    this.#t0 = t0;
  }

  /** How long the next fault holds, ms (drawn from the seeded source). */
  nextHoldMs(): number {
    const { minHoldMs, maxHoldMs } = this.#options;
    return minHoldMs + this.#random.nextInt(Math.max(1, maxHoldMs - minHoldMs));
  }

  #now(): number {
    return performance.now() - this.#t0;
  }

  #pick<T>(items: readonly T[]): T {
    return items[this.#random.nextInt(items.length)]!;
  }

  /** Applies the next fault. @throws Error when one is already active. */
  async inject(): Promise<FaultEvent> {
    if (this.#current !== undefined) throw new Error('a fault is already active');
    const kind = this.#pick(this.#options.kinds);
    const ids = this.#cluster.nodes.map((n) => n.nodeId);
    const target = this.#pick(ids);
    const others = ids.filter((i) => i !== target);
    const event: FaultEvent = { kind, nodes: [target], startMs: this.#now() };
    this.#current = event;
    this.events.push(event);
    const hosts = this.#hosts;
    try {
      switch (kind) {
        case 'kill':
          await this.#cluster.node(target).kill();
          break;
        case 'pause':
          this.#cluster.node(target).pause();
          break;
        case 'isolate':
          await hosts!.partition([[target], others]);
          await hosts!.isolateFromClients(target);
          break;
        case 'split':
          await hosts!.partition([[target], others]);
          break;
        case 'bridge': {
          const cut = others.slice(0, 2);
          event.nodes = cut;
          if (cut.length === 2) await hosts!.partition([[cut[0]!], [cut[1]!]]);
          break;
        }
        case 'clients':
          await hosts!.isolateFromClients(target);
          break;
        case 'controller':
          await hosts!.cutPort(target, others, this.#cluster.node(target).controllerPort ?? 9093);
          break;
        case 'lossy':
          await hosts!.lossy(target, 0.2);
          break;
      }
    } catch (e) {
      event.error = (e as Error).message;
    }
    return event;
  }

  /** Undoes the active fault (restart, SIGCONT, remove the rules). Does nothing without one. */
  async heal(): Promise<FaultEvent | undefined> {
    const event = this.#current;
    if (event === undefined) return undefined;
    this.#current = undefined;
    try {
      if (event.kind === 'kill') {
        const node = this.#cluster.node(event.nodes[0]!);
        if (!node.isUp) await node.start(60_000);
      } else if (event.kind === 'pause') {
        this.#cluster.node(event.nodes[0]!).resume();
      } else {
        await this.#hosts!.heal();
      }
    } catch (e) {
      event.error = `${event.error ?? ''}heal: ${(e as Error).message}`;
    }
    event.healMs = this.#now();
    return event;
  }
}
