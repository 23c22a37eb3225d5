import pino from 'pino';
import { SeededRandom } from '../../src/common/random.ts';
import { KafkaRaftClient } from '../../src/raft/kafka-raft-client.ts';
import { NotLeaderError } from '../../src/raft/not-leader-error.ts';
import { DEFAULT_QUORUM_CONFIG } from '../../src/raft/quorum-config.ts';
import { VoterSet } from '../../src/raft/voter-set.ts';
import type { ElectionState } from '../../src/raft/election-state.ts';
import { MemoryQuorumStateStore } from './memory-quorum-state-store.ts';
import { MockLog, type MockLogDurableState, type SimIo } from './mock-log.ts';
import { SimInvariants } from './sim-invariants.ts';
import { SimNetwork, type SimEndpoint } from './sim-network.ts';
import { SimScheduler } from './sim-scheduler.ts';
import { SimMembership, randomDirectoryId } from './sim-membership.ts';
import { SimStateMachine } from './sim-state-machine.ts';

const SILENT = pino({ level: 'silent' });
/** A seed with more events than this is spinning (a poll that asks to run again at once, forever). */
const MAX_EVENTS = 300_000;

/** What one seed runs. */
export interface SimulationOptions {
  readonly seed: number;
  /** Voters (3 or 5 by default, chosen by the seed). */
  readonly voters?: number;
  /** Observers (0-2 by default). */
  readonly observers?: number;
  /** Simulated ms of faults and appends. */
  readonly chaosMs?: number;
  /** Simulated ms after everything healed within which a leader must be known by all and a new append commit. */
  readonly livenessBoundMs?: number;
  /** Print every fault as it happens. */
  readonly trace?: boolean;
  /**
   * A dynamic quorum (KIP-853: kraft.version 1, voters in the log, controllers added and removed while it runs)
   * rather than a static one (controller.quorum.voters); chosen by the seed by default.
   */
  readonly dynamic?: boolean;
}

/** The outcome of one seed. */
export interface SimulationResult {
  readonly seed: number;
  readonly failure: string | null;
  readonly events: number;
  readonly simulatedMs: number;
  readonly stats: Record<string, number>;
}

/** One simulated node: its durable state survives its incarnations. */
export class SimNode implements SimEndpoint {
  readonly id: number;
  /** A controller: a static voter, or (dynamic quorum) a replica that may be made a voter. */
  readonly controller: boolean;
  /** The directory id of its metadata log (dynamic quorum; a new one when it loses its disk). */
  directoryId: string | null = null;
  /** controller.quorum.auto.join.enable of its client. */
  autoJoin = false;
  /** The port of its controller listener (a dynamic quorum's controller may come back on another one). */
  port = 9093;
  alive = false;
  ready = false;
  incarnation = 0;
  client: KafkaRaftClient | null = null;
  log: MockLog | null = null;
  store: MemoryQuorumStateStore | null = null;
  sm: SimStateMachine | null = null;
  durableLog: MockLogDurableState | undefined;
  durableElection: ElectionState | null = null;
  polling = false;
  pollAgain = false;
  pollToken = 0;
  scheduledPollAt = Infinity;
  stalledUntilMs = 0;
  shuttingDown = false;

  constructor(id: number, controller: boolean) {
    this.id = id;
    this.controller = controller;
  }
}

/**
 * A seeded, deterministic run of a KRaft quorum (after Kafka's RaftEventSimulationTest): N voters and observers on
 * a SimNetwork with a MockTime, driven by one SeededRandom. Faults (crashes and restarts that keep only what was
 * fsynced, graceful leader shutdowns, partitions and their healing, message loss and delay, stalled nodes, wall
 * clock jumps),
 * appends by whoever leads, and snapshots with log retention run for `chaosMs`; then everything heals and a leader
 * must be elected, known by every node, and commit a new append within `livenessBoundMs`. SimInvariants checks the
 * safety properties after every event.
 */
export class RaftSimulation {
  readonly options: SimulationOptions;
  readonly scheduler = new SimScheduler();
  readonly random: SeededRandom;
  readonly network: SimNetwork;
  readonly nodes = new Map<number, SimNode>();
  /** The static voters (empty with a dynamic quorum). */
  readonly voterSet: VoterSet;
  readonly dynamic: boolean;
  readonly membership: SimMembership | null;
  readonly invariants: SimInvariants;
  readonly #retentionMaxBytes: number;
  #phase: 'chaos' | 'liveness' = 'chaos';
  #events = 0;
  #appendSeq = 0;
  readonly stats: Record<string, number> = { crashes: 0, shutdowns: 0, partitions: 0, appends: 0, acknowledged: 0, snapshots: 0, snapshotLoads: 0 };

  constructor(options: SimulationOptions) {
    this.options = options;
    this.random = new SeededRandom(options.seed);
    const voters = options.voters ?? (this.random.nextInt(2) === 0 ? 3 : 5);
    const observers = options.observers ?? this.random.nextInt(3);
    this.#retentionMaxBytes = 2000 + this.random.nextInt(20000);
    for (let i = 1; i <= voters; i++) this.nodes.set(i, new SimNode(i, true));
    for (let i = 0; i < observers; i++) this.nodes.set(100 + i, new SimNode(100 + i, false));
    this.dynamic = options.dynamic ?? this.random.nextInt(2) === 0;
    const controllers = [...this.nodes.values()].filter((n) => n.controller);
    if (this.dynamic) {
      for (const n of controllers) {
        n.directoryId = randomDirectoryId(this.random);
        n.autoJoin = this.random.nextInt(2) === 0;
      }
      this.voterSet = VoterSet.empty();
      this.membership = new SimMembership(this, 1 + this.random.nextInt(controllers.length));
    } else {
      this.voterSet = VoterSet.fromStaticVoters('CONTROLLER', controllers.map((n) => ({ id: n.id, host: `node${n.id}`, port: 9093 })));
      this.membership = null;
    }
    this.network = new SimNetwork(this.scheduler, this.random.fork(), (id) => this.nodes.get(id));
    this.invariants = new SimInvariants(this);
  }

  get nowMs(): number {
    return this.scheduler.nowMs;
  }

  trace(message: () => string): void {
    if (this.options.trace === true) process.stdout.write(`[${this.nowMs}] ${message()}\n`);
  }

  #io(node: SimNode, incarnation: number): SimIo {
    // Each incarnation gets a disk: instant, fast, or slow (a slow fsync widens the windows a crash can hit).
    const fsyncMaxMs = [0, 3, 30, 300][this.random.nextInt(4)]!;
    return {
      fsync: () =>
        new Promise<void>((resolve) => {
          const delay = this.random.nextInt(fsyncMaxMs + 1);
          this.scheduler.schedule(delay, () => {
            if (node.incarnation === incarnation) resolve();
          });
        }),
    };
  }

  #startNode(node: SimNode): void {
    node.incarnation++;
    const incarnation = node.incarnation;
    node.alive = true;
    node.ready = false;
    node.polling = false;
    node.shuttingDown = false;
    node.scheduledPollAt = Infinity;
    node.pollToken++;
    const io = this.#io(node, incarnation);
    node.log = new MockLog({ io, retention: { retentionMaxBytes: this.#retentionMaxBytes, retentionMs: -1 }, nowMs: () => this.scheduler.time.milliseconds(), durable: node.durableLog });
    node.store = new MemoryQuorumStateStore({ io, durable: node.durableElection });
    const controllers = [...this.nodes.values()].filter((n) => n.controller);
    // A restarted controller of a dynamic quorum sometimes listens on another port: its Voters entry must follow
    // (UpdateRaftVoter, or the leader's own entry at the start of its epoch). The network routes by host.
    if (this.dynamic && node.controller && incarnation > 1 && this.random.nextInt(8) === 0) {
      node.port = node.port === 9093 ? 9094 : 9093;
      this.trace(() => `node ${node.id} restarts on port ${node.port}`);
    }
    const client = new KafkaRaftClient({
      nodeId: node.id,
      nodeDirectoryId: node.directoryId,
      clusterId: 'sim-cluster',
      voters: this.voterSet,
      ...(this.dynamic ? { bootstrapServers: controllers.map((n) => ({ host: `node${n.id}`, port: 9093 })), canBecomeVoter: node.controller } : {}),
      localListeners: new Map([['CONTROLLER', { host: `node${node.id}`, port: node.port }]]),
      config: { ...DEFAULT_QUORUM_CONFIG, autoJoin: node.autoJoin },
      log: node.log,
      store: node.store,
      channel: this.network.channelFor(node),
      time: this.scheduler.time,
      random: this.random.fork(),
      logger: SILENT,
      logCleanIntervalMs: 500,
    });
    node.client = client;
    node.sm = new SimStateMachine(node.id, this.invariants, () => client.highWatermark);
    client.onWakeup(() => this.#wakeup(node, incarnation));
    this.invariants.onStart(node);
    client.initialize().then(
      () => {
        if (node.incarnation !== incarnation) return;
        client.register(node.sm!);
        node.ready = true;
        this.#schedulePoll(node, this.nowMs);
      },
      (e: unknown) => {
        if (node.incarnation === incarnation) this.invariants.fail(`node ${node.id} failed to initialize: ${(e as Error).stack ?? String(e)}`);
      },
    );
  }

  #crash(node: SimNode): void {
    if (!node.alive) return;
    this.trace(() => `crash node ${node.id} (${node.ready ? `${node.client?.stateName} epoch ${node.client?.epoch}` : 'starting'})`);
    this.stats.crashes!++;
    this.#takeDown(node);
  }

  /** The node stops: only its durable state is kept, and nothing of this incarnation runs again. */
  #takeDown(node: SimNode): void {
    node.durableLog = node.log!.crash(this.random);
    node.durableElection = node.store!.crash();
    node.alive = false;
    node.ready = false;
    node.client = null;
    node.pollToken++;
    node.incarnation++;
  }

  #wakeup(node: SimNode, incarnation: number): void {
    if (node.incarnation !== incarnation || !node.alive || !node.ready) return;
    if (node.polling) node.pollAgain = true;
    else this.#schedulePoll(node, this.nowMs);
  }

  #schedulePoll(node: SimNode, atMs: number): void {
    if (!Number.isFinite(atMs) || atMs >= node.scheduledPollAt) return;
    node.scheduledPollAt = atMs;
    const token = ++node.pollToken;
    this.scheduler.schedule(atMs - this.nowMs, () => {
      if (token !== node.pollToken || !node.alive || !node.ready || node.polling) return false;
      node.scheduledPollAt = Infinity;
      if (node.stalledUntilMs > this.nowMs) {
        this.#schedulePoll(node, node.stalledUntilMs);
        return false;
      }
      this.#runPoll(node);
      return true;
    });
  }

  #runPoll(node: SimNode): void {
    const incarnation = node.incarnation;
    const client = node.client!;
    node.polling = true;
    node.pollAgain = false;
    client.poll().then(
      () => {
        if (node.incarnation !== incarnation) return;
        node.polling = false;
        this.#schedulePoll(node, node.pollAgain ? this.nowMs : client.nextPollDeadlineMs);
      },
      (e: unknown) => {
        if (node.incarnation === incarnation) this.invariants.fail(`node ${node.id} poll failed: ${(e as Error).stack ?? String(e)}`);
      },
    );
  }

  /** The node that is leader now (alive, ready, Leader state), if any. */
  leader(): SimNode | undefined {
    return [...this.nodes.values()].find((n) => n.alive && n.ready && n.client!.isLeader);
  }

  #append(): void {
    const leader = this.leader();
    if (leader === undefined) return;
    const client = leader.client!;
    const epoch = client.epoch;
    const count = 1 + this.random.nextInt(3);
    const records = Array.from({ length: count }, () => `r${this.options.seed}-${++this.#appendSeq}`);
    let offset: bigint;
    try {
      offset = client.scheduleAppend(epoch, records.map((r) => Buffer.from(r)));
    } catch (e) {
      if (e instanceof NotLeaderError) return;
      throw e;
    }
    this.stats.appends!++;
    client.waitForCommit(epoch, offset).then(
      () => {
        this.stats.acknowledged!++;
        this.invariants.acknowledged(records, offset);
      },
      (e: unknown) => {
        if (!(e instanceof NotLeaderError)) this.invariants.fail(`waitForCommit failed: ${String(e)}`);
      },
    );
  }

  #snapshot(): void {
    const candidates = [...this.nodes.values()].filter((n) => n.alive && n.ready && n.sm!.nextOffset > 0n);
    if (candidates.length === 0) return;
    const node = candidates[this.random.nextInt(candidates.length)]!;
    const sm = node.sm!;
    const incarnation = node.incarnation;
    const id = { offset: sm.nextOffset, epoch: sm.lastEpoch };
    const records = sm.snapshotRecords();
    node.client!.createSnapshot(id, sm.lastAppendTimestampMs).then(
      async (writer) => {
        if (writer === null || node.incarnation !== incarnation) return;
        await writer.append(records);
        await writer.freeze();
        this.stats.snapshots!++;
      },
      (e: unknown) => {
        if (node.incarnation === incarnation) this.invariants.fail(`node ${node.id} createSnapshot(${id.offset}, ${id.epoch}) failed: ${String(e)}`);
      },
    );
  }

  #gracefulShutdown(node: SimNode): void {
    if (!node.alive || !node.ready || node.shuttingDown) return;
    this.trace(() => `graceful shutdown of node ${node.id} (${node.client!.stateName} epoch ${node.client!.epoch})`);
    this.stats.shutdowns!++;
    node.shuttingDown = true;
    const client = node.client!;
    const incarnation = node.incarnation;
    client.shutdown(5000).then(async () => {
      if (node.incarnation !== incarnation) return;
      // The driver stops polling once shutdown completes, then closes the client (flushing the log).
      await client.close();
      if (node.incarnation !== incarnation) return;
      this.#takeDown(node);
      this.scheduler.schedule(100 + this.random.nextInt(2000), () => {
        if (!node.alive) this.#startNode(node);
      });
    });
  }

  /** One random fault (Kafka's simulation picks among similar ones). */
  #chaos(): void {
    const all = [...this.nodes.values()];
    const pick = this.random.nextInt(100);
    if (pick < 18) {
      const alive = all.filter((n) => n.alive);
      if (alive.length === 0) return;
      // Leaders crash more often: their windows (unflushed appends, pending commits) matter most.
      const leader = this.leader();
      const node = leader !== undefined && this.random.nextInt(2) === 0 ? leader : alive[this.random.nextInt(alive.length)]!;
      this.#crash(node);
      this.scheduler.schedule(50 + this.random.nextInt(3000), () => {
        if (!node.alive) this.#startNode(node);
      });
    } else if (pick < 28) {
      const leader = this.leader();
      if (leader !== undefined) this.#gracefulShutdown(leader);
    } else if (pick < 45) {
      if (this.network.isPartitioned) return;
      const ids = all.map((n) => n.id);
      const side: number[][] = [[], []];
      const leader = this.leader();
      for (const id of ids) side[leader !== undefined && this.random.nextInt(3) === 0 ? (id === leader.id ? 0 : 1) : this.random.nextInt(2)]!.push(id);
      this.trace(() => `partition ${JSON.stringify(side)}`);
      this.stats.partitions!++;
      this.network.partition(side);
      this.scheduler.schedule(200 + this.random.nextInt(5000), () => {
        this.trace(() => 'heal');
        this.network.heal();
      });
    } else if (pick < 60) {
      this.network.config.dropRate = this.random.nextInt(4) === 0 ? this.random.nextDouble() * 0.3 : 0;
      this.network.config.maxDelayMs = 2 + this.random.nextInt(this.random.nextInt(4) === 0 ? 300 : 20);
    } else if (pick < 70) {
      const alive = all.filter((n) => n.alive);
      if (alive.length === 0) return;
      const node = alive[this.random.nextInt(alive.length)]!;
      node.stalledUntilMs = this.nowMs + this.random.nextInt(3000);
      this.trace(() => `stall node ${node.id} until ${node.stalledUntilMs}`);
    } else if (pick < 85) {
      this.#snapshot();
    } else if (pick < 88) {
      const jumpMs = this.random.nextInt(600_000) - 300_000;
      this.trace(() => `wall clock jumps ${jumpMs} ms`);
      this.scheduler.time.jumpWallClock(jumpMs);
    } else if (pick < 96 && this.membership !== null) {
      this.membership.replaceDisk((n) => this.#crash(n), (n) => this.#startNode(n));
    }
  }

  /** A voter change by an admin (dynamic quorum). */
  #changeVoters(): void {
    if (this.random.nextInt(2) === 0) this.membership!.addVoter();
    else this.membership!.removeVoter();
  }

  #every(minMs: number, maxMs: number, action: () => void): void {
    this.scheduler.schedule(minMs + this.random.nextInt(maxMs - minMs + 1), () => {
      if (this.#phase !== 'chaos') return;
      action();
      this.#every(minMs, maxMs, action);
    });
  }

  /** Runs the seed. */
  async run(): Promise<SimulationResult> {
    const chaosMs = this.options.chaosMs ?? 15_000;
    const boundMs = this.options.livenessBoundMs ?? 20_000;
    await this.membership?.formatInitialVoters();
    for (const n of this.nodes.values()) this.#startNode(n);
    this.#every(5, 80, () => this.#append());
    this.#every(30, 400, () => this.#chaos());
    if (this.membership !== null) this.#every(50, 1000, () => this.#changeVoters());
    const chaosEnd = this.nowMs + chaosMs;
    await this.#runUntil(() => this.nowMs >= chaosEnd);
    if (this.invariants.failure !== null) return this.#result();

    // Liveness: heal everything, restart every node, and wait for a leader that all know and that commits.
    this.#phase = 'liveness';
    this.trace(() => 'liveness phase');
    this.network.heal();
    this.network.config.dropRate = 0;
    this.network.config.maxDelayMs = 5;
    for (const n of this.nodes.values()) {
      n.stalledUntilMs = 0;
      if (!n.alive) this.#startNode(n);
    }
    const deadline = this.nowMs + boundMs;
    let probe: { node: SimNode; epoch: number; record: string; offset: bigint } | null = null;
    const settled = (): boolean => {
      const leader = this.leader();
      if (leader === undefined) return false;
      const epoch = leader.client!.epoch;
      const everyone = [...this.nodes.values()];
      if (!everyone.every((n) => n.alive && n.ready && n.client!.epoch === epoch && n.client!.leaderAndEpoch.leaderId === leader.id)) return false;
      if (probe === null || probe.node !== leader || probe.epoch !== epoch) {
        const record = `probe-${this.options.seed}-${epoch}`;
        try {
          probe = { node: leader, epoch, record, offset: leader.client!.scheduleAppend(epoch, [Buffer.from(record)]) };
        } catch {
          return false;
        }
      }
      const p = probe;
      return everyone.every((n) => n.sm!.nextOffset > p.offset);
    };
    await this.#runUntil(() => settled() || this.nowMs >= deadline);
    if (this.invariants.failure === null && !settled()) {
      const states = [...this.nodes.values()].map((n) => `${n.id}:${n.alive ? `${n.client?.stateName}@${n.client?.epoch} leader=${n.client?.leaderAndEpoch.leaderId} hw=${n.client?.highWatermark} leo=${n.log?.endOffset} applied=${n.sm?.nextOffset}${this.dynamic ? ` voters=${n.client?.latestVoters().voters}@${n.client?.latestVoters().offset}` : ''}` : 'down'}`);
      this.invariants.fail(`liveness: no leader known by every node with a committed append within ${boundMs} ms after healing: ${states.join(' | ')}`);
    }
    if (this.invariants.failure === null) this.invariants.checkAcknowledged(this.leader()!);
    return this.#result();
  }

  async #runUntil(done: () => boolean): Promise<void> {
    while (this.invariants.failure === null && !done()) {
      const e = this.scheduler.next();
      if (e === null) break;
      if (++this.#events > MAX_EVENTS) {
        this.invariants.fail(`more than ${MAX_EVENTS} events: a node polls in a loop without waiting`);
        break;
      }
      if (e.run() === false) continue;
      // Let every promise the event settled run to its next wait before checking.
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.invariants.check();
    }
  }

  #result(): SimulationResult {
    for (const n of this.nodes.values()) this.stats.snapshotLoads! += n.sm?.snapshotsLoaded ?? 0;
    return { seed: this.options.seed, failure: this.invariants.failure, events: this.#events, simulatedMs: this.nowMs, stats: this.stats };
  }
}

/** Runs one seed. */
export function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  return new RaftSimulation(options).run();
}
