import type { Random } from '../../src/common/random.ts';
import { ApiKeys } from '../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../src/protocol/generated/errors.ts';
import type { ApiVersionsResponse } from '../../src/protocol/generated/messages/api-versions-response.ts';
import type { NetworkChannel, RaftRequestOutbound, RaftResponseData } from '../../src/raft/network-channel.ts';
import type { KafkaRaftClient } from '../../src/raft/kafka-raft-client.ts';
import type { SimScheduler } from './sim-scheduler.ts';

/** The ApiVersions answer of every simulated node (the leader reads kraft.version before it adds a voter). */
const SIM_API_VERSIONS: ApiVersionsResponse = {
  errorCode: Errors.NONE,
  apiKeys: [],
  throttleTimeMs: 0,
  supportedFeatures: [{ name: 'kraft.version', minVersion: 0, maxVersion: 1 }],
  finalizedFeaturesEpoch: -1n,
  finalizedFeatures: [],
  zkMigrationReady: false,
};

/** What the network needs to know of a node. */
export interface SimEndpoint {
  readonly id: number;
  readonly alive: boolean;
  /** Bumped at every restart: messages of an older incarnation are lost (its connections were reset). */
  readonly incarnation: number;
  readonly client: KafkaRaftClient | null;
}

/** Network behaviour the faults change. */
export interface SimNetworkConfig {
  /** Chance that a message (request or response) is lost. */
  dropRate: number;
  /** Each message takes a random delay in [minDelayMs, maxDelayMs]. */
  minDelayMs: number;
  maxDelayMs: number;
}

/**
 * The simulated network between raft clients: every request and response is an event delivered after a random
 * delay (so messages reorder), may be dropped, and is lost when the two nodes are on different sides of a
 * partition or either end restarted meanwhile. A request to a node that is down fails fast (connection refused,
 * BROKER_NOT_AVAILABLE); a lost message just never arrives, and the sender's request timeout deals with it.
 * Bodies are handed over as the objects the generated codecs decode to.
 */
export class SimNetwork {
  readonly config: SimNetworkConfig = { dropRate: 0, minDelayMs: 1, maxDelayMs: 5 };
  readonly #scheduler: SimScheduler;
  readonly #random: Random;
  readonly #nodes: (id: number) => SimEndpoint | undefined;
  /** Node id -> side of the current partition; absent: not partitioned. */
  #sides: Map<number, number> | null = null;
  sent = 0;
  dropped = 0;

  constructor(scheduler: SimScheduler, random: Random, nodes: (id: number) => SimEndpoint | undefined) {
    this.#scheduler = scheduler;
    this.#random = random;
    this.#nodes = nodes;
  }

  /** Splits the nodes into sides (messages between sides are lost) until {@link heal}. */
  partition(sides: readonly (readonly number[])[]): void {
    this.#sides = new Map();
    sides.forEach((ids, side) => ids.forEach((id) => this.#sides!.set(id, side)));
  }

  heal(): void {
    this.#sides = null;
  }

  get isPartitioned(): boolean {
    return this.#sides !== null;
  }

  /** Nodes on the same side of the partition as `id` (all when not partitioned). */
  sameSide(a: number, b: number): boolean {
    return this.#sides === null || this.#sides.get(a) === this.#sides.get(b);
  }

  #delay(): number {
    const { minDelayMs, maxDelayMs } = this.config;
    return minDelayMs + this.#random.nextInt(Math.max(1, maxDelayMs - minDelayMs + 1));
  }

  #lost(from: number, to: number): boolean {
    if (!this.sameSide(from, to)) return true;
    if (this.config.dropRate > 0 && this.#random.nextDouble() < this.config.dropRate) {
      this.dropped++;
      return true;
    }
    return false;
  }

  /** The NetworkChannel of node `from` in its current incarnation. */
  channelFor(from: SimEndpoint): NetworkChannel {
    const incarnation = from.incarnation;
    return {
      listenerName: 'CONTROLLER',
      send: (request) => this.#send(from.id, incarnation, request),
    };
  }

  #send(fromId: number, incarnation: number, request: RaftRequestOutbound): Promise<RaftResponseData> {
    this.sent++;
    // Routed by address, as a real network does: bootstrap servers have no node id (Kafka numbers them -2, -3...).
    const toId = Number(/^node(\d+)$/.exec(request.destination.host)?.[1] ?? NaN);
    return new Promise((resolve, reject) => {
      const target = this.#nodes(toId);
      if (target === undefined || !target.alive) {
        // Connection refused: the sender learns fast.
        this.#scheduler.schedule(this.#delay(), () => reject(Object.assign(new Error(`node ${toId} is down`), { errorCode: Errors.BROKER_NOT_AVAILABLE })));
        return;
      }
      if (this.#lost(fromId, toId)) return;
      const targetIncarnation = target.incarnation;
      this.#scheduler.schedule(this.#delay(), () => {
        const to = this.#nodes(toId);
        const from = this.#nodes(fromId);
        if (to === undefined || !to.alive || to.incarnation !== targetIncarnation || to.client === null) return;
        if (from === undefined || !from.alive || from.incarnation !== incarnation || !this.sameSide(fromId, toId)) return;
        // ApiVersions is the node's, not its raft client's: every simulated node supports kraft.version 0-1.
        const answer = request.apiKey === ApiKeys.ApiVersions ? Promise.resolve(SIM_API_VERSIONS) : to.client.handleInboundRequest(request.apiKey, request.apiVersion, request.data);
        answer.then((response) => {
          if (this.#lost(toId, fromId)) return;
          this.#scheduler.schedule(this.#delay(), () => {
            const sender = this.#nodes(fromId);
            const responder = this.#nodes(toId);
            if (sender === undefined || !sender.alive || sender.incarnation !== incarnation) return;
            if (responder === undefined || responder.incarnation !== targetIncarnation || !this.sameSide(fromId, toId)) return;
            resolve(response);
          });
        });
      });
    });
  }
}
