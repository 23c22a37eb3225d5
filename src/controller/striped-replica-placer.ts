import { ApiError } from '../common/api-error.ts';
import type { Random } from '../common/random.ts';
import { Errors } from '../protocol/generated/errors.ts';

/** A broker that can host new replicas (Kafka's UsableBroker): registered and not in controlled shutdown. */
export interface UsableBroker {
  readonly id: number;
  /** broker.rack, or null. */
  readonly rack: string | null;
  readonly fenced: boolean;
}

/** INVALID_REPLICATION_FACTOR (38), with Kafka's InvalidReplicationFactorException messages. */
export class InvalidReplicationFactorError extends ApiError {
  constructor(message: string) {
    super(Errors.INVALID_REPLICATION_FACTOR, message);
    this.name = 'InvalidReplicationFactorError';
  }
}

/** Fisher-Yates as java.util.Collections.shuffle draws it (from the end, nextInt(i + 1)). */
function shuffle<T>(list: T[], random: Random): void {
  for (let i = list.length - 1; i > 0; i--) {
    const j = random.nextInt(i + 1);
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
}

/** The brokers of one kind in one rack, handed out round robin from a random start (Kafka's BrokerList). */
class BrokerList {
  readonly brokers: number[] = [];
  #index = 0;
  #offset = 0;
  #epoch = 0;

  initialize(random: Random): void {
    if (this.brokers.length === 0) return;
    this.brokers.sort((a, b) => a - b);
    this.#offset = random.nextInt(this.brokers.length);
  }

  shuffle(random: Random): void {
    shuffle(this.brokers, random);
  }

  /** The next broker of this placement `epoch`, or -1 when each was handed out once in it. */
  next(epoch: number): number {
    if (this.brokers.length === 0) return -1;
    if (this.#epoch !== epoch) {
      this.#epoch = epoch;
      this.#index = 0;
      this.#offset = (this.#offset + 1) % this.brokers.length;
    }
    if (this.#index >= this.brokers.length) return -1;
    const broker = this.brokers[(this.#index + this.#offset) % this.brokers.length]!;
    this.#index++;
    return broker;
  }
}

/** One rack's unfenced and fenced brokers (Kafka's Rack): unfenced ones are always handed out first. */
class Rack {
  readonly unfenced = new BrokerList();
  readonly fenced = new BrokerList();

  next(epoch: number): number {
    const result = this.unfenced.next(epoch);
    return result >= 0 ? result : this.fenced.next(epoch);
  }
}

/** Racks in a rotating order (Kafka's RackList); built per placement request. */
class RackList {
  readonly #random: Random;
  readonly #racks = new Map<string | null, Rack>();
  readonly #rackNames: (string | null)[] = [];
  readonly numTotalBrokers: number;
  readonly numUnfencedBrokers: number;
  #epoch = 0;
  #offset: number;

  constructor(random: Random, brokers: readonly UsableBroker[]) {
    this.#random = random;
    let unfenced = 0;
    for (const b of brokers) {
      let rack = this.#racks.get(b.rack);
      if (rack === undefined) {
        rack = new Rack();
        this.#racks.set(b.rack, rack);
        this.#rackNames.push(b.rack);
      }
      if (b.fenced) rack.fenced.brokers.push(b.id);
      else {
        rack.unfenced.brokers.push(b.id);
        unfenced++;
      }
    }
    for (const rack of this.#racks.values()) {
      rack.fenced.initialize(random);
      rack.unfenced.initialize(random);
    }
    // Kafka's OptionalStringComparator: no rack sorts first, then by name.
    this.#rackNames.sort((a, b) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1));
    this.numTotalBrokers = brokers.length;
    this.numUnfencedBrokers = unfenced;
    this.#offset = this.#rackNames.length === 0 ? 0 : random.nextInt(this.#rackNames.length);
  }

  /** The replicas of one partition: the first on an unfenced broker, each following one in the next rack. */
  place(replicationFactor: number): number[] {
    checkPlacement(replicationFactor, this.numTotalBrokers, this.numUnfencedBrokers);
    // After as many partitions as there are unfenced brokers, shuffle so as not to repeat the same assignments.
    if (this.#epoch === this.numUnfencedBrokers && this.numUnfencedBrokers > 1) {
      shuffle(this.#rackNames, this.#random);
      for (const rack of this.#racks.values()) {
        rack.fenced.shuffle(this.#random);
        rack.unfenced.shuffle(this.#random);
      }
      this.#epoch = 0;
    }
    if (this.#offset === this.#rackNames.length) this.#offset = 0;
    const brokers: number[] = [];
    let firstRackIndex = this.#offset;
    for (;;) {
      const result = this.#racks.get(this.#rackNames[firstRackIndex]!)!.unfenced.next(this.#epoch);
      if (result >= 0) {
        brokers.push(result);
        break;
      }
      if (++firstRackIndex === this.#rackNames.length) firstRackIndex = 0;
    }
    let rackIndex = this.#offset;
    for (let replica = 1; replica < replicationFactor; replica++) {
      let result = -1;
      do {
        if (rackIndex === firstRackIndex) firstRackIndex = -1;
        else result = this.#racks.get(this.#rackNames[rackIndex]!)!.next(this.#epoch);
        if (++rackIndex === this.#rackNames.length) rackIndex = 0;
      } while (result < 0);
      brokers.push(result);
    }
    this.#epoch++;
    this.#offset++;
    return brokers;
  }
}

/** Kafka's checks, in its order. @throws InvalidReplicationFactorError */
function checkPlacement(replicationFactor: number, numTotalBrokers: number, numUnfencedBrokers: number): void {
  if (replicationFactor <= 0) throw new InvalidReplicationFactorError(`Invalid replication factor ${replicationFactor}: the replication factor must be positive.`);
  if (numUnfencedBrokers === 0) throw new InvalidReplicationFactorError('All brokers are currently fenced, or have all their log directories cordoned.');
  if (replicationFactor > numTotalBrokers) {
    throw new InvalidReplicationFactorError(
      `The target replication factor of ${replicationFactor} cannot be reached because only ${numTotalBrokers} broker(s) are registered or some brokers have all their log directories cordoned.`,
    );
  }
}

/**
 * Replica placement of new partitions, after Kafka's `StripedReplicaPlacer`: racks (broker.rack; brokers without
 * one form their own rack) are taken in turn from a random start, and within a rack the brokers round robin from
 * a random offset, so that partitions, leaders and the replicas of each partition spread across racks and
 * brokers. A partition's first replica (its preferred leader) is always an unfenced broker; fenced brokers get
 * replicas only once a rack's unfenced ones are used up. All randomness comes from the injected {@link Random}
 * (Kafka's placer shares one java.util.Random), so a seed replays a placement.
 */
export class StripedReplicaPlacer {
  readonly #random: Random;

  constructor(random: Random) {
    this.#random = random;
  }

  /**
   * Places `numPartitions` partitions of `replicationFactor` replicas each on `brokers`.
   * @throws InvalidReplicationFactorError (38) for a non-positive factor, when every broker is fenced, or when
   *   the factor exceeds the number of usable brokers (Kafka's messages).
   */
  place(numPartitions: number, replicationFactor: number, brokers: readonly UsableBroker[]): number[][] {
    const racks = new RackList(this.#random, brokers);
    checkPlacement(replicationFactor, racks.numTotalBrokers, racks.numUnfencedBrokers);
    const placements: number[][] = [];
    for (let p = 0; p < numPartitions; p++) placements.push(racks.place(replicationFactor));
    return placements;
  }
}
